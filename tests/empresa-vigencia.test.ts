/**
 * Scheduled prices across real processes: company → station → a pump (a LineClient). A version
 * scheduled 2 s ahead reaches the station at once (acknowledged, shown at the company as held),
 * and the pump only after the instant, by the station's clock. A cancellation made while a station
 * is down reaches it when the company reconnects: the station drops the scheduled version.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  companyPortOf,
  type EstacionVista,
  eventually,
  processStarters,
  runCompanyCli,
  stationAddress,
  TEST_ADMIN_PASSWORD,
} from './helpers/empresa.js';
import { LineClient } from './helpers/line-client.js';
import { removeTempDirs, type ServiceProcess, tempDir } from './helpers/processes.js';

const processes: ServiceProcess[] = [];
const clients: LineClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
});
afterAll(removeTempDirs);

const { station, company } = processStarters(processes);

type Estacion = EstacionVista & { programada_recibida: boolean | null };
type PreciosEstacion = { version: number; programada: { version: number; vigencia: string } | null };

describe('scheduled prices, company → station → pump', () => {
  it('a version scheduled 2 s ahead is held by the station at once and reaches the pump only after the instant', async () => {
    const norte = await station('norte');
    const c = await company({ estaciones: [stationAddress(norte)] });
    await eventually('norte synced at version 1', async () => {
      const [e] = await c.request<Estacion[]>('/api/estaciones');
      return e?.al_dia && e.enlace?.estado === 'sincronizado';
    });
    const pump = await LineClient.connect(norte.pumpPort);
    clients.push(pump);
    pump.send({
      tipo: 'registro',
      id_surtidor: 1,
      nombre: 'Surtidor 1',
      combustibles_soportados: ['93', '95', '97', 'diesel'],
      version: '1.0',
    });
    expect(await pump.next('registro_confirmado')).toMatchObject({ version_precios: 1 });
    const received = pump
      .next((m) => m.tipo === 'actualizacion_precios' && m.version === 2, 15_000)
      .then((m) => ({ m, at: Date.now() }));

    const vigencia = new Date(Date.now() + 2000).toISOString();
    const put = await c.request<{ version: number; vigencia: string }>('/api/precios', 'PUT', {
      precio_95: 1390,
      vigencia,
    });
    expect(put).toMatchObject({ version: 2, vigencia });

    // The station keeps it and acknowledges it; the company shows the station holding it.
    await norte.waitForLog((e) => e.msg === 'precios programados' && e.version === 2);
    await eventually('norte holds the scheduled version', async () => {
      const [e] = await c.request<Estacion[]>('/api/estaciones');
      return e?.programada_recibida === true && e.version_confirmada === 2;
    });

    const { m, at } = await received;
    expect(at).toBeGreaterThanOrEqual(Date.parse(vigencia));
    expect(m).toMatchObject({ version: 2, precios: { precio_95: 1390 } });
    const enVigencia = await norte.waitForLog((e) => e.msg === 'versión programada en vigencia');
    expect(enVigencia).toMatchObject({ version: 2, vigencia });
    expect(await norte.request<PreciosEstacion>('/api/precios')).toMatchObject({ version: 2, programada: null });
    expect(await c.request('/api/precios')).toMatchObject({ version: 2, programada: null });
  }, 60_000);

  it('a station that was down when a scheduled version was cancelled learns it when the company reconnects', async () => {
    const surDir = tempDir('estacion-sur-');
    let sur = await station('sur', { dataDir: surDir });
    const surCompanyPort = companyPortOf(sur);
    const c = await company({ estaciones: [stationAddress(sur)] });
    const cliEnv = { XDG_CONFIG_HOME: tempDir('empresa-cli-') };
    const login = await runCompanyCli(['--api', c.api, 'login', '--usuario', 'admin', '--clave-stdin'], {
      env: cliEnv,
      input: `${TEST_ADMIN_PASSWORD}\n`,
    });
    expect(login.code).toBe(0);

    const vigencia = new Date(Date.now() + 3_600_000).toISOString();
    const set = await runCompanyCli(['--api', c.api, 'precios', 'set', '93=1300', '--vigencia', vigencia], {
      env: cliEnv,
    });
    expect(set.stderr).toBe('');
    expect(set.stdout).toContain('Programada');
    await eventually('sur holds the scheduled version', async () => {
      const [e] = await c.request<Estacion[]>('/api/estaciones');
      return e?.programada_recibida === true;
    });
    expect(await sur.request<PreciosEstacion>('/api/precios')).toMatchObject({
      version: 1,
      programada: { version: 2, vigencia },
    });

    await sur.stop('SIGTERM');
    await eventually('sur seen as down', async () => {
      const [e] = await c.request<Estacion[]>('/api/estaciones');
      return e && !e.conectada;
    });
    const cancel = await runCompanyCli(['--api', c.api, 'precios', 'cancelar'], { env: cliEnv });
    expect(cancel.stderr).toBe('');
    expect(cancel.stdout).toContain('Versión 2 cancelada');

    sur = await station('sur', { dataDir: surDir, flags: { 'company-port': String(surCompanyPort) } });
    // Restarted, it still holds the scheduled version (durably) until the company tells it.
    await sur.waitForLog((e) => e.msg === 'versión de precios programada pendiente' && e.version === 2);
    const cancelled = await sur.waitForLog((e) => e.msg === 'cancelación de precios de la empresa');
    expect(cancelled).toMatchObject({ version: 2, resultado: 'cancelada', vigente: 1 });
    expect(await sur.request<PreciosEstacion>('/api/precios')).toMatchObject({ version: 1, programada: null });
    await eventually('sur synced again', async () => {
      const [e] = await c.request<Estacion[]>('/api/estaciones');
      return e?.conectada && e.enlace?.estado === 'sincronizado' && e.ultimo_error === null && e.al_dia;
    });
    expect((await c.request<Estacion[]>('/api/estaciones'))[0]).toMatchObject({
      version_confirmada: 1,
      programada_recibida: null,
    });
    // The next version is numbered above the cancelled one and reaches the station.
    expect(await c.request('/api/precios', 'PUT', { precio_93: 1310 })).toMatchObject({ version: 3 });
    await sur.waitForLog((e) => e.msg === 'precios nuevos de la empresa' && e.version === 3);
  }, 60_000);
});
