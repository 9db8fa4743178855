/** `surtidor` processes against a real station: token checks and an operator's command over REST. */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  removeTempDirs,
  type ServiceProcess,
  type StationProcess,
  startProcess,
  startStationProcess,
  tempDir,
} from './helpers/processes.js';

const procs: ServiceProcess[] = [];

afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop('SIGKILL')));
});
afterAll(removeTempDirs);

async function station(flags: Record<string, string> = {}): Promise<StationProcess> {
  const s = await startStationProcess({ flags });
  procs.push(s);
  return s;
}

function pumps(port: number, extra: string[]): ServiceProcess {
  const p = startProcess('surtidor', [
    ...['--estacion', `127.0.0.1:${port}`, '--outbox-dir', tempDir('surtidor-estacion-')],
    ...extra,
  ]);
  procs.push(p);
  return p;
}

describe('surtidor with a real station', () => {
  it('registers with the right token; with a wrong one every pump stops and the process exits 1', async () => {
    const s = await station({ 'pump-token': 'secreto' });
    const good = pumps(s.pumpPort, ['--count', '3', '--token', 'secreto']);
    await good.waitForLog((e) => e.msg === 'todos los surtidores registrados');
    const res = await fetch(`http://127.0.0.1:${s.apiPort}/api/surtidores`);
    expect(((await res.json()) as { id_surtidor: number }[]).map((p) => p.id_surtidor)).toEqual([1, 2, 3]);

    const bad = pumps(s.pumpPort, ['--count', '3', '--first-id', '10', '--token', 'malo', '--mean-interval', '3600']);
    expect(await bad.exited).toEqual({ code: 1, signal: null });
    expect(bad.logs.some((e) => e.codigo === 'TODOS_RECHAZADOS' && e.causa === 'AUTENTICACION_FALLIDA')).toBe(true);
    expect(await good.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('obeys an operator’s command sent through the station’s REST API', async () => {
    const s = await station();
    const p = pumps(s.pumpPort, ['--count', '1', '--first-id', '4', '--mean-interval', '3600']);
    await p.waitForLog((e) => e.msg === 'todos los surtidores registrados');
    const res = await fetch(`http://127.0.0.1:${s.apiPort}/api/surtidores/4/comando`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ comando: 'pausar', razon: 'mantención' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id_surtidor: 4, comando: 'pausar', resultado: 'ok' });
    const estado = await fetch(`http://127.0.0.1:${s.apiPort}/api/surtidores/4/estado`);
    expect(await estado.json()).toMatchObject({ estado_conexion: 'conectado', estado_operacion: 'pausado' });
    expect(await p.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(p.logs.find((e) => e.msg === 'resumen final')).toMatchObject({
      resumen: { surtidores: 1, ventas: 0, pendientes: 0, pausados: 1 },
    });
  });
});
