/**
 * The station-fleet simulator (`estacion-fleet`, bench/src/flota/) against a real `empresa serve`:
 * 20 stations in 2 processes, registered through the company API, with a company token. Every
 * link comes up authenticated and synchronized; a price change reaches every station and the
 * company records every acknowledgement.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type EstacionVista, eventually, processStarters } from './helpers/empresa.js';
import { type Fleet, startFleet, stopFleets } from './helpers/fleet.js';
import { removeTempDirs, type ServiceProcess } from './helpers/processes.js';

const processes: ServiceProcess[] = [];
const fleets: Fleet[] = [];

afterEach(async () => {
  await stopFleets(fleets);
  await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
});
afterAll(removeTempDirs);

const { company } = processStarters(processes);

describe('estacion-fleet against empresa serve', () => {
  it('registers 20 stations over 2 processes; every link authenticates and syncs; a new price reaches all, every ack recorded', async () => {
    const c = await company({ flags: { token: 'token-de-la-flota' } });
    const fleet = startFleet(fleets, [
      ...['--estaciones', '20', '--procesos', '2', '--prefijo', 'prueba', '--token', 'token-de-la-flota'],
      ...['--empresa', c.api, '--token-api', c.token, '--intervalo', '0.2'],
    ]);
    await fleet.line(/^20 estaciones escuchando en 127\.0\.0\.1 \(2 procesos: 10, 10\)/);
    await fleet.line(/^registro en .*: 20 nuevas, 0 ya registradas/);

    const all = () => c.request<EstacionVista[]>('/api/estaciones?limit=100');
    const atVersion = (v: number) => async () => {
      const list = await all();
      return list.length === 20 && list.every((e) => e.conectada && e.al_dia && e.version_confirmada === v) && list;
    };
    const first = await eventually('every station synchronized at version 1', atVersion(1), 15_000);
    expect(first.map((e) => e.id_estacion).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `prueba-${i + 1}`).sort(),
    );
    expect(first.every((e) => e.ultimo_error === null)).toBe(true);
    // The fleet's own count: 20 company connections, all authenticated, all holding version 1.
    await fleet.line(/^conexiones 20 \(autenticadas 20, suscritas \d+\); versiones v1: 20;/);

    const put = await c.request<{ version: number }>('/api/precios', 'PUT', { precio_95: 1500 });
    expect(put.version).toBe(2);
    await eventually('every station acknowledged version 2 at the company', atVersion(2), 15_000);
    const last = await fleet.line(/; versiones v2: 20;/);
    // Nothing refused on either side.
    expect(last).toMatch(/rechazos 0, errores recibidos 0$/);

    fleet.proc.kill('SIGTERM');
    expect(await fleet.exited).toBe(0);
  });
});
