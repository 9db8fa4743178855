/**
 * Who did it, on the composed station: the first admin, sessions over real HTTP and WebSocket
 * ports, refusals on the TCP ports in the audit log, and the audit log's tamper evidence on the
 * SQLite file itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newToken, sha256 } from '@combustible/server';
import { createLogger } from '@combustible/shared';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { stationConfigSchema } from './config.js';
import { CHEAP_SCRYPT, registro, TestPump, venta } from './hub/test-harness.js';
import { type RunningStation, startStation } from './station.js';
import { SQLITE_FILE } from './store/sqlite-store.js';

type Json = Record<string, unknown>;

const running: RunningStation[] = [];
const closers: (() => void)[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) c();
  await Promise.all(running.splice(0).map((s) => s.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'estacion-auth-'));
  dirs.push(dir);
  return dir;
}

async function station(flags: Record<string, unknown> = {}, dataDir = tempDir()): Promise<RunningStation> {
  const config = stationConfigSchema.parse({
    host: '127.0.0.1',
    pumpPort: 0,
    companyPort: 0,
    apiPort: 0,
    wsPort: 0,
    dataDir,
    logLevel: 'silent',
    ...flags,
  });
  const s = await startStation(config, {
    log: createLogger({ name: 'test', level: 'silent' }),
    authOptions: { scryptCost: CHEAP_SCRYPT },
  });
  running.push(s);
  return s;
}

const url = (s: RunningStation, path: string) => `http://127.0.0.1:${s.ports.api}${path}`;

async function login(s: RunningStation, usuario: string, clave: string): Promise<{ token: string; cookie: string }> {
  const res = await fetch(url(s, '/api/sesion'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ usuario, clave }),
  });
  expect(res.status).toBe(200);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { token: ((await res.json()) as { token: string }).token, cookie };
}

async function tcp(port: number): Promise<TestPump> {
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const c = net.connect({ port, host: '127.0.0.1' }, () => resolve(c));
    c.once('error', reject);
  });
  closers.push(() => socket.destroy());
  return new TestPump(socket);
}

/** Opens a dashboard socket; resolves once open (with its first message) or with the refusal status. */
function dashboard(
  s: RunningStation,
  headers: Record<string, string>,
): Promise<{ status: number | 'open'; events: Json[]; ws: WebSocket }> {
  const ws = new WebSocket(`ws://127.0.0.1:${s.ports.ws}/`, { headers });
  closers.push(() => ws.terminate());
  const events: Json[] = [];
  ws.on('message', (m: Buffer) => events.push(JSON.parse(String(m)) as Json));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ status: 'open', events, ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, events, ws }));
    ws.once('error', reject);
  });
}

describe('first start', () => {
  it('creates admin with a generated password once, and never again', async () => {
    const dir = tempDir();
    const first = await station({}, dir);
    expect(first.adminInicial).toEqual({ usuario: 'admin', clave: expect.any(String), generada: true });
    const clave = first.adminInicial?.clave ?? '';
    expect(clave.length).toBeGreaterThanOrEqual(16);
    await login(first, 'admin', clave);
    await first.stop();
    const again = await station({ adminPassword: 'otra-clave-1234' }, dir);
    expect(again.adminInicial).toBeNull();
    await login(again, 'admin', clave);
  });

  it('takes the password from --admin-password', async () => {
    const s = await station({ adminPassword: 'clave-de-prueba' });
    expect(s.adminInicial).toEqual({ usuario: 'admin', clave: 'clave-de-prueba', generada: false });
    const { token } = await login(s, 'admin', 'clave-de-prueba');
    const me = await fetch(url(s, '/api/sesion'), { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toMatchObject({ usuario: 'admin', rol: 'admin', tipo: 'sesion' });
  });
});

describe('sessions across the ports', () => {
  it('lets the API session cookie open the WebSocket on its own port, and nothing else', async () => {
    const s = await station({ adminPassword: 'clave-de-prueba' });
    expect((await fetch(url(s, '/api/surtidores'))).status).toBe(401);
    expect((await fetch(url(s, '/health'))).status).toBe(200);
    expect((await dashboard(s, {})).status).toBe(401);
    const { cookie } = await login(s, 'admin', 'clave-de-prueba');
    expect(cookie).toMatch(/^sesion=/);
    const open = await dashboard(s, { cookie });
    expect(open.status).toBe('open');
    await expect.poll(() => open.events[0]?.tipo).toBe('snapshot');
  });

  it('audits a refused pump and a refused company, and shows them live on the dashboard', async () => {
    const s = await station({
      adminPassword: 'clave-de-prueba',
      pumpToken: 'token-surtidores',
      companyToken: 'token-empresa',
    });
    const { token } = await login(s, 'admin', 'clave-de-prueba');
    const live = await dashboard(s, { authorization: `Bearer ${token}` });
    await expect.poll(() => live.events.length).toBeGreaterThan(0);

    const pump = await tcp(s.ports.pump);
    pump.send(registro(7, { token: 'malo' }));
    expect(await pump.next('registro_rechazado')).toMatchObject({ codigo: 'AUTENTICACION_FALLIDA' });
    const company = await tcp(s.ports.company);
    await company.next('estacion_info');
    company.send({ tipo: 'autenticacion', empresa: 'Copec', token: 'malo' });
    await company.next('error');

    await expect
      .poll(() => live.events.filter((e) => e.tipo === 'accion').map((e) => (e.datos as Json).accion))
      .toEqual(['surtidor.registro', 'empresa.autenticacion']);
    const log = await fetch(url(s, '/api/auditoria?resultado=denegado'), {
      headers: { authorization: `Bearer ${token}` },
    });
    const entries = (await log.json()) as Json[];
    expect(entries.map((e) => [e.usuario, e.accion, e.ip])).toEqual([
      ['empresa', 'empresa.autenticacion', '127.0.0.1'],
      ['surtidor:7', 'surtidor.registro', '127.0.0.1'],
    ]);
  });
});

describe('a credential of its own for every pump (real sockets)', () => {
  it("registers pump 3 with its token, refuses pump 3's token from id 4 and stores none of its sales; a revoked token is refused", async () => {
    const s = await station({ adminPassword: 'clave-de-prueba' });
    const token3 = newToken('srt');
    await s.store.setPumpCredential({ id_surtidor: 3, hash: sha256(token3), emitida: '2026-01-15T14:00:00.000Z' });

    const intruder = await tcp(s.ports.pump);
    intruder.send(registro(4, { token: token3 }));
    expect(await intruder.next('registro_rechazado')).toMatchObject({ codigo: 'AUTENTICACION_FALLIDA' });
    intruder.send(venta(4)); // ignored: the connection is closed after the refusal
    await intruder.whenClosed;

    const own = await tcp(s.ports.pump);
    own.send(registro(3, { token: token3 }));
    await own.next('registro_confirmado');
    // Nothing at all from the refused one: no sale, no pump record.
    expect((await s.store.listTransactions({ limit: 10, skip: 0 })).total).toBe(0);
    expect(await s.store.getPump(4)).toBeNull();

    await s.store.revokePumpCredential(3);
    await s.store.setPumpCredential({
      id_surtidor: 9,
      hash: sha256(newToken('srt')),
      emitida: '2026-01-15T14:00:00.000Z',
    });
    const revoked = await tcp(s.ports.pump);
    revoked.send(registro(3, { token: token3 }));
    expect(await revoked.next('registro_rechazado')).toMatchObject({ codigo: 'AUTENTICACION_FALLIDA' });
  });
});

describe('company token rotation with an overlap (real sockets)', () => {
  async function authenticate(s: RunningStation, token: string): Promise<string> {
    const company = await tcp(s.ports.company);
    await company.next('estacion_info');
    company.send({ tipo: 'autenticacion', empresa: 'Copec', token });
    company.send({ tipo: 'ping' });
    return Promise.race([company.next('pong').then(() => 'ok'), company.next('error').then((e) => String(e.codigo))]);
  }

  it('accepts the old and the new token together, then only the new one once the old is removed', async () => {
    const dataDir = tempDir();
    const both = await station({ adminPassword: 'clave-de-prueba', companyToken: 'vieja,nueva' }, dataDir);
    expect(await authenticate(both, 'vieja')).toBe('ok');
    expect(await authenticate(both, 'nueva')).toBe('ok');
    await both.stop();
    running.splice(running.indexOf(both), 1);
    const rotated = await station({ adminPassword: 'clave-de-prueba', companyToken: ['nueva'] }, dataDir);
    expect(await authenticate(rotated, 'nueva')).toBe('ok');
    expect(await authenticate(rotated, 'vieja')).toBe('AUTENTICACION_FALLIDA');
  });
});

describe('audit log on disk', () => {
  it('names the entry edited in the SQLite file', async () => {
    const dataDir = tempDir();
    const s = await station({ adminPassword: 'clave-de-prueba' }, dataDir);
    const { token } = await login(s, 'admin', 'clave-de-prueba');
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    for (const nombre of ['Isla Norte', 'Isla Sur'])
      await fetch(url(s, '/api/surtidores'), {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ nombre, combustibles_soportados: ['95'] }),
      });
    await fetch(url(s, '/api/surtidores/1'), { method: 'DELETE', headers: auth });
    const ok = await fetch(url(s, '/api/auditoria/verificacion'), { headers: auth });
    const before = (await ok.json()) as { ok: boolean; registros: number };
    expect(before.ok).toBe(true);

    // Someone with access to the file rewrites who created the second pump.
    const db = new Database(join(dataDir, SQLITE_FILE));
    closers.push(() => db.close());
    const row = db
      .prepare("SELECT seq FROM auditoria WHERE accion = 'surtidor.crear' AND objetivo = 'surtidor:2'")
      .get() as { seq: number };
    db.prepare("UPDATE auditoria SET usuario = 'otro' WHERE seq = ?").run(row.seq);

    const res = await fetch(url(s, '/api/auditoria/verificacion'), { headers: auth });
    expect(await res.json()).toEqual({
      ok: false,
      registros: row.seq - 1,
      primer_error: { seq: row.seq, motivo: expect.stringContaining('modificado') },
    });
  });
});
