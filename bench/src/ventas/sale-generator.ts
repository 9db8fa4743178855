/**
 * The sales benchmark's load: N simulated pumps against the station's pump port, each keeping
 * `inFlight` sales sent and unconfirmed (a closed loop: a confirmation frees the slot for the
 * next sale). Runs in its own process (forked, config as JSON in argv[2]) so its CPU is not
 * charged to the station; talks to the parent over IPC (SaleLoadMessage / SaleLoadCommand).
 *
 * The sales answered by one chunk from the station go out in one write, so the generator spends
 * one syscall per chunk and not one per sale. Latency is send → matching `transaccion_confirmada`.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { LineDecoder } from '@combustible/shared';
import { applyPrices, newPumpState, type PumpState, registroLine, transaccionLine } from '../hub/messages.js';
import { increment, summarize } from '../hub/stats.js';
import type { SaleLoadCommand, SaleLoadConfig, SaleLoadMessage, SaleLoadResult } from './types.js';

type Json = Record<string, unknown>;

function report(msg: SaleLoadMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) resolve();
    else process.send(msg, undefined, undefined, () => resolve());
  });
}

/** One pump: registers, then hands every later line to `onLine`. */
class SaleConnection {
  readonly pump: PumpState;
  registered = false;
  closing = false;
  /** Lines to send once the current chunk has been read. */
  private out = '';

  private constructor(
    readonly socket: net.Socket,
    id: number,
  ) {
    this.pump = newPumpState(id);
  }

  static open(cfg: SaleLoadConfig, id: number, onLine: (c: SaleConnection, msg: Json) => void, onLost: () => void) {
    const socket = net.connect({ port: cfg.port, host: '127.0.0.1', noDelay: true });
    const conn = new SaleConnection(socket, id);
    return new Promise<SaleConnection>((resolve, reject) => {
      const fail = (reason: string) => {
        clearTimeout(timer);
        conn.closing = true;
        socket.destroy();
        reject(new Error(`surtidor ${id}: ${reason}`));
      };
      const timer = setTimeout(
        () => fail(`sin registro_confirmado en ${cfg.registerTimeoutMs} ms`),
        cfg.registerTimeoutMs,
      );
      const decoder = new LineDecoder(
        {
          onLine: (line) => {
            let msg: Json;
            try {
              msg = JSON.parse(line) as Json;
            } catch {
              msg = { tipo: '(json inválido)' };
            }
            if (conn.registered) onLine(conn, msg);
            else if (msg.tipo === 'registro_confirmado') {
              clearTimeout(timer);
              applyPrices(conn.pump, msg);
              conn.registered = true;
              resolve(conn);
            } else if (msg.tipo === 'registro_rechazado' || msg.tipo === 'error')
              fail(`${String(msg.tipo)} ${String(msg.codigo)}: ${String(msg.mensaje)}`);
          },
          onOverflow: () => fail('línea demasiado larga'),
        },
        { maxLineBytes: 1024 * 1024 },
      );
      socket.on('connect', () => socket.write(registroLine(conn.pump)));
      socket.on('data', (chunk: Buffer) => {
        decoder.push(chunk);
        conn.flush();
      });
      socket.on('error', (err) => {
        if (!conn.registered) fail(err.message);
      });
      socket.on('close', () => {
        if (!conn.registered) fail('conexión cerrada antes del registro');
        else if (!conn.closing) onLost();
        conn.closing = true;
      });
    });
  }

  get open(): boolean {
    return this.registered && !this.closing && !this.socket.destroyed;
  }

  queue(line: string): void {
    this.out += line;
  }

  flush(): void {
    if (this.out.length === 0) return;
    if (this.open) this.socket.write(this.out);
    this.out = '';
  }

  close(): void {
    this.closing = true;
    this.socket.destroy();
  }
}

class SaleRun {
  private conns: SaleConnection[] = [];
  private phase: 'idle' | 'warmup' | 'window' | 'drain' | 'done' = 'idle';
  private readonly tag = `v${Date.now().toString(36)}`;
  /** id → send time (ms, performance.now()). */
  private readonly pending = new Map<string, number>();
  private readonly latencies: number[] = [];
  private readonly errors: Record<string, number> = {};
  private next = 0;
  private confirmed = 0;
  private confirmedInWindow = 0;
  private duplicates = 0;
  private connectionsLost = 0;
  private windowStart = 0;
  private windowEnd = 0;
  private cpuStart = process.cpuUsage();
  private cpuUsedMs = 0;
  private done: (r: SaleLoadResult) => void = () => {};
  registerMs = 0;

  constructor(private readonly cfg: SaleLoadConfig) {}

  async register(): Promise<string[]> {
    const start = performance.now();
    const failures: string[] = [];
    const onLine = (c: SaleConnection, msg: Json) => this.onMessage(c, msg);
    const onLost = () => {
      this.connectionsLost += 1;
    };
    for (let first = 1; first <= this.cfg.connections && failures.length === 0; first += this.cfg.batchSize) {
      const last = Math.min(this.cfg.connections, first + this.cfg.batchSize - 1);
      const batch: Promise<SaleConnection>[] = [];
      for (let id = first; id <= last; id++) batch.push(SaleConnection.open(this.cfg, id, onLine, onLost));
      for (const r of await Promise.allSettled(batch)) {
        if (r.status === 'fulfilled') this.conns.push(r.value);
        else failures.push(r.reason instanceof Error ? r.reason.message : String(r.reason));
      }
    }
    this.registerMs = performance.now() - start;
    return failures;
  }

  run(): Promise<SaleLoadResult> {
    return new Promise((resolve) => {
      this.done = resolve;
      this.phase = 'warmup';
      for (const c of this.conns) {
        for (let i = 0; i < this.cfg.inFlight; i++) this.sendSale(c);
        c.flush();
      }
      const warmupMs = this.cfg.warmupS * 1000;
      setTimeout(() => this.startWindow(), warmupMs);
      setTimeout(() => this.endWindow(), warmupMs + this.cfg.durationS * 1000);
    });
  }

  private sendSale(c: SaleConnection): void {
    if (!c.open) return;
    const id = `${this.tag}-${this.next++}`;
    c.queue(transaccionLine(c.pump, id, Date.now()));
    this.pending.set(id, performance.now());
  }

  private onMessage(c: SaleConnection, msg: Json): void {
    if (msg.tipo === 'error') {
      increment(this.errors, String(msg.codigo));
      return;
    }
    if (msg.tipo !== 'transaccion_confirmada') return;
    const id = String(msg.id_transaccion);
    const sentAt = this.pending.get(id);
    if (sentAt === undefined) return;
    this.pending.delete(id);
    this.confirmed += 1;
    if (msg.duplicada === true) this.duplicates += 1;
    if (this.phase === 'window') {
      this.confirmedInWindow += 1;
      this.latencies.push(performance.now() - sentAt);
    }
    if (this.phase === 'warmup' || this.phase === 'window') this.sendSale(c);
    else if (this.phase === 'drain' && this.pending.size === 0) this.finish();
  }

  private startWindow(): void {
    this.phase = 'window';
    this.windowStart = performance.now();
    this.cpuStart = process.cpuUsage();
    void report({ type: 'window-start' });
  }

  private endWindow(): void {
    this.phase = 'drain';
    this.windowEnd = performance.now();
    const cpu = process.cpuUsage(this.cpuStart);
    this.cpuUsedMs = (cpu.user + cpu.system) / 1000;
    void report({ type: 'window-end' });
    if (this.pending.size === 0) this.finish();
    else setTimeout(() => this.finish(), this.cfg.drainMs);
  }

  private finish(): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    for (const c of this.conns) c.close();
    const windowMs = this.windowEnd - this.windowStart;
    this.done({
      tag: this.tag,
      registered: this.conns.length,
      registerMs: this.registerMs,
      windowS: windowMs / 1000,
      sent: this.next,
      confirmed: this.confirmed,
      confirmedInWindow: this.confirmedInWindow,
      duplicates: this.duplicates,
      latency: summarize(this.latencies),
      unconfirmed: this.pending.size,
      unconfirmedIds: [...this.pending.keys()].slice(0, 1000),
      errors: this.errors,
      connectionsLost: this.connectionsLost,
      generatorCpuPct: windowMs > 0 ? (this.cpuUsedMs / windowMs) * 100 : 0,
    });
  }
}

function waitForStart(): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (m: SaleLoadCommand) => {
      if (m.type !== 'start') return;
      process.off('message', onMessage);
      resolve();
    };
    process.on('message', onMessage);
  });
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as SaleLoadConfig;
  process.on('disconnect', () => process.exit(3));
  const budgetMs =
    Math.ceil(cfg.connections / cfg.batchSize) * cfg.registerTimeoutMs +
    (cfg.warmupS + cfg.durationS) * 1000 +
    cfg.drainMs +
    60_000;
  setTimeout(() => {
    void report({ type: 'fatal', message: `generador: sin terminar en ${budgetMs} ms` }).then(() => process.exit(2));
  }, budgetMs).unref();
  const run = new SaleRun(cfg);
  const started = waitForStart();
  const failures = await run.register();
  if (failures.length > 0) {
    await report({
      type: 'fatal',
      message: `${failures.length} conexiones no se registraron: ${failures.slice(0, 3).join('; ')}`,
    });
    process.exit(1);
  }
  await report({ type: 'registered', registered: cfg.connections, ms: run.registerMs });
  await started;
  const result = await run.run();
  await report({ type: 'result', result });
  process.exit(0);
}

main().catch(async (err: unknown) => {
  await report({ type: 'fatal', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});
