import type { TransaccionCompletada } from '@combustible/shared';
import { describe, expect, it } from 'vitest';
import { PendingSales } from './pending-sales.js';

const tx = (n: number) => ({ id_transaccion: `t${n}` }) as TransaccionCompletada;

describe('PendingSales', () => {
  it('keeps order, skips confirmed holes and refuses repeated ids', () => {
    const q = new PendingSales();
    for (let n = 0; n < 5; n++) expect(q.push(tx(n))).toBe(true);
    expect(q.push(tx(2))).toBe(false);
    expect(q.ack('t1')?.id_transaccion).toBe('t1');
    expect(q.ack('t1')).toBeNull();
    expect(q.start).toBe(0);
    expect(q.nextFrom(1)).toEqual({ pos: 2, tx: tx(2) });
    expect(q.ack('t0')).not.toBeNull();
    expect(q.start).toBe(2);
    expect(q.nextFrom(0)).toEqual({ pos: 2, tx: tx(2) });
    expect([...q].map((t) => t.id_transaccion)).toEqual(['t2', 't3', 't4']);
    expect(q.size).toBe(3);
    expect(q.get('t3')).toEqual(tx(3));
    expect(q.nextFrom(5)).toBeNull();
  });

  it('positions stay valid when the front is trimmed', () => {
    const q = new PendingSales();
    for (let n = 0; n < 5000; n++) q.push(tx(n));
    for (let n = 0; n < 4000; n++) q.ack(`t${n}`);
    expect(q.start).toBe(4000);
    expect(q.nextFrom(4500)).toEqual({ pos: 4500, tx: tx(4500) });
    q.push(tx(5000));
    expect(q.nextFrom(5000)).toEqual({ pos: 5000, tx: tx(5000) });
    expect(q.size).toBe(1001);
  });
});
