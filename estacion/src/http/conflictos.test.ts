/**
 * Conflicts in the API: a reused sale id with other content is listed in GET /api/conflictos and
 * shown on the transaction's detail, and counted in /metrics.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, venta } from '../hub/test-harness.js';
import type { Api } from './app.js';
import { type ApiHarness, createApiHarness } from './test-harness.js';

let t: ApiHarness;
let h: Harness;
let api: Api;

beforeEach(async () => {
  t = await createApiHarness();
  ({ h, api } = t);
});
afterEach(async () => {
  await t.close();
});

const read = (url: string) => api.inject({ url, headers: t.as('lectura') });

/** Pump 9 sells v-1 and v-2, then sends two other sales under the id v-1 (a wiped pump restarting its ids). */
async function conflicts(): Promise<void> {
  const pump = await h.register(9);
  for (const [id, extra] of [
    ['v-1', {}],
    ['v-2', {}],
    ['v-1', { litros: 20, monto_total: 27_000 }],
    ['v-1', { metodo_pago: 'tarjeta' }],
  ] as const) {
    h.clock.advance(1000);
    pump.send(venta(9, { id_transaccion: id, ...extra }));
    await pump.next('transaccion_confirmada');
  }
}

describe('GET /api/conflictos', () => {
  it('lists every conflict with both versions, newest first, paged, with the total in x-total-count', async () => {
    await conflicts();
    const all = await read('/api/conflictos');
    expect(all.statusCode).toBe(200);
    expect(all.headers['x-total-count']).toBe('2');
    const items = all.json<Record<string, unknown>[]>();
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({
      id_surtidor: 9,
      id_transaccion: 'v-1',
      campos: ['metodo_pago'],
      original: { id_transaccion: 'v-1', litros: 10, metodo_pago: 'efectivo' },
      nueva: { id_transaccion: 'v-1', litros: 10, metodo_pago: 'tarjeta' },
      detectado: expect.any(String),
      huella: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(items[1]).toMatchObject({ campos: ['litros', 'monto_total'], nueva: { litros: 20 } });

    const second = await read('/api/conflictos?limit=1&skip=1');
    expect(second.headers['x-total-count']).toBe('2');
    expect(second.json<{ campos: string[] }[]>().map((c) => c.campos)).toEqual([['litros', 'monto_total']]);
    const other = await read('/api/conflictos?id_surtidor=8');
    expect([other.statusCode, other.headers['x-total-count'], other.json()]).toEqual([200, '0', []]);
    expect((await read('/api/conflictos?limit=0')).statusCode).toBe(400);
    expect((await read('/api/conflictos?skip=-1')).statusCode).toBe(400);
  });

  it('needs a session', async () => {
    expect((await api.inject('/api/conflictos')).statusCode).toBe(401);
  });
});

describe('GET /api/transacciones/:id_surtidor/:id_transaccion', () => {
  it('shows a sale with its conflicts; a sale without any says so', async () => {
    await conflicts();
    const detail = await read('/api/transacciones/9/v-1');
    expect(detail.statusCode).toBe(200);
    const body = detail.json<{ en_conflicto: boolean; conflictos: unknown[]; litros: number }>();
    expect(body).toMatchObject({ id_surtidor: 9, id_transaccion: 'v-1', litros: 10, en_conflicto: true });
    expect(body.conflictos).toHaveLength(2);
    expect(body.conflictos[0]).toMatchObject({ campos: ['metodo_pago'], nueva: { metodo_pago: 'tarjeta' } });

    expect((await read('/api/transacciones/9/v-2')).json()).toMatchObject({
      id_transaccion: 'v-2',
      en_conflicto: false,
      conflictos: [],
    });
    const missing = await read('/api/transacciones/9/no-existe');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { codigo: 'TRANSACCION_NO_ENCONTRADA' } });
  });
});

describe('metrics', () => {
  it('counts each new conflict once', async () => {
    await conflicts();
    const pump = await h.register(9);
    pump.send(venta(9, { id_transaccion: 'v-1', metodo_pago: 'tarjeta' })); // the same conflict again
    expect(await pump.next('transaccion_confirmada')).toMatchObject({ duplicada: true, conflicto: true });
    const metrics = await read('/metrics');
    expect(metrics.body).toMatch(/^estacion_transacciones_en_conflicto_total 2$/m);
  });
});
