import { readFile } from 'node:fs/promises';
import { createLogger } from '@combustible/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningCompany, startCompany } from '../company.js';
import { companyConfigSchema } from '../config.js';
import { COMPANY_ERRORS } from '../errors.js';
import { SqliteStore } from '../store/sqlite-store.js';

let c: RunningCompany;

beforeEach(async () => {
  const config = companyConfigSchema.parse({
    host: '127.0.0.1',
    apiPort: 0,
    dataDir: ':memory:',
    // These tests are about the API; the network rules have their own tests (company.test.ts).
    allowedNetworks: ['0.0.0.0/0', '::/0'],
  });
  c = await startCompany(config, {
    log: createLogger({ name: 'test', level: 'silent' }),
    store: new SqliteStore({ dataDir: ':memory:' }),
  });
});
afterEach(async () => {
  await c.stop();
});

const put = (payload: unknown) =>
  c.api.inject({ method: 'PUT', url: '/api/precios', payload: payload as object });
const json = <T = Record<string, unknown>>(r: { json(): unknown }) => r.json() as T;

describe('precios', () => {
  it('starts at version 1 with the seed prices', async () => {
    const r = await c.api.inject('/api/precios');
    expect(r.statusCode).toBe(200);
    expect(json(r)).toMatchObject({
      version: 1,
      precios: { precio_93: 1290, precio_95: 1350, precio_97: 1400, precio_diesel: 1120 },
      actualizado: expect.any(String),
    });
  });

  it('changes any subset of the four prices, keeping the others, and records who did it', async () => {
    const r = await put({ precio_95: 1360, precio_diesel: 1130, autor: 'ana' });
    expect(r.statusCode).toBe(200);
    expect(json(r)).toMatchObject({
      version: 2,
      creada: true,
      autor: 'ana',
      precios: { precio_93: 1290, precio_95: 1360, precio_97: 1400, precio_diesel: 1130 },
      cambios: [
        { campo: 'precio_95', anterior: 1350, nuevo: 1360 },
        { campo: 'precio_diesel', anterior: 1120, nuevo: 1130 },
      ],
    });
    expect(json(await c.api.inject('/api/precios'))).toMatchObject({ version: 2 });
    expect(json(await put({ precio_95: 1360 }))).toMatchObject({ version: 2, creada: false });
    expect(json(await put({ precio_93: 1300 }))).toMatchObject({ version: 3, autor: 'api' });
  });

  it.each([
    [{ precio_95: 0 }, 'precio_95'],
    [{ precio_95: -10 }, 'precio_95'],
    [{ precio_95: 13.5 }, 'precio_95'],
    [{ precio_95: '1360' }, 'precio_95'],
    [{ precio_95: 2_000_000 }, 'precio_95'],
    [{ precio_91: 1000 }, ''],
    [{}, 'body'],
  ])('answers 400 VALIDACION to %j', async (body, campo) => {
    const r = await put(body);
    expect(r.statusCode).toBe(400);
    const error = json<{ error: { codigo: string; detalles: { campo: string }[] } }>(r).error;
    expect(error.codigo).toBe('VALIDACION');
    if (campo) expect(error.detalles.map((d) => d.campo)).toContain(campo);
    expect(json(await c.api.inject('/api/precios'))).toMatchObject({ version: 1 });
  });

  it('lists the history newest first, with paging', async () => {
    for (const p of [1301, 1302, 1303]) await put({ precio_93: p, autor: `u${p}` });
    const all = json<{ version: number; autor: string }[]>(await c.api.inject('/api/precios/historial'));
    expect(all.map((v) => [v.version, v.autor])).toEqual([
      [4, 'u1303'],
      [3, 'u1302'],
      [2, 'u1301'],
      [1, 'sistema'],
    ]);
    const page = json<{ version: number }[]>(await c.api.inject('/api/precios/historial?limit=2&antes=4'));
    expect(page.map((v) => v.version)).toEqual([3, 2]);
    expect((await c.api.inject('/api/precios/historial?limit=0')).statusCode).toBe(400);
  });
});

describe('estaciones', () => {
  it('creates, lists, reads with link status, updates and deletes', async () => {
    const created = await c.api.inject({
      method: 'POST',
      url: '/api/estaciones',
      payload: { id_estacion: 'centro', nombre: 'Centro', host: '127.0.0.1', puerto: 1 },
    });
    expect(created.statusCode).toBe(201);
    expect(json(created)).toMatchObject({
      id_estacion: 'centro',
      nombre: 'Centro',
      host: '127.0.0.1',
      puerto: 1,
      id_provisional: false,
      conectada: false,
      version_confirmada: null,
      al_dia: false,
      enlace: { estado: expect.any(String), conectada: false },
    });
    const list = json<{ id_estacion: string }[]>(await c.api.inject('/api/estaciones'));
    expect(list.map((e) => e.id_estacion)).toEqual(['centro']);
    const one = await c.api.inject('/api/estaciones/centro');
    expect(one.statusCode).toBe(200);
    const renamed = await c.api.inject({
      method: 'PUT',
      url: '/api/estaciones/centro',
      payload: { nombre: 'Plaza' },
    });
    expect(json(renamed)).toMatchObject({ nombre: 'Plaza', puerto: 1 });
    expect((await c.api.inject({ method: 'DELETE', url: '/api/estaciones/centro' })).statusCode).toBe(204);
    expect((await c.api.inject('/api/estaciones/centro')).statusCode).toBe(404);
  });

  it('registers by address only, with port 5001 by default and a provisional id', async () => {
    const r = await c.api.inject({ method: 'POST', url: '/api/estaciones', payload: { host: '10.0.0.7' } });
    expect(json(r)).toMatchObject({ id_estacion: '10.0.0.7-5001', puerto: 5001, id_provisional: true });
  });

  it('answers 404, 409 and 400 with stable codes', async () => {
    const post = (payload: object) => c.api.inject({ method: 'POST', url: '/api/estaciones', payload });
    await post({ id_estacion: 'a', host: 'h', puerto: 1 });
    const code = (r: { json(): unknown }) => json<{ error: { codigo: string } }>(r).error.codigo;
    const dup = await post({ id_estacion: 'a', host: 'h', puerto: 2 });
    expect([dup.statusCode, code(dup)]).toEqual([409, 'ESTACION_DUPLICADA']);
    const sameAddress = await post({ id_estacion: 'b', host: 'h', puerto: 1 });
    expect([sameAddress.statusCode, code(sameAddress)]).toEqual([409, 'ESTACION_DUPLICADA']);
    const missing = await c.api.inject('/api/estaciones/nadie');
    expect([missing.statusCode, code(missing)]).toEqual([404, 'ESTACION_NO_ENCONTRADA']);
    for (const bad of [
      { host: 'h', puerto: 0 },
      { host: 'h h' },
      { host: 'h', id_estacion: 'con espacio' },
      { host: 'h', x: 1 },
    ]) {
      const r = await post(bad);
      expect([r.statusCode, code(r)], JSON.stringify(bad)).toEqual([400, 'VALIDACION']);
    }
    const empty = await c.api.inject({ method: 'PUT', url: '/api/estaciones/a', payload: {} });
    expect(empty.statusCode).toBe(400);
    const route = await c.api.inject('/api/nada');
    expect([route.statusCode, code(route)]).toEqual([404, 'RUTA_NO_ENCONTRADA']);
    const badJson = await c.api.inject({
      method: 'PUT',
      url: '/api/precios',
      headers: { 'content-type': 'application/json' },
      payload: '{no',
    });
    expect([badJson.statusCode, code(badJson)]).toEqual([400, 'VALIDACION']);
  });
});

describe('rate limit', () => {
  it('answers 429 LIMITE_EXCEDIDO past the limit per address, never on /health', async () => {
    const config = companyConfigSchema.parse({
      host: '127.0.0.1',
      apiPort: 0,
      dataDir: ':memory:',
      rateLimit: 2,
    });
    const limited = await startCompany(config, {
      log: createLogger({ name: 'test', level: 'silent' }),
      store: new SqliteStore({ dataDir: ':memory:' }),
    });
    try {
      for (let i = 0; i < 2; i++) expect((await limited.api.inject('/api/precios')).statusCode).toBe(200);
      const over = await limited.api.inject('/api/precios');
      expect(over.statusCode).toBe(429);
      expect(json<{ error: { codigo: string } }>(over).error.codigo).toBe('LIMITE_EXCEDIDO');
      expect((await limited.api.inject('/health')).statusCode).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});

it('documents every error code in docs/empresa.md', async () => {
  const doc = await readFile(new URL('../../../docs/empresa.md', import.meta.url), 'utf8');
  for (const code of Object.keys(COMPANY_ERRORS)) expect(doc, code).toContain(code);
});
