import { describe, expect, it } from 'vitest';
import { FakeClock } from './testing.js';

describe('FakeClock', () => {
  /** A timer that re-arms itself every `ms`, counting its firings. */
  function periodic(clock: FakeClock, ms: number): { fired: number[] } {
    const seen = { fired: [] as number[] };
    const tick = () => {
      seen.fired.push(clock.now());
      clock.setTimeout(tick, ms);
    };
    clock.setTimeout(tick, ms);
    return seen;
  }

  it('advance fires a periodic timer at every due instant', () => {
    const clock = new FakeClock();
    const start = clock.now();
    const p = periodic(clock, 5000);
    clock.advance(20_000);
    expect(p.fired.map((t) => t - start)).toEqual([5000, 10_000, 15_000, 20_000]);
  });

  it('sleep fires each due timer once, late, in order, and re-armed timers count from the new time', () => {
    const clock = new FakeClock();
    const start = clock.now();
    const order: string[] = [];
    const p = periodic(clock, 5000);
    clock.setTimeout(() => order.push('una hora'), 3_600_000);
    clock.setTimeout(() => order.push('un minuto'), 60_000);
    clock.setTimeout(() => order.push('nunca'), 30 * 86_400_000);
    clock.sleep(86_400_000);
    expect(clock.now() - start).toBe(86_400_000);
    expect(p.fired.map((t) => t - start)).toEqual([86_400_000]);
    expect(order).toEqual(['un minuto', 'una hora']);
    clock.advance(5000);
    expect(p.fired.map((t) => t - start)).toEqual([86_400_000, 86_405_000]);
  });
});
