import { FakeClock } from '@combustible/shared';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/audit-log.js';
import { AuthService, CLI_ACTOR } from './auth-service.js';
import { STATION_ROLES } from './roles.js';
import { hashPassword, verifyPassword } from './secrets.js';
import { migrateAuthSqlite, SqliteAuthStore } from './sqlite-auth-store.js';

const CHEAP = { N: 2 ** 10, r: 8, p: 1 };
const dbs: Database.Database[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

function setup(options = {}) {
  const db = new Database(':memory:');
  dbs.push(db);
  migrateAuthSqlite(db);
  const store = new SqliteAuthStore(db);
  const clock = new FakeClock();
  const audit = new AuditLog(store, clock);
  const auth = new AuthService(store, STATION_ROLES, audit, clock, undefined, { scryptCost: CHEAP, ...options });
  return { db, store, clock, audit, auth };
}

const acciones = async (audit: AuditLog) =>
  (await audit.list({ limit: 100, skip: 0 })).items.reverse().map((r) => `${r.accion}:${r.resultado}`);

describe('passwords', () => {
  it('hashes with scrypt and a random salt; verifies only the right password', async () => {
    const a = await hashPassword('correcta-1', CHEAP);
    const b = await hashPassword('correcta-1', CHEAP);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correcta-1', a)).toBe(true);
    expect(await verifyPassword('incorrecta', a)).toBe(false);
    expect(await verifyPassword('x', 'texto-plano')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$99999999$8$1$c2Fs$aGFzaA')).toBe(false);
  });
});

describe('AuthService', () => {
  it('creates admin on first start only, with the given or a generated password', async () => {
    const { auth } = setup();
    const first = await auth.bootstrapAdmin();
    expect(first).toMatchObject({ usuario: 'admin', generada: true });
    expect(first?.clave).toHaveLength(24);
    expect(await auth.bootstrapAdmin('otra-clave-1')).toBeNull();
    const { principal } = await auth.login('admin', first?.clave ?? '', '127.0.0.1');
    expect(principal.rol).toBe('admin');
  });

  it('logs in, authenticates the token until it expires, and logs out', async () => {
    const { auth, clock, audit } = setup({ sessionTtlMs: 60_000, cacheTtlMs: 0 });
    await auth.createUser(CLI_ACTOR, { nombre: 'ana', rol: 'operador', clave: 'clave-de-ana' });
    const { token, principal } = await auth.login('ana', 'clave-de-ana', '10.0.0.5');
    expect(token).toMatch(/^ses_/);
    expect(principal).toMatchObject({ usuario: 'ana', rol: 'operador', tipo: 'sesion' });
    expect(await auth.authenticate(token)).toEqual(principal);
    expect(await auth.authenticate(`${token}x`)).toBeNull();
    clock.advance(60_000);
    expect(await auth.authenticate(token)).toBeNull();
    const again = await auth.login('ana', 'clave-de-ana', '10.0.0.5');
    await auth.logout(again.principal, '10.0.0.5');
    expect(await auth.authenticate(again.token)).toBeNull();
    expect(await acciones(audit)).toEqual([
      'usuario.crear:ok',
      'sesion.iniciar:ok',
      'sesion.iniciar:ok',
      'sesion.cerrar:ok',
    ]);
  });

  it('refuses a wrong password or unknown user the same way, audits it, and then slows and locks', async () => {
    const { auth, audit, clock } = setup({ limits: { freeFailures: 2, lockAfter: 4, lockMs: 600_000 } });
    await auth.createUser(CLI_ACTOR, { nombre: 'ana', rol: 'operador', clave: 'clave-de-ana' });
    await expect(auth.login('ana', 'mala-clave', '10.0.0.9')).rejects.toMatchObject({ code: 'CREDENCIALES_INVALIDAS' });
    await expect(auth.login('nadie', 'mala-clave', '10.0.0.9')).rejects.toMatchObject({
      code: 'CREDENCIALES_INVALIDAS',
    });
    // The address has failed twice: the next attempt must wait, even with the right password.
    await expect(auth.login('ana', 'clave-de-ana', '10.0.0.9')).rejects.toMatchObject({
      code: 'DEMASIADOS_INTENTOS',
      extra: { retryAfterMs: 1000 },
    });
    // Another address is not slowed by it.
    await expect(auth.login('ana', 'clave-de-ana', '10.0.0.10')).resolves.toBeDefined();
    for (let i = 0; i < 2; i++) {
      clock.advance(10_000);
      await expect(auth.login('x', 'mala-clave', '10.0.0.9')).rejects.toMatchObject({ code: 'CREDENCIALES_INVALIDAS' });
    }
    clock.advance(60_000);
    await expect(auth.login('ana', 'clave-de-ana', '10.0.0.9')).rejects.toMatchObject({ code: 'DEMASIADOS_INTENTOS' });
    const denied = (await audit.list({ resultado: 'denegado', limit: 10, skip: 0 })).items.reverse();
    expect(denied.map((r) => r.detalles?.motivo)).toEqual([
      'clave_incorrecta',
      'usuario_desconocido',
      'demasiado_pronto',
      'usuario_desconocido',
      'usuario_desconocido',
      'bloqueado',
    ]);
    expect(denied.every((r) => r.ip === '10.0.0.9')).toBe(true);
  });

  it('ends a user’s sessions when the role or password changes or the user is removed', async () => {
    const { auth } = setup({ cacheTtlMs: 60_000 });
    await auth.bootstrapAdmin('clave-admin-1');
    await auth.createUser(CLI_ACTOR, { nombre: 'ana', rol: 'operador', clave: 'clave-de-ana' });
    const s1 = await auth.login('ana', 'clave-de-ana', null);
    await auth.authenticate(s1.token); // cached
    await auth.updateUser(CLI_ACTOR, 'ana', { rol: 'supervisor' });
    expect(await auth.authenticate(s1.token)).toBeNull();
    const s2 = await auth.login('ana', 'clave-de-ana', null);
    expect(s2.principal.rol).toBe('supervisor');
    await auth.deleteUser(CLI_ACTOR, 'ana');
    expect(await auth.authenticate(s2.token)).toBeNull();
    await expect(auth.login('ana', 'clave-de-ana', null)).rejects.toMatchObject({ code: 'CREDENCIALES_INVALIDAS' });
  });

  it('never removes or demotes the last admin', async () => {
    const { auth } = setup();
    await auth.bootstrapAdmin('clave-admin-1');
    await expect(auth.deleteUser(CLI_ACTOR, 'admin')).rejects.toMatchObject({ code: 'ULTIMO_ADMIN' });
    await expect(auth.updateUser(CLI_ACTOR, 'admin', { rol: 'lectura' })).rejects.toMatchObject({
      code: 'ULTIMO_ADMIN',
    });
    await auth.createUser(CLI_ACTOR, { nombre: 'jefa', rol: 'admin', clave: 'clave-de-jefa' });
    await expect(auth.deleteUser(CLI_ACTOR, 'admin')).resolves.toBeUndefined();
  });

  it('issues API tokens shown once, stores only their hash, and revokes them', async () => {
    const { auth, db } = setup({ cacheTtlMs: 60_000 });
    const created = await auth.createToken(
      { usuario: 'admin', rol: 'admin', ip: null },
      { nombre: 'prometheus', rol: 'lectura' },
    );
    expect(created.token).toMatch(/^tok_/);
    const stored = JSON.stringify(db.prepare('SELECT * FROM credenciales').all());
    expect(stored).not.toContain(created.token);
    expect(await auth.authenticate(created.token)).toMatchObject({
      usuario: 'token:prometheus',
      rol: 'lectura',
      tipo: 'api',
    });
    expect(await auth.listTokens()).toEqual([
      expect.objectContaining({ id: created.id, nombre: 'prometheus', expira: null }),
    ]);
    await auth.revokeToken(CLI_ACTOR, created.id);
    expect(await auth.authenticate(created.token)).toBeNull();
    await expect(auth.revokeToken(CLI_ACTOR, created.id)).rejects.toMatchObject({ code: 'TOKEN_NO_ENCONTRADO' });
  });

  it('refuses bad names, short passwords and unknown roles', async () => {
    const { auth } = setup();
    await expect(
      auth.createUser(CLI_ACTOR, { nombre: '../x', rol: 'operador', clave: 'clave-larga' }),
    ).rejects.toMatchObject({ code: 'VALIDACION' });
    await expect(auth.createUser(CLI_ACTOR, { nombre: 'ana', rol: 'operador', clave: 'corta' })).rejects.toMatchObject({
      code: 'VALIDACION',
    });
    await expect(
      auth.createUser(CLI_ACTOR, { nombre: 'ana', rol: 'jefe' as 'admin', clave: 'clave-larga' }),
    ).rejects.toMatchObject({ code: 'VALIDACION' });
    await auth.createUser(CLI_ACTOR, { nombre: 'ana', rol: 'operador', clave: 'clave-larga' });
    await expect(
      auth.createUser(CLI_ACTOR, { nombre: 'ana', rol: 'operador', clave: 'clave-larga' }),
    ).rejects.toMatchObject({ code: 'USUARIO_DUPLICADO' });
  });
});
