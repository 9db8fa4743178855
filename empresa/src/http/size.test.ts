/**
 * Issue 10, "Size": every list of the company API is a page (`limit` 1–1000, default 50, the
 * total in x-total-count), and numeric query parameters are plain decimal integers only.
 */
import { CLI_ACTOR, type CompanyRole } from '@combustible/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningCompany } from '../company.js';
import { bearer, startTestCompany, tokensByRole } from '../test-harness.js';

let c: RunningCompany;
let tokens: Record<CompanyRole, string>;

beforeEach(async () => {
  c = await startTestCompany({ allowedNetworks: ['0.0.0.0/0', '::/0'] });
  tokens = await tokensByRole(c);
});
afterEach(async () => {
  await c.stop();
});

const get = (url: string) => c.api.inject({ url, headers: bearer(tokens.admin) });

describe('every list of the company is a page', () => {
  it('GET /api/estaciones: 50 by default, limit up to 1000, skip, the total in x-total-count', async () => {
    for (let i = 0; i < 70; i++)
      await c.service.addStation(
        { id_estacion: `e${String(i).padStart(3, '0')}`, host: '127.0.0.1', puerto: 20_000 + i },
        CLI_ACTOR,
      );
    const first = await get('/api/estaciones');
    expect(first.json<unknown[]>()).toHaveLength(50);
    expect(first.headers['x-total-count']).toBe('70');
    const rest = await get('/api/estaciones?skip=60&limit=1000');
    expect(rest.json<{ id_estacion: string }[]>().map((e) => e.id_estacion)).toEqual(
      Array.from({ length: 10 }, (_, i) => `e0${60 + i}`),
    );
    expect((await get('/api/estaciones?limit=1001')).statusCode).toBe(400);
  });

  it('GET /api/precios/historial tells the total in x-total-count (of the versions the filter matches)', async () => {
    for (let p = 1301; p <= 1305; p++)
      await c.service.changePrices({ precio_93: p }, { usuario: 'admin', rol: 'admin', ip: null });
    const all = await get('/api/precios/historial?limit=2');
    expect(all.json<{ version: number }[]>().map((v) => v.version)).toEqual([6, 5]);
    expect(all.headers['x-total-count']).toBe('6');
    const older = await get('/api/precios/historial?limit=2&antes=4');
    expect(older.json<{ version: number }[]>().map((v) => v.version)).toEqual([3, 2]);
    expect(older.headers['x-total-count']).toBe('3');
  });

  it('GET /api/usuarios and GET /api/tokens are pages too', async () => {
    for (let i = 0; i < 52; i++)
      await c.auth.createUser(CLI_ACTOR, {
        nombre: `u${String(i).padStart(2, '0')}`,
        rol: 'lectura',
        clave: 'clave-larga-1',
      });
    const users = await get('/api/usuarios?limit=20&skip=40');
    expect(users.json<unknown[]>()).toHaveLength(55 - 40);
    expect(users.headers['x-total-count']).toBe(String(52 + 3));
    const tokensPage = await get('/api/tokens');
    expect(tokensPage.headers['x-total-count']).toBe('0');
  });
});

const NOT_DECIMAL = ['1e3', '0x10', '1.0', ' 1', '+1', '-0', '', '01'];

describe('numeric query parameters are plain decimal integers', () => {
  it('answers 400 VALIDACION naming the field for each form that is not one', async () => {
    const cases = [
      ['/api/precios/historial?limit=', 'limit'],
      ['/api/precios/historial?antes=', 'antes'],
      ['/api/estaciones?limit=', 'limit'],
      ['/api/estaciones?skip=', 'skip'],
      ['/api/usuarios?skip=', 'skip'],
      ['/api/tokens?limit=', 'limit'],
      ['/api/auditoria?skip=', 'skip'],
    ] as const;
    const wrong: string[] = [];
    for (const [prefix, campo] of cases) {
      for (const v of NOT_DECIMAL) {
        const url = prefix + encodeURIComponent(v);
        const r = await get(url);
        const body = r.json<{ error?: { codigo: string; detalles?: { campo: string }[] } }>();
        const ok =
          r.statusCode === 400 &&
          body.error?.codigo === 'VALIDACION' &&
          (body.error.detalles ?? []).some((d) => d.campo === campo);
        if (!ok) wrong.push(`${url} → ${r.statusCode}`);
      }
    }
    expect(wrong).toEqual([]);
    expect((await get('/api/precios/historial?limit=3&antes=10')).statusCode).toBe(200);
  });
});
