/**
 * TLS on the station's TCP links with the dev CA (real openssl, real sockets on 127.0.0.1, port 0):
 * TLS and mutual TLS, a pump certificate bound to its pump id, a plaintext client on a TLS port,
 * and a certificate reload under live sessions.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import tls from 'node:tls';
import type { FakeClock } from '@combustible/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { registro, TestPump } from '../hub/test-harness.js';
import type { RunningStation } from '../station.js';
import { startTestStation, TEST_ADMIN_CLAVE } from '../test-harness.js';
import { createDevCa, type DevCaResult } from './dev-ca.js';

type Json = Record<string, unknown>;

let root: string;
let ca: DevCaResult;
let ca2: DevCaResult;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'estacion-tls-'));
  ca = await createDevCa({ dir: join(root, 'a'), surtidores: [3, 4] });
  ca2 = await createDevCa({ dir: join(root, 'b'), surtidores: [3] });
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const running: RunningStation[] = [];
const peers: { destroy(): void }[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.destroy();
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function station(
  flags: Record<string, unknown>,
  clock?: FakeClock,
): Promise<{ s: RunningStation; logs: Json[] }> {
  const started = await startTestStation({
    dataDir: mkdtempSync(join(root, 'data-')),
    flags,
    ...(clock ? { clock } : {}),
  });
  running.push(started.s);
  return started;
}

async function tlsConnect(port: number, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const c = tls.connect(
      { port, host: '127.0.0.1', servername: 'localhost', ca: readFileSync(ca.ca.cert), ...options },
      () => resolve(c),
    );
    c.once('error', reject);
  });
  peers.push(socket);
  return socket;
}

const pumpCert = (r: DevCaResult, id: number) => {
  const p = r.surtidores.find((x) => x.id === id)!;
  return { cert: readFileSync(p.cert), key: readFileSync(p.key) };
};

const tlsFlags = () => ({ tlsCert: ca.estacion.cert, tlsKey: ca.estacion.key });
const mtlsFlags = () => ({ ...tlsFlags(), tlsCa: ca.ca.cert, tlsClientAuth: true });

describe('TLS on the pump and company ports', () => {
  it('serves the pump protocol over TLS, verified against the dev CA by name', async () => {
    const { s, logs } = await station(tlsFlags());
    const socket = await tlsConnect(s.ports.pump);
    expect(socket.authorized).toBe(true);
    const pump = new TestPump(socket);
    pump.send(registro(1));
    expect(await pump.next('registro_confirmado')).toMatchObject({ id_surtidor: 1 });
    const company = await tlsConnect(s.ports.company);
    expect(company.authorized).toBe(true);
    expect(logs.some((l) => String(l.msg).startsWith('surtidores: tls://'))).toBe(true);
    const metrics = await s.metrics.registry.metrics();
    expect(metrics).toMatch(/estacion_conexiones_surtidores 1/);
    expect(metrics).toContain(`estacion_tls_certificado_expira_segundos{huella="${s.tls!.info.huella}"}`);
  });

  it('keeps the connection limit with TLS: handshaking connections count, one past it is closed', async () => {
    const { s } = await station({ ...tlsFlags(), maxConnections: 1 });
    const first = new TestPump(await tlsConnect(s.ports.pump));
    first.send(registro(1));
    await first.next('registro_confirmado');
    const outcome = await tlsConnect(s.ports.pump).then(
      (c) =>
        new Promise<string>((resolve) => {
          c.once('error', () => resolve('cerrada'));
          c.once('close', () => resolve('cerrada'));
          c.write(`${JSON.stringify(registro(2))}\n`);
        }),
      () => 'cerrada',
    );
    expect(outcome).toBe('cerrada');
    expect(await s.metrics.registry.metrics()).toMatch(/estacion_conexiones_rechazadas_total\{puerto="surtidores"\} 1/);
    // The first one still works.
    first.send(registro(1));
    expect(await first.next('registro_confirmado')).toMatchObject({ id_surtidor: 1 });
  });

  it('gives a plaintext client a TLS alert and nothing else', async () => {
    const { s } = await station(tlsFlags());
    const socket = net.connect({ port: s.ports.pump, host: '127.0.0.1' });
    peers.push(socket);
    socket.on('error', () => {});
    let data = Buffer.alloc(0);
    socket.on('data', (c: Buffer) => (data = Buffer.concat([data, c])));
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(`${JSON.stringify(registro(1))}\n`);
    await new Promise<void>((r) => socket.once('close', () => r()));
    expect(data.toString('latin1')).not.toContain('{');
    if (data.length > 0) expect(data[0]).toBe(0x15); // a TLS alert record
  });

  it('a TLS client on a plaintext port: the station logs it clearly and closes', async () => {
    const { s, logs } = await station({});
    for (const port of [s.ports.pump, s.ports.company]) {
      const outcome = await new Promise<string>((resolve) => {
        const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost' }, () => resolve('conectado'));
        peers.push(c);
        c.once('error', (err: Error) => resolve(`error: ${err.message}`));
      });
      expect(outcome).toMatch(/^error/);
    }
    // No wait needed: the station logs and counts the ClientHello before it closes the connection,
    // and that close is what the client's error above reports.
    // Throttled: the first one is logged at once (the second falls into the next window).
    expect(logs.filter((l) => String(l.msg).startsWith('cliente TLS en puerto sin TLS')).length).toBeGreaterThanOrEqual(
      1,
    );
    expect(await s.metrics.registry.metrics()).toMatch(/estacion_lineas_invalidas_total\{codigo="CLIENTE_TLS"\} [12]/);
  });

  it('with mutual TLS: a certificate for pump 3 registers 3, not 4; no certificate, no connection', async () => {
    const { s, logs } = await station(mtlsFlags());
    const three = new TestPump(await tlsConnect(s.ports.pump, pumpCert(ca, 3)));
    three.send(registro(3));
    expect(await three.next('registro_confirmado')).toMatchObject({ id_surtidor: 3 });

    const liar = new TestPump(await tlsConnect(s.ports.pump, pumpCert(ca, 3)));
    liar.send(registro(4));
    expect(await liar.next('registro_rechazado')).toMatchObject({ codigo: 'AUTENTICACION_FALLIDA' });
    expect(await s.metrics.registry.metrics()).toMatch(
      /estacion_registros_rechazados_total\{codigo="AUTENTICACION_FALLIDA"\} 1/,
    );
    expect(logs.some((l) => l.msg === 'registro rechazado: el certificado no corresponde al surtidor')).toBe(true);
    await s.audit.flush();
    const { items } = await s.audit.list({ limit: 10, skip: 0 });
    expect(items.some((e) => e.accion === 'surtidor.registro' && e.resultado === 'denegado')).toBe(true);

    // Without a certificate, or with one from another CA, the station ends the connection in the
    // handshake (TLS 1.3: the client may see it only after its first write) and never answers.
    for (const options of [{}, pumpCert(ca2, 3)]) {
      const outcome = await tlsConnect(s.ports.pump, options).then(
        (c) =>
          new Promise<string>((resolve) => {
            let data = '';
            c.on('data', (d: Buffer) => (data += d.toString()));
            c.once('error', () => resolve(`error ${data}`));
            c.once('close', () => resolve(`closed ${data}`));
            c.write(`${JSON.stringify(registro(3))}\n`);
          }),
        () => 'error ',
      );
      expect(outcome).toMatch(/^(error|closed) $/);
    }
  });

  it('reloads the certificate without dropping sessions: new connections see the new fingerprint', async () => {
    const dir = mkdtempSync(join(root, 'reload-'));
    const cert = join(dir, 'estacion.crt');
    const key = join(dir, 'estacion.key');
    copyFileSync(ca.estacion.cert, cert);
    copyFileSync(ca.estacion.key, key);
    const { s } = await station({ tlsCert: cert, tlsKey: key });
    const first = s.tls!.info.huella;
    const old = await tlsConnect(s.ports.pump);
    expect(old.getPeerX509Certificate()?.fingerprint256).toBe(first);
    const pump = new TestPump(old);
    pump.send(registro(1));
    await pump.next('registro_confirmado');

    copyFileSync(ca2.estacion.cert, cert);
    copyFileSync(ca2.estacion.key, key);
    expect(s.reloadTls('prueba')).toBe(true);
    const second = s.tls!.info.huella;
    expect(second).not.toBe(first);
    expect(await s.metrics.registry.metrics()).toContain(`huella="${second}"`);

    const fresh = await tlsConnect(s.ports.pump, { ca: readFileSync(ca2.ca.cert) });
    expect(fresh.getPeerX509Certificate()?.fingerprint256).toBe(second);
    // The old session still works.
    pump.send({ tipo: 'heartbeat', id_surtidor: 1, timestamp: new Date().toISOString(), estado: 'disponible' });
    pump.send(registro(1));
    expect(await pump.next('registro_confirmado')).toMatchObject({ id_surtidor: 1 });
    expect(old.destroyed).toBe(false);

    // A broken file keeps the certificate in use.
    copyFileSync(ca.estacion.key, key);
    expect(s.reloadTls('roto')).toBe(false);
    expect(s.tls!.info.huella).toBe(second);
  });

  it('--tls-api: HTTPS on the API and wss:// on the WebSocket with the same certificate', async () => {
    const { s } = await station({ ...tlsFlags(), tlsApi: true });
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get(
          {
            host: '127.0.0.1',
            servername: 'localhost',
            port: s.ports.api,
            path: '/api/salud',
            ca: readFileSync(ca.ca.cert),
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve(`${res.statusCode} ${text}`));
          },
        )
        .on('error', reject);
    });
    expect(body).toMatch(/^\d{3} /);
    const { token } = await s.auth.login('admin', TEST_ADMIN_CLAVE, null);
    const w = new WebSocket(`wss://localhost:${s.ports.ws}/`, {
      ca: readFileSync(ca.ca.cert),
      headers: { authorization: `Bearer ${token}` },
    });
    peers.push({ destroy: () => w.terminate() });
    const first = await new Promise<string>((resolve, reject) => {
      w.once('message', (d: Buffer) => resolve(d.toString()));
      w.once('error', reject);
    });
    expect(first.length).toBeGreaterThan(0);
  });

  it('raises an alert when the certificate expires within 30 days', async () => {
    const r = await createDevCa({ dir: join(root, 'corto'), surtidores: [1], days: 10 });
    const { s } = await station({ tlsCert: r.estacion.cert, tlsKey: r.estacion.key });
    await s.service.settled(); // the alert is raised at start and written in the background
    const alerts = await s.store.listAlerts({ abiertas: true, limit: 10 });
    expect(alerts.some((a) => a.codigo === 'TLS_CERTIFICADO_POR_VENCER')).toBe(true);
  });
});
