/**
 * Issue 10, "Size": no answer of the station's API grows without bound with what clients did
 * (every list is a page: `limit` 1–1000, default 50, `skip`, the total in x-total-count), and
 * numeric path and query parameters are plain decimal integers only.
 */
import { CLI_ACTOR } from '@combustible/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unaTransaccion } from '../store/test-builders.js';
import { type ApiHarness, createApiHarness } from './test-harness.js';

let t: ApiHarness;

beforeEach(async () => {
  t = await createApiHarness();
});
afterEach(async () => {
  await t.close();
});

const get = (url: string) => t.api.inject({ url, headers: t.as('admin') });

type Page = { status: number; items: unknown[]; total: string | undefined };
async function page(url: string, pick: (body: unknown) => unknown[] = (b) => b as unknown[]): Promise<Page> {
  const r = await get(url);
  expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
  return { status: r.statusCode, items: pick(r.json()), total: r.headers['x-total-count'] as string | undefined };
}

/** `n` pumps configured at the station (the way a supervisor pre-configures them). */
async function pumps(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await t.h.service.createPump({ nombre: `S${i + 1}`, combustibles_soportados: ['95'] });
}

const ids = (items: unknown[]) => items.map((x) => (x as { id_surtidor: number }).id_surtidor);

describe('every list of the station is a page', () => {
  it('GET /api/surtidores: 50 by default, limit up to 1000, skip, the total in x-total-count', async () => {
    await pumps(120);
    const first = await page('/api/surtidores');
    expect(first.items).toHaveLength(50);
    expect(first.total).toBe('120');
    expect(ids(first.items)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const rest = await page('/api/surtidores?skip=100&limit=50');
    expect(ids(rest.items)).toEqual(Array.from({ length: 20 }, (_, i) => i + 101));
    expect((await page('/api/surtidores?limit=1000')).items).toHaveLength(120);
    expect((await get('/api/surtidores?limit=1001')).statusCode).toBe(400);
    expect((await get('/api/surtidores?limit=0')).statusCode).toBe(400);
  });

  it('GET /api/surtidores/estado/conectados pages the connected pumps', async () => {
    for (const id of [5, 3, 9]) await t.h.register(id);
    const first = await page('/api/surtidores/estado/conectados?limit=2');
    expect(ids(first.items)).toEqual([3, 5]);
    expect(first.total).toBe('3');
    expect(ids((await page('/api/surtidores/estado/conectados?skip=2')).items)).toEqual([9]);
  });

  it('GET /api/alertas pages the alerts, newest first', async () => {
    for (let i = 0; i < 70; i++)
      t.h.service.raiseAlert({
        codigo: 'RELOJ_DESFASADO',
        clave: `K${i}`,
        mensaje: `a${i}`,
        severidad: 'info',
        id_surtidor: null,
      });
    await t.h.service.settled();
    const first = await page('/api/alertas');
    expect(first.items).toHaveLength(50);
    expect(first.total).toBe('70');
    const rest = await page('/api/alertas?abiertas=true&skip=60');
    expect(rest.items).toHaveLength(10);
    expect(rest.total).toBe('70');
    expect((await page('/api/alertas?abiertas=false')).total).toBe('0');
  });

  it('GET /api/precios pages its `surtidores` array', async () => {
    await pumps(80);
    const first = await page('/api/precios', (b) => (b as { surtidores: unknown[] }).surtidores);
    expect(first.items).toHaveLength(50);
    expect(first.total).toBe('80');
    const rest = await page('/api/precios?skip=50&limit=1000', (b) => (b as { surtidores: unknown[] }).surtidores);
    expect(ids(rest.items)).toEqual(Array.from({ length: 30 }, (_, i) => i + 51));
  });

  it('GET /api/estadisticas pages por_surtidor (the other breakdowns are bounded)', async () => {
    const sales = Array.from({ length: 75 }, (_, i) =>
      unaTransaccion({ id_surtidor: i + 1, fecha_fin: '2026-01-15T14:00:00Z' }),
    );
    await t.h.store.insertTransactions(sales);
    type Stats = { total: { transacciones: number }; por_surtidor: unknown[]; por_hora: unknown[] };
    const r = await get('/api/estadisticas');
    const stats = r.json<Stats>();
    expect(stats.total.transacciones).toBe(75);
    expect(stats.por_surtidor).toHaveLength(50);
    expect(r.headers['x-total-count']).toBe('75');
    const rest = (await get('/api/estadisticas?skip=50&limit=100')).json<Stats>();
    expect(ids(rest.por_surtidor)).toEqual(Array.from({ length: 25 }, (_, i) => i + 51));
  });

  it('GET /api/usuarios and GET /api/tokens are pages too', async () => {
    for (let i = 0; i < 55; i++) {
      await t.h.auth.createUser(CLI_ACTOR, {
        nombre: `u${String(i).padStart(2, '0')}`,
        rol: 'lectura',
        clave: 'clave-larga-1',
      });
      await t.h.auth.createToken(CLI_ACTOR, { nombre: `t${i}`, rol: 'lectura' });
    }
    const users = await page('/api/usuarios');
    expect(users.items).toHaveLength(50);
    expect(users.total).toBe(String(55 + 4));
    expect((await page('/api/usuarios?skip=50')).items).toHaveLength(9);
    const tokens = await page('/api/tokens?limit=10');
    expect(tokens.items).toHaveLength(10);
    expect(tokens.total).toBe('55');
  });
});

/** Every form a plain decimal integer is not; each as it travels in a URL. */
const NOT_DECIMAL = ['1e3', '0x10', '1.0', ' 1', '+1', '-0', '', '01', '1_000', '１', '99999999999999999999'];

describe('numeric path and query parameters are plain decimal integers', () => {
  const cases: { url: (v: string) => string; campo: string }[] = [
    { url: (v) => `/api/surtidores/${v}`, campo: 'id' },
    { url: (v) => `/api/surtidores/${v}/estado`, campo: 'id' },
    { url: (v) => `/api/surtidores/${v}/transacciones`, campo: 'id' },
    { url: (v) => `/api/surtidores/1/transacciones?limit=${v}`, campo: 'limit' },
    { url: (v) => `/api/surtidores/1/transacciones?skip=${v}`, campo: 'skip' },
    { url: (v) => `/api/transacciones?limit=${v}`, campo: 'limit' },
    { url: (v) => `/api/transacciones?skip=${v}`, campo: 'skip' },
    { url: (v) => `/api/transacciones?id_surtidor=${v}`, campo: 'id_surtidor' },
    { url: (v) => `/api/surtidores?limit=${v}`, campo: 'limit' },
    { url: (v) => `/api/surtidores?skip=${v}`, campo: 'skip' },
    { url: (v) => `/api/surtidores/estado/conectados?limit=${v}`, campo: 'limit' },
    { url: (v) => `/api/alertas?limit=${v}`, campo: 'limit' },
    { url: (v) => `/api/alertas?skip=${v}`, campo: 'skip' },
    { url: (v) => `/api/alertas?id_surtidor=${v}`, campo: 'id_surtidor' },
    { url: (v) => `/api/precios?limit=${v}`, campo: 'limit' },
    { url: (v) => `/api/estadisticas?skip=${v}`, campo: 'skip' },
    { url: (v) => `/api/usuarios?limit=${v}`, campo: 'limit' },
    { url: (v) => `/api/tokens?skip=${v}`, campo: 'skip' },
    { url: (v) => `/api/auditoria?limit=${v}`, campo: 'limit' },
    { url: (v) => `/api/auditoria?skip=${v}`, campo: 'skip' },
    { url: (v) => `/api/conflictos?limit=${v}`, campo: 'limit' },
    { url: (v) => `/api/conflictos?id_surtidor=${v}`, campo: 'id_surtidor' },
    { url: (v) => `/api/transacciones/${v}/T1`, campo: 'id_surtidor' },
  ];

  it('answers 400 VALIDACION naming the field for each form that is not one', async () => {
    await pumps(1);
    const wrong: string[] = [];
    for (const c of cases) {
      for (const v of NOT_DECIMAL) {
        // A path parameter cannot be empty: `/api/surtidores/` is another route.
        if (v === '' && !c.url('').includes('?')) continue;
        const url = c.url(encodeURIComponent(v));
        const r = await get(url);
        const body = r.json<{ error?: { codigo: string; detalles?: { campo: string }[] } }>();
        const ok =
          r.statusCode === 400 &&
          body.error?.codigo === 'VALIDACION' &&
          (body.error.detalles ?? []).some((d) => d.campo === c.campo);
        if (!ok) wrong.push(`${url} → ${r.statusCode} ${r.body.slice(0, 120)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('still takes plain decimals, zero where zero makes sense', async () => {
    await pumps(2);
    expect((await get('/api/surtidores/2')).statusCode).toBe(200);
    expect((await get('/api/surtidores/1/transacciones?limit=1000&skip=0')).statusCode).toBe(200);
    expect((await get('/api/transacciones?id_surtidor=2&limit=7&skip=10')).statusCode).toBe(200);
    expect((await get('/api/auditoria?limit=0')).statusCode).toBe(200);
    expect((await get('/api/surtidores/0')).statusCode).toBe(400);
    // A repeated parameter is not a number either.
    expect((await get('/api/transacciones?limit=1&limit=2')).statusCode).toBe(400);
  });
});
