import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';

const options = { baseMs: 100, maxMs: 5000 };
const justUnderOne = 1 - Number.EPSILON / 2; // the largest double below 1

describe('backoffCeiling', () => {
  it('doubles from baseMs and stops at maxMs', () => {
    const ceilings = Array.from({ length: 10 }, (_, attempt) => backoffCeiling(attempt, options));
    expect(ceilings).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000]);
  });

  it('follows the default policy (500 ms up to 30 s)', () => {
    expect(DEFAULT_BACKOFF).toEqual({ baseMs: 500, maxMs: 30_000 });
    const ceilings = Array.from({ length: 8 }, (_, attempt) => backoffCeiling(attempt, DEFAULT_BACKOFF));
    expect(ceilings).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });

  it('stays at maxMs for huge attempts, without overflowing to Infinity or NaN', () => {
    for (const attempt of [53, 64, 1024, 1e6, Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY]) {
      expect(backoffCeiling(attempt, options)).toBe(5000);
    }
  });

  it('with baseMs 0 never waits, even for huge attempts (no 0 · Infinity)', () => {
    for (const attempt of [0, 10, 1100, Number.POSITIVE_INFINITY]) {
      expect(backoffCeiling(attempt, { baseMs: 0, maxMs: 1000 })).toBe(0);
    }
  });
});

describe('backoffDelay (full jitter)', () => {
  it('is 0 when random gives 0', () => {
    for (let attempt = 0; attempt < 10; attempt++) expect(backoffDelay(attempt, options, () => 0)).toBe(0);
  });

  it('is just under the ceiling when random is close to 1', () => {
    expect(justUnderOne).toBeLessThan(1);
    for (let attempt = 0; attempt < 10; attempt++) {
      expect(backoffDelay(attempt, options, () => justUnderOne)).toBe(backoffCeiling(attempt, options) - 1);
    }
  });

  it('scales the ceiling by random, rounding down to whole ms', () => {
    expect(backoffDelay(0, options, () => 0.5)).toBe(50);
    expect(backoffDelay(3, options, () => 0.25)).toBe(200);
    expect(backoffDelay(20, options, () => 0.1234)).toBe(617);
  });

  it('uses Math.random by default and stays in [0, ceiling)', () => {
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(2, options);
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(400);
    }
  });

  it('never exceeds maxMs, for any attempt and any random in [0, 1)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 120_000 }),
        (attempt, r, baseMs, extra) => {
          const opts = { baseMs, maxMs: baseMs + extra };
          const delay = backoffDelay(attempt, opts, () => r);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(backoffCeiling(attempt, opts));
          expect(delay).toBeLessThan(opts.maxMs);
        },
      ),
      { numRuns: 200 },
    );
  });
});
