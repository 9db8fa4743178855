/**
 * Safe by default, with the real binaries: on a public address without credentials the station
 * and the company refuse to start with one line that says what to do (exit code 1); `--insecure`
 * starts with a warning; and tokens never reach the logs. Every port is 0; traffic goes to 127.0.0.1.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startCompanyProcess, stationAddress } from './helpers/empresa.js';
import { LineClient } from './helpers/line-client.js';
import {
  removeTempDirs,
  type ServiceProcess,
  startProcess,
  startStationProcess,
  tempDir,
} from './helpers/processes.js';

const running: ServiceProcess[] = [];
const clients: LineClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
});
afterAll(removeTempDirs);

const stationArgs = (...extra: string[]) => [
  '--pump-port',
  '0',
  '--company-port',
  '0',
  '--api-port',
  '0',
  '--ws-port',
  '0',
  '--data-dir',
  tempDir('estacion-'),
  ...extra,
];
const companyArgs = (...extra: string[]) => ['serve', '--api-port', '0', '--data-dir', tempDir('empresa-'), ...extra];

function run(name: 'estacion' | 'empresa', args: string[]): ServiceProcess {
  const p = startProcess(name, args);
  running.push(p);
  return p;
}

async function client(port: number): Promise<LineClient> {
  const c = await LineClient.connect(port);
  clients.push(c);
  return c;
}

const REGISTRO = { tipo: 'registro', id_surtidor: 1, nombre: 'S1', combustibles_soportados: ['95'], version: '1.0' };

describe('estacion in protected mode', () => {
  it('refuses 0.0.0.0 without credentials: exit 1 and one line naming --pump-token', async () => {
    const p = run('estacion', stationArgs('--host', '0.0.0.0'));
    expect((await p.closed).code).toBe(1);
    expect(p.stderr).toHaveLength(1);
    const [line] = p.stderr as [string];
    expect(line).toMatch(/^DENEGADO \(modo protegido\): estacion escucharía en 0\.0\.0\.0/);
    expect(line).toContain('--pump-token (o ESTACION_PUMP_TOKEN)');
    expect(line).toContain('--company-token (o ESTACION_COMPANY_TOKEN)');
    expect(line).toContain('--insecure');
    expect(p.logs.some((e) => e.listo === true)).toBe(false);
  });

  it('names only what is missing', async () => {
    const p = run('estacion', stationArgs('--host', '0.0.0.0', '--company-token', 'c-secreto'));
    expect((await p.closed).code).toBe(1);
    expect(p.stderr.join('\n')).toContain('--pump-token');
    expect(p.stderr.join('\n')).not.toContain('--company-token');
  });

  it('starts on 0.0.0.0 with --insecure, warning about it, and serves on loopback', async () => {
    const p = run('estacion', stationArgs('--host', '0.0.0.0', '--insecure'));
    const warning = await p.waitForLog((e) => e.level === 40 && String(e.msg).startsWith('INSEGURO'));
    expect(warning.msg).toContain('--pump-token');
    const ready = await p.waitForLog((e) => e.listo === true);
    const pump = await client((ready.puertos as { pump: number }).pump);
    pump.send(REGISTRO);
    expect(await pump.next()).toMatchObject({ tipo: 'registro_confirmado' });
  });

  it('starts on 0.0.0.0 with both tokens, without a warning', async () => {
    const p = run(
      'estacion',
      stationArgs('--host', '0.0.0.0', '--pump-token', 'p-secreto', '--company-token', 'c-secreto'),
    );
    await p.waitForLog((e) => e.listo === true);
    expect(p.logs.filter((e) => String(e.msg).startsWith('INSEGURO'))).toEqual([]);
  });
});

describe('empresa in protected mode', () => {
  it('refuses 0.0.0.0 while the station links have no token: exit 1 and one line naming --token', async () => {
    const p = run('empresa', companyArgs('--host', '0.0.0.0'));
    expect((await p.closed).code).toBe(1);
    expect(p.stderr).toHaveLength(1);
    expect(p.stderr[0]).toMatch(
      /^DENEGADO \(modo protegido\): empresa escucharía en 0\.0\.0\.0 .*--token \(o EMPRESA_TOKEN\)/,
    );
  });

  it('starts on 0.0.0.0 with --insecure, warning about it', async () => {
    const p = run('empresa', companyArgs('--host', '0.0.0.0', '--insecure'));
    const warning = await p.waitForLog((e) => e.level === 40 && String(e.msg).startsWith('INSEGURO'));
    expect(warning.msg).toContain('--token');
    const ready = await p.waitForLog((e) => e.listo === true);
    const res = await fetch(`http://127.0.0.1:${(ready.puertos as { api: number }).api}/health`);
    expect(res.status).toBe(200);
  });
});

describe('secrets', () => {
  it('never writes the pump or company token to the logs, even at trace level', async () => {
    const PUMP = 'tok-surtidor-7d1c9a';
    const COMPANY = 'tok-empresa-52be08';
    const WRONG = 'tok-equivocado-0f3e';
    const station = await startStationProcess({
      flags: { 'pump-token': PUMP, 'company-token': COMPANY, 'log-level': 'trace' },
    });
    running.push(station);

    const intruder = await client(station.pumpPort);
    intruder.send({ ...REGISTRO, token: WRONG });
    expect(await intruder.next()).toMatchObject({ tipo: 'registro_rechazado', codigo: 'AUTENTICACION_FALLIDA' });
    const pump = await client(station.pumpPort);
    pump.send({ ...REGISTRO, token: PUMP });
    expect(await pump.next()).toMatchObject({ tipo: 'registro_confirmado' });

    const fake = await client(station.companyPort);
    await fake.next('estacion_info');
    fake.send({ tipo: 'autenticacion', empresa: 'Falsa', token: WRONG });
    expect(await fake.next('error')).toMatchObject({ codigo: 'AUTENTICACION_FALLIDA' });

    const company = await startCompanyProcess({
      flags: { token: COMPANY, 'log-level': 'trace' },
      estaciones: [stationAddress(station)],
    });
    running.push(company);
    await station.waitForLog((e) => e.msg === 'empresa autenticada');

    await Promise.all([station.stop(), company.stop()]);
    await Promise.all([station.closed, company.closed]);
    for (const p of [station, company]) {
      const output = [...p.logs.map((e) => JSON.stringify(e)), ...p.stderr].join('\n');
      expect(output.length).toBeGreaterThan(0);
      for (const secret of [PUMP, COMPANY, WRONG]) expect(output).not.toContain(secret);
    }
  });
});
