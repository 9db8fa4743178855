import { describe, expect, it } from 'vitest';
import { ChaosLink, chaosOnLink, NO_CHAOS, skewedClock } from './chaos.js';
import { duplexPair, FakeClock, scripted } from './test-support.js';

function chaos(options: Partial<typeof NO_CHAOS>, random: number[] = [], rest = 0) {
  const clock = new FakeClock();
  const link = new ChaosLink({ ...NO_CHAOS, ...options }, scripted(random, rest), clock);
  const written: string[] = [];
  const write = (l: string) => written.push(l);
  return { link, clock, written, write, tick: (ms: number) => (clock.advance(ms), link.tick(clock.now(), write)) };
}

describe('chaos', () => {
  it('is off by default and touches nothing', () => {
    expect(chaosOnLink(NO_CHAOS)).toBe(false);
    const c = chaos({});
    c.link.send('a', c.write);
    c.link.send('b', c.write);
    expect(c.written).toEqual(['a', 'b']);
  });

  it('drops and duplicates lines with their probabilities', () => {
    const d = chaos({ drop: 0.5 }, [0.2, 0.7]);
    d.link.send('perdida', d.write);
    d.link.send('llega', d.write);
    expect(d.written).toEqual(['llega']);
    expect(d.link.counters.dropped).toBe(1);
    const u = chaos({ duplicate: 1 });
    u.link.send('x', u.write);
    expect(u.written).toEqual(['x', 'x']);
  });

  it('reorders: a held line goes after the next one, or after a second at most', () => {
    const c = chaos({ reorder: 1 });
    c.link.send('primera', c.write);
    c.link.send('segunda', c.write);
    expect(c.written).toEqual(['segunda', 'primera']);
    c.link.send('tercera', c.write);
    expect(c.written).toHaveLength(2);
    c.tick(999);
    expect(c.written).toHaveLength(2);
    c.tick(1);
    expect(c.written.at(-1)).toBe('tercera');
  });

  it('delays lines up to delayMs and releases them when due', () => {
    const c = chaos({ delay: 1, delayMs: 1000 }, [0, 0.8, 0, 0.2]);
    c.link.send('a', c.write);
    c.link.send('b', c.write);
    expect(c.written).toEqual([]);
    c.tick(300);
    expect(c.written).toEqual(['b']);
    c.tick(500);
    expect(c.written).toEqual(['b', 'a']);
    expect(c.link.counters.delayed).toBe(2);
  });

  it('half-open: goes silent without closing, then asks to be dropped after halfOpenMs', () => {
    const c = chaos({ halfOpen: 1, halfOpenMs: 5000 }, [0, 0.5]); // silent 30 s after connecting
    const [socket] = duplexPair();
    socket.resume();
    c.link.attach(socket);
    expect(c.tick(29_999)).toBe(false);
    c.link.send('vivo', c.write);
    expect(c.tick(1)).toBe(false);
    expect(c.link.isSilent).toBe(true);
    expect(socket.isPaused()).toBe(true);
    expect(socket.destroyed).toBe(false);
    c.link.send('al vacío', c.write);
    expect(c.written).toEqual(['vivo']);
    expect(c.tick(4999)).toBe(false);
    expect(c.tick(1)).toBe(true);
    c.link.attach(duplexPair()[0]); // a new connection starts talking again
    expect(c.link.isSilent).toBe(false);
  });

  it('reads slowly: pauses after each chunk for its size at the given rate', () => {
    const c = chaos({ slowReadBytesPerSecond: 10 });
    const [socket, peer] = duplexPair();
    c.link.attach(socket);
    peer.write(Buffer.alloc(20));
    return new Promise<void>((resolve) => {
      socket.once('data', () => {
        setImmediate(() => {
          expect(socket.isPaused()).toBe(true);
          c.clock.advance(1999);
          expect(socket.isPaused()).toBe(true);
          c.clock.advance(1);
          expect(socket.isPaused()).toBe(false);
          resolve();
        });
      });
    });
  });

  it('skews the pump clock by a fixed amount', () => {
    const base = new FakeClock();
    expect(skewedClock(base, -90_000).now()).toBe(base.now() - 90_000);
    expect(skewedClock(base, 0)).toBe(base);
  });
});
