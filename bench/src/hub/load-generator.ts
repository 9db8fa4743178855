/**
 * The hub benchmark's load: N simulated pumps against 127.0.0.1:<port>. It runs in its own process
 * (forked with the config as JSON in argv[2]) so its CPU is not charged to the server under test,
 * talks to the parent over IPC (generator.ts) and stops by itself.
 *
 * Open loop: `estado` lines go out at N / interval per second, spread evenly over the connections;
 * `transaccion_completada` at the configured total rate, round-robin. Latency is send → matching
 * `transaccion_confirmada` (by id_transaccion).
 */
import { performance } from 'node:perf_hooks';
import { estadoLine, transaccionLine } from './messages.js';
import { generatorMain, type GeneratorRun, MeasuredWindow } from './generator.js';
import { type ConnectionEvents, type Json, openPumps, type PumpConnection, pumpTarget } from './pump-connection.js';
import { increment, summarize } from './stats.js';
import type { LoadConfig, LoadResult } from './types.js';

const TICK_MS = 5;

class LoadRun implements GeneratorRun<LoadResult> {
  private conns: PumpConnection[] = [];
  private phase: 'warmup' | 'window' | 'drain' | 'done' = 'warmup';
  private readonly tag = `b${Date.now().toString(36)}`;
  private readonly pending = new Map<string, { sentAt: number; inWindow: boolean }>();
  private windowPending = 0;
  private readonly latencies: number[] = [];
  private readonly received: Record<string, number> = {};
  private readonly errors: Record<string, number> = {};
  private sent = { total: 0, estado: 0, transaccion: 0 };
  private skipped = 0;
  private confirmations = 0;
  private duplicates = 0;
  private connectionsLost = 0;
  private maxTickLagMs = 0;
  private readonly window = new MeasuredWindow();
  private ticker: NodeJS.Timeout | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  private done: (result: LoadResult) => void = () => {};
  registerMs = 0;

  constructor(private readonly cfg: LoadConfig) {}

  readonly events: ConnectionEvents = {
    onMessage: (_conn, msg) => this.onMessage(msg),
    onLost: () => {
      this.connectionsLost += 1;
    },
  };

  async register(): Promise<string[]> {
    const start = performance.now();
    const { conns, failures } = await openPumps(pumpTarget(this.cfg.port, this.cfg.tls), this.cfg, this.events);
    this.conns = conns;
    this.registerMs = performance.now() - start;
    return failures;
  }

  /** Sends until the window ends, waits for the stragglers, then resolves with the figures. */
  run(): Promise<LoadResult> {
    const t0 = performance.now();
    const warmupMs = this.cfg.warmupS * 1000;
    const endMs = warmupMs + this.cfg.durationS * 1000;
    const estadoGapMs = this.cfg.estadoIntervalMs / this.conns.length;
    let estadoCursor = 0;
    let txCursor = 0;
    let lastTick = t0;
    const tick = () => {
      const now = performance.now();
      this.maxTickLagMs = Math.max(this.maxTickLagMs, now - lastTick - TICK_MS);
      lastTick = now;
      const t = now - t0;
      if (this.phase === 'warmup' && t >= warmupMs) this.startWindow(now);
      if (t >= endMs) {
        this.endWindow(now);
        return;
      }
      const estadoDue = Math.floor(t / estadoGapMs) + 1;
      for (; estadoCursor < estadoDue; estadoCursor++) this.sendEstado(estadoCursor);
      const txDue = Math.floor((t * this.cfg.txPerSecond) / 1000);
      for (; txCursor < txDue; txCursor++) this.sendTx(txCursor);
    };
    return new Promise((resolve) => {
      this.done = resolve;
      if (warmupMs === 0) this.startWindow(t0);
      this.ticker = setInterval(tick, TICK_MS);
      tick();
    });
  }

  private connAt(k: number): PumpConnection | undefined {
    const conn = this.conns[k % this.conns.length];
    if (conn?.open) return conn;
    if (this.phase === 'window') this.skipped += 1;
    return undefined;
  }

  private counted(kind: 'estado' | 'transaccion'): void {
    if (this.phase !== 'window') return;
    this.sent.total += 1;
    this.sent[kind] += 1;
  }

  private sendEstado(k: number): void {
    const conn = this.connAt(k);
    if (!conn) return;
    conn.send(estadoLine(conn.pump));
    this.counted('estado');
  }

  private sendTx(k: number): void {
    const conn = this.connAt(k);
    if (!conn) return;
    const id = `${this.tag}-${k}`;
    const line = transaccionLine(conn.pump, id, Date.now());
    const inWindow = this.phase === 'window';
    this.pending.set(id, { sentAt: performance.now(), inWindow });
    conn.send(line);
    if (inWindow) this.windowPending += 1;
    this.counted('transaccion');
  }

  private onMessage(msg: Json): void {
    const tipo = typeof msg.tipo === 'string' ? msg.tipo : '(sin tipo)';
    increment(this.received, tipo);
    if (tipo === 'error') increment(this.errors, String(msg.codigo));
    if (tipo !== 'transaccion_confirmada') return;
    if (this.phase === 'window') this.confirmations += 1;
    if (msg.duplicada === true) this.duplicates += 1;
    const id = String(msg.id_transaccion);
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    if (!entry.inWindow) return;
    this.latencies.push(performance.now() - entry.sentAt);
    this.windowPending -= 1;
    if (this.phase === 'drain' && this.windowPending === 0) this.finish();
  }

  private startWindow(now: number): void {
    this.phase = 'window';
    this.window.open(now);
  }

  private endWindow(now: number): void {
    clearInterval(this.ticker);
    this.phase = 'drain';
    this.window.close(now);
    if (this.windowPending === 0) this.finish();
    else this.drainTimer = setTimeout(() => this.finish(), this.cfg.drainMs);
  }

  private finish(): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    clearTimeout(this.drainTimer);
    for (const conn of this.conns) conn.close();
    this.done({
      registered: this.conns.length,
      registerMs: this.registerMs,
      windowS: this.window.ms / 1000,
      sent: this.sent,
      skipped: this.skipped,
      confirmations: this.confirmations,
      duplicates: this.duplicates,
      latency: summarize(this.latencies),
      unconfirmed: this.windowPending,
      errors: this.errors,
      received: this.received,
      connectionsLost: this.connectionsLost,
      generatorCpuPct: this.window.cpuPct,
      maxTickLagMs: this.maxTickLagMs,
    });
  }
}

generatorMain((cfg: LoadConfig) => new LoadRun(cfg));
