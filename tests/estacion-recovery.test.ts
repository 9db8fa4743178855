/**
 * Issue 12, "Recovery": 300 real simulated pumps (one `surtidor` process) registered at a real
 * station; the station is killed and started again on the same port and data dir with a low
 * admission rate. Every pump comes back, and the excess was told when (SOBRECARGA, reintentar_ms)
 * instead of backing off on its own. Only events are awaited; timeouts only guard against a hang.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type LogEvent,
  removeTempDirs,
  type ServiceProcess,
  startProcess,
  startStationProcess,
  tempDir,
} from './helpers/processes.js';

const procs: ServiceProcess[] = [];
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop('SIGKILL')));
});
afterAll(removeTempDirs);

const PUMPS = 300;
const HANG_MS = 90_000;

/** Resolves once the station's log has `n` distinct pumps "surtidor registrado". */
function registered(station: ServiceProcess, n: number): Promise<LogEvent> {
  const ids = new Set<unknown>();
  return station.waitForLog((e) => {
    if (e.msg === 'surtidor registrado') ids.add(e.id_surtidor);
    return ids.size >= n;
  }, HANG_MS);
}

describe('a station restart with pumps connected', () => {
  it(
    `brings all ${PUMPS} pumps back, deferring the excess with SOBRECARGA and reintentar_ms`,
    { timeout: 180_000 },
    async () => {
      const first = await startStationProcess();
      procs.push(first);
      const pumps = startProcess('surtidor', [
        ...['--estacion', `127.0.0.1:${first.pumpPort}`, '--count', String(PUMPS)],
        ...['--outbox-dir', tempDir('surtidor-recuperacion-'), '--mean-interval', '3600', '--stats-interval', '1'],
        '--no-table',
      ]);
      procs.push(pumps);
      await registered(first, PUMPS);

      expect(await first.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
      // The same port and data dir; 50 registrations a second after a burst of 10: with 300 pumps
      // knocking within a few seconds of the restart, most of them must be told to come back later.
      const second = await startStationProcess({
        dataDir: first.dataDir,
        flags: { 'pump-port': String(first.pumpPort), 'registration-rate': '50', 'registration-burst': '10' },
      });
      procs.push(second);
      expect(second.logs.find((e) => e.escuchando === 'surtidores')).toMatchObject({
        puerto: first.pumpPort,
        admision: { tasa: 50, rafaga: 10 },
      });
      await registered(second, PUMPS);

      // The station deferred some, and says so once a second (not once a pump).
      const summary = await second.waitForLog(
        (e) => e.msg === 'admisión de registros' && (e.admision as { en_espera: number }).en_espera === 0,
        HANG_MS,
      );
      const admision = summary.admision as { diferidos_total: number; admitidos_total: number };
      expect(admision.diferidos_total).toBeGreaterThan(0);
      expect(admision.admitidos_total).toBeGreaterThanOrEqual(PUMPS);
      expect(second.logs.some((e) => e.msg === 'registro diferido' || e.codigo === 'SOBRECARGA')).toBe(false);
      expect(second.logs.filter((e) => typeof e.level === 'number' && e.level >= 50)).toEqual([]);

      // The pumps were told when to come back and did, without stopping or being refused otherwise.
      const told = await pumps.waitForLog((e) => e.codigo === 'REGISTRO_DIFERIDO', HANG_MS);
      expect(told.reintentar_ms).toBeGreaterThan(0);
      const resumen = await pumps.waitForLog(
        (e) => e.msg === 'resumen' && (e.resumen as { conectados: number }).conectados === PUMPS,
        HANG_MS,
      );
      const r = resumen.resumen as { rechazos: Record<string, number>; detenidos: number };
      expect(Object.keys(r.rechazos)).toEqual(['SOBRECARGA']);
      expect(r.rechazos.SOBRECARGA).toBeGreaterThan(0);
      expect(r.detenidos).toBe(0);
      expect(await pumps.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    },
  );
});
