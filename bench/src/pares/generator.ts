/**
 * `bench pares` load generator: one child process holding a share of the fleet (ids firstId…),
 * driven by the parent over IPC (GeneratorCommand → GeneratorMessage). Several run side by side so
 * the load is not capped by one process's core, and their CPU is not charged to the server.
 *
 * Unlike the hub's generator (one fixed run, then exit), this one keeps its connections between
 * runs: connect to 1k, then 5k, then 15k for the idle-memory figure; one run per rate step for
 * the saturation sweep. It is protocol-agnostic (peers.ts), so the station and the brokers get the
 * very same schedule.
 *
 * Open loop: `estado` and sales go out at their rates whatever the server does, spread round-robin
 * over the connections. A line is not written, and counted, when its connection is gone, when the
 * connection already holds maxBufferedBytes unsent (the server stopped reading: it is the limit),
 * or when this process is more than CATCH_UP_MS behind its schedule (the generator is the limit).
 * Counting instead of queueing keeps memory bounded and says which side gave way.
 */
import { performance } from 'node:perf_hooks';
import { toParent } from '../hub/ipc.js';
import { increment } from '../hub/stats.js';
import { openPeer, type Peer, type PeerEvents } from './peers.js';
import type { GeneratorCommand, GeneratorConfig, GeneratorMessage, RunResult, RunSpec } from './types.js';

const TICK_MS = 5;
const CATCH_UP_MS = 250;

/** Typed: only this benchmark's messages go to the parent. */
const send = (msg: GeneratorMessage) => toParent(msg);

const emptyResult = (): RunResult => ({
  windowMs: 0,
  offered: { estado: 0, ventas: 0 },
  sent: { estado: 0, ventas: 0 },
  blocked: 0,
  notGenerated: 0,
  lost: 0,
  acked: 0,
  latencies: [],
  maxLagMs: 0,
  errors: {},
});

class Generator {
  private readonly peers: Peer[] = [];
  /** Sales of the current run awaiting acknowledgement: id → send time. */
  private readonly pending = new Map<string, number>();
  private result = emptyResult();
  private drained: (() => void) | null = null;

  constructor(private readonly cfg: GeneratorConfig) {}

  private readonly events: PeerEvents = {
    onAck: (id) => {
      const sentAt = this.pending.get(id);
      if (sentAt === undefined) return;
      this.pending.delete(id);
      this.result.acked += 1;
      this.result.latencies.push(performance.now() - sentAt);
      if (this.pending.size === 0) this.drained?.();
    },
    onError: (codigo) => increment(this.result.errors, codigo),
    onLost: () => {},
  };

  /** Opens connections until this generator holds `count` (they stay open across runs). */
  async connect(count: number): Promise<GeneratorMessage> {
    const start = performance.now();
    const failures: string[] = [];
    const open = openPeer[this.cfg.protocol];
    while (this.peers.length < count && failures.length === 0) {
      const first = this.peers.length;
      const last = Math.min(count, first + this.cfg.batchSize);
      const batch: Promise<Peer>[] = [];
      for (let i = first; i < last; i++)
        batch.push(open(this.cfg.port, this.cfg.firstId + i, this.cfg.connectTimeoutMs, this.events));
      for (const r of await Promise.allSettled(batch)) {
        if (r.status === 'fulfilled') this.peers.push(r.value);
        else failures.push(r.reason instanceof Error ? r.reason.message : String(r.reason));
      }
    }
    return {
      type: 'connected',
      open: this.peers.length,
      failures: failures.slice(0, 3),
      ms: performance.now() - start,
    };
  }

  private pick(k: number): Peer | null {
    const peer = this.peers[k % this.peers.length];
    if (!peer?.open) {
      this.result.lost += 1;
      return null;
    }
    if (peer.buffered > this.cfg.maxBufferedBytes) {
      this.result.blocked += 1;
      return null;
    }
    return peer;
  }

  /** Sends at the spec's rates for spec.seconds, then waits up to drainMs for the last acks. */
  run(spec: RunSpec): Promise<RunResult> {
    this.result = emptyResult();
    this.pending.clear();
    const r = this.result;
    const endMs = spec.seconds * 1000;
    r.offered = {
      estado: Math.floor((endMs * spec.estadoPerS) / 1000),
      ventas: Math.floor((endMs * spec.ventasPerS) / 1000),
    };
    if (this.peers.length === 0) return Promise.resolve(r);
    const t0 = performance.now();
    let lastTick = t0;
    let estado = 0;
    let venta = 0;
    // Past the catch-up budget, what is due is dropped (counted), not sent in one burst.
    const catchUp = (cursor: number, due: number, perS: number) => {
      const budget = Math.max(1, Math.ceil((perS * CATCH_UP_MS) / 1000));
      if (due - cursor <= budget) return cursor;
      r.notGenerated += due - cursor - budget;
      return due - budget;
    };
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(drainTimer);
        this.drained = null;
        this.pending.clear();
        resolve(r);
      };
      let drainTimer: NodeJS.Timeout | undefined;
      const tick = () => {
        const now = performance.now();
        r.maxLagMs = Math.max(r.maxLagMs, now - lastTick - TICK_MS);
        lastTick = now;
        const t = Math.min(now - t0, endMs);
        const estadoDue = Math.floor((t * spec.estadoPerS) / 1000);
        for (estado = catchUp(estado, estadoDue, spec.estadoPerS); estado < estadoDue; estado++) {
          const peer = this.pick(estado);
          if (!peer) continue;
          peer.sendEstado();
          r.sent.estado += 1;
        }
        const ventaDue = Math.floor((t * spec.ventasPerS) / 1000);
        for (venta = catchUp(venta, ventaDue, spec.ventasPerS); venta < ventaDue; venta++) {
          const peer = this.pick(venta);
          if (!peer) continue;
          const id = `p${spec.run}-${this.cfg.firstId}-${venta}`;
          this.pending.set(id, performance.now());
          peer.sendVenta(id);
          r.sent.ventas += 1;
        }
        if (t < endMs) return;
        clearInterval(ticker);
        r.windowMs = performance.now() - t0;
        void send({ type: 'sending-done' });
        if (this.pending.size === 0) return finish();
        this.drained = finish;
        drainTimer = setTimeout(finish, spec.drainMs);
      };
      const ticker = setInterval(tick, TICK_MS);
    });
  }

  close(): void {
    for (const peer of this.peers) peer.close();
  }
}

const generator = new Generator(JSON.parse(process.argv[2] ?? '{}') as GeneratorConfig);
// The parent owns this process: when it goes away, so do we.
process.on('disconnect', () => process.exit(3));
// Commands are handled one at a time, in order: the parent waits for each answer anyway.
let queue = Promise.resolve();
process.on('message', (cmd: GeneratorCommand) => {
  queue = queue.then(async () => {
    if (cmd.type === 'connect') await send(await generator.connect(cmd.count));
    else if (cmd.type === 'run') await send({ type: 'ran', result: await generator.run(cmd) });
    else {
      generator.close();
      process.exit(0);
    }
  });
  queue.catch(async (err: unknown) => {
    await send({ type: 'fatal', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(1);
  });
});
