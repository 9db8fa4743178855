import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock.js';
import { FakeClock } from './testing.js';
import { TokenBucket } from './token-bucket.js';

/** How many takes succeed in a row right now. */
function drain(bucket: TokenBucket, max = 1000): number {
  let n = 0;
  while (n < max && bucket.take()) n++;
  return n;
}

describe('TokenBucket', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts full: `burst` takes succeed at once, the next one fails', () => {
    const bucket = new TokenBucket(10, 5, new FakeClock());
    expect(drain(bucket)).toBe(5);
    expect(bucket.take()).toBe(false);
  });

  it('refills perSecond tokens continuously, a whole token at a time', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, 5, clock); // one token every 100 ms
    drain(bucket);
    clock.advance(99);
    expect(bucket.take()).toBe(false);
    clock.advance(1);
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    clock.advance(250); // 2.5 tokens: two takes, half a token left over
    expect(drain(bucket)).toBe(2);
    clock.advance(50); // the half token and this half make one
    expect(bucket.take()).toBe(true);
  });

  it('never holds more than `burst`, however long it was idle', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(1000, 3, clock);
    drain(bucket);
    clock.advance(3_600_000);
    expect(drain(bucket)).toBe(3);
  });

  it('a failed take spends nothing', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(2, 1, clock); // one token every 500 ms
    drain(bucket);
    for (let i = 0; i < 10; i++) {
      clock.advance(40);
      expect(bucket.take()).toBe(false);
    }
    clock.advance(100); // 500 ms since the last token, failures included
    expect(bucket.take()).toBe(true);
  });

  it('a clock that steps back refills nothing and drains nothing', () => {
    const clock = { ...systemClock, t: 1_000_000, now: () => clock.t };
    const bucket = new TokenBucket(10, 2, clock);
    expect(bucket.take()).toBe(true);
    clock.t -= 60_000;
    expect(bucket.take()).toBe(true); // the token left is still there
    expect(bucket.take()).toBe(false);
    clock.t += 100; // and refilling resumes from the new reading
    expect(bucket.take()).toBe(true);
  });

  it('follows vitest fake timers through the system clock', () => {
    vi.useFakeTimers();
    const bucket = new TokenBucket(4, 2, systemClock); // one token every 250 ms
    expect(drain(bucket)).toBe(2);
    vi.advanceTimersByTime(249);
    expect(bucket.take()).toBe(false);
    vi.advanceTimersByTime(1);
    expect(bucket.take()).toBe(true);
    vi.advanceTimersByTime(10_000);
    expect(drain(bucket)).toBe(2);
  });

  it('with perSecond 0 gives only the initial burst', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(0, 2, clock);
    expect(drain(bucket)).toBe(2);
    clock.advance(86_400_000);
    expect(bucket.take()).toBe(false);
  });
});
