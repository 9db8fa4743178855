/**
 * `surtidor` processes against a real station: token checks, and an operator's command over REST
 * with the operator's own session (audited, and shown on the pump as who paused it).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  removeTempDirs,
  runCli,
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

async function station(flags: Record<string, string> = {}, dataDir?: string): Promise<StationProcess> {
  const s = await startStationProcess({ flags, ...(dataDir === undefined ? {} : { dataDir }) });
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
    const list = await s.request<{ id_surtidor: number }[]>('/api/surtidores');
    expect(list.map((p) => p.id_surtidor)).toEqual([1, 2, 3]);

    const bad = pumps(s.pumpPort, ['--count', '3', '--first-id', '10', '--token', 'malo', '--mean-interval', '3600']);
    expect(await bad.exited).toEqual({ code: 1, signal: null });
    expect(bad.logs.some((e) => e.codigo === 'TODOS_RECHAZADOS' && e.causa === 'AUTENTICACION_FALLIDA')).toBe(true);
    // Each refused pump is in the station's audit log, without the token it tried.
    const refused = await s.request<{ usuario: string; detalles: { codigo: string } }[]>(
      '/api/auditoria?accion=surtidor.registro&limit=100',
    );
    expect(new Set(refused.map((r) => r.usuario))).toEqual(new Set(['surtidor:10', 'surtidor:11', 'surtidor:12']));
    expect(refused.every((r) => r.detalles.codigo === 'AUTENTICACION_FALLIDA')).toBe(true);
    expect(JSON.stringify(refused)).not.toContain('malo');
    expect(await good.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('with per-pump tokens, pump 3’s token does not register pump 4, nor does a made-up one; pump 3 sells', async () => {
    const dataDir = tempDir('estacion-tokens-');
    // Tokens are issued with the CLI while the station runs, as an operator would.
    const s = await station({}, dataDir);
    const issue = async (id: number) => {
      const out = await runCli('estacion', ['surtidores', 'token', String(id), '--data-dir', dataDir]);
      expect(out.code).toBe(0);
      return /srt_[\w-]+/.exec(out.stdout)?.[0] as string;
    };
    const token3 = await issue(3);
    await issue(4); // pump 4 has a token of its own, which this fleet does not know
    const tokens = path.join(tempDir('surtidor-tokens-'), 'tokens.txt');
    writeFileSync(tokens, `3 ${token3}\n4 ${token3}\n5 srt_inventado\n`);
    const fleet = pumps(s.pumpPort, [
      '--first-id',
      '3',
      '--count',
      '3',
      '--tokens-file',
      tokens,
      '--mean-interval',
      '0.2',
      '--speed',
      '50',
      '--stats-interval',
      '0.2',
    ]);
    // Pumps 4 and 5 are refused for good (counted in the fleet's summary); pump 3 sells.
    const summary = await fleet.waitForLog((e) => {
      const r = e.resumen as { confirmadas: number; rechazos: Record<string, number> } | undefined;
      return e.msg === 'resumen' && r !== undefined && r.rechazos.AUTENTICACION_FALLIDA === 2 && r.confirmadas >= 3;
    });
    expect(summary.resumen).toMatchObject({ rechazos: { AUTENTICACION_FALLIDA: 2 } });
    expect(fleet.proc.exitCode).toBeNull();
    const list = await s.request<{ id_surtidor: number }[]>('/api/surtidores');
    expect(list.map((p) => p.id_surtidor)).toEqual([3]);
    const sales = await s.request<{ id_surtidor: number }[]>('/api/transacciones?limit=1000');
    expect(sales.length).toBeGreaterThanOrEqual(3);
    expect(new Set(sales.map((t) => t.id_surtidor))).toEqual(new Set([3]));
    const refused = await s.request<{ usuario: string }[]>('/api/auditoria?accion=surtidor.registro&limit=100');
    expect(new Set(refused.map((r) => r.usuario))).toEqual(new Set(['surtidor:4', 'surtidor:5']));
    expect(JSON.stringify(refused)).not.toContain(token3);
    expect(await fleet.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('obeys an operator’s command sent through the station’s REST API', async () => {
    const s = await station();
    const p = pumps(s.pumpPort, ['--count', '1', '--first-id', '4', '--mean-interval', '3600']);
    await p.waitForLog((e) => e.msg === 'todos los surtidores registrados');
    await s.request('/api/usuarios', 'POST', { nombre: 'ana', rol: 'operador', clave: 'clave-de-ana' });
    const ana = { authorization: `Bearer ${await s.login('ana', 'clave-de-ana')}`, 'content-type': 'application/json' };
    const comando = (body: unknown) =>
      fetch(`${s.api}/api/surtidores/4/comando`, { method: 'POST', headers: ana, body: JSON.stringify(body) });
    expect((await fetch(`${s.api}/api/surtidores/4/comando`, { method: 'POST' })).status).toBe(401);
    // An operator may not stop a pump in an emergency.
    expect((await comando({ comando: 'detener_emergencia', razon: 'x' })).status).toBe(403);
    const res = await comando({ comando: 'pausar', razon: 'mantención' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id_surtidor: 4, comando: 'pausar', resultado: 'ok' });
    const estado = await fetch(`${s.api}/api/surtidores/4/estado`, { headers: ana });
    expect(await estado.json()).toMatchObject({
      estado_conexion: 'conectado',
      estado_operacion: 'pausado',
      pausado_por: { usuario: 'ana', comando: 'pausar', razon: 'mantención' },
    });
    const audit =
      await s.request<{ usuario: string; accion: string; resultado: string }[]>('/api/auditoria?usuario=ana');
    expect(audit.map((a) => [a.accion, a.resultado])).toEqual([
      ['surtidor.comando', 'ok'],
      ['acceso.denegado', 'denegado'],
      ['sesion.iniciar', 'ok'],
    ]);
    expect(await p.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(p.logs.find((e) => e.msg === 'resumen final')).toMatchObject({
      resumen: { surtidores: 1, ventas: 0, pendientes: 0, pausados: 1 },
    });
  });
});
