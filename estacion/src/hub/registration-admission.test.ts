import { systemClock } from '@combustible/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AdmissionVerdict, RegistrationAdmission } from './registration-admission.js';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-15T14:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

const retry = (v: AdmissionVerdict) => (v.ok ? null : v.retryAfterMs);
const noJitter = () => 0;

describe('RegistrationAdmission', () => {
  it('admits a burst at once, then defers the rest to consecutive slots one interval apart', () => {
    const a = new RegistrationAdmission({ ratePerSecond: 100, burst: 5 }, systemClock, noJitter);
    const verdicts = Array.from({ length: 10 }, (_, i) => a.admit(i + 1));
    expect(verdicts.slice(0, 5).every((v) => v.ok)).toBe(true);
    // Queue depth / rate: the 1st deferred waits one interval (10 ms), the 5th five.
    expect(verdicts.slice(5).map(retry)).toEqual([10, 20, 30, 40, 50]);
    expect(a.waiting).toBe(5);
    expect(a.backlogMs).toBe(50);
    expect([a.admitted, a.deferred]).toEqual([5, 5]);
  });

  it('admits a deferred pump on its slot without taking another token, and queues newcomers behind', () => {
    const a = new RegistrationAdmission({ ratePerSecond: 100, burst: 2 }, systemClock, noJitter);
    a.admit(1);
    a.admit(2);
    expect(retry(a.admit(3))).toBe(10);
    expect(retry(a.admit(4))).toBe(20);
    vi.advanceTimersByTime(10);
    expect(a.admit(3).ok).toBe(true);
    // The bucket paid pump 3's token and holds pump 4's: a newcomer waits behind pump 4.
    expect(retry(a.admit(5))).toBe(20);
    vi.advanceTimersByTime(10);
    expect(a.admit(4).ok).toBe(true);
    vi.advanceTimersByTime(10);
    expect(a.admit(5).ok).toBe(true);
    expect(a.waiting).toBe(0);
  });

  it('keeps the slot of a pump that comes back early and tells it the time left', () => {
    const a = new RegistrationAdmission({ ratePerSecond: 10, burst: 1 }, systemClock, noJitter);
    a.admit(1);
    expect(retry(a.admit(2))).toBe(100);
    vi.advanceTimersByTime(30);
    expect(retry(a.admit(2))).toBe(70);
    expect(a.waiting).toBe(1);
    // Pump 3 comes after pump 2's slot, not after a second one of pump 2's.
    expect(retry(a.admit(3))).toBe(170);
    vi.advanceTimersByTime(70);
    expect(a.admit(2).ok).toBe(true);
  });

  it('adds jitter: up to 10 % of the wait, at least one interval, at most maxJitterMs', () => {
    const top = () => 0.999_999;
    const a = new RegistrationAdmission({ ratePerSecond: 100, burst: 1, maxJitterMs: 500 }, systemClock, top);
    a.admit(1);
    expect(retry(a.admit(2))).toBe(10 + 10); // the 1st in line: 10 ms + up to one interval
    for (let id = 3; id < 300; id++) a.admit(id);
    expect(retry(a.admit(300))).toBe(2990 + 299); // the 299th: 2.99 s + up to 10 % of it
    for (let id = 301; id < 1000; id++) a.admit(id);
    expect(retry(a.admit(1000))).toBe(9990 + 500); // the 999th: 9.99 s + at most 500 ms
  });

  it('refills at its rate up to the burst, never more', () => {
    const a = new RegistrationAdmission({ ratePerSecond: 50, burst: 3 }, systemClock, noJitter);
    for (let id = 1; id <= 3; id++) expect(a.admit(id).ok).toBe(true);
    expect(a.admit(4).ok).toBe(false);
    vi.advanceTimersByTime(60_000);
    // A minute of quiet is still a burst of 3 (pump 4's slot is long expired and forgotten).
    const after = Array.from({ length: 5 }, (_, i) => a.admit(100 + i).ok);
    expect(after).toEqual([true, true, true, false, false]);
    expect(a.waiting).toBe(2);
  });

  it('forgets a reservation whose pump did not come back within the grace time', () => {
    const a = new RegistrationAdmission({ ratePerSecond: 10, burst: 1, graceMs: 1000 }, systemClock, noJitter);
    a.admit(1);
    expect(retry(a.admit(2))).toBe(100);
    vi.advanceTimersByTime(1101);
    expect(a.admit(3).ok).toBe(true);
    expect(a.waiting).toBe(0);
    // Pump 2, too late, is a newcomer again.
    expect(retry(a.admit(2))).toBe(100);
  });

  it('holds at most maxReservations; past it defers without a slot, to after the queue drains', () => {
    const a = new RegistrationAdmission({ ratePerSecond: 100, burst: 1, maxReservations: 3 }, systemClock, () => 0.5);
    a.admit(1);
    for (let id = 2; id <= 4; id++) expect(a.admit(id).ok).toBe(false);
    expect(a.waiting).toBe(3);
    const verdict = retry(a.admit(5)) as number;
    // Queue of 3 → the 4th place is 40 ms away, spread over half that again (0.5 → +10 ms), + jitter.
    expect(verdict).toBeGreaterThanOrEqual(50);
    expect(a.waiting).toBe(3);
    expect(a.backlogMs).toBe(30);
  });

  it('spreads a stampede: 2000 pumps at once are all admitted, never more per second than rate + burst', () => {
    const rate = 200;
    const burst = 50;
    const a = new RegistrationAdmission({ ratePerSecond: rate, burst }, systemClock, Math.random);
    const start = Date.now();
    const admittedAt: number[] = [];
    const pending = new Set<number>();
    const tryPump = (id: number) => {
      const v = a.admit(id);
      if (v.ok) admittedAt.push(Date.now() - start);
      else {
        pending.add(id);
        setTimeout(() => {
          pending.delete(id);
          tryPump(id);
        }, v.retryAfterMs);
      }
    };
    for (let id = 1; id <= 2000; id++) tryPump(id);
    vi.advanceTimersByTime(60_000);
    expect(pending.size).toBe(0);
    expect(admittedAt).toHaveLength(2000);
    // Each deferred pump was admitted on its first return: 1950 deferrals for 1950 pumps.
    expect(a.deferred).toBe(2000 - burst);
    const perSecond = new Map<number, number>();
    for (const t of admittedAt) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
    for (const n of perSecond.values()) expect(n).toBeLessThanOrEqual(rate + burst);
    // Queue depth / rate: the last slot is (2000 − burst) / rate seconds out, plus its jitter.
    expect(Math.max(...admittedAt)).toBeLessThanOrEqual(((2000 - burst) / rate) * 1000 + 500);
  });

  it('refuses a rate or burst that makes no sense', () => {
    expect(() => new RegistrationAdmission({ ratePerSecond: 0, burst: 1 }, systemClock)).toThrow(RangeError);
    expect(() => new RegistrationAdmission({ ratePerSecond: 10, burst: 0 }, systemClock)).toThrow(RangeError);
  });
});
