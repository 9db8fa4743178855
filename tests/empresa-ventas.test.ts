/**
 * (issue 15) Sales flow up, as real processes: a station with simulated pumps (`surtidor`) selling,
 * a company linked to it. Every sale the station stored appears once in the company's
 * GET /api/ventas, and /api/resumen adds up to the station's own totals; /api/red shows the
 * station's pumps at the version in force and nothing pending.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { eventually, processStarters, stationAddress } from './helpers/empresa.js';
import { removeTempDirs, type ServiceProcess, startPumps } from './helpers/processes.js';

const processes: ServiceProcess[] = [];

afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
});
afterAll(removeTempDirs);

const { station, company } = processStarters(processes);

interface Venta {
  id_estacion: string;
  seq: number;
  id_surtidor: number;
  id_transaccion: string;
  monto_total: number;
  litros: number;
}

describe('sales upstream: station → company', () => {
  it('every sale a station stores reaches the company once, and the totals agree', async () => {
    const norte = await station('norte');
    const c = await company({ estaciones: [stationAddress(norte)] });
    const sim = await startPumps(norte.pumpPort, { count: 2, meanInterval: 0.2, speed: 50 });
    processes.push(sim);

    // Some sales are stored at the station; then the pumps stop, so the count settles.
    await eventually(
      'the station stored 10 sales',
      async () => (await norte.request<unknown[]>('/api/transacciones?limit=1000')).length >= 10,
      30_000,
    );
    await sim.stop('SIGTERM');
    const enEstacion = await norte.request<{ id_surtidor: number; id_transaccion: string; monto_total: number }[]>(
      '/api/transacciones?limit=1000',
    );

    const ventas = await eventually(
      'the company holds every sale of the station',
      async () => {
        const list = await c.request<Venta[]>('/api/ventas?estacion=norte&limit=1000');
        return list.length >= enEstacion.length && list;
      },
      30_000,
    );
    const clave = (v: { id_surtidor: number; id_transaccion: string }) => `${v.id_surtidor}/${v.id_transaccion}`;
    expect(ventas.map(clave).sort()).toEqual(enEstacion.map(clave).sort());
    expect(new Set(ventas.map((v) => v.seq)).size).toBe(ventas.length);
    expect(ventas.every((v) => v.id_estacion === 'norte')).toBe(true);

    const monto = enEstacion.reduce((s, v) => s + v.monto_total, 0);
    const resumen = await c.request<{
      total: { transacciones: number; monto: number };
      por_estacion: { id_estacion: string; transacciones: number; monto: number }[];
      por_dia: { monto: number }[];
    }>('/api/resumen?estacion=norte');
    expect(resumen.total).toMatchObject({ transacciones: enEstacion.length, monto });
    expect(resumen.por_estacion).toMatchObject([{ id_estacion: 'norte', transacciones: enEstacion.length, monto }]);
    expect(resumen.por_dia.reduce((s, d) => s + d.monto, 0)).toBe(monto);

    const red = await eventually('the network view shows the pumps and nothing pending', async () => {
      const r = await c.request<{
        version_vigente: number;
        estaciones: {
          id_estacion: string;
          conectada: boolean;
          surtidores: { total: number; al_dia: number };
          reportes: { pendientes: number | null; ultimo_seq_recibido: number };
        }[];
      }>('/api/red');
      const e = r.estaciones[0];
      return e?.surtidores.total === 2 && e.reportes.pendientes === 0 && r;
    });
    expect(red.estaciones).toMatchObject([
      { id_estacion: 'norte', conectada: true, surtidores: { total: 2, al_dia: 2 } },
    ]);
    const detalle = await c.request<{ surtidores: { id_surtidor: number; version_precios: number }[] }>(
      '/api/estaciones/norte',
    );
    expect(detalle.surtidores.map((s) => [s.id_surtidor, s.version_precios])).toEqual([
      [1, red.version_vigente],
      [2, red.version_vigente],
    ]);
  });
});
