/**
 * The client side of `bench pares` against one server: G generator processes sharing the
 * connections (and, for a broker, the subscriber process), and one measured window — what the
 * generators sent and had acknowledged, what the server says it took, and the CPU of every
 * process on both sides and of the machine as a whole.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type Child, forkNode, startNode } from '../hub/children.js';
import { cpuPercent, type ProcSample, sampleProc } from '../hub/proc-stats.js';
import { ask } from '../hub/ipc.js';
import { ROOT } from '../hub/run.js';
import { summarize } from '../hub/stats.js';
import type { LatencySummary } from '../hub/types.js';
import { machinePercent, sampleMachine, sampleThread, type ThreadSample, threadPercent } from './cpu-share.js';
import { askStats, type Count, type Target } from './targets.js';
import type { GeneratorCommand, GeneratorConfig, GeneratorMessage, RunResult } from './types.js';

type Connected = Extract<GeneratorMessage, { type: 'connected' }>;
type Ran = Extract<GeneratorMessage, { type: 'ran' }>;

const GENERATOR = fileURLToPath(new URL('./generator.js', import.meta.url));
const SUBSCRIBER = fileURLToPath(new URL('./subscriber.js', import.meta.url));
/** How often the server's own count is read during a window (its rate comes from the first and last). */
const COUNT_EVERY_MS = 500;

export interface Rates {
  estadoPerS: number;
  ventasPerS: number;
}

/** One measured window, summed over the generators. */
export interface Window {
  offeredPerS: number;
  sentPerS: number;
  windowS: number;
  sent: { estado: number; ventas: number };
  blocked: number;
  notGenerated: number;
  lost: number;
  acked: number;
  latency: LatencySummary | null;
  errors: Record<string, number>;
  /** Messages/s by the server's own count; null when it cannot say. */
  processedPerS: number | null;
  /** False when the count is a periodic report (mosquitto's $SYS): a hint, not a measure. */
  processedExact: boolean;
  /** Messages/s the subscriber received (brokers only). */
  deliveredPerS: number | null;
  /** % of one core. */
  cpu: {
    server: number | null;
    generators: number | null;
    /** The busiest generator process. */
    generatorMax: number | null;
    subscriber: number | null;
    machine: number | null;
    /** machine − (server + generators + subscriber): someone else's work on a shared machine. */
    others: number | null;
    /** The server's main thread (its event loop): % of the window on a CPU, and waiting for one. */
    serverThread: { run: number; wait: number } | null;
    /** The generator main thread that waited longest for a CPU. */
    generatorThread: { run: number; wait: number } | null;
  };
  maxGeneratorLagMs: number;
}

const sum = (xs: (number | null)[]) =>
  xs.some((x) => x === null) ? null : xs.reduce<number>((a, b) => a + (b ?? 0), 0);

/** Messages/s between the first and the last reading, when they are far enough apart to say. */
function rateOf(counts: Count[]): number | null {
  const first = counts[0];
  const last = counts.at(-1);
  if (!first || !last || last.at - first.at < 500) return null;
  return ((last.count - first.count) * 1000) / (last.at - first.at);
}

export class Fleet {
  private runs = 0;

  private constructor(
    private readonly target: Target,
    private readonly generators: Child[],
    private readonly subscriber: Child | null,
    /** Connections per generator at most (its id range). */
    private readonly shard: number,
  ) {}

  /** Forks the generators (and, for a broker, starts the subscriber and waits for its SUBSCRIBE). */
  static async start(target: Target, generators: number, maxConnections: number): Promise<Fleet> {
    const shard = Math.ceil(maxConnections / generators);
    const children = Array.from({ length: generators }, (_, g) => {
      const cfg: GeneratorConfig = {
        protocol: target.protocol,
        port: target.port,
        firstId: g * shard + 1,
        batchSize: 100,
        connectTimeoutMs: 30_000,
        // A few lines' worth: more than that queued means the server is not reading.
        maxBufferedBytes: 16 * 1024,
      };
      return forkNode(`generador ${g + 1}`, GENERATOR, [JSON.stringify(cfg)]);
    });
    let subscriber: Child | null = null;
    if (target.protocol === 'mqtt') {
      subscriber = startNode('consumidor', SUBSCRIBER, [String(target.port)], { cwd: ROOT, ipc: true });
      try {
        await subscriber.waitForLine((e) => e.suscrito === true, 10_000);
      } catch (err) {
        // No fleet is returned, so nobody else would stop these before the next server's turn.
        await Promise.all([...children.map((c) => c.stop(2000)), subscriber.stop(2000)]);
        throw err;
      }
    }
    return new Fleet(target, children, subscriber, shard);
  }

  /** Brings the fleet to `total` open connections, spread evenly over the generators. */
  async connect(total: number): Promise<number> {
    if (Math.ceil(total / this.generators.length) > this.shard)
      throw new Error(`más de ${this.shard} conexiones por generador`);
    const started = performance.now();
    const answers = await Promise.all(
      this.generators.map((gen, g) => {
        const count = Math.floor(total / this.generators.length) + (g < total % this.generators.length ? 1 : 0);
        return ask<Connected>(gen, { type: 'connect', count } satisfies GeneratorCommand, 'connected', 10 * 60_000);
      }),
    );
    const failures = answers.flatMap((a) => a.failures);
    if (failures.length > 0) throw new Error(`${this.target.name}: conexiones rechazadas: ${failures.join('; ')}`);
    return performance.now() - started;
  }

  /** Rates in total (split over the generators); measures the sending window. */
  async run(rates: Rates, seconds: number, drainMs: number): Promise<Window> {
    this.runs += 1;
    const G = this.generators.length;
    const pids = this.generators.map((g) => g.proc.pid);
    const counts: Count[] = [];
    const readCount = async () => {
      const c = await this.target.processed();
      if (c) counts.push(c);
    };
    const delivered = () => (this.subscriber ? askSubscriber(this.subscriber) : Promise.resolve(null));

    const windowStart = performance.now();
    await readCount();
    const deliveredStart = await delivered();
    const before = snapshot(this.target.pid, pids, this.subscriber?.proc.pid);
    let sendingDone = 0;
    let allSent: () => void = () => {};
    const sentPromise = new Promise<void>((resolve) => {
      allSent = resolve;
    });
    const onDone = (m: GeneratorMessage) => {
      if (m.type === 'sending-done' && ++sendingDone === G) allSent();
    };
    for (const gen of this.generators) gen.proc.on('message', onDone);
    let sending = true;
    let poller: Promise<void> = Promise.resolve();
    try {
      const results = Promise.all(
        this.generators.map((gen) =>
          ask<Ran>(
            gen,
            {
              type: 'run',
              run: this.runs,
              estadoPerS: rates.estadoPerS / G,
              ventasPerS: rates.ventasPerS / G,
              seconds,
              drainMs,
            } satisfies GeneratorCommand,
            'ran',
            seconds * 1000 + drainMs + 60_000,
          ),
        ),
      );
      // The server's count, read through the window until every generator has sent its share.
      poller = (async () => {
        while (sending) {
          await Promise.race([new Promise((r) => setTimeout(r, COUNT_EVERY_MS)), sentPromise]);
          if (sending) await readCount();
        }
      })();
      await Promise.race([sentPromise, results]);
      sending = false;
      const after = snapshot(this.target.pid, pids, this.subscriber?.proc.pid);
      const windowEnd = after.server.at;
      await poller;
      await readCount();
      const deliveredEnd = await delivered();
      const ran = (await results).map((m) => m.result);
      // A live counter is read right after the window; a periodic one ($SYS) may report later,
      // after an idle stretch that would lower its rate: only readings near the window count.
      const inWindow = counts.filter((c) => c.at >= windowStart && c.at <= windowEnd + 100);
      return windowOf(ran, rates, inWindow, this.target.countExact, before, after, deliveredStart, deliveredEnd);
    } finally {
      sending = false;
      await poller.catch(() => {});
      for (const gen of this.generators) gen.proc.off('message', onDone);
    }
  }

  async close(): Promise<void> {
    for (const gen of this.generators)
      if (gen.proc.connected) gen.proc.send({ type: 'close' } satisfies GeneratorCommand);
    await Promise.all([...this.generators.map((g) => g.stop(5000)), this.subscriber?.stop(2000)]);
  }
}

async function askSubscriber(sub: Child): Promise<{ messages: number; at: number } | null> {
  const stats = await askStats<{ type: 'stats'; messages: number }>(sub);
  return stats ? { messages: stats.messages, at: performance.now() } : null;
}

interface Snapshot {
  server: ProcSample;
  generators: ProcSample[];
  subscriber: ProcSample | null;
  machine: ReturnType<typeof sampleMachine>;
  serverThread: ThreadSample | null;
  generatorThreads: (ThreadSample | null)[];
}

function snapshot(
  server: number | undefined,
  generators: (number | undefined)[],
  subscriber: number | undefined,
): Snapshot {
  return {
    server: sampleProc(server),
    generators: generators.map((pid) => sampleProc(pid)),
    subscriber: subscriber === undefined ? null : sampleProc(subscriber),
    machine: sampleMachine(),
    serverThread: sampleThread(server),
    generatorThreads: generators.map((pid) => sampleThread(pid)),
  };
}

function windowOf(
  ran: RunResult[],
  rates: Rates,
  counts: Count[],
  processedExact: boolean,
  before: Snapshot,
  after: Snapshot,
  deliveredStart: { messages: number; at: number } | null,
  deliveredEnd: { messages: number; at: number } | null,
): Window {
  const windowS = Math.max(...ran.map((r) => r.windowMs)) / 1000;
  const total = <K extends 'sent' | 'offered'>(k: K) => ({
    estado: ran.reduce((a, r) => a + r[k].estado, 0),
    ventas: ran.reduce((a, r) => a + r[k].ventas, 0),
  });
  const sent = total('sent');
  const errors: Record<string, number> = {};
  for (const r of ran) for (const [codigo, n] of Object.entries(r.errors)) errors[codigo] = (errors[codigo] ?? 0) + n;
  const server = cpuPercent(before.server, after.server);
  const generatorCpus = before.generators.map((b, i) => {
    const a = after.generators[i];
    return a ? cpuPercent(b, a) : null;
  });
  const generators = sum(generatorCpus);
  const subscriber = before.subscriber && after.subscriber ? cpuPercent(before.subscriber, after.subscriber) : null;
  const machine = machinePercent(before.machine, after.machine);
  const ours = sum([server, generators, subscriber ?? 0]);
  return {
    offeredPerS: rates.estadoPerS + rates.ventasPerS,
    sentPerS: (sent.estado + sent.ventas) / windowS,
    windowS,
    sent,
    blocked: ran.reduce((a, r) => a + r.blocked, 0),
    notGenerated: ran.reduce((a, r) => a + r.notGenerated, 0),
    lost: ran.reduce((a, r) => a + r.lost, 0),
    acked: ran.reduce((a, r) => a + r.acked, 0),
    latency: summarize(ran.flatMap((r) => r.latencies)),
    errors,
    processedPerS: rateOf(counts),
    processedExact,
    deliveredPerS:
      deliveredStart && deliveredEnd && deliveredEnd.at > deliveredStart.at
        ? ((deliveredEnd.messages - deliveredStart.messages) * 1000) / (deliveredEnd.at - deliveredStart.at)
        : null,
    cpu: {
      server,
      generators,
      generatorMax: generatorCpus.some((c) => c === null) ? null : Math.max(...(generatorCpus as number[])),
      subscriber,
      machine,
      others: machine !== null && ours !== null ? Math.max(0, machine - ours) : null,
      serverThread: threadPercent(before.serverThread, after.serverThread),
      generatorThread: before.generatorThreads
        .map((b, i) => threadPercent(b, after.generatorThreads[i] ?? null))
        .reduce<{ run: number; wait: number } | null>((a, t) => (t && (!a || t.wait > a.wait) ? t : a), null),
    },
    maxGeneratorLagMs: Math.max(...ran.map((r) => r.maxLagMs)),
  };
}
