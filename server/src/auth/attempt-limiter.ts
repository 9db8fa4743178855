/**
 * Slows, then locks, repeated failures per key (a user name, a client address). The first
 * `freeFailures` failures cost nothing; each one after that must wait twice as long as the last
 * (1 s, 2 s, 4 s ... up to `maxDelayMs`) before the next attempt is even checked; `lockAfter`
 * failures lock the key for `lockMs`. A success clears the key. The table is bounded: past
 * `maxKeys` the least recently failed key is forgotten (and counted), so a flood of new
 * addresses cannot grow memory.
 */
import type { Clock } from '@combustible/shared';

export interface AttemptLimits {
  freeFailures: number;
  lockAfter: number;
  lockMs: number;
  maxDelayMs: number;
  maxKeys: number;
}

export const DEFAULT_ATTEMPT_LIMITS: AttemptLimits = {
  freeFailures: 5,
  lockAfter: 10,
  lockMs: 15 * 60_000,
  maxDelayMs: 60_000,
  maxKeys: 10_000,
};

interface Entry {
  failures: number;
  lastFailure: number;
}

export type AttemptVerdict = { ok: true } | { ok: false; retryAfterMs: number; locked: boolean };

export class AttemptLimiter {
  private readonly entries = new Map<string, Entry>();
  readonly limits: AttemptLimits;
  /** Keys forgotten because the table was full. */
  evicted = 0;

  constructor(
    private readonly clock: Clock,
    limits: Partial<AttemptLimits> = {},
  ) {
    this.limits = { ...DEFAULT_ATTEMPT_LIMITS, ...limits };
  }

  get size(): number {
    return this.entries.size;
  }

  /** Whether an attempt under every one of `keys` may be checked now. */
  check(keys: readonly string[]): AttemptVerdict {
    let wait = 0;
    let locked = false;
    for (const key of keys) {
      const entry = this.live(key);
      if (!entry) continue;
      const { until, isLock } = this.blockedUntil(entry);
      const remaining = until - this.clock.now();
      if (remaining > wait) {
        wait = remaining;
        locked = isLock;
      }
    }
    return wait > 0 ? { ok: false, retryAfterMs: wait, locked } : { ok: true };
  }

  fail(keys: readonly string[]): void {
    const now = this.clock.now();
    for (const key of keys) {
      const entry = this.live(key) ?? { failures: 0, lastFailure: now };
      entry.failures++;
      entry.lastFailure = now;
      this.entries.delete(key); // re-insert: Map order is least recently failed first
      this.entries.set(key, entry);
    }
    while (this.entries.size > this.limits.maxKeys) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.evicted++;
    }
  }

  succeed(keys: readonly string[]): void {
    for (const key of keys) this.entries.delete(key);
  }

  private blockedUntil(entry: Entry): { until: number; isLock: boolean } {
    const { freeFailures, lockAfter, lockMs, maxDelayMs } = this.limits;
    if (entry.failures >= lockAfter) return { until: entry.lastFailure + lockMs, isLock: true };
    if (entry.failures < freeFailures) return { until: 0, isLock: false };
    const delay = Math.min(1000 * 2 ** (entry.failures - freeFailures), maxDelayMs);
    return { until: entry.lastFailure + delay, isLock: false };
  }

  /** The entry, or undefined once it has been quiet for longer than a lock lasts. */
  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && this.clock.now() - entry.lastFailure > this.limits.lockMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
