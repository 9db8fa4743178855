/**
 * The reconnect storm's pumps: N TLS connections that register and then sit idle. On each `storm`
 * order every pump not connected (re)connects at once and retries until registered, as the pump
 * simulator does: exponential backoff with full jitter (the shared client's defaults), and never
 * sooner than the `reintentar_ms` of a `registro_rechazado`. Runs in its own process (forked with
 * the StormConfig as JSON in argv[2]) so its CPU is not charged to the station, and exits when its
 * parent goes away.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, DEFAULT_BACKOFF } from '@combustible/shared';
import { toParent } from '../hub/ipc.js';
import {
  type ConnectionEvents,
  PumpConnection,
  type PumpTarget,
  pumpTarget,
  RegistrationFailure,
} from '../hub/pump-connection.js';
import { countPerSecond, increment, peakInWindow, total } from '../hub/stats.js';
import type { StormCommand, StormConfig, StormMessage, StormProgress, StormResult } from './types.js';

const report = (msg: StormMessage) => toParent(msg);
const PROGRESS_EVERY_MS = 5000;

/** What one storm did, from the order until every pump registered (or the deadline). */
class StormStats {
  private readonly t0 = performance.now();
  private readonly cpu0 = process.cpuUsage();
  /** ms after t0 of each registration, in order. */
  private readonly times: number[] = [];
  private readonly failures: Record<string, number> = {};
  private readonly retryAfter = { count: 0, maxMs: 0 };
  private attempts = 0;
  private offeredSessions = 0;
  private resumed = 0;
  /** Set by the storm once every pump's first attempt is under way. */
  dialMs = 0;

  attempt(offersSession: boolean): void {
    this.attempts += 1;
    if (offersSession) this.offeredSessions += 1;
  }

  registered(resumed: boolean): void {
    this.times.push(performance.now() - this.t0);
    if (resumed) this.resumed += 1;
  }

  /** Counts the failure; returns the wait the station asked for (0 if none). */
  failed(err: unknown): number {
    const failure = err instanceof RegistrationFailure ? err : null;
    increment(this.failures, failure?.kind ?? (err instanceof Error ? err.message : String(err)));
    const retryAfterMs = failure?.retryAfterMs ?? 0;
    if (failure?.retryAfterMs !== undefined) {
      this.retryAfter.count += 1;
      this.retryAfter.maxMs = Math.max(this.retryAfter.maxMs, retryAfterMs);
    }
    return retryAfterMs;
  }

  progress(): StormProgress {
    return {
      elapsedMs: performance.now() - this.t0,
      registered: this.times.length,
      attempts: this.attempts,
      failed: total(this.failures),
    };
  }

  result(pumps: number): StormResult {
    const { times } = this;
    const cpu = process.cpuUsage(this.cpu0);
    const elapsedMs = performance.now() - this.t0;
    return {
      pumps,
      registered: times.length,
      allRegisteredMs: times.length === pumps ? (times[times.length - 1] ?? 0) : null,
      halfRegisteredMs: times[Math.ceil(pumps / 2) - 1] ?? null,
      peakPerS: peakInWindow(times, 1000),
      perSecond: countPerSecond(times),
      attempts: this.attempts,
      failures: this.failures,
      retryAfter: this.retryAfter,
      offeredSessions: this.offeredSessions,
      resumed: this.resumed,
      generatorCpuPct: elapsedMs > 0 ? ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100 : 0,
      dialMs: this.dialMs,
    };
  }
}

class Fleet {
  /** Each pump's last connection, open or not: the TLS ticket it holds is what resumption offers. */
  private readonly last = new Map<number, PumpConnection>();
  private lost = 0;
  private readonly events: ConnectionEvents = {
    onMessage: () => {},
    onLost: () => {
      this.lost += 1;
    },
  };

  constructor(private readonly cfg: StormConfig) {}

  async storm(cmd: Extract<StormCommand, { type: 'storm' }>): Promise<StormResult> {
    if (cmd.cut) for (const conn of this.last.values()) conn.close();
    const target = pumpTarget(cmd.port, this.cfg.tls);
    const stats = new StormStats();
    const deadline = performance.now() + this.cfg.deadlineMs;
    const ticker = setInterval(() => void report({ type: 'progress', ...stats.progress() }), PROGRESS_EVERY_MS);
    try {
      const dialStart = performance.now();
      const pumps: Promise<void>[] = [];
      for (let id = 1; id <= this.cfg.pumps; id++)
        pumps.push(this.register(id, target, cmd.offerSession, stats, deadline));
      stats.dialMs = performance.now() - dialStart;
      await Promise.all(pumps);
    } finally {
      clearInterval(ticker);
    }
    return stats.result(this.cfg.pumps);
  }

  /** Resolves once no connection is open (the station went away), or after `timeoutMs`. */
  async waitClosed(timeoutMs: number): Promise<{ lost: number; stillOpen: number }> {
    const until = performance.now() + timeoutMs;
    let stillOpen = this.openCount();
    while (stillOpen > 0 && performance.now() < until) {
      await sleep(50);
      stillOpen = this.openCount();
    }
    const lost = this.lost;
    this.lost = 0;
    return { lost, stillOpen };
  }

  private openCount(): number {
    let open = 0;
    for (const conn of this.last.values()) if (conn.open) open++;
    return open;
  }

  private async register(
    id: number,
    target: PumpTarget,
    offerSession: boolean,
    stats: StormStats,
    deadline: number,
  ): Promise<void> {
    for (let attempt = 0; performance.now() < deadline; attempt++) {
      const session = offerSession ? this.last.get(id)?.session : undefined;
      stats.attempt(session !== undefined);
      try {
        const conn = await PumpConnection.open(target, id, this.cfg.registerTimeoutMs, this.events, session);
        this.last.set(id, conn);
        stats.registered(conn.resumed);
        return;
      } catch (err) {
        const retryAfterMs = stats.failed(err);
        const waitMs = Math.max(backoffDelay(attempt, DEFAULT_BACKOFF), retryAfterMs);
        // Past the deadline the pump gives up: a wait must not carry the storm beyond it.
        await sleep(Math.min(waitMs, Math.max(0, deadline - performance.now())));
      }
    }
  }
}

async function handle(fleet: Fleet, cmd: StormCommand): Promise<void> {
  if (cmd.type === 'storm') await report({ type: 'storm-result', result: await fleet.storm(cmd) });
  else if (cmd.type === 'wait-closed') await report({ type: 'closed', ...(await fleet.waitClosed(20_000)) });
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as StormConfig;
  // The parent owns this process: when it goes away, so do we.
  process.on('disconnect', () => process.exit(3));
  const fleet = new Fleet(cfg);
  // One order at a time, in the order they came.
  let queue = Promise.resolve();
  process.on('message', (cmd: StormCommand) => {
    queue = queue.then(() => handle(fleet, cmd)).catch(fatal);
  });
  await report({ type: 'ready' });
}

async function fatal(err: unknown): Promise<never> {
  await report({ type: 'fatal', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
}

main().catch(fatal);
