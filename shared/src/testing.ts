/**
 * Test doubles shared by every package's tests: a manual clock and an in-memory connection.
 * Small and dependency-free, so production code never pays for them.
 */
import { Duplex } from 'node:stream';
import type { Clock } from './clock.js';

/** The instant a FakeClock starts at. */
export const FAKE_CLOCK_START = Date.parse('2026-01-15T14:00:00Z');

/** A manual clock whose timers fire when the test advances time. */
export class FakeClock implements Clock {
  private t = FAKE_CLOCK_START;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private nextId = 1;

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }

  /**
   * Moves time forward as a machine that slept does: each timer due by then fires once, late, in
   * order, and a periodic timer it re-arms is due from the new time on. For jumps of weeks, where
   * `advance` would fire a 5-second timer half a million times.
   */
  sleep(ms: number): void {
    this.t += ms;
    const due = [...this.timers].filter(([, timer]) => timer.at <= this.t).sort((a, b) => a[1].at - b[1].at);
    for (const [id, timer] of due) {
      if (!this.timers.delete(id)) continue;
      timer.fn();
    }
  }
}

/** Two connected in-memory stream ends (what one writes the other reads; ending one ends the other). */
export function duplexPair(): [Duplex, Duplex] {
  const make = (other: () => Duplex) =>
    new Duplex({
      allowHalfOpen: false,
      read() {},
      write(chunk, _enc, cb) {
        other().push(chunk);
        cb();
      },
      final(cb) {
        other().push(null);
        cb();
      },
      destroy(err, cb) {
        const o = other();
        if (!o.destroyed) o.destroy();
        cb(err);
      },
    });
  const a: Duplex = make(() => b);
  const b: Duplex = make(() => a);
  return [a, b];
}
