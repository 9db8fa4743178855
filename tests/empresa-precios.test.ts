/**
 * Company + stations + pumps as real processes: a price change set with the CLI (logged in) reaches
 * every pump; a station that was down catches up with the newest version only; a company restart
 * neither resends nor regresses; a wrong token is refused; who changed a price is the session's
 * user, whatever the client says.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type CompanyProcess,
  companyPortOf,
  type EstacionVista,
  eventually,
  processStarters,
  FollowingPump,
  pumpVersions,
  runCompanyCli,
  stationAddress,
  stationVersion,
  TEST_ADMIN_PASSWORD,
} from './helpers/empresa.js';
import { LyingStation } from './helpers/lying-station.js';
import { removeTempDirs, type ServiceProcess, startPumps, type StationProcess, tempDir } from './helpers/processes.js';

const processes: ServiceProcess[] = [];
const pumps: FollowingPump[] = [];
const liars: LyingStation[] = [];

afterEach(async () => {
  await Promise.all(liars.splice(0).map((l) => l.close()));
  await Promise.all(pumps.splice(0).map((p) => p.close()));
  await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
});
afterAll(removeTempDirs);

const { station, company } = processStarters(processes);

async function followingPumps(s: StationProcess, ids: number[]): Promise<FollowingPump[]> {
  const list = await Promise.all(ids.map((id) => FollowingPump.connect(s.pumpPort, id)));
  pumps.push(...list);
  return list;
}

const estaciones = (c: CompanyProcess) => c.request<EstacionVista[]>('/api/estaciones');

/** Resolves once every station registered at the company holds `version` (acknowledged). */
function allAcknowledge(c: CompanyProcess, version: number, count: number): Promise<EstacionVista[]> {
  return eventually(`every station at version ${version}`, async () => {
    const list = await estaciones(c);
    return list.length === count && list.every((e) => e.version_confirmada === version && e.al_dia) && list;
  });
}

/** Station log events of price versions it applied from the company. */
const applied = (s: StationProcess) =>
  s.logs.filter((e) => e.msg === 'precios nuevos de la empresa').map((e) => e.version as number);

describe('company → stations → pumps', () => {
  it('a price change made with the CLI reaches every pump of two stations', async () => {
    const norte = await station('norte');
    const sur = await station('sur');
    const c = await company({ estaciones: [stationAddress(norte), stationAddress(sur)] });
    // Norte has real simulated pumps; Sur has pumps that only follow prices.
    const sim = await startPumps(norte.pumpPort, { count: 2, meanInterval: 86_400 });
    processes.push(sim);
    const surPumps = await followingPumps(sur, [1, 2, 3]);

    const list = await allAcknowledge(c, 1, 2);
    expect(list.map((e) => [e.id_estacion, e.enlace?.estado])).toEqual([
      ['norte', 'sincronizado'],
      ['sur', 'sincronizado'],
    ]);

    const cliEnv = { XDG_CONFIG_HOME: tempDir('empresa-cli-') };
    const login = await runCompanyCli(['--api', c.api, 'login', '--usuario', 'admin', '--clave-stdin'], {
      env: cliEnv,
      input: `${TEST_ADMIN_PASSWORD}\n`,
    });
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    const set = await runCompanyCli(['--api', c.api, 'precios', 'set', '95=1360', 'diesel=1130'], { env: cliEnv });
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('Versión 2 creada');
    expect(await c.request('/api/precios')).toMatchObject({ version: 2, autor: 'admin' });

    await Promise.all(surPumps.map((p) => p.reaches(2)));
    await eventually('norte pumps at version 2', async () => {
      const v = await pumpVersions(norte);
      return v.length === 2 && v.every((x) => x === 2);
    });
    await eventually('sur pumps at version 2 in the station API', async () => {
      const v = await pumpVersions(sur);
      return v.length === 3 && v.every((x) => x === 2);
    });
    await allAcknowledge(c, 2, 2);
    const precios = await sur.request('/api/precios');
    expect(precios).toMatchObject({
      version: 2,
      origen: 'empresa',
      precios: { precio_93: 1290, precio_95: 1360, precio_97: 1400, precio_diesel: 1130 },
    });
  });

  it('a station that was down during two changes gets the newest when it returns, and its pumps follow', async () => {
    const norte = await station('norte');
    const surDir = tempDir('estacion-sur-');
    let sur = await station('sur', { dataDir: surDir });
    const surCompanyPort = companyPortOf(sur);
    const c = await company({ estaciones: [stationAddress(norte), stationAddress(sur)] });
    const norteP = await followingPumps(norte, [1, 2]);
    await allAcknowledge(c, 1, 2);

    await sur.stop('SIGTERM');
    await eventually('sur seen as down', async () => {
      const e = (await estaciones(c)).find((x) => x.id_estacion === 'sur');
      return e && !e.conectada;
    });
    await c.request('/api/precios', 'PUT', { precio_93: 1300 });
    await c.request('/api/precios', 'PUT', { precio_93: 1310, precio_97: 1420 });
    await Promise.all(norteP.map((p) => p.reaches(3)));
    await norte.waitForLog((e) => e.msg === 'precios nuevos de la empresa' && e.version === 3);
    expect(applied(norte)).toEqual([1, 2, 3]);

    sur = await station('sur', { dataDir: surDir, flags: { 'company-port': String(surCompanyPort) } });
    const surP = await followingPumps(sur, [1, 2]);
    await Promise.all(surP.map((p) => p.reaches(3)));
    await sur.waitForLog((e) => e.msg === 'precios nuevos de la empresa' && e.version === 3);
    expect(applied(sur)).toEqual([3]); // the newest only, never version 2
    await eventually('sur pumps at version 3 in the station API', async () => {
      const v = await pumpVersions(sur);
      return v.length === 2 && v.every((x) => x === 3);
    });
    const list = await allAcknowledge(c, 3, 2);
    expect(list.every((e) => e.ultimo_error === null)).toBe(true);
    expect(await stationVersion(sur)).toBe(3);
  });

  it('a company restart neither resends nor regresses', async () => {
    const norte = await station('norte');
    const dataDir = tempDir('empresa-restart-');
    const first = await company({ dataDir, estaciones: [stationAddress(norte)] });
    await first.request('/api/precios', 'PUT', { precio_95: 1370 });
    await allAcknowledge(first, 2, 1);
    expect((await first.stop('SIGTERM')).code).toBe(0);
    const logsBefore = norte.logs.length;

    const second = await company({ dataDir, estaciones: [stationAddress(norte)] });
    await eventually('a new link, synced', async () => {
      const [e] = await estaciones(second);
      return e?.conectada && e.enlace?.estado === 'sincronizado';
    });
    expect(await second.request('/api/precios')).toMatchObject({ version: 2, precios: { precio_95: 1370 } });
    const history = await second.request<{ version: number }[]>('/api/precios/historial');
    expect(history.map((v) => v.version)).toEqual([2, 1]);
    const since = norte.logs.slice(logsBefore);
    expect(since.some((e) => e.msg === 'empresa autenticada' || e.msg === 'conexión de la empresa')).toBe(true);
    expect(since.filter((e) => /precios/.test(String(e.msg)) && e.mod !== 'hub')).toEqual([]);
    expect(await stationVersion(norte)).toBe(2);

    // And the next change goes on from there.
    await second.request('/api/precios', 'PUT', { precio_95: 1380 });
    await allAcknowledge(second, 3, 1);
    await norte.waitForLog((e) => e.msg === 'precios nuevos de la empresa' && e.version === 3);
    expect(applied(norte)).toEqual([1, 2, 3]);
  });

  it('a wrong company token is refused; the right one is accepted', async () => {
    const norte = await station('norte', { flags: { 'company-token': 'secreto' } });
    const dataDir = tempDir('empresa-token-');
    const wrong = await company({ dataDir, estaciones: [stationAddress(norte)], flags: { token: 'malo' } });
    const refused = await eventually('the refusal recorded', async () => {
      const [e] = await estaciones(wrong);
      return e?.ultimo_error?.startsWith('AUTENTICACION_FALLIDA') && e;
    });
    expect(refused.al_dia).toBe(false);
    await norte.waitForLog((e) => e.msg === 'empresa rechazada: token inválido');
    expect(await stationVersion(norte)).toBe(0);
    expect(applied(norte)).toEqual([]);
    await wrong.stop('SIGTERM');

    const right = await company({
      dataDir,
      estaciones: [stationAddress(norte)],
      flags: { token: 'secreto' },
    });
    await allAcknowledge(right, 1, 1);
    expect(await stationVersion(norte)).toBe(1);
  });

  it('the author is the logged-in user: users made with the CLI on the store, API tokens, no session', async () => {
    const c = await company();
    const cliEnv = { XDG_CONFIG_HOME: tempDir('empresa-cli-') };
    // Without a session: one line saying how to log in.
    const anonymous = await runCompanyCli(['--api', c.api, 'precios', 'set', '95=1361'], { env: cliEnv });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr.trim().split('\n')).toHaveLength(1);
    expect(anonymous.stderr).toMatch(/npx empresa login --usuario admin/);

    // A user added on the store while the service runs, logging in with the password piped in.
    const add = await runCompanyCli(['usuarios', 'add', 'ana', '--rol', 'precios', '--data-dir', c.dataDir]);
    expect(add.code).toBe(0);
    const clave = /^Clave: (\S+)$/m.exec(add.stdout)?.[1] ?? '';
    const login = await runCompanyCli(['--api', c.api, 'login', '--usuario', 'ana'], {
      env: cliEnv,
      input: `${clave}\n`,
    });
    expect(login.code).toBe(0);
    const set = await runCompanyCli(['--api', c.api, 'precios', 'set', '95=1362'], { env: cliEnv });
    expect(set.code).toBe(0);
    // A body naming someone else is refused.
    await expect(
      fetch(`${c.api}/api/precios`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await c.login('ana', clave)}` },
        body: JSON.stringify({ precio_95: 1363, autor: 'otro' }),
      }).then((r) => r.status),
    ).resolves.toBe(400);
    // An ERP with a `precios` token.
    const erp = await c.request<{ token: string }>('/api/tokens', 'POST', { nombre: 'erp', rol: 'precios' });
    const viaToken = await runCompanyCli(['--api', c.api, 'precios', 'set', '93=1299', '--token', erp.token]);
    expect(viaToken.code).toBe(0);
    const history = await c.request<{ version: number; autor: string }[]>('/api/precios/historial');
    expect(history.map((v) => [v.version, v.autor])).toEqual([
      [3, 'token:erp'],
      [2, 'ana'],
      [1, 'sistema'],
    ]);
    const audit = await c.request<{ usuario: string; detalles: { version: number } }[]>(
      '/api/auditoria?accion=precios.cambiar',
    );
    expect(audit.map((a) => [a.usuario, a.detalles.version])).toEqual([
      ['token:erp', 3],
      ['ana', 2],
    ]);
    // Logged out: the saved session is gone and no longer works.
    expect((await runCompanyCli(['--api', c.api, 'logout'], { env: cliEnv })).code).toBe(0);
    expect((await runCompanyCli(['--api', c.api, 'precios', 'show'], { env: cliEnv })).code).toBe(1);
  }, 60_000); // seven CLI processes, each a Node start-up: slow on a loaded machine

  it('a station that lies about its version cannot poison the company: anomaly, never al día, the next version is the company own, the real station gets it', async () => {
    type Vista = EstacionVista & {
      enlace: {
        estado: string;
        anomalia: { codigo: string; version_reportada: number; version_empresa: number } | null;
      } | null;
    };
    const norte = await station('norte');
    const liar = await LyingStation.start({
      infoVersion: 2 ** 53 - 1,
      ackVersions: [2 ** 53 - 1, 1_000_000_000, 2 ** 31],
    });
    liars.push(liar);
    const dataDir = tempDir('empresa-mentira-');
    let c = await company({ dataDir, estaciones: [stationAddress(norte), liar.address] });
    const [pump] = await followingPumps(norte, [1]);
    const health = () =>
      c.request<{ version_precios: number; estaciones: { total: number; al_dia: number } }>('/health');

    const lying = await eventually('the anomaly shown', async () => {
      const e = await c.request<Vista>('/api/estaciones/mentirosa');
      return e.enlace?.anomalia ? e : undefined;
    });
    expect(lying).toMatchObject({
      al_dia: false,
      version_confirmada: null,
      enlace: { anomalia: { codigo: 'VERSION_DESCONOCIDA', version_reportada: 2 ** 53 - 1, version_empresa: 1 } },
    });
    await eventually('norte al día', async () => (await c.request<Vista>('/api/estaciones/norte')).al_dia);
    expect(await health()).toMatchObject({ version_precios: 1, estaciones: { total: 2, al_dia: 1 } });

    // The next change gets the company's next version, not one past what the liar said.
    expect(await c.request('/api/precios', 'PUT', { precio_95: 1365 })).toMatchObject({ version: 2, creada: true });
    await pump?.reaches(2);
    await eventually('norte acknowledges 2', async () => {
      const e = await c.request<Vista>('/api/estaciones/norte');
      return e.version_confirmada === 2 && e.al_dia;
    });
    expect(await stationVersion(norte)).toBe(2);
    await eventually('the liar was sent version 2 and answered with a huge one', async () => {
      const e = await c.request<Vista>('/api/estaciones/mentirosa');
      return liar.versionsSent.includes(2) && e.enlace?.anomalia?.version_empresa === 2 && e;
    });
    const after = await c.request<Vista>('/api/estaciones/mentirosa');
    expect(after).toMatchObject({ al_dia: false, version_confirmada: null });
    expect(after.enlace?.anomalia?.version_reportada).toBeGreaterThan(2);
    expect(await health()).toMatchObject({ version_precios: 2, estaciones: { total: 2, al_dia: 1 } });
    for (const path of ['/api/precios', '/api/precios/historial', '/api/estaciones', '/api/auditoria', '/metrics'])
      await expect(
        fetch(`${c.api}${path}`, { headers: { authorization: `Bearer ${c.token}` } }).then((r) => r.status),
      ).resolves.toBe(200);
    const audit = await c.request<{ usuario: string; detalles: { version_reportada: number } }[]>(
      '/api/auditoria?accion=estacion.anomalia',
    );
    expect(audit.map((a) => [a.usuario, a.detalles.version_reportada])).toEqual([['estacion:mentirosa', 2 ** 53 - 1]]);

    // After a restart on the same data: the same answers, the same versions, the anomaly again.
    expect((await c.stop('SIGTERM')).code).toBe(0);
    processes.splice(processes.indexOf(c), 1);
    c = await company({ dataDir, estaciones: [stationAddress(norte), liar.address] });
    expect(await c.request('/api/precios')).toMatchObject({ version: 2 });
    await eventually(
      'the anomaly shown again',
      async () => (await c.request<Vista>('/api/estaciones/mentirosa')).enlace?.anomalia,
    );
    expect(await health()).toMatchObject({ version_precios: 2 });
    expect(await c.request('/api/precios', 'PUT', { precio_95: 1366 })).toMatchObject({ version: 3 });
    await pump?.reaches(3);
    expect((await c.request<Vista>('/api/estaciones/mentirosa')).al_dia).toBe(false);
  });

  it('stops cleanly on SIGTERM', async () => {
    const c = await company();
    expect(await c.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(c.logs.some((e) => e.msg === 'empresa detenida')).toBe(true);
  });
});
