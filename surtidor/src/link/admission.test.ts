import { describe, expect, it } from 'vitest';
import { settle } from '../test-support.js';
import { Admission, admittedDial } from './admission.js';

describe('Admission', () => {
  it('lets at most `limit` in, the rest in arrival order as places free up', async () => {
    const admission = new Admission(2);
    const order: number[] = [];
    const releases: (() => void)[] = [];
    for (let i = 0; i < 5; i++) {
      void admission.acquire(new AbortController().signal).then((release) => {
        order.push(i);
        releases.push(release);
      });
    }
    await settle();
    expect(order).toEqual([0, 1]);
    expect(admission.waiting).toBe(3);
    releases[0]?.();
    releases[0]?.(); // releasing twice frees one place only
    await settle();
    expect(order).toEqual([0, 1, 2]);
    expect(admission.inUse).toBe(2);
  });

  it('puts a waiter asked to go first ahead of the queue', async () => {
    const admission = new Admission(1);
    const order: string[] = [];
    const releases: (() => void)[] = [];
    const take = (name: string, first = false) =>
      void admission.acquire(new AbortController().signal, first).then((release) => {
        order.push(name);
        releases.push(release);
      });
    take('a');
    take('b');
    take('c');
    take('con turno', true);
    await settle();
    expect(order).toEqual(['a']);
    releases.shift()?.();
    await settle();
    expect(order).toEqual(['a', 'con turno']);
    releases.shift()?.();
    await settle();
    expect(order).toEqual(['a', 'con turno', 'b']);
  });

  it('forgets a waiter whose signal aborts', async () => {
    const admission = new Admission(1);
    const first = await admission.acquire(new AbortController().signal);
    const ac = new AbortController();
    const waiting = admission.acquire(ac.signal);
    ac.abort(new Error('cerrado'));
    await expect(waiting).rejects.toThrow('cerrado');
    expect(admission.waiting).toBe(0);
    first();
    expect(admission.inUse).toBe(0);
  });

  it('a failed dial gives its place back at once; a good one hands the release over', async () => {
    const admission = new Admission(1);
    const held: (() => void)[] = [];
    const failing = admittedDial(
      admission,
      async () => Promise.reject(new Error('ECONNREFUSED')),
      (r) => held.push(r),
    );
    await expect(failing(new AbortController().signal)).rejects.toThrow('ECONNREFUSED');
    expect(admission.inUse).toBe(0);
    const ok = admittedDial(
      admission,
      async () => ({}) as never,
      (r) => held.push(r),
    );
    await ok(new AbortController().signal);
    expect(admission.inUse).toBe(1);
    held[0]?.();
    expect(admission.inUse).toBe(0);
  });
});
