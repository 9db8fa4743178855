import net from 'node:net';
import { createLogger, encodeMessage, PRECIOS_POR_DEFECTO, type StationToCompany } from '@combustible/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { siguienteVersion, versionInicial } from '../domain/price-book.js';
import type { EstadoEstacion, VersionPrecios } from '../domain/types.js';
import { StationLink, type StationLinkDeps } from './station-link.js';
import { FakeStation } from './test-harness.js';

/** One line from the station. */
const wire = (m: StationToCompany) => encodeMessage(m);

const log = createLogger({ name: 'test', level: 'silent' });
const stations: FakeStation[] = [];
const links: StationLink[] = [];

afterEach(async () => {
  for (const l of links.splice(0)) l.close();
  await Promise.all(stations.splice(0).map((s) => s.close()));
});

async function station(o: Parameters<typeof FakeStation.start>[0] = {}, port = 0): Promise<FakeStation> {
  const s = await FakeStation.start(o, port);
  stations.push(s);
  return s;
}

/** A price book the test moves forward by hand. */
function book(version = 1) {
  let current = versionInicial('2026-01-15T14:30:00.000Z');
  const bump = (): VersionPrecios => {
    const next = siguienteVersion(current, { precio_95: current.precios.precio_95 + 10 }, { autor: 't', at: 'T' });
    if (!next) throw new Error('no change');
    current = next;
    return current;
  };
  while (current.version < version) bump();
  return { newest: () => current, bump };
}

function link(port: number, newest: () => VersionPrecios, over: Partial<StationLinkDeps> = {}): StationLink {
  const l = new StationLink({
    id: 'e1',
    host: '127.0.0.1',
    puerto: port,
    newest,
    empresa: { nombre: 'Empresa de prueba' },
    log,
    options: {
      pingIntervalMs: 5000,
      pingTimeoutMs: 5000,
      handshakeTimeoutMs: 2000,
      resendDelayMs: 50,
      backoff: { baseMs: 20, maxMs: 100 },
    },
    ...over,
  });
  links.push(l);
  l.start();
  return l;
}

/** Resolves once the link's status matches (now or on a later change). */
function until(l: StationLink, match: (s: EstadoEstacion) => boolean, timeoutMs = 5000): Promise<EstadoEstacion> {
  if (match(l.status)) return Promise.resolve(l.status);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      l.off('status', listener);
      reject(new Error(`status never matched; last: ${JSON.stringify(l.status)}`));
    }, timeoutMs);
    const listener = (s: EstadoEstacion) => {
      if (!match(s)) return;
      clearTimeout(timer);
      l.off('status', listener);
      resolve(s);
    };
    l.on('status', listener);
  });
}

/** Resolves once `check()` holds, re-checking on every `event` of `emitter`. */
function when(emitter: NodeJS.EventEmitter, event: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`"${event}": condition never held`));
    }, timeoutMs);
    const listener = () => {
      if (!check()) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve();
    };
    emitter.on(event, listener);
  });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('StationLink handshake', () => {
  it('reads estacion_info and sends the newest version to a station that is behind', async () => {
    const s = await station({ id: 'estacion-7', nombre: 'Siete', version: 0 });
    const b = book(3);
    const l = link(s.port, b.newest);
    const info = new Promise((r) => l.once('info', r));
    const status = await until(l, (x) => x.estado === 'sincronizado');
    expect(await info).toMatchObject({ id_estacion: 'estacion-7', version_precios: 0 });
    expect(s.of('actualizacion_precios')).toEqual([
      {
        tipo: 'actualizacion_precios',
        version: 3,
        precios: b.newest().precios,
        timestamp: expect.any(String),
      },
    ]);
    expect(s.version).toBe(3);
    expect(status).toMatchObject({
      conectada: true,
      version_confirmada: 3,
      version_informada: 0,
      id_informado: 'estacion-7',
      nombre_informado: 'Siete',
      ultimo_error: null,
    });
    expect(status.ultimo_contacto).not.toBeNull();
    expect(s.of('autenticacion')).toEqual([]); // no token configured: no autenticacion
  });

  it('sends nothing to a station that already holds the newest version', async () => {
    const same = await station({ version: 3 });
    const b = book(3);
    const l1 = link(same.port, b.newest);
    await until(l1, (x) => x.estado === 'sincronizado');
    expect(same.of('actualizacion_precios')).toEqual([]);
    expect(l1.status).toMatchObject({ version_confirmada: 3, anomalia: null });
  });

  it('a station that says it holds a version the company never made: anomaly, never synced, never confirmed, sent the newest', async () => {
    const ahead = await station({ version: 5 });
    const b = book(3);
    const l2 = link(ahead.port, b.newest);
    const anomalias: unknown[] = [];
    const acks: number[] = [];
    l2.on('anomalia', (a) => anomalias.push(a));
    l2.on('ack', (v) => acks.push(v));
    const states: string[] = [];
    l2.on('status', (x) => states.push(x.estado));
    // The company keeps sending its own newest: the station ignores it by its rule and says 5 again.
    await ahead.next((m) => m.tipo === 'actualizacion_precios');
    await until(l2, (x) => x.anomalia !== null && x.estado === 'sincronizando');
    expect(ahead.of('actualizacion_precios').map((m) => m.version)).toEqual([3]);
    expect(ahead.version).toBe(5);
    expect(l2.status).toMatchObject({
      version_informada: 5,
      version_confirmada: null,
      anomalia: { codigo: 'VERSION_DESCONOCIDA', version_reportada: 5, version_empresa: 3, desde: expect.any(String) },
    });
    expect(states).not.toContain('sincronizado');
    expect(acks).toEqual([]);
    expect(anomalias).toHaveLength(1);
  });
  it('drops a connection that never says estacion_info and tries again', async () => {
    const s = await station({ silent: true });
    const l = link(s.port, book().newest, {
      options: { handshakeTimeoutMs: 100, backoff: { baseMs: 10, maxMs: 20 } },
    });
    await until(l, (x) => x.ultimo_error?.includes('estacion_info') === true && !x.conectada);
    await when(s, 'connection', () => s.connections >= 2);
  });
});

describe('StationLink: scheduled versions and cancellations', () => {
  /** A book whose newest may be scheduled, and cancelled back to the one before. */
  function scheduledBook() {
    const v1 = versionInicial('2026-01-15T14:30:00.000Z');
    const at = { autor: 't', at: 'T' };
    const v2 = siguienteVersion(v1, { precio_95: 1360 }, { ...at, vigencia: '2026-01-16T08:00:00.000Z' });
    if (!v2) throw new Error('no change');
    let current: VersionPrecios = v2;
    return {
      v1,
      v2,
      newest: () => current,
      ultima: () => 2,
      cancel: () => {
        current = v1;
      },
    };
  }

  it('delivers a scheduled version with its vigencia; the station acknowledges it and the link is synced', async () => {
    const s = await station({ version: 1 });
    const b = scheduledBook();
    const l = link(s.port, b.newest, { ultima: b.ultima });
    await until(l, (x) => x.estado === 'sincronizado' && x.version_confirmada === 2);
    expect(s.of('actualizacion_precios')).toEqual([
      expect.objectContaining({ version: 2, vigencia: '2026-01-16T08:00:00.000Z' }),
    ]);
    expect(s.programada).toBe(2);
  });

  it('tells a connected station of a cancellation; it answers and holds the version before', async () => {
    const s = await station({ version: 1 });
    const b = scheduledBook();
    const l = link(s.port, b.newest, { ultima: b.ultima });
    await until(l, (x) => x.estado === 'sincronizado' && x.version_confirmada === 2);
    const answer = new Promise((r) => l.once('cancelacion', r));
    b.cancel();
    l.cancel(2);
    expect(await answer).toEqual({ version: 2, resultado: 'cancelada' });
    expect(s.programada).toBeNull();
    // The confirmed version goes down to what it holds: the cancelled one is gone there.
    expect(await until(l, (x) => x.estado === 'sincronizado')).toMatchObject({
      ultimo_error: null,
      anomalia: null,
      version_confirmada: 1,
    });
  });

  it('catches up a station that was offline: on its handshake it learns the cancellation of what it holds', async () => {
    const s = await station({ version: 1, programada: 2 });
    const b = scheduledBook();
    b.cancel();
    const l = link(s.port, b.newest, { ultima: b.ultima });
    const answer = new Promise((r) => l.once('cancelacion', r));
    expect(await answer).toEqual({ version: 2, resultado: 'cancelada' });
    expect(s.of('cancelacion_precios')).toEqual([expect.objectContaining({ version: 2 })]);
    expect(s.of('actualizacion_precios')).toEqual([]); // it already holds version 1
    expect(await until(l, (x) => x.estado === 'sincronizado')).toMatchObject({ anomalia: null });
    expect(s.programada).toBeNull();
  });

  it('shows a station that had already applied the cancelled version (clock skew), never as an anomaly', async () => {
    const s = await station({ version: 2 });
    const b = scheduledBook();
    b.cancel();
    const l = link(s.port, b.newest, { ultima: b.ultima });
    const answer = new Promise((r) => l.once('cancelacion', r));
    expect(await answer).toEqual({ version: 2, resultado: 'ya_aplicada' });
    const status = await until(l, (x) => x.ultimo_error !== null);
    expect(status.ultimo_error).toMatch(/ya aplicó la versión 2, cancelada/);
    expect(status.anomalia).toBeNull();
  });
});

describe('StationLink authentication', () => {
  it('sends autenticacion with the company name and token, then the prices', async () => {
    const s = await station({ token: 'secreto', version: 0 });
    const l = link(s.port, book(2).newest, { empresa: { nombre: 'Combustibles del Sur', token: 'secreto' } });
    await until(l, (x) => x.estado === 'sincronizado');
    expect(s.received[0]).toEqual({
      tipo: 'autenticacion',
      empresa: 'Combustibles del Sur',
      token: 'secreto',
    });
    expect(s.version).toBe(2);
  });

  it('is refused with a wrong token: records AUTENTICACION_FALLIDA, never syncs, keeps retrying', async () => {
    const s = await station({ token: 'secreto', version: 0 });
    const l = link(s.port, book(2).newest, { empresa: { nombre: 'E', token: 'malo' } });
    const states: string[] = [];
    l.on('status', (x) => states.push(x.estado));
    const status = await until(l, (x) => x.ultimo_error?.startsWith('AUTENTICACION_FALLIDA') === true);
    expect(status.ultimo_error).toMatch(/token/);
    await when(s, 'connection', () => s.connections >= 2);
    expect(s.version).toBe(0);
    expect(states).not.toContain('sincronizado');
    expect(l.status.version_confirmada).toBe(0); // what estacion_info told, never an ack
  });

  it('never pings a station before autenticacion, even when estacion_info comes late', async () => {
    const s = await station({ token: 'secreto', version: 0, infoDelayMs: 100 });
    const l = link(s.port, book(1).newest, {
      empresa: { nombre: 'E', token: 'secreto' },
      options: { pingIntervalMs: 10, pingTimeoutMs: 1000 },
    });
    await until(l, (x) => x.estado === 'sincronizado');
    expect(s.received[0]?.tipo).toBe('autenticacion');
    expect(s.connections).toBe(1);
  });

  it('waits for proof of authentication before calling an up-to-date station synced', async () => {
    const s = await station({ token: 'secreto', version: 4 });
    const l = link(s.port, book(4).newest, { empresa: { nombre: 'E', token: 'secreto' } });
    await until(l, (x) => x.estado === 'sincronizado');
    expect(s.of('ping').length).toBeGreaterThanOrEqual(1);
    expect(s.of('actualizacion_precios')).toEqual([]);
  });
});

describe('StationLink price changes', () => {
  it('pushes each new version to a synced station; versions reach it in order', async () => {
    const s = await station({ version: 0 });
    const b = book(1);
    const l = link(s.port, b.newest);
    await until(l, (x) => x.estado === 'sincronizado' && x.version_confirmada === 1);
    b.bump();
    l.push();
    b.bump();
    l.push();
    await until(l, (x) => x.version_confirmada === 3 && x.estado === 'sincronizado');
    expect(s.of('actualizacion_precios').map((m) => m.version)).toEqual([1, 2, 3]);
    l.push(); // nothing new: nothing sent
    expect(s.of('actualizacion_precios')).toHaveLength(3);
  });

  it('keeps the highest ack: stale, repeated and out-of-order acks never lower it', async () => {
    const s = await station({ version: 0, ack: false });
    const b = book(3);
    const connected = s.nextConnection();
    const l = link(s.port, b.newest);
    const socket = await connected;
    await s.next((m) => m.tipo === 'actualizacion_precios');
    const acks: number[] = [];
    l.on('ack', (v) => acks.push(v));
    for (const version of [3, 2, 3, 1]) socket.write(wire({ tipo: 'precios_recibidos', version }));
    await when(l, 'ack', () => acks.length === 4);
    expect(l.status).toMatchObject({ version_confirmada: 3, estado: 'sincronizado' });
  });

  it('catches up a station that was down during two changes with the newest version only', async () => {
    const port = await freePort();
    const b = book(1);
    const l = link(port, b.newest);
    await until(l, (x) => x.ultimo_error?.startsWith('sin conexión') === true && !x.conectada);
    b.bump();
    l.push();
    b.bump();
    l.push();
    const s = await station({ version: 1 }, port);
    await until(l, (x) => x.estado === 'sincronizado' && x.version_confirmada === 3);
    expect(s.of('actualizacion_precios').map((m) => m.version)).toEqual([3]);
    expect(l.status.ultimo_error).toBeNull();
  });

  it('resends after the station reports ERROR_INTERNO', async () => {
    const s = await station({ version: 0, ack: false });
    const connected = s.nextConnection();
    const l = link(s.port, book(2).newest);
    const socket = await connected;
    await s.next((m) => m.tipo === 'actualizacion_precios');
    socket.write(wire({ tipo: 'error', codigo: 'ERROR_INTERNO', mensaje: 'disco lleno' }));
    await until(l, (x) => x.ultimo_error === 'ERROR_INTERNO: disco lleno');
    await s.next((m) => m.tipo === 'actualizacion_precios');
    socket.write(wire({ tipo: 'precios_recibidos', version: 2 }));
    await until(l, (x) => x.estado === 'sincronizado');
    expect(s.of('actualizacion_precios')).toHaveLength(2);
  });
});

describe('StationLink: versions a station reports are judged, never believed', () => {
  it('huge acks (10^9, 2^53 − 1) after a sync: an anomaly, the confirmed version stays, no ack passed on', async () => {
    const s = await station({ version: 0, ack: false });
    const b = book(2);
    const connected = s.nextConnection();
    const l = link(s.port, b.newest);
    const socket = await connected;
    await s.next((m) => m.tipo === 'actualizacion_precios');
    const acks: number[] = [];
    l.on('ack', (v) => acks.push(v));
    socket.write(wire({ tipo: 'precios_recibidos', version: 2 }));
    await until(l, (x) => x.estado === 'sincronizado' && x.version_confirmada === 2);
    for (const version of [1_000_000_000, 2 ** 53 - 1]) socket.write(wire({ tipo: 'precios_recibidos', version }));
    const status = await until(l, (x) => x.anomalia?.version_reportada === 2 ** 53 - 1);
    expect(status).toMatchObject({ version_confirmada: 2, estado: 'sincronizando' });
    expect(status.anomalia).toMatchObject({ codigo: 'VERSION_DESCONOCIDA', version_empresa: 2 });
    expect(acks).toEqual([2]);
    // The company's next version is still its own, sent and applied as usual.
    b.bump();
    l.push();
    const sent = await s.next((m) => m.tipo === 'actualizacion_precios');
    expect(sent).toMatchObject({ version: 3 });
    socket.write(wire({ tipo: 'precios_recibidos', version: 3 }));
    await until(l, (x) => x.anomalia === null && x.estado === 'sincronizado' && x.version_confirmada === 3);
    expect(acks).toEqual([2, 3]);
  });

  it('the anomaly stays until the station reports a version the company made, also across reconnections', async () => {
    const s = await station({ version: 5 });
    const b = book(3);
    const l = link(s.port, b.newest, { options: { backoff: { baseMs: 10, maxMs: 20 } } });
    await until(l, (x) => x.anomalia?.version_reportada === 5);
    // The company reaches 5 on its own: the station still holds its own 5, not the company's.
    b.bump();
    l.push();
    b.bump();
    l.push();
    await s.next((m) => m.tipo === 'actualizacion_precios' && m.version === 5);
    await until(l, (x) => x.anomalia?.version_empresa === 5);
    expect(l.status).toMatchObject({ version_confirmada: null, anomalia: { version_reportada: 5 } });
    s.dropAll();
    await until(l, (x) => !x.conectada);
    await until(l, (x) => x.conectada && x.version_informada === 5);
    expect(l.status.anomalia).toMatchObject({ version_reportada: 5 });
    // Version 6 is the first it applies: from then on it holds what the company made.
    b.bump();
    l.push();
    await until(l, (x) => x.anomalia === null && x.estado === 'sincronizado' && x.version_confirmada === 6);
    expect(s.version).toBe(6);
  });

  it('a station reset to a known version clears the anomaly at its next estacion_info', async () => {
    const s = await station({ version: 2 ** 53 - 1 });
    const b = book(2);
    const l = link(s.port, b.newest, { options: { backoff: { baseMs: 10, maxMs: 20 } } });
    await until(l, (x) => x.anomalia !== null);
    s.version = 1;
    s.dropAll();
    await until(l, (x) => x.anomalia === null && x.estado === 'sincronizado' && x.version_confirmada === 2);
  });
});

describe('StationLink liveness and bad input', () => {
  it('pings and stays up while the station answers', async () => {
    const s = await station({ version: 1 });
    const l = link(s.port, book(1).newest, { options: { pingIntervalMs: 20, pingTimeoutMs: 2000 } });
    await until(l, (x) => x.estado === 'sincronizado');
    for (let i = 0; i < 3; i++) await s.next((m) => m.tipo === 'ping');
    expect(s.connections).toBe(1);
    expect(l.status.conectada).toBe(true);
  });

  it('drops a link whose station stops answering pings, then reconnects', async () => {
    const s = await station({ version: 1, pong: false });
    const l = link(s.port, book(1).newest, {
      options: { pingIntervalMs: 30, pingTimeoutMs: 60, backoff: { baseMs: 10, maxMs: 20 } },
    });
    await until(l, (x) => x.ultimo_error?.includes('ping') === true && !x.conectada);
    await when(s, 'connection', () => s.connections >= 2);
  });

  it('answers a ping from the station and a bad line with an error', async () => {
    const s = await station({ version: 1 });
    const connected = s.nextConnection();
    const l = link(s.port, book(1).newest);
    const socket = await connected;
    await until(l, (x) => x.estado === 'sincronizado');
    const lines: string[] = [];
    socket.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
    socket.write('{"tipo":"ping"}\nhola\n{"tipo":"desconocido"}\n');
    await when(socket, 'data', () => lines.length >= 3);
    const replies = lines.map((x) => JSON.parse(x) as { tipo: string; codigo?: string });
    expect(replies).toEqual([
      expect.objectContaining({ tipo: 'pong' }),
      expect.objectContaining({ tipo: 'error', codigo: 'JSON_INVALIDO' }),
      expect.objectContaining({ tipo: 'error', codigo: 'TIPO_DESCONOCIDO' }),
    ]);
    expect(l.status.conectada).toBe(true);
  });

  it('stops for good on close()', async () => {
    const s = await station({ version: 0 });
    const l = link(s.port, book(1).newest);
    await until(l, (x) => x.estado === 'sincronizado');
    const closed = new Promise((r) => s.once('closed', () => r(undefined)));
    l.close();
    expect(l.status).toMatchObject({ estado: 'detenido', conectada: false });
    await closed;
    expect(s.connections).toBe(1);
    expect(PRECIOS_POR_DEFECTO.precio_95).toBe(1350);
  });
});

describe('logs', () => {
  it('name the station (host:puerto) on every line of the link', async () => {
    const s = await station();
    const lines: Record<string, unknown>[] = [];
    const capture = createLogger({
      name: 'test',
      level: 'debug',
      destination: { write: (msg: string) => void lines.push(JSON.parse(msg) as Record<string, unknown>) },
    });
    const l = link(s.port, book().newest, { log: capture });
    await until(l, (st) => st.estado === 'sincronizado');
    const mine = lines.filter((x) => x.msg === 'conectado con la estación' || x.msg === 'estacion_info recibido');
    expect(mine).toHaveLength(2);
    for (const x of mine) expect(x.estacion).toBe(`127.0.0.1:${s.port}`);
  });
});
