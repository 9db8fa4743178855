/**
 * TLS with the real binaries: `estacion certificados dev` makes a dev CA, the station serves the
 * pump port with mutual TLS, `surtidor --tls` pumps register with their own certificates, a pump
 * cannot register under another pump's id, and SIGHUP reloads the certificate without exiting.
 * Every port is 0; traffic goes to 127.0.0.1.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type EstacionVista, eventually, startCompanyProcess } from './helpers/empresa.js';
import {
  removeTempDirs,
  runCli,
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

describe('TLS between surtidor and estacion', () => {
  it('dev CA in one command, mutual TLS, one certificate per pump, SIGHUP reload', async () => {
    const dir = tempDir('certs-');
    const made = await runCli('estacion', ['certificados', 'dev', '--dir', dir, '--surtidores', '1-3']);
    expect(made.code).toBe(0);
    expect(made.stdout).toContain('Certificados de desarrollo creados');

    const s = await startStationProcess({
      flags: {
        'tls-cert': join(dir, 'estacion.crt'),
        'tls-key': join(dir, 'estacion.key'),
        'tls-ca': join(dir, 'ca.crt'),
      },
      args: ['--tls-client-auth'],
    });
    procs.push(s);
    const tlsArgs = [
      '--tls',
      '--ca',
      join(dir, 'ca.crt'),
      '--cert',
      join(dir, 'surtidor-{id}.crt'),
      '--key',
      join(dir, 'surtidor-{id}.key'),
    ];
    const good = startProcess('surtidor', [
      ...['--estacion', `localhost:${s.pumpPort}`, '--outbox-dir', tempDir('surtidor-tls-'), '--count', '2'],
      ...tlsArgs,
      ...['--mean-interval', '3600'],
    ]);
    procs.push(good);
    await good.waitForLog((e) => e.msg === 'todos los surtidores registrados');
    const list = await s.request<{ id_surtidor: number }[]>('/api/surtidores');
    expect(list.map((p) => p.id_surtidor)).toEqual([1, 2]);

    // Pump 5 showing pump 1's certificate is refused.
    const liar = startProcess('surtidor', [
      ...['--estacion', `127.0.0.1:${s.pumpPort}`, '--outbox-dir', tempDir('surtidor-tls-'), '--first-id', '5'],
      ...[
        '--tls',
        '--ca',
        join(dir, 'ca.crt'),
        '--cert',
        join(dir, 'surtidor-1.crt'),
        '--key',
        join(dir, 'surtidor-1.key'),
      ],
      ...['--mean-interval', '3600'],
    ]);
    procs.push(liar);
    expect(await liar.exited).toEqual({ code: 1, signal: null });
    expect(liar.logs.some((e) => e.causa === 'AUTENTICACION_FALLIDA')).toBe(true);

    // SIGHUP reloads (same files: same fingerprint) and the station keeps running.
    s.proc.kill('SIGHUP');
    const reloaded = await s.waitForLog((e) => typeof e.msg === 'string' && e.msg.includes('(SIGHUP)'));
    expect(reloaded.huella).toMatch(/^[0-9A-F:]+$/);
    expect((await s.request<{ id_surtidor: number }[]>('/api/surtidores')).length).toBe(2);
    expect(good.proc.exitCode).toBeNull();
    expect(await good.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('the company links to a station registered with tls: true, verifying its name against --tls-ca', async () => {
    const dir = tempDir('certs-');
    expect((await runCli('estacion', ['certificados', 'dev', '--dir', dir, '--surtidores', '1'])).code).toBe(0);
    const s = await startStationProcess({
      flags: { 'tls-cert': join(dir, 'estacion.crt'), 'tls-key': join(dir, 'estacion.key') },
    });
    procs.push(s);
    const c = await startCompanyProcess({ flags: { 'tls-ca': join(dir, 'ca.crt') } });
    procs.push(c);
    const e = await c.request<EstacionVista & { tls: boolean }>('/api/estaciones', 'POST', {
      id_estacion: 'estacion-1',
      host: 'localhost',
      puerto: s.companyPort,
      tls: true,
    });
    expect(e.tls).toBe(true);
    await eventually('station linked over TLS', async () => {
      const v = await c.request<EstacionVista>(`/api/estaciones/${encodeURIComponent(e.id_estacion)}`);
      return v.conectada && v.al_dia;
    });
  }, 60_000);

  it('a TLS/plain mismatch on a company link is named as such on the station entry', async () => {
    const dir = tempDir('certs-');
    expect((await runCli('estacion', ['certificados', 'dev', '--dir', dir, '--surtidores', '1'])).code).toBe(0);
    const tlsStation = await startStationProcess({
      flags: { 'tls-cert': join(dir, 'estacion.crt'), 'tls-key': join(dir, 'estacion.key') },
    });
    const plainStation = await startStationProcess();
    procs.push(tlsStation, plainStation);
    const c = await startCompanyProcess({ flags: { 'tls-ca': join(dir, 'ca.crt'), 'handshake-timeout': '1' } });
    procs.push(c);
    const register = (id: string, puerto: number, tls: boolean) =>
      c.request('/api/estaciones', 'POST', { id_estacion: id, host: 'localhost', puerto, tls });
    await register('tls-sin-tls', tlsStation.companyPort, false);
    await register('sin-tls-con-tls', plainStation.companyPort, true);
    const errorOf = (id: string) =>
      eventually(
        `an error on ${id}`,
        async () => (await c.request<EstacionVista>(`/api/estaciones/${id}`)).ultimo_error,
      );
    expect(await errorOf('tls-sin-tls')).toContain('regístrela con tls: true');
    expect(await errorOf('sin-tls-con-tls')).toContain('la estación no habla TLS en ese puerto');
  }, 60_000);
});
