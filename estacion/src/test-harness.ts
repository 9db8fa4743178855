/**
 * A whole station in this process for tests: real sockets on 127.0.0.1, every port 0, cheap
 * scrypt, logs captured in memory. The caller stops it (see `TestStations`).
 */
import { FakeClock } from '@combustible/shared';
import { stationConfigSchema } from './config.js';
import { CHEAP_SCRYPT, type Json, memoryLogger } from './hub/test-harness.js';
import { type RunningStation, startStation } from './station.js';

/** The password of the `admin` user every test station starts with. */
export const TEST_ADMIN_CLAVE = 'clave-admin-prueba';

export interface TestStationOptions {
  dataDir: string;
  /** Parsed like flags (camelCase config keys): `{ maxPumps: 2 }`. */
  flags?: Record<string, unknown>;
  clock?: FakeClock;
}

export async function startTestStation(options: TestStationOptions): Promise<{ s: RunningStation; logs: Json[] }> {
  const { log, logs } = memoryLogger();
  const config = stationConfigSchema.parse({
    host: '127.0.0.1',
    pumpPort: 0,
    companyPort: 0,
    apiPort: 0,
    wsPort: 0,
    dataDir: options.dataDir,
    adminPassword: TEST_ADMIN_CLAVE,
    ...options.flags,
  });
  const s = await startStation(config, {
    log,
    authOptions: { scryptCost: CHEAP_SCRYPT },
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return { s, logs };
}
