/** The composed station under its limits: real sockets on loopback, port 0, metrics read from the registry. */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { registro, TestPump } from './hub/test-harness.js';
import type { RunningStation } from './station.js';
import { startTestStation, TEST_ADMIN_CLAVE } from './test-harness.js';
import { CLOSE_TRY_AGAIN_LATER } from './ws/client.js';

type Json = Record<string, unknown>;

const ADMIN_CLAVE = TEST_ADMIN_CLAVE;

const running: RunningStation[] = [];
const peers: { destroy(): void }[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.destroy();
  await Promise.all(running.splice(0).map((s) => s.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function station(flags: Record<string, unknown>): Promise<{ s: RunningStation; logs: Json[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'estacion-limites-'));
  dirs.push(dataDir);
  const started = await startTestStation({ dataDir, flags });
  running.push(started.s);
  return started;
}

async function tcp(port: number): Promise<TestPump> {
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const c = net.connect({ port, host: '127.0.0.1' }, () => resolve(c));
    c.once('error', reject);
  });
  peers.push(socket);
  return new TestPump(socket);
}

/** A dashboard WebSocket on `s`, with an admin session unless `headers` say otherwise. */
async function ws(s: RunningStation, headers: Record<string, string> = {}): Promise<WebSocket> {
  const { token } = await s.auth.login('admin', ADMIN_CLAVE, null);
  const w = new WebSocket(`ws://127.0.0.1:${s.ports.ws}/`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
  w.on('error', () => {}); // a refused handshake is what some tests expect
  peers.push({ destroy: () => w.terminate() });
  return w;
}

const metric = async (s: RunningStation, pattern: RegExp) => pattern.test(await s.metrics.registry.metrics());

describe('station limits', () => {
  it('answers one connection too many on the pump port with LIMITE_EXCEDIDO and closes it', async () => {
    const { s, logs } = await station({ maxConnections: 2 });
    const a = await tcp(s.ports.pump);
    const b = await tcp(s.ports.pump);
    const extra = await tcp(s.ports.pump);
    expect(await extra.next('error')).toMatchObject({
      codigo: 'LIMITE_EXCEDIDO',
      mensaje: expect.stringContaining('2 conexiones'),
    });
    await extra.whenClosed;
    // The two within the limit work.
    a.send(registro(1));
    await a.next('registro_confirmado');
    b.send(registro(2));
    await b.next('registro_confirmado');
    expect(await metric(s, /estacion_conexiones_rechazadas_total\{puerto="surtidores"\} 1/)).toBe(true);
    expect(logs.some((l) => l.level === 40 && String(l.msg).includes('--max-connections'))).toBe(true);
  });

  it('answers one company connection too many with LIMITE_EXCEDIDO and closes it', async () => {
    const { s } = await station({ maxCompanyConnections: 1 });
    const company = await tcp(s.ports.company);
    await company.next('estacion_info');
    const extra = await tcp(s.ports.company);
    expect(await extra.next('error')).toMatchObject({ codigo: 'LIMITE_EXCEDIDO' });
    await extra.whenClosed;
    expect(extra.all('estacion_info')).toEqual([]);
    expect(await metric(s, /estacion_conexiones_rechazadas_total\{puerto="empresa"\} 1/)).toBe(true);
    expect(await metric(s, /estacion_conexiones_empresa 1/)).toBe(true);
  });

  it('refuses a new pump id past --max-pumps with registro_rechazado LIMITE_EXCEDIDO', async () => {
    const { s } = await station({ maxPumps: 1 });
    const first = await tcp(s.ports.pump);
    first.send(registro(1));
    await first.next('registro_confirmado');
    const second = await tcp(s.ports.pump);
    second.send(registro(2));
    expect(await second.next('registro_rechazado')).toMatchObject({ codigo: 'LIMITE_EXCEDIDO' });
    await second.whenClosed;
    expect(s.service.allPumps().map((p) => p.id_surtidor)).toEqual([1]);
    expect(await metric(s, /estacion_registros_rechazados_total\{codigo="LIMITE_EXCEDIDO"\} 1/)).toBe(true);
  });

  it('closes one WebSocket client too many with 1013 and refuses a foreign Origin with 403', async () => {
    const { s } = await station({ maxWsClients: 1 });
    const first = await ws(s);
    await new Promise((resolve) => first.once('message', resolve)); // its snapshot
    const extra = await ws(s);
    const [code, reason] = await new Promise<[number, string]>((resolve) =>
      extra.once('close', (c, r) => resolve([c, r.toString()])),
    );
    expect(code).toBe(CLOSE_TRY_AGAIN_LATER);
    expect(reason).toContain('demasiados clientes');

    const foreign = await ws(s, { Origin: 'https://evil.example' });
    const status = await new Promise<number>((resolve) =>
      foreign.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(403);
    expect(await metric(s, /estacion_clientes_ws_rechazados_total\{motivo="limite"\} 1/)).toBe(true);
    expect(await metric(s, /estacion_clientes_ws_rechazados_total\{motivo="origen"\} 1/)).toBe(true);
  });
});

describe('protected mode in startStation', () => {
  it('refuses a public address without credentials before opening anything', async () => {
    await expect(station({ host: '0.0.0.0' })).rejects.toMatchObject({
      code: 'MODO_PROTEGIDO',
      message: expect.stringContaining('--pump-token'),
    });
  });
});
