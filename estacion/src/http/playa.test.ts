/**
 * POST /api/surtidores/comando over real sockets: a station on port 0 with a fake clock (the
 * deadline passes when the test says so), pumps connected over TCP that answer, stay silent or are
 * not connected, and REST calls with each role's session.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_ACTOR, type StationRole } from '@combustible/server';
import { FakeClock } from '@combustible/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Json, registro, TestPump } from '../hub/test-harness.js';
import type { RunningStation } from '../station.js';
import { startTestStation } from '../test-harness.js';
import { claveDe, USUARIOS } from './test-harness.js';

let s: RunningStation;
let clock: FakeClock;
let dataDir: string;
const sockets: net.Socket[] = [];
const tokens = {} as Record<StationRole, string>;

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'estacion-playa-'));
  clock = new FakeClock();
  ({ s } = await startTestStation({ dataDir, clock, flags: { forecourtCommandTimeout: 2 } }));
  for (const rol of ['lectura', 'operador', 'supervisor', 'admin'] as const) {
    const nombre = USUARIOS[rol];
    await s.auth.createUser(CLI_ACTOR, { nombre, rol, clave: claveDe(nombre) });
    tokens[rol] = (await s.auth.login(nombre, claveDe(nombre), '127.0.0.1')).token;
  }
});
afterEach(async () => {
  for (const c of sockets.splice(0)) c.destroy();
  await s.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A pump on the station's TCP port, registered. */
async function pump(id: number): Promise<TestPump> {
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const c = net.connect({ port: s.ports.pump, host: '127.0.0.1' }, () => resolve(c));
    c.once('error', reject);
  });
  sockets.push(socket);
  const p = new TestPump(socket);
  p.send(registro(id));
  await p.next('registro_confirmado');
  return p;
}

/** The pump answers `cmd` with `resultado`. */
function reply(p: TestPump, id: number, cmd: Json, resultado = 'ok'): void {
  p.send({ tipo: 'comando_ejecutado', id_surtidor: id, id_comando: cmd.id_comando, resultado });
}

/** Answers the next `comando` it gets with `resultado`; resolves with that command. */
async function answer(p: TestPump, id: number, resultado = 'ok'): Promise<Json> {
  const cmd = await p.next('comando');
  reply(p, id, cmd, resultado);
  return cmd;
}

function forecourt(body: Json, rol: StationRole | null = 'supervisor') {
  return fetch(`http://127.0.0.1:${s.ports.api}/api/surtidores/comando`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(rol === null ? {} : { authorization: `Bearer ${tokens[rol]}` }),
    },
    body: JSON.stringify(body),
  });
}

/** Resolves once the station took every answer sent to it (nothing pending for these pumps). */
async function taken(...ids: number[]): Promise<void> {
  for (const id of ids) await expect.poll(() => s.hub.commands.countFor(id)).toBe(0);
}

/** Advances the fake clock once every connected pump has been sent its command. */
async function deadlinePasses(silent: TestPump[], ms: number): Promise<void> {
  for (const p of silent) await p.next('comando');
  clock.advance(ms);
}

describe('POST /api/surtidores/comando', () => {
  it('sends to every connected pump and reports ejecutado, sin_respuesta and no_conectado', async () => {
    const [p1, p2, p3] = [await pump(1), await pump(2), await pump(3)];
    // Pump 4 is configured but not connected.
    await s.service.createPump({ nombre: 'Apagado', combustibles_soportados: ['95'] });
    const pending = forecourt({ comando: 'pausar', razon: 'corte de luz' }, 'operador');
    const [c1] = await Promise.all([answer(p1, 1), answer(p2, 2, 'rechazado'), deadlinePasses([p3], 0)]);
    expect(c1).toMatchObject({ tipo: 'comando', comando: 'pausar', razon: 'corte de luz' });
    await taken(1, 2);
    clock.advance(2000);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      comando: 'pausar',
      plazo_ms: 2000,
      ms: 2000,
      totales: { surtidores: 4, ejecutado: 2, sin_respuesta: 1, no_conectado: 1 },
      surtidores: [
        { id_surtidor: 1, estado: 'ejecutado', ms: 0, resultado: 'ok' },
        { id_surtidor: 2, estado: 'ejecutado', ms: 0, resultado: 'rechazado' },
        { id_surtidor: 3, estado: 'sin_respuesta' },
        { id_surtidor: 4, estado: 'no_conectado' },
      ],
    });
    // Who paused it goes on the card of the pump that did it, and only there.
    expect(s.service.live.get(1)?.pausado_por).toMatchObject({
      usuario: USUARIOS.operador,
      comando: 'pausar',
      razon: 'corte de luz',
    });
    expect(s.service.live.get(2)?.pausado_por).toBeNull();
    expect(s.service.live.get(3)?.pausado_por).toBeNull();

    // Audited once, with who, what, why and the counts.
    await s.audit.flush();
    const entries = (await s.audit.list({ accion: 'surtidor.comando_playa', limit: 10, skip: 0 })).items;
    expect(entries).toEqual([
      expect.objectContaining({
        usuario: USUARIOS.operador,
        rol: 'operador',
        objetivo: 'playa',
        resultado: 'error',
        detalles: {
          comando: 'pausar',
          razon: 'corte de luz',
          plazo_ms: 2000,
          ms: 2000,
          surtidores: 4,
          ejecutado: 2,
          sin_respuesta: 1,
          no_conectado: 1,
          sin_ejecutar: [2, 3],
        },
      }),
    ]);
    expect((await s.audit.list({ accion: 'surtidor.comando', limit: 10, skip: 0 })).total).toBe(0);

    const metrics = await s.metrics.registry.metrics();
    expect(metrics).toMatch(/estacion_comando_playa_surtidores_total\{estado="sin_respuesta"\} 1/);
    expect(metrics).toMatch(/estacion_comando_playa_surtidores_total\{estado="ejecutado"\} 2/);
    expect(metrics).toMatch(/estacion_comando_playa_segundos_count\{comando="pausar"\} 1/);
  });

  it('answers as soon as every pump answered, with each one’s time, and a plazo_ms within the bound', async () => {
    const [p1, p2] = [await pump(1), await pump(2)];
    const pending = forecourt({ comando: 'detener_emergencia', razon: 'fuga', plazo_ms: 500 });
    const c1 = await p1.next('comando');
    const c2 = await p2.next('comando');
    clock.advance(30);
    reply(p1, 1, c1);
    // The first answer was taken before the clock moves again (its ms is 30, not 60).
    await taken(1);
    clock.advance(30);
    reply(p2, 2, c2);
    const body = (await (await pending).json()) as Json;
    expect(body).toMatchObject({
      comando: 'detener_emergencia',
      plazo_ms: 500,
      ms: 60,
      totales: { surtidores: 2, ejecutado: 2, sin_respuesta: 0, no_conectado: 0 },
      surtidores: [
        { id_surtidor: 1, estado: 'ejecutado', ms: 30, resultado: 'ok' },
        { id_surtidor: 2, estado: 'ejecutado', ms: 60, resultado: 'ok' },
      ],
    });
    expect(s.service.live.get(2)?.pausado_por).toMatchObject({ comando: 'detener_emergencia', razon: 'fuga' });

    // Asking for more than --forecourt-command-timeout gets the bound.
    const longer = forecourt({ comando: 'reanudar', razon: 'listo', plazo_ms: 60_000 });
    await deadlinePasses([p1, p2], 2000);
    expect(await (await longer).json()).toMatchObject({ plazo_ms: 2000, totales: { sin_respuesta: 2 } });
  });

  it('refuses a second forecourt command while one waits (409 COMANDO_PLAYA_EN_CURSO), audited', async () => {
    const p1 = await pump(1);
    const first = forecourt({ comando: 'pausar', razon: 'uno' });
    const cmd = await p1.next('comando');
    const second = await forecourt({ comando: 'pausar', razon: 'dos' });
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({
      error: { codigo: 'COMANDO_PLAYA_EN_CURSO', mensaje: expect.stringContaining('ya hay un comando') },
    });
    // A command to one pump is not held up by it.
    const single = fetch(`http://127.0.0.1:${s.ports.api}/api/surtidores/1/comando`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.operador}` },
      body: JSON.stringify({ comando: 'reanudar', razon: 'x' }),
    });
    await answer(p1, 1);
    reply(p1, 1, cmd);
    expect((await first).status).toBe(200);
    expect((await single).status).toBe(200);
    // Once it answered, the next one goes through.
    const third = forecourt({ comando: 'reanudar', razon: 'tres' });
    await answer(p1, 1);
    expect((await third).status).toBe(200);
    await s.audit.flush();
    const entries = (await s.audit.list({ accion: 'surtidor.comando_playa', limit: 10, skip: 0 })).items;
    expect(entries.map((e) => [e.resultado, e.detalles?.razon, e.detalles?.codigo ?? null])).toEqual([
      ['ok', 'tres', null],
      ['ok', 'uno', null],
      ['denegado', 'dos', 'COMANDO_PLAYA_EN_CURSO'],
    ]);
  });

  it('needs a session, operador, and supervisor for detener_emergencia', async () => {
    await pump(1);
    expect((await forecourt({ comando: 'pausar', razon: 'x' }, null)).status).toBe(401);
    expect((await forecourt({ comando: 'pausar', razon: 'x' }, 'lectura')).status).toBe(403);
    const stop = await forecourt({ comando: 'detener_emergencia', razon: 'x' }, 'operador');
    expect(stop.status).toBe(403);
    expect(await stop.json()).toMatchObject({ error: { codigo: 'SIN_PERMISO' } });
  });

  it('validates the body: comando, razon and plazo_ms', async () => {
    for (const body of [
      {},
      { comando: 'apagar', razon: 'x' },
      { comando: 'pausar' },
      { comando: 'pausar', razon: '   ' },
      { comando: 'pausar', razon: 'x'.repeat(501) },
      { comando: 'pausar', razon: 'x', plazo_ms: 0 },
      { comando: 'pausar', razon: 'x', plazo_ms: 1.5 },
      { comando: 'pausar', razon: 'x', plazo_ms: 60_001 },
      { comando: 'pausar', razon: 'x', plazo_ms: '100' },
    ]) {
      const res = await forecourt(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ error: { codigo: 'VALIDACION' } });
    }
  });

  it('with no pump connected answers at once, every known pump no_conectado', async () => {
    await s.service.createPump({ nombre: 'A', combustibles_soportados: ['95'] });
    const res = await forecourt({ comando: 'pausar', razon: 'x' });
    expect(await res.json()).toMatchObject({
      ms: 0,
      totales: { surtidores: 1, ejecutado: 0, sin_respuesta: 0, no_conectado: 1 },
      surtidores: [{ id_surtidor: 1, estado: 'no_conectado' }],
    });
  });

  it('reports a pump that disconnects while it waits as sin_respuesta with SURTIDOR_DESCONECTADO', async () => {
    const [p1, p2] = [await pump(1), await pump(2)];
    const pending = forecourt({ comando: 'pausar', razon: 'x' });
    await answer(p1, 1);
    await p2.next('comando');
    p2.stream.destroy();
    const body = (await (await pending).json()) as { surtidores: Json[] };
    expect(body.surtidores).toEqual([
      { id_surtidor: 1, estado: 'ejecutado', ms: 0, resultado: 'ok' },
      { id_surtidor: 2, estado: 'sin_respuesta', codigo: 'SURTIDOR_DESCONECTADO' },
    ]);
  });
});
