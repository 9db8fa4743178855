import { FakeClock } from '@combustible/shared';
import Database from 'better-sqlite3';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuditLog } from '../audit/audit-log.js';
import { createApiApp } from '../http/app.js';
import { COMMON_API_ERRORS } from '../http/errors.js';
import { AuthService, CLI_ACTOR } from './auth-service.js';
import { authRouteTable, credentialFrom, registerAuth } from './plugin.js';
import { STATION_ROLES, type StationRole } from './roles.js';
import type { RouteTable } from './route-table.js';
import { describeAccessMatrix } from '../testing/access-matrix.js';
import { migrateAuthSqlite, SqliteAuthStore } from './sqlite-auth-store.js';

const CHEAP = { N: 2 ** 10, r: 8, p: 1 };
const closers: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

const TABLE: RouteTable<StationRole> = {
  ...authRouteTable<StationRole>('admin', 'lectura'),
  'GET /api/cosas': 'lectura',
  'POST /api/cosas/:id/comando': {
    rol: 'operador',
    segun: { campo: 'comando', roles: { detener_emergencia: 'supervisor' } },
  },
  'GET /metrics': 'lectura',
};

async function setup(table: RouteTable<StationRole> = TABLE, closeAfterEach = true) {
  const db = new Database(':memory:');
  migrateAuthSqlite(db);
  const store = new SqliteAuthStore(db);
  const clock = new FakeClock();
  const audit = new AuditLog(store, clock);
  const auth = new AuthService(store, STATION_ROLES, audit, clock, undefined, { scryptCost: CHEAP });
  const app = await createApiApp({
    log: pino({ level: 'silent' }),
    title: 't',
    description: 'd',
    tags: [],
    errors: COMMON_API_ERRORS,
  });
  await registerAuth(app, { auth, table });
  app.get('/api/cosas', { schema: { response: { 200: z.array(z.string()) } } }, async () => ['a']);
  app.post(
    '/api/cosas/:id/comando',
    { schema: { body: z.object({ comando: z.enum(['pausar', 'detener_emergencia']) }) } },
    async (req) => ({ hecho: req.body.comando, por: req.principal?.usuario }),
  );
  app.get('/metrics', async () => 'm 1\n');
  app.get('/health', async () => ({ ok: true }));
  await app.ready();
  if (closeAfterEach)
    closers.push(
      () => app.close(),
      () => void db.close(),
    );
  for (const rol of STATION_ROLES.roles)
    await auth.createUser(CLI_ACTOR, { nombre: `u-${rol}`, rol, clave: `clave-${rol}-123` });
  const login = async (rol: StationRole) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/sesion',
      payload: { usuario: `u-${rol}`, clave: `clave-${rol}-123` },
    });
    expect(res.statusCode).toBe(200);
    return res.json<{ token: string }>().token;
  };
  return { app, auth, audit, login, db };
}

describe('auth plugin', () => {
  it('answers 401 NO_AUTENTICADO without a session and keeps public routes open', async () => {
    const { app } = await setup();
    const res = await app.inject({ url: '/api/cosas' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { codigo: 'NO_AUTENTICADO', mensaje: expect.any(String) } });
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(401);
  });

  it('accepts the bearer token and the HttpOnly SameSite=Strict cookie', async () => {
    const { app } = await setup();
    const res = await app.inject({
      method: 'POST',
      url: '/api/sesion',
      payload: { usuario: 'u-lectura', clave: 'clave-lectura-123' },
    });
    const cookie = res.cookies.find((c) => c.name === 'sesion');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    const { token, rol, usuario, expira } = res.json<{
      token: string;
      rol: string;
      usuario: string;
      expira: unknown;
    }>();
    expect([rol, usuario, typeof expira]).toEqual(['lectura', 'u-lectura', 'string']);
    expect((await app.inject({ url: '/api/cosas', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(
      200,
    );
    expect((await app.inject({ url: '/api/cosas', cookies: { sesion: cookie?.value ?? '' } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
  });

  it('raises the role by a body field: pausar needs operador, detener_emergencia needs supervisor', async () => {
    const { app, login, audit } = await setup();
    const post = async (rol: StationRole, comando: string) =>
      app.inject({
        method: 'POST',
        url: '/api/cosas/1/comando',
        headers: { authorization: `Bearer ${await login(rol)}` },
        payload: { comando },
      });
    expect((await post('lectura', 'pausar')).statusCode).toBe(403);
    expect((await post('operador', 'pausar')).json()).toEqual({ hecho: 'pausar', por: 'u-operador' });
    const denied = await post('operador', 'detener_emergencia');
    expect(denied.statusCode).toBe(403);
    expect(denied.json<{ error: unknown }>().error).toMatchObject({
      codigo: 'SIN_PERMISO',
      detalles: [{ campo: 'rol', problema: expect.stringMatching(/supervisor/) }],
    });
    expect((await post('supervisor', 'detener_emergencia')).statusCode).toBe(200);
    await audit.flush();
    const refusals = (await audit.list({ accion: 'acceso.denegado', limit: 10, skip: 0 })).items;
    expect(refusals.map((r) => [r.usuario, r.detalles?.rol_necesario])).toEqual([
      ['u-operador', 'supervisor'],
      ['u-lectura', 'operador'],
    ]);
  });

  it('refuses to start when an /api route has no rule in the table', async () => {
    const db = new Database(':memory:');
    migrateAuthSqlite(db);
    const store = new SqliteAuthStore(db);
    const clock = new FakeClock();
    const auth = new AuthService(store, STATION_ROLES, new AuditLog(store, clock), clock);
    const app = await createApiApp({
      log: pino({ level: 'silent' }),
      title: 't',
      description: 'd',
      tags: [],
      errors: COMMON_API_ERRORS,
    });
    await registerAuth(app, { auth, table: authRouteTable<StationRole>('admin', 'lectura') });
    expect(() => app.get('/api/olvidada', async () => 'x')).toThrow(/no tiene rol/);
    await app.close();
    db.close();
  });

  it('serves users, tokens and the audit log to admin only; an API token works as a bearer', async () => {
    const { app, login } = await setup();
    const admin = { authorization: `Bearer ${await login('admin')}` };
    expect(
      (await app.inject({ url: '/api/usuarios', headers: { authorization: `Bearer ${await login('supervisor')}` } }))
        .statusCode,
    ).toBe(403);
    const users = await app.inject({ url: '/api/usuarios', headers: admin });
    expect(users.json<{ nombre: string }[]>().map((u) => u.nombre)).toEqual([
      'u-admin',
      'u-lectura',
      'u-operador',
      'u-supervisor',
    ]);
    expect(JSON.stringify(users.json())).not.toContain('scrypt');
    const created = await app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: admin,
      payload: { nombre: 'prometheus', rol: 'lectura' },
    });
    expect(created.statusCode).toBe(201);
    const { token, id } = created.json<{ token: string; id: string }>();
    expect((await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers: admin })).statusCode).toBe(204);
    const log = await app.inject({ url: '/api/auditoria?accion=token.&limit=5', headers: admin });
    expect(log.headers['x-total-count']).toBe('2');
    expect(log.json<{ accion: string }[]>().map((r) => r.accion)).toEqual(['token.revocar', 'token.crear']);
    expect((await app.inject({ url: '/api/auditoria/verificacion', headers: admin })).json()).toMatchObject({
      ok: true,
    });
  });

  it('names the tampered row in /api/auditoria/verificacion', async () => {
    const { app, login, db, audit } = await setup();
    const admin = { authorization: `Bearer ${await login('admin')}` };
    await audit.flush();
    db.prepare("UPDATE auditoria SET resultado = 'denegado' WHERE seq = 3").run();
    const res = await app.inject({ url: '/api/auditoria/verificacion', headers: admin });
    expect(res.json()).toEqual({ ok: false, registros: 2, primer_error: { seq: 3, motivo: expect.any(String) } });
  });

  it('locks out repeated failed logins with 429 and Retry-After, and counts them', async () => {
    const { app, auth } = await setup();
    const registry = new Registry();
    auth.useMetrics(registry, 'prueba');
    const attempt = () =>
      app.inject({ method: 'POST', url: '/api/sesion', payload: { usuario: 'u-admin', clave: 'incorrecta' } });
    for (let i = 0; i < 5; i++) expect((await attempt()).statusCode).toBe(401);
    const blocked = await attempt();
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json<{ error: { codigo: string } }>().error.codigo).toBe('DEMASIADOS_INTENTOS');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const text = await registry.metrics();
    expect(text).toMatch(/prueba_inicios_sesion_total\{resultado="credenciales_invalidas"\} 5/);
    expect(text).toMatch(/prueba_inicios_sesion_total\{resultado="demasiados_intentos"\} 1/);
    expect(text).toMatch(/prueba_intentos_fallidos_claves 2/);
  });

  it('logs out: the token stops working and the cookie is cleared', async () => {
    const { app, login } = await setup();
    const token = await login('operador');
    const out = await app.inject({
      method: 'DELETE',
      url: '/api/sesion',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(out.statusCode).toBe(204);
    expect(out.cookies.find((c) => c.name === 'sesion')?.value).toBe('');
    expect((await app.inject({ url: '/api/cosas', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(
      401,
    );
  });
});

describe('credentialFrom', () => {
  it('prefers the Authorization header and falls back to the cookie', () => {
    expect(credentialFrom({ authorization: 'Bearer abc', cookie: 'sesion=xyz' })).toBe('abc');
    expect(credentialFrom({ cookie: 'otra=1; sesion=xyz' })).toBe('xyz');
    // Without the cookie plugin registered in the process (the WebSocket bridge's own app).
    expect(credentialFrom({ cookie: 'sesionx=1; sesion=a%2Bb' })).toBe('a+b');
    expect(credentialFrom({ cookie: 'otra=1' })).toBeNull();
    expect(credentialFrom({ authorization: 'Basic abc' })).toBeNull();
    expect(credentialFrom({})).toBeNull();
  });
});

describeAccessMatrix('auth plugin test table', {
  table: TABLE,
  roles: STATION_ROLES,
  async setup() {
    const { app, login, db } = await setup(TABLE, false);
    const tokens = {} as Record<StationRole, string>;
    for (const rol of STATION_ROLES.roles) tokens[rol] = await login(rol);
    return { app, tokens, close: async () => void (await app.close(), db.close()) };
  },
});
