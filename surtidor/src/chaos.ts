/**
 * Chaos mode, for testing stations (everything off by default). It sits between a pump's link and
 * its socket:
 *   drop / duplicate / reorder / delay   each outgoing line, with a probability
 *   clock skew                           the pump's clock runs this many ms off
 *   half-open                            with a probability per connection, at a random moment in its
 *                                        first minute the pump stops reading and writing without
 *                                        closing; after `halfOpenMs` it gives up and reconnects
 *   slow read                            the pump reads at most this many bytes per second
 */
import type { Duplex } from 'node:stream';
import type { Clock, Dialer } from '@combustible/shared';
import type { Random } from './domain/customer.js';

export interface ChaosOptions {
  drop: number;
  duplicate: number;
  reorder: number;
  delay: number;
  /** A delayed line waits uniformly up to this long. */
  delayMs: number;
  clockSkewMs: number;
  halfOpen: number;
  halfOpenMs: number;
  /** 0: read at full speed. */
  slowReadBytesPerSecond: number;
}

export const NO_CHAOS: ChaosOptions = {
  drop: 0,
  duplicate: 0,
  reorder: 0,
  delay: 0,
  delayMs: 2000,
  clockSkewMs: 0,
  halfOpen: 0,
  halfOpenMs: 120_000,
  slowReadBytesPerSecond: 0,
};

/** Whether anything touches the link (clock skew alone does not). */
export function chaosOnLink(o: ChaosOptions): boolean {
  return (
    o.drop > 0 || o.duplicate > 0 || o.reorder > 0 || o.delay > 0 || o.halfOpen > 0 || o.slowReadBytesPerSecond > 0
  );
}

export function skewedClock(base: Clock, skewMs: number): Clock {
  if (skewMs === 0) return base;
  return {
    now: () => base.now() + skewMs,
    setTimeout: (fn, ms) => base.setTimeout(fn, ms),
    clearTimeout: (handle) => base.clearTimeout(handle),
  };
}

export interface ChaosCounters {
  dropped: number;
  duplicated: number;
  reordered: number;
  delayed: number;
  halfOpen: number;
}

/** A line held back by `reorder` goes out after the next line, or after this long at the latest. */
const REORDER_HOLD_MS = 1000;
/** Half-open connections go silent at a random moment within this window after connecting. */
const HALF_OPEN_WITHIN_MS = 60_000;

type Write = (line: string) => void;

export class ChaosLink {
  readonly counters: ChaosCounters = { dropped: 0, duplicated: 0, reordered: 0, delayed: 0, halfOpen: 0 };
  private delayed: { at: number; line: string }[] = [];
  private held: { at: number; line: string } | null = null;
  private socket: Duplex | null = null;
  private silentAt: number | null = null;
  private silentUntil: number | null = null;
  private silent = false;

  constructor(
    private readonly options: ChaosOptions,
    private readonly random: Random,
    private readonly clock: Clock,
  ) {}

  get isSilent(): boolean {
    return this.silent;
  }

  private chance(p: number): boolean {
    return p > 0 && this.random() < p;
  }

  /** Passes one outgoing line through the chaos; what survives is written with `write`. */
  send(line: string, write: Write): void {
    if (this.silent) return;
    const now = this.clock.now();
    if (this.chance(this.options.drop)) {
      this.counters.dropped += 1;
      return;
    }
    if (this.chance(this.options.delay)) {
      this.counters.delayed += 1;
      this.delayed.push({ at: now + this.random() * this.options.delayMs, line });
      return;
    }
    if (this.held === null && this.chance(this.options.reorder)) {
      this.counters.reordered += 1;
      this.held = { at: now, line };
      return;
    }
    write(line);
    if (this.chance(this.options.duplicate)) {
      this.counters.duplicated += 1;
      write(line);
    }
    if (this.held) {
      const { line: late } = this.held;
      this.held = null;
      write(late);
    }
  }

  /**
   * Releases delayed and held lines that are due and moves the half-open schedule on. Returns
   * true when a silent connection has waited long enough and should be dropped.
   */
  tick(now: number, write: Write): boolean {
    if (this.silent) return this.silentUntil !== null && now >= this.silentUntil;
    if (this.silentAt !== null && now >= this.silentAt) {
      this.silent = true;
      this.silentUntil = now + this.options.halfOpenMs;
      this.counters.halfOpen += 1;
      this.socket?.pause();
      return false;
    }
    if (this.held && now - this.held.at >= REORDER_HOLD_MS) {
      const { line } = this.held;
      this.held = null;
      write(line);
    }
    if (this.delayed.length > 0) {
      const due = this.delayed.filter((d) => d.at <= now);
      if (due.length > 0) {
        this.delayed = this.delayed.filter((d) => d.at > now);
        for (const d of due.sort((a, b) => a.at - b.at)) write(d.line);
      }
    }
    return false;
  }

  /** Wraps a dialer so every new socket gets the read-side chaos. */
  wrapDial(dial: Dialer): Dialer {
    return async (signal) => {
      const socket = await dial(signal);
      this.attach(socket);
      return socket;
    };
  }

  /** A new connection: what was queued for the old one is lost with it. */
  attach(socket: Duplex): void {
    this.socket = socket;
    this.delayed = [];
    this.held = null;
    this.silent = false;
    this.silentUntil = null;
    this.silentAt = this.chance(this.options.halfOpen) ? this.clock.now() + this.random() * HALF_OPEN_WITHIN_MS : null;
    const rate = this.options.slowReadBytesPerSecond;
    if (rate > 0) {
      socket.on('data', (chunk: Buffer) => {
        socket.pause();
        this.clock.setTimeout(
          () => {
            if (!this.silent && !socket.destroyed) socket.resume();
          },
          (chunk.length / rate) * 1000,
        );
      });
    }
  }
}
