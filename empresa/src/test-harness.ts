/**
 * Test support for the company's API: a company on an in-memory store that starts with a known
 * `admin` password and a cheap scrypt cost, one user per role, and their bearer headers. Tests only
 * (excluded from the build).
 */
import { CLI_ACTOR, COMPANY_ROLES, type CompanyRole } from '@combustible/server';
import { createLogger } from '@combustible/shared';
import { expect } from 'vitest';
import { type CompanyDeps, type RunningCompany, startCompany } from './company.js';
import { companyConfigSchema } from './config.js';
import type { Api } from './http/app.js';
import { SqliteStore } from './store/sqlite-store.js';

/** scrypt cheap enough for tests (the real cost is N = 2^15). */
export const CHEAP_SCRYPT = { N: 1024, r: 8, p: 1 };
export const ADMIN_CLAVE = 'clave-admin-123';
/** The password of the test user of each role (`u-lectura`, `u-precios`; admin is `admin`). */
export const claveDe = (rol: CompanyRole) => (rol === 'admin' ? ADMIN_CLAVE : `clave-${rol}-123`);
export const usuarioDe = (rol: CompanyRole) => (rol === 'admin' ? 'admin' : `u-${rol}`);

export const silentLog = createLogger({ name: 'test', level: 'silent' });

/** A company on `:memory:` (unless `flags.dataDir`), API on a free loopback port, admin password known. */
export async function startTestCompany(
  flags: Record<string, unknown> = {},
  deps: Partial<CompanyDeps> = {},
): Promise<RunningCompany> {
  const config = companyConfigSchema.parse({
    host: '127.0.0.1',
    apiPort: 0,
    dataDir: ':memory:',
    adminPassword: ADMIN_CLAVE,
    ...flags,
  });
  return startCompany(config, {
    log: silentLog,
    ...(config.dataDir === ':memory:' ? { store: new SqliteStore({ dataDir: ':memory:' }) } : {}),
    authOptions: { scryptCost: CHEAP_SCRYPT },
    ...deps,
  });
}

/** Logs in through the API; the session token. */
export async function login(api: Api, usuario: string, clave: string): Promise<string> {
  const res = await api.inject({ method: 'POST', url: '/api/sesion', payload: { usuario, clave } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ token: string }>().token;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Creates the test users below admin (if missing) and logs every role in: role → session token. */
export async function tokensByRole(c: RunningCompany): Promise<Record<CompanyRole, string>> {
  const existing = new Set((await c.auth.listUsers()).map((u) => u.nombre));
  for (const rol of COMPANY_ROLES.roles) {
    if (!existing.has(usuarioDe(rol)))
      await c.auth.createUser(CLI_ACTOR, { nombre: usuarioDe(rol), rol, clave: claveDe(rol) });
  }
  const tokens = {} as Record<CompanyRole, string>;
  for (const rol of COMPANY_ROLES.roles) tokens[rol] = await login(c.api, usuarioDe(rol), claveDe(rol));
  return tokens;
}
