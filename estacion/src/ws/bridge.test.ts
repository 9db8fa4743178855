import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createHarness, estado, type Harness, venta } from '../hub/test-harness.js';
import { StationBus } from '../app/events.js';
import { StationMetrics } from '../app/metrics.js';
import { CLI_ACTOR } from '@combustible/server';
import { type Bridge, type BridgeDeps, buildBridge, CLOSE_SESSION_ENDED } from './bridge.js';
import { CLOSE_TRY_AGAIN_LATER, type ClientLimits } from './client.js';

type Event = { tipo: string; datos: Record<string, unknown> };

let h: Harness;
let bridge: Bridge;
/** A session of a `lectura` user, sent as a bearer token by connect() and handshake(). */
let token: string;
const sockets: WebSocket[] = [];

async function setup(
  limits: Partial<ClientLimits> = {},
  extra: Partial<Pick<BridgeDeps, 'maxClients' | 'allowedOrigins' | 'metrics' | 'sessionCheckMs'>> = {},
) {
  h = await createHarness();
  await h.auth.createUser(CLI_ACTOR, { nombre: 'luis', rol: 'lectura', clave: 'clave-de-luis' });
  token = (await h.auth.login('luis', 'clave-de-luis', '127.0.0.1')).token;
  bridge = await buildBridge({
    service: h.service,
    bus: h.bus,
    store: h.store,
    log: h.log,
    limits,
    flushIntervalMs: 20,
    auth: h.auth,
    audit: h.audit,
    ...extra,
  });
  await bridge.listen({ host: '127.0.0.1', port: 0 });
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await bridge.close();
  await h.close();
});

/** A dashboard client that records every event (with the test's session unless told otherwise). */
function connect(headers: Record<string, string> = { authorization: `Bearer ${token}` }): Promise<{
  ws: WebSocket;
  events: Event[];
  next: (tipo: string, pred?: (e: Event) => boolean) => Promise<Event>;
}> {
  const port = (bridge.server.address() as AddressInfo).port;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers });
  sockets.push(ws);
  const events: Event[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data: Buffer) => {
    events.push(JSON.parse(String(data)) as Event);
    for (const w of waiters.splice(0)) w();
  });
  let taken = 0;
  const next = async (tipo: string, pred: (e: Event) => boolean = () => true): Promise<Event> => {
    for (;;) {
      const i = events.findIndex((e, k) => k >= taken && e.tipo === tipo && pred(e));
      if (i >= 0) {
        taken = i + 1;
        return events[i] as Event;
      }
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, events, next }));
    ws.once('error', reject);
  });
}

describe('WebSocket bridge', () => {
  it('sends a snapshot, then live events in {tipo, datos, timestamp} form', async () => {
    await setup();
    const pump = await h.register(1);
    pump.send(venta(1, { id_transaccion: 'antes' }));
    await pump.next('transaccion_confirmada');

    const client = await connect();
    const snap = await client.next('snapshot');
    expect(snap.datos).toMatchObject({
      surtidores: [expect.objectContaining({ id_surtidor: 1, estado_conexion: 'conectado' })],
      precios: { version: 0 },
      transacciones: [expect.objectContaining({ id_transaccion: 'antes' })],
      alertas: [],
      acciones: [],
    });
    expect(snap).toHaveProperty('timestamp');

    const other = await h.register(2);
    expect((await client.next('surtidor_conectado')).datos).toMatchObject({ id_surtidor: 2 });
    other.send(estado(2, 'despachando', '2026-01-15T14:00:00Z', { litros_actuales: 1 }));
    expect((await client.next('estado')).datos).toMatchObject({ id_surtidor: 2, litros_actuales: 1 });
    other.send(venta(2, { id_transaccion: 'en-vivo' }));
    expect((await client.next('transaccion')).datos).toMatchObject({ id_transaccion: 'en-vivo' });
    other.send({
      tipo: 'error',
      id_surtidor: 2,
      codigo: 'ERROR_DESPACHO',
      mensaje: 'x',
      timestamp: '2026-01-15T14:00:00Z',
    });
    expect((await client.next('alerta')).datos).toMatchObject({ codigo: 'ERROR_DESPACHO' });
    await h.service.applyPrices(
      1,
      { precio_93: 1301, precio_95: 1302, precio_97: 1303, precio_diesel: 1304 },
      'empresa',
    );
    expect((await client.next('precios')).datos).toMatchObject({ version: 1 });
    other.stream.destroy();
    expect((await client.next('surtidor_desconectado')).datos).toMatchObject({ id_surtidor: 2 });
  });

  it('coalesces estado per pump: a burst reaches the client as its latest value', async () => {
    await setup();
    const client = await connect();
    await client.next('snapshot');
    const pump = await h.register(1);
    for (let i = 1; i <= 200; i++) pump.send(estado(1, 'despachando', '2026-01-15T14:00:00Z', { litros_actuales: i }));
    await client.next('estado', (e) => e.datos.litros_actuales === 200);
    const estados = client.events.filter((e) => e.tipo === 'estado');
    expect(estados.length).toBeLessThan(200);
  });

  it('drops a client that does not read with 1013, and the others keep receiving', async () => {
    await setup({ maxBufferedBytes: 16 * 1024, maxLagMs: 100, maxQueuedEvents: 100_000 });
    const slow = await connect();
    await slow.next('snapshot');
    const closed = new Promise<number>((resolve) => slow.ws.once('close', (code) => resolve(code)));
    // Stop reading at the TCP level: the server's buffer for this client fills up.
    const tcp = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    const fast = await connect();
    await fast.next('snapshot');

    const pump = await h.register(1);
    const big = 'x'.repeat(80);
    let i = 0;
    const feed = setInterval(() => {
      for (let k = 0; k < 200; k++)
        h.bus.emit('alerta', {
          id: `a${i++}`,
          clave: big,
          codigo: 'PRUEBA',
          mensaje: big.repeat(20),
          severidad: 'info',
          id_surtidor: 1,
          creada: '',
          resuelta: null,
          datos: null,
        });
    }, 10);
    try {
      await expect.poll(() => [...bridge.bridgeClients].some((c) => c.dropped), { timeout: 10_000 }).toBe(true);
    } finally {
      clearInterval(feed);
    }
    // Once it reads again it finds the close frame behind what was already on the wire.
    tcp.resume();
    expect(await closed).toBe(CLOSE_TRY_AGAIN_LATER);
    await expect.poll(() => bridge.bridgeClients.size).toBe(1);
    pump.send(venta(1, { id_transaccion: 'sigue' }));
    expect((await fast.next('transaccion')).datos).toMatchObject({ id_transaccion: 'sigue' });
  });
});

/** Opens a socket with exactly these headers; resolves with how the handshake ended. */
function rawHandshake(
  headers: Record<string, string>,
): Promise<{ ws: WebSocket; status: number | 'open'; body: string }> {
  const ws = new WebSocket(`ws://127.0.0.1:${(bridge.server.address() as AddressInfo).port}/`, { headers });
  sockets.push(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, status: 'open', body: '' }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ ws, status: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}

describe('WebSocket bridge sessions', () => {
  it('answers 401 NO_AUTENTICADO before upgrading without a session, and audits a bad credential', async () => {
    const metrics = new StationMetrics(new StationBus());
    await setup({}, { metrics });
    const none = await rawHandshake({});
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toMatchObject({ error: { codigo: 'NO_AUTENTICADO' } });
    const bad = await rawHandshake({ authorization: 'Bearer ses_no-existe-123456' });
    expect(bad.status).toBe(401);
    expect((await rawHandshake({ cookie: 'sesion=otra-cosa-123456' })).status).toBe(401);
    expect(bridge.bridgeClients.size).toBe(0);
    expect(await metrics.registry.metrics()).toMatch(/estacion_clientes_ws_rechazados_total\{motivo="sesion"\} 3/);
    await h.audit.flush();
    const denied = await h.audit.list({ accion: 'acceso.denegado', limit: 10, skip: 0 });
    // Two presented a credential that does not work; the bare attempt is not worth an entry.
    expect(denied.items.map((r) => [r.objetivo, r.detalles?.motivo])).toEqual([
      ['GET / (websocket)', 'credencial_invalida'],
      ['GET / (websocket)', 'credencial_invalida'],
    ]);
  });

  it('takes the session cookie the API set (the browser sends it to this port too) and a bearer token', async () => {
    await setup();
    const byCookie = await connect({ cookie: `sesion=${token}` });
    expect((await byCookie.next('snapshot')).tipo).toBe('snapshot');
    const byBearer = await connect({ authorization: `Bearer ${token}` });
    expect((await byBearer.next('snapshot')).tipo).toBe('snapshot');
    const api = await h.auth.createToken(CLI_ACTOR, { nombre: 'pantalla', rol: 'lectura' });
    expect((await (await connect({ authorization: `Bearer ${api.token}` })).next('snapshot')).tipo).toBe('snapshot');
  });

  it('sends the last operator actions in the snapshot and each new one as an `accion` event', async () => {
    await setup();
    const accion = (n: number) => ({
      usuario: 'ana',
      rol: 'operador',
      ip: '10.1.1.1',
      accion: 'surtidor.comando',
      objetivo: `surtidor:${n}`,
      resultado: 'ok' as const,
      detalles: { comando: 'pausar', razon: 'limpieza' },
    });
    for (let i = 1; i <= 25; i++) await h.audit.append(accion(i));
    await h.audit.append({ ...accion(0), accion: 'precios.cambiar', usuario: 'empresa', objetivo: 'precios' });
    const client = await connect();
    const snap = await client.next('snapshot');
    const acciones = snap.datos.acciones as Record<string, unknown>[];
    expect(acciones).toHaveLength(20);
    expect(acciones.map((a) => a.objetivo).slice(0, 3)).toEqual(['precios', 'surtidor:25', 'surtidor:24']);
    // Logins and user changes are not for the operators' screen; nor are addresses and hashes.
    expect(
      acciones.some((a) => String(a.accion).startsWith('sesion.') || String(a.accion).startsWith('usuario.')),
    ).toBe(false);
    expect(acciones[1]).toEqual({
      seq: expect.any(Number),
      fecha: expect.any(String),
      usuario: 'ana',
      rol: 'operador',
      accion: 'surtidor.comando',
      objetivo: 'surtidor:25',
      resultado: 'ok',
      detalles: { comando: 'pausar', razon: 'limpieza' },
    });

    await h.audit.append({ ...accion(7), accion: 'usuario.crear' });
    h.audit.record({
      ...accion(0),
      usuario: 'surtidor:9',
      rol: null,
      accion: 'surtidor.registro',
      objetivo: 'surtidor:9',
      resultado: 'denegado',
    });
    const live = await client.next('accion');
    expect(live.datos).toMatchObject({ usuario: 'surtidor:9', accion: 'surtidor.registro', resultado: 'denegado' });
    expect(live.datos).not.toHaveProperty('ip');
    expect(client.events.filter((e) => e.tipo === 'accion')).toHaveLength(1);
  });

  it('closes a client whose session ended with 4401', async () => {
    await setup({}, { sessionCheckMs: 50 });
    const client = await connect();
    await client.next('snapshot');
    const closed = new Promise<number>((resolve) => client.ws.once('close', (code) => resolve(code)));
    const principal = await h.auth.authenticate(token);
    if (!principal) throw new Error('no session');
    await h.auth.logout(principal, null);
    expect(await closed).toBe(CLOSE_SESSION_ENDED);
  });
});

describe('WebSocket bridge limits', () => {
  const port = () => (bridge.server.address() as AddressInfo).port;

  /** Opens a socket with these headers (and the test's session); resolves with how the handshake ended. */
  function handshake(
    headers: Record<string, string> = {},
  ): Promise<{ ws: WebSocket; status: number | 'open'; body: string }> {
    const ws = new WebSocket(`ws://127.0.0.1:${port()}/`, {
      headers: { authorization: `Bearer ${token}`, ...headers },
    });
    sockets.push(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve({ ws, status: 'open', body: '' }));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ ws, status: res.statusCode ?? 0, body }));
      });
      ws.once('error', reject);
    });
  }

  it('closes one client past --max-ws-clients with 1013 and a reason, and counts it', async () => {
    const metrics = new StationMetrics(new StationBus());
    await setup({}, { maxClients: 2, metrics });
    const first = await connect();
    await first.next('snapshot');
    await (await connect()).next('snapshot');
    const third = await handshake();
    expect(third.status).toBe('open');
    const [code, reason] = await new Promise<[number, string]>((resolve) =>
      third.ws.once('close', (c, r) => resolve([c, r.toString()])),
    );
    expect(code).toBe(CLOSE_TRY_AGAIN_LATER);
    expect(reason).toContain('máximo 2');
    expect(bridge.bridgeClients.size).toBe(2);
    expect(await metrics.registry.metrics()).toMatch(/estacion_clientes_ws_rechazados_total\{motivo="limite"\} 1/);
    // The first two keep working, and a freed slot is taken again.
    first.ws.close();
    await expect.poll(() => bridge.bridgeClients.size).toBe(1);
    expect((await handshake()).status).toBe('open');
  });

  it('refuses a browser page of another site with 403, counts it and logs a warning', async () => {
    const metrics = new StationMetrics(new StationBus());
    await setup({}, { metrics, allowedOrigins: ['https://panel.example.com'] });
    const evil = await handshake({ Origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body)).toMatchObject({ error: { codigo: 'ORIGEN_NO_PERMITIDO' } });
    expect(bridge.bridgeClients.size).toBe(0);
    expect(h.logs.some((l) => l.level === 40 && String(l.msg).includes('evil.example'))).toBe(true);
    expect(await metrics.registry.metrics()).toMatch(/estacion_clientes_ws_rechazados_total\{motivo="origen"\} 1/);
  });

  it('takes no Origin, the same hostname on another port, and the listed origins', async () => {
    await setup({}, { allowedOrigins: ['https://panel.example.com'] });
    expect((await handshake()).status).toBe('open');
    expect((await handshake({ Origin: 'http://127.0.0.1:8001' })).status).toBe('open');
    expect((await handshake({ Origin: 'https://panel.example.com' })).status).toBe('open');
    expect((await handshake({ Origin: 'http://panel.example.com' })).status).toBe(403);
  });
});
