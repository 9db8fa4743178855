/**
 * The sales benchmark's load: N simulated pumps against the station's pump port, each keeping
 * `inFlight` sales sent and unconfirmed (a closed loop: a confirmation frees the slot for the
 * next sale). Runs in its own process (forked, config as JSON in argv[2]) so its CPU is not
 * charged to the station; talks to the parent over IPC (hub/generator.ts).
 *
 * The sales answered by one chunk from the station are queued and go out in one write
 * (PumpConnection.queue), so the generator spends one syscall per chunk and not one per sale. Latency is send → matching `transaccion_confirmada`.
 */
import { performance } from 'node:perf_hooks';
import { generatorMain, type GeneratorRun, MeasuredWindow } from '../hub/generator.js';
import { transaccionLine } from '../hub/messages.js';
import {
  type ConnectionEvents,
  type Json,
  openPumps,
  type PumpConnection,
  pumpTarget,
} from '../hub/pump-connection.js';
import { increment, summarize } from '../hub/stats.js';
import type { SaleLoadConfig, SaleLoadResult } from './types.js';

class SaleRun implements GeneratorRun<SaleLoadResult> {
  private conns: PumpConnection[] = [];
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
  private readonly window = new MeasuredWindow();
  private done: (r: SaleLoadResult) => void = () => {};
  registerMs = 0;

  constructor(private readonly cfg: SaleLoadConfig) {}

  private readonly events: ConnectionEvents = {
    onMessage: (c, msg) => this.onMessage(c, msg),
    onLost: () => {
      this.connectionsLost += 1;
    },
  };

  async register(): Promise<string[]> {
    const start = performance.now();
    const { conns, failures } = await openPumps(pumpTarget(this.cfg.port), this.cfg, this.events);
    this.conns = conns;
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

  private sendSale(c: PumpConnection): void {
    if (!c.open) return;
    const id = `${this.tag}-${this.next++}`;
    c.queue(transaccionLine(c.pump, id, Date.now()));
    this.pending.set(id, performance.now());
  }

  private onMessage(c: PumpConnection, msg: Json): void {
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
    this.window.open(performance.now());
  }

  private endWindow(): void {
    this.phase = 'drain';
    this.window.close(performance.now());
    if (this.pending.size === 0) this.finish();
    else setTimeout(() => this.finish(), this.cfg.drainMs);
  }

  private finish(): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    for (const c of this.conns) c.close();
    this.done({
      tag: this.tag,
      registered: this.conns.length,
      registerMs: this.registerMs,
      windowS: this.window.ms / 1000,
      sent: this.next,
      confirmed: this.confirmed,
      confirmedInWindow: this.confirmedInWindow,
      duplicates: this.duplicates,
      latency: summarize(this.latencies),
      unconfirmed: this.pending.size,
      unconfirmedIds: [...this.pending.keys()].slice(0, 1000),
      errors: this.errors,
      connectionsLost: this.connectionsLost,
      generatorCpuPct: this.window.cpuPct,
    });
  }
}

generatorMain((cfg: SaleLoadConfig) => new SaleRun(cfg));
