import { FakeClock } from '@combustible/shared';
import { describe, expect, it } from 'vitest';
import { AttemptLimiter } from './attempt-limiter.js';

describe('AttemptLimiter', () => {
  const limits = { freeFailures: 3, lockAfter: 6, lockMs: 60_000, maxDelayMs: 8_000, maxKeys: 100 };

  it('lets the first failures through, then makes each retry wait twice as long', () => {
    const clock = new FakeClock();
    const l = new AttemptLimiter(clock, limits);
    for (let i = 0; i < 3; i++) {
      expect(l.check(['u:ana']).ok).toBe(true);
      l.fail(['u:ana']);
    }
    expect(l.check(['u:ana'])).toEqual({ ok: false, retryAfterMs: 1000, locked: false });
    clock.advance(1000);
    expect(l.check(['u:ana']).ok).toBe(true);
    l.fail(['u:ana']);
    expect(l.check(['u:ana'])).toEqual({ ok: false, retryAfterMs: 2000, locked: false });
  });

  it('locks a key after lockAfter failures for lockMs, then forgets it', () => {
    const clock = new FakeClock();
    const l = new AttemptLimiter(clock, limits);
    for (let i = 0; i < 6; i++) l.fail(['ip:10.0.0.1']);
    expect(l.check(['u:x', 'ip:10.0.0.1'])).toEqual({ ok: false, retryAfterMs: 60_000, locked: true });
    clock.advance(60_001);
    expect(l.check(['ip:10.0.0.1']).ok).toBe(true);
    expect(l.size).toBe(0);
  });

  it('clears a key on success', () => {
    const clock = new FakeClock();
    const l = new AttemptLimiter(clock, limits);
    for (let i = 0; i < 5; i++) l.fail(['u:ana']);
    l.succeed(['u:ana']);
    expect(l.check(['u:ana']).ok).toBe(true);
  });

  it('stays bounded: a flood of new keys forgets the least recently failed', () => {
    const clock = new FakeClock();
    const l = new AttemptLimiter(clock, limits);
    for (let i = 0; i < 6; i++) l.fail(['u:victima']);
    for (let i = 0; i < 1000; i++) l.fail([`ip:${i}`]);
    expect(l.size).toBe(100);
    expect(l.evicted).toBe(901);
  });
});
