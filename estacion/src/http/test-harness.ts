/**
 * Test harness for the REST API: the hub harness (real service, in-memory SQLite, fake clock) plus
 * buildApi() and one user per role, each logged in, so tests call routes as a role with bearer
 * headers (`as('operador')`).
 */
import { CLI_ACTOR, STATION_ROLES, type StationRole } from '@combustible/server';
import { ConciliacionService } from '../app/conciliacion-service.js';
import { StationMetrics } from '../app/metrics.js';
import type { StationServiceOptions } from '../app/station-service.js';
import type { HubOptions } from '../hub/options.js';
import type { SqliteStore } from '../store/sqlite-store.js';
import { createHarness, type Harness } from '../hub/test-harness.js';
import { type Api, buildApi } from './app.js';
import type { ApiDeps } from './deps.js';

/** The user of each role, and its password. */
export const USUARIOS: Record<StationRole, string> = {
  lectura: 'luis',
  operador: 'ana',
  supervisor: 'sofia',
  admin: 'root',
};
export const claveDe = (usuario: string) => `clave-de-${usuario}`;

export interface ApiHarness {
  h: Harness;
  api: Api;
  /** A session token per role. */
  tokens: Record<StationRole, string>;
  /** Bearer headers of that role's session. */
  as(rol: StationRole): { authorization: string };
  close(): Promise<void>;
}

/** Creates the users of every role on `h`'s store and logs each one in. */
export async function sessionsPerRole(h: Harness): Promise<Record<StationRole, string>> {
  const tokens = {} as Record<StationRole, string>;
  for (const rol of STATION_ROLES.roles) {
    const nombre = USUARIOS[rol];
    await h.auth.createUser(CLI_ACTOR, { nombre, rol, clave: claveDe(nombre) });
    tokens[rol] = (await h.auth.login(nombre, claveDe(nombre), '127.0.0.1')).token;
  }
  return tokens;
}

/** @param seeded a store already set up and filled by the test (see createHarness). */
export async function createApiHarness(
  hubOptions: Partial<HubOptions> = {},
  seeded?: SqliteStore,
  serviceOptions: Partial<StationServiceOptions> = {},
  apiOptions: Pick<ApiDeps, 'maxExports' | 'zonaHoraria'> = {},
): Promise<ApiHarness> {
  const h = await createHarness(hubOptions, serviceOptions, (bus) => new StationMetrics(bus), seeded);
  const api = await buildApi({
    service: h.service,
    tanks: h.tanks,
    conciliacion: new ConciliacionService(
      h.store,
      h.tanks,
      h.service,
      h.clock,
      h.log,
      { deteccionFugasMin: 0 },
      h.metrics as StationMetrics,
    ),
    hub: h.hub,
    store: h.store,
    metrics: h.metrics as StationMetrics,
    auth: h.auth,
    log: h.log,
    estacion: { id: 'est-1', nombre: 'Estación de prueba' },
    wsPort: 4001,
    webRoots: [],
    clock: h.clock,
    ...apiOptions,
  });
  const tokens = await sessionsPerRole(h);
  return {
    h,
    api,
    tokens,
    as: (rol) => ({ authorization: `Bearer ${tokens[rol]}` }),
    async close() {
      await api.close();
      await h.close();
    },
  };
}
