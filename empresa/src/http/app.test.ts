import { readFile } from 'node:fs/promises';
import { CLI_ACTOR, COMPANY_ROLES, type CompanyRole } from '@combustible/server';
import { describeAccessMatrix } from '@combustible/server/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningCompany } from '../company.js';
import { COMPANY_ERRORS } from '../errors.js';
import { bearer, startTestCompany, tokensByRole } from '../test-harness.js';
import { COMPANY_ROUTES } from './access.js';

let c: RunningCompany;
let tokens: Record<CompanyRole, string>;

beforeEach(async () => {
  // These tests are about the API; the network rules have their own tests (company.test.ts).
  c = await startTestCompany({ allowedNetworks: ['0.0.0.0/0', '::/0'] });
  tokens = await tokensByRole(c);
});
afterEach(async () => {
  await c.stop();
});

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';
/** A request as `rol` (admin unless told). */
const as = (rol: CompanyRole, method: Method, url: string, payload?: unknown) =>
  c.api.inject({
    method,
    url,
    headers: bearer(tokens[rol]),
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
const get = (url: string, rol: CompanyRole = 'lectura') => as(rol, 'GET', url);
const put = (payload: unknown, rol: CompanyRole = 'precios') => as(rol, 'PUT', '/api/precios', payload);
const json = <T = Record<string, unknown>>(r: { json(): unknown }) => r.json() as T;

describe('precios', () => {
  it('starts at version 1 with the seed prices', async () => {
    const r = await get('/api/precios');
    expect(r.statusCode).toBe(200);
    expect(json(r)).toMatchObject({
      version: 1,
      precios: { precio_93: 1290, precio_95: 1350, precio_97: 1400, precio_diesel: 1120 },
      actualizado: expect.any(String),
    });
  });

  it('changes any subset of the four prices, keeping the others, and records who did it', async () => {
    const r = await put({ precio_95: 1360, precio_diesel: 1130 });
    expect(r.statusCode).toBe(200);
    expect(json(r)).toMatchObject({
      version: 2,
      creada: true,
      autor: 'u-precios',
      precios: { precio_93: 1290, precio_95: 1360, precio_97: 1400, precio_diesel: 1130 },
      cambios: [
        { campo: 'precio_95', anterior: 1350, nuevo: 1360 },
        { campo: 'precio_diesel', anterior: 1120, nuevo: 1130 },
      ],
    });
    expect(json(await get('/api/precios'))).toMatchObject({ version: 2 });
    expect(json(await put({ precio_95: 1360 }))).toMatchObject({ version: 2, creada: false });
    expect(json(await put({ precio_93: 1300 }, 'admin'))).toMatchObject({ version: 3, autor: 'admin' });
  });

  it.each([
    [{ precio_95: 0 }, 'precio_95'],
    [{ precio_95: -10 }, 'precio_95'],
    [{ precio_95: 13.5 }, 'precio_95'],
    [{ precio_95: '1360' }, 'precio_95'],
    [{ precio_95: 2_000_000 }, 'precio_95'],
    // The prices rule (shared): 100..100,000 pesos per litre, refused before anything reaches a station.
    [{ precio_95: 99 }, 'precio_95'],
    [{ precio_93: 1 }, 'precio_93'],
    [{ precio_diesel: 100_001 }, 'precio_diesel'],
    [{ precio_93: 1300, precio_97: 1_000_000 }, 'precio_97'],
    [{ precio_91: 1000 }, ''],
    [{}, 'body'],
  ])('answers 400 VALIDACION to %j', async (body, campo) => {
    const r = await put(body);
    expect(r.statusCode).toBe(400);
    const error = json<{ error: { codigo: string; detalles: { campo: string }[] } }>(r).error;
    expect(error.codigo).toBe('VALIDACION');
    if (campo) expect(error.detalles.map((d) => d.campo)).toContain(campo);
    expect(json(await get('/api/precios'))).toMatchObject({ version: 1 });
  });

  it('schedules a version: shown beside the one in force, blocks another until cancelled', async () => {
    const vigencia = new Date(Date.now() + 3 * 3_600_000).toISOString();
    const r = await put({ precio_95: 1400, vigencia });
    expect(r.statusCode).toBe(200);
    expect(json(r)).toMatchObject({ version: 2, creada: true, vigencia, cancelada: null });
    expect(json(await get('/api/precios'))).toMatchObject({
      version: 1,
      vigencia: null,
      programada: { version: 2, vigencia, precios: { precio_95: 1400 } },
    });
    const again = await put({ precio_93: 1300 });
    expect(again.statusCode).toBe(409);
    expect(json<{ error: { codigo: string } }>(again).error.codigo).toBe('PRECIOS_PROGRAMADOS_PENDIENTES');
    expect((await as('lectura', 'DELETE', '/api/precios/programada')).statusCode).toBe(403);
    const cancel = await as('precios', 'DELETE', '/api/precios/programada');
    expect(cancel.statusCode).toBe(200);
    expect(json(cancel)).toMatchObject({ version: 2, cancelada: expect.any(String) });
    expect(json(await get('/api/precios'))).toMatchObject({ version: 1, programada: null });
    expect((await get('/metrics')).body).toMatch(/^empresa_cancelaciones_precios_total 1$/m);
    const none = await as('precios', 'DELETE', '/api/precios/programada');
    expect(none.statusCode).toBe(404);
    expect(json<{ error: { codigo: string } }>(none).error.codigo).toBe('SIN_PRECIOS_PROGRAMADOS');
    expect(json(await put({ precio_93: 1300 }))).toMatchObject({ version: 3, vigencia: null });
    const historial = json<{ version: number; cancelada: string | null }[]>(await get('/api/precios/historial'));
    expect(historial.map((v) => [v.version, v.cancelada !== null])).toEqual([
      [3, false],
      [2, true],
      [1, false],
    ]);
  });

  it.each([
    [{ precio_95: 1400, vigencia: '2020-01-01T00:00:00Z' }, /ya pasó/],
    [{ precio_95: 1400, vigencia: '2099-01-01T00:00:00Z' }, /más de 90 días/],
    [{ precio_95: 1400, vigencia: 'mañana' }, /ISO-8601/],
    [{ precio_95: 1400, vigencia: '2026-01-16T08:00:00' }, /ISO-8601/],
  ])('answers 400 VALIDACION on vigencia to %j', async (body, mensaje) => {
    const r = await put(body);
    expect(r.statusCode).toBe(400);
    const error = json<{ error: { codigo: string; mensaje: string; detalles: { campo: string; problema: string }[] } }>(
      r,
    ).error;
    expect(error.codigo).toBe('VALIDACION');
    expect(error.detalles.find((d) => d.campo === 'vigencia')?.problema ?? error.mensaje).toMatch(mensaje);
  });

  it('refuses a price outside the limits with 422 naming the fuel, the value and the limit', async () => {
    const r = await put({ precio_93: 12900, precio_95: 1360 });
    expect(r.statusCode).toBe(422);
    expect(json(r)).toMatchObject({
      error: {
        codigo: 'PRECIO_FUERA_DE_LIMITES',
        mensaje: 'precio_93 12900 sube 900% desde 1290 (máximo 20% por cambio)',
        detalles: [{ campo: 'precio_93', problema: 'precio_93 12900 sube 900% desde 1290 (máximo 20% por cambio)' }],
      },
    });
    expect(json(await get('/api/precios'))).toMatchObject({ version: 1 });
  });

  it('shows the limits to anyone and lets only an admin set them (audited)', async () => {
    expect(json(await get('/api/precios/limites'))).toMatchObject({
      limites: { precio_93: { minimo: 500, maximo: 3000, cambio_max_pct: 20 } },
      actualizado: null,
    });
    const uno = { minimo: 1000, maximo: 1500, cambio_max_pct: 10 };
    const limites = { precio_93: uno, precio_95: uno, precio_97: uno, precio_diesel: uno };
    expect((await as('precios', 'PUT', '/api/precios/limites', { limites })).statusCode).toBe(403);
    const r = await as('admin', 'PUT', '/api/precios/limites', { limites });
    expect(r.statusCode).toBe(200);
    expect(json(r)).toMatchObject({ limites, autor: 'admin' });
    const fuera = await put({ precio_93: 1000 });
    expect(fuera.statusCode).toBe(422);
    expect(json<{ error: { mensaje: string } }>(fuera).error.mensaje).toBe(
      'precio_93 1000 baja 22% desde 1290 (máximo 10% por cambio)',
    );
    const imposible = await as('admin', 'PUT', '/api/precios/limites', {
      limites: { ...limites, precio_97: { minimo: 2000, maximo: 1000, cambio_max_pct: 10 } },
    });
    expect(imposible.statusCode).toBe(400);
    const audit = json<{ accion: string; resultado: string }[]>(await as('admin', 'GET', '/api/auditoria?limit=20'));
    expect(audit.filter((e) => e.accion === 'precios.limites').map((e) => e.resultado)).toEqual(['error', 'ok']);
  });

  it('lists the history newest first, with paging', async () => {
    for (const [p, rol] of [
      [1301, 'precios'],
      [1302, 'admin'],
      [1303, 'precios'],
    ] as const)
      await put({ precio_93: p }, rol);
    const all = json<{ version: number; autor: string }[]>(await get('/api/precios/historial'));
    expect(all.map((v) => [v.version, v.autor])).toEqual([
      [4, 'u-precios'],
      [3, 'admin'],
      [2, 'u-precios'],
      [1, 'sistema'],
    ]);
    const page = json<{ version: number }[]>(await get('/api/precios/historial?limit=2&antes=4'));
    expect(page.map((v) => v.version)).toEqual([3, 2]);
    expect((await get('/api/precios/historial?limit=0')).statusCode).toBe(400);
  });
});

describe('estaciones', () => {
  it('creates, lists, reads with link status, updates and deletes', async () => {
    const created = await as('admin', 'POST', '/api/estaciones', {
      id_estacion: 'centro',
      nombre: 'Centro',
      host: '127.0.0.1',
      puerto: 1,
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
    const list = json<{ id_estacion: string }[]>(await get('/api/estaciones'));
    expect(list.map((e) => e.id_estacion)).toEqual(['centro']);
    const one = await get('/api/estaciones/centro');
    expect(one.statusCode).toBe(200);
    const renamed = await as('admin', 'PUT', '/api/estaciones/centro', { nombre: 'Plaza' });
    expect(json(renamed)).toMatchObject({ nombre: 'Plaza', puerto: 1 });
    expect((await as('admin', 'DELETE', '/api/estaciones/centro')).statusCode).toBe(204);
    expect((await get('/api/estaciones/centro')).statusCode).toBe(404);
  });

  it('registers by address only, with port 5001 by default and a provisional id', async () => {
    const r = await as('admin', 'POST', '/api/estaciones', { host: '10.0.0.7' });
    expect(json(r)).toMatchObject({ id_estacion: '10.0.0.7-5001', puerto: 5001, id_provisional: true });
  });

  it('answers 404, 409 and 400 with stable codes', async () => {
    const post = (payload: object) => as('admin', 'POST', '/api/estaciones', payload);
    await post({ id_estacion: 'a', host: 'h', puerto: 1 });
    const code = (r: { json(): unknown }) => json<{ error: { codigo: string } }>(r).error.codigo;
    const dup = await post({ id_estacion: 'a', host: 'h', puerto: 2 });
    expect([dup.statusCode, code(dup)]).toEqual([409, 'ESTACION_DUPLICADA']);
    const sameAddress = await post({ id_estacion: 'b', host: 'h', puerto: 1 });
    expect([sameAddress.statusCode, code(sameAddress)]).toEqual([409, 'ESTACION_DUPLICADA']);
    const missing = await get('/api/estaciones/nadie');
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
    const empty = await as('admin', 'PUT', '/api/estaciones/a', {});
    expect(empty.statusCode).toBe(400);
    const route = await get('/api/nada');
    expect([route.statusCode, code(route)]).toEqual([404, 'RUTA_NO_ENCONTRADA']);
    const badJson = await c.api.inject({
      method: 'PUT',
      url: '/api/precios',
      headers: { 'content-type': 'application/json', ...bearer(tokens.precios) },
      payload: '{no',
    });
    expect([badJson.statusCode, code(badJson)]).toEqual([400, 'VALIDACION']);
  });
});

describe('rate limit', () => {
  it('answers 429 LIMITE_EXCEDIDO past the limit per address, never on /health', async () => {
    const limited = await startTestCompany({ rateLimit: 2 });
    try {
      const { token } = await limited.auth.createToken(CLI_ACTOR, { nombre: 'lector', rol: 'lectura' });
      const read = () => limited.api.inject({ url: '/api/precios', headers: bearer(token) });
      for (let i = 0; i < 2; i++) expect((await read()).statusCode).toBe(200);
      const over = await read();
      expect(over.statusCode).toBe(429);
      expect(json<{ error: { codigo: string } }>(over).error.codigo).toBe('LIMITE_EXCEDIDO');
      expect((await limited.api.inject('/health')).statusCode).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});

describe('who did it', () => {
  type Registro = {
    usuario: string;
    rol: string | null;
    ip: string | null;
    accion: string;
    objetivo: string;
    resultado: string;
    detalles: Record<string, unknown>;
  };
  const audit = async (accion: string) => {
    await c.audit.flush();
    const r = await as('admin', 'GET', `/api/auditoria?accion=${accion}`);
    expect(r.statusCode).toBe(200);
    return json<Registro[]>(r);
  };

  it('takes the author from the session and refuses an `autor` in the body', async () => {
    const r = await put({ precio_95: 1360, autor: 'otro' });
    expect(r.statusCode).toBe(400);
    expect(json<{ error: unknown }>(r).error).toMatchObject({
      codigo: 'VALIDACION',
      detalles: [{ problema: expect.stringMatching(/autor.*usuario de la sesión/) }],
    });
    expect(json(await get('/api/precios'))).toMatchObject({ version: 1 });
    expect(json(await put({ precio_95: 1360 }))).toMatchObject({ version: 2, autor: 'u-precios' });
    expect(json(await put({ precio_95: 1370 }, 'admin'))).toMatchObject({ version: 3, autor: 'admin' });
  });

  it('an API token is the author `token:<name>`; a lectura token may read but not change prices', async () => {
    const erp = json<{ token: string }>(await as('admin', 'POST', '/api/tokens', { nombre: 'erp', rol: 'precios' }));
    const scraper = json<{ token: string }>(
      await as('admin', 'POST', '/api/tokens', { nombre: 'scraper', rol: 'lectura' }),
    );
    const viaErp = await c.api.inject({
      method: 'PUT',
      url: '/api/precios',
      headers: bearer(erp.token),
      payload: { precio_97: 1450 },
    });
    expect(json(viaErp)).toMatchObject({ version: 2, autor: 'token:erp' });
    const refused = await c.api.inject({
      method: 'PUT',
      url: '/api/precios',
      headers: bearer(scraper.token),
      payload: { precio_97: 1460 },
    });
    expect([refused.statusCode, json<{ error: { codigo: string } }>(refused).error.codigo]).toEqual([
      403,
      'SIN_PERMISO',
    ]);
    expect((await c.api.inject({ url: '/metrics', headers: bearer(scraper.token) })).statusCode).toBe(200);
  });

  it('audits a price change with who, from where, the changes and the new version; a no-op is not a change', async () => {
    await put({ precio_95: 1360, precio_diesel: 1130 });
    await put({ precio_95: 1360 });
    const entries = await audit('precios.cambiar');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      usuario: 'u-precios',
      rol: 'precios',
      ip: '127.0.0.1',
      objetivo: 'precios',
      resultado: 'ok',
      detalles: {
        version: 2,
        cambios: [
          { campo: 'precio_95', anterior: 1350, nuevo: 1360 },
          { campo: 'precio_diesel', anterior: 1120, nuevo: 1130 },
        ],
      },
    });
    expect(json(await as('admin', 'GET', '/api/auditoria/verificacion'))).toMatchObject({ ok: true });
  });

  it('audits station creation, changes, removal and refusals', async () => {
    await as('admin', 'POST', '/api/estaciones', {
      id_estacion: 'centro',
      nombre: 'Centro',
      host: '127.0.0.1',
      puerto: 1,
    });
    await as('admin', 'POST', '/api/estaciones', { id_estacion: 'centro', host: '127.0.0.1', puerto: 2 });
    await as('admin', 'PUT', '/api/estaciones/centro', { nombre: 'Plaza' });
    await as('admin', 'DELETE', '/api/estaciones/centro');
    const entries = await audit('estacion.');
    expect(entries.map((e) => [e.accion, e.objetivo, e.resultado, e.usuario])).toEqual([
      ['estacion.eliminar', 'estacion:centro', 'ok', 'admin'],
      ['estacion.modificar', 'estacion:centro', 'ok', 'admin'],
      ['estacion.crear', 'estacion:centro', 'error', 'admin'],
      ['estacion.crear', 'estacion:centro', 'ok', 'admin'],
    ]);
    expect(entries[0]?.detalles).toMatchObject({ nombre: 'Plaza', host: '127.0.0.1', puerto: 1 });
    expect(entries[1]?.detalles).toMatchObject({ cambios: { nombre: 'Plaza' }, anterior: { nombre: 'Centro' } });
    expect(entries[2]?.detalles).toMatchObject({ codigo: 'ESTACION_DUPLICADA' });
    expect(entries[3]?.detalles).toMatchObject({
      id_estacion: 'centro',
      nombre: 'Centro',
      host: '127.0.0.1',
      puerto: 1,
    });
  });

  it('audits logins and refusals (done by the auth service)', async () => {
    await c.api.inject({ method: 'POST', url: '/api/sesion', payload: { usuario: 'admin', clave: 'incorrecta' } });
    await put({ precio_95: 1360 }, 'lectura');
    const logins = await audit('sesion.iniciar');
    expect(logins.map((e) => [e.usuario, e.resultado])).toContainEqual(['admin', 'denegado']);
    expect(logins.map((e) => [e.usuario, e.resultado])).toContainEqual(['u-precios', 'ok']);
    const denied = await audit('acceso.denegado');
    expect(denied[0]).toMatchObject({
      usuario: 'u-lectura',
      objetivo: 'PUT /api/precios',
      detalles: { rol_necesario: 'precios' },
    });
  });
});

describe('sessions on the company API', () => {
  it('keeps /health open, asks a bearer token for /metrics and serves the login screen', async () => {
    expect((await c.api.inject('/health')).statusCode).toBe(200);
    expect((await c.api.inject('/metrics')).statusCode).toBe(401);
    expect((await c.api.inject({ url: '/metrics', headers: bearer(tokens.lectura) })).statusCode).toBe(200);
    const script = await c.api.inject('/comun/sesion.js');
    expect(script.statusCode).toBe(200);
    expect(script.body).toContain('asegurarSesion');
    expect((await c.api.inject('/comun/sesion.css')).statusCode).toBe(200);
  });

  it('tells who is logged in, by user name and role', async () => {
    expect(json(await get('/api/sesion', 'precios'))).toMatchObject({
      usuario: 'u-precios',
      rol: 'precios',
      tipo: 'sesion',
    });
    expect((await c.api.inject('/api/sesion')).statusCode).toBe(401);
  });

  it('documents the role of every route in the OpenAPI document', async () => {
    const doc = json<{
      paths: Record<string, Record<string, { description?: string; security?: unknown }>>;
      components: { securitySchemes: Record<string, unknown> };
    }>(await c.api.inject('/docs/json'));
    expect(doc.paths['/api/precios']?.put?.description).toMatch(/Rol necesario: \*\*precios\*\*/);
    expect(doc.paths['/api/precios']?.put?.security).toEqual([{ bearer: [] }, { cookie: [] }]);
    expect(doc.components.securitySchemes).toMatchObject({
      bearer: { type: 'http', scheme: 'bearer' },
      cookie: { type: 'apiKey', in: 'cookie', name: 'sesion' },
    });
    expect(doc.paths['/api/estaciones']?.post?.description).toMatch(/Rol necesario: \*\*admin\*\*/);
  });
});

describeAccessMatrix('empresa', {
  table: COMPANY_ROUTES,
  roles: COMPANY_ROLES,
  async setup() {
    const m = await startTestCompany();
    return { app: m.api, tokens: await tokensByRole(m), close: () => m.stop() };
  },
});

it('documents every error code in docs/empresa.md', async () => {
  const doc = await readFile(new URL('../../../docs/empresa.md', import.meta.url), 'utf8');
  for (const code of Object.keys(COMPANY_ERRORS)) expect(doc, code).toContain(code);
});
