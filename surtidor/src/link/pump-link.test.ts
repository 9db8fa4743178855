import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PRECIOS_POR_DEFECTO, type TransaccionCompletada } from '@combustible/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { Pump } from '../domain/pump.js';
import type { AuthorizationOptions, PriceVersion } from '../domain/types.js';
import { Outbox } from '../outbox/outbox.js';
import { FakeClock, FakeNetwork, memoryLogger, pumpConfig, scripted, settle } from '../test-support.js';
import { emptyCounters } from './counters.js';
import { type LinkOptions, PumpLink } from './pump-link.js';

const V0: PriceVersion = { version: 0, precios: PRECIOS_POR_DEFECTO };
const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function venta(seq: number, inst: string): TransaccionCompletada {
  return {
    tipo: 'transaccion_completada',
    id_surtidor: 7,
    id_transaccion: `7-${inst}-${seq}`,
    tipo_combustible: '95',
    litros: 10,
    precio_por_litro: 1350,
    monto_total: 13_500,
    metodo_pago: 'efectivo',
    fecha_inicio: '2026-01-15T14:00:00.000Z',
    fecha_fin: '2026-01-15T14:00:10.000Z',
    estado: 'completada',
    secuencia: seq,
    version_precios: 0,
    totalizador_inicio: (seq - 1) * 10,
    totalizador_fin: seq * 10,
  };
}

async function setup(
  opts: {
    pending?: number;
    options?: Partial<LinkOptions>;
    random?: number[];
    authorization?: AuthorizationOptions;
  } = {},
) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'link-test-'));
  dirs.push(dir);
  const { log, lines } = memoryLogger();
  const outbox = await Outbox.open({ dir, log });
  const book = outbox.book(7);
  for (let s = 1; s <= (opts.pending ?? 0); s++) outbox.recordSale(venta(s, book.instancia));
  await outbox.flush();
  const clock = new FakeClock();
  const network = new FakeNetwork();
  const fatal: Error[] = [];
  const counters = emptyCounters();
  let link!: PumpLink;
  const pump = new Pump(pumpConfig(), book.memory(V0), {
    clock,
    random: scripted(opts.random ?? [], 0.999_999), // by default no customer for a long while: the test makes the sales
    sink: {
      send: (m) => link.live(m),
      sale: (tx) => outbox.recordSale(tx),
      pricesApplied: (p) => outbox.savePrices(7, p),
    },
    timing: { speed: 1, meanIntervalMs: 60_000, estadoIntervalMs: 2000 },
    ...(opts.authorization ? { authorization: opts.authorization } : {}),
  });
  link = new PumpLink({
    pump,
    book,
    outbox,
    dial: network.dial,
    clock,
    pumpClock: clock,
    random: () => 0.5,
    log,
    chaos: null,
    counters,
    onFatal: (e) => fatal.push(e),
    options: {
      token: undefined,
      version: 'sim-test',
      window: 32,
      resendAfterMs: 10_000,
      maxSalesPerSecond: 1000,
      heartbeatIntervalMs: 30_000,
      registrationTimeoutMs: 15_000,
      backoff: { baseMs: 100, maxMs: 1000 },
      ...opts.options,
    },
  });
  outbox.onDurable = () => link.pumpOutgoing();
  cleanups.push(async () => {
    link.stop();
    await outbox.close();
  });
  /** Advances time and runs the shared tick, as the fleet does. */
  const tick = (ms = 0) => {
    clock.advance(ms);
    link.tick(clock.now());
  };
  const ids = (m: Record<string, unknown>[]) => m.map((x) => x.id_transaccion);
  return { link, pump, outbox, book, clock, network, fatal, counters, lines, tick, ids };
}

const confirmado = (version_precios: number, precio_95 = 1400) => ({
  tipo: 'registro_confirmado',
  id_surtidor: 7,
  mensaje: 'ok',
  precios: { ...PRECIOS_POR_DEFECTO, precio_95 },
  version_precios,
});

describe('PumpLink', () => {
  it('registers, adopts the prices, reports its state, then replays the outbox in order within the window', async () => {
    const t = await setup({ pending: 5, options: { window: 3, token: 'secreto' } });
    const inst = t.book.instancia;
    t.link.start();
    const station = await t.network.connection(0);
    expect(await station.next('registro')).toEqual({
      tipo: 'registro',
      id_surtidor: 7,
      nombre: 'Surtidor 7',
      combustibles_soportados: ['95'],
      version: 'sim-test',
      combustible_actual: '95',
      capacidades: ['autorizacion'],
      token: 'secreto',
    });
    t.pump.requestState(); // not registered yet: nothing goes out
    await settle();
    expect(station.received).toHaveLength(1);
    station.send(confirmado(3));
    await station.count('transaccion_completada', 3);
    await settle();
    expect(station.received.map((m) => m.tipo)).toEqual([
      'registro',
      'precios_aplicados',
      'estado',
      'transaccion_completada',
      'transaccion_completada',
      'transaccion_completada',
    ]);
    expect(station.of('precios_aplicados')).toEqual([{ tipo: 'precios_aplicados', id_surtidor: 7, version: 3 }]);
    expect(t.pump.priceVersion.precios.precio_95).toBe(1400);
    expect(t.ids(station.of('transaccion_completada'))).toEqual([1, 2, 3].map((s) => `7-${inst}-${s}`));

    station.send({ tipo: 'transaccion_confirmada', id_transaccion: `7-${inst}-2`, duplicada: false });
    await settle();
    t.tick(10); // sales are paced (maxSalesPerSecond): time must pass for the next one
    await station.count('transaccion_completada', 4);
    expect(t.ids(station.of('transaccion_completada')).at(-1)).toBe(`7-${inst}-4`);
    for (const s of [1, 3, 4]) {
      station.send({ tipo: 'transaccion_confirmada', id_transaccion: `7-${inst}-${s}`, duplicada: s === 1 });
    }
    await settle();
    t.tick(10);
    await station.count('transaccion_completada', 5);
    station.send({ tipo: 'transaccion_confirmada', id_transaccion: `7-${inst}-5`, duplicada: false });
    await t.outbox.flush();
    await settle();
    expect(t.ids(station.of('transaccion_completada'))).toEqual([1, 2, 3, 4, 5].map((s) => `7-${inst}-${s}`));
    expect(t.outbox.pending).toBe(0);
    expect(t.counters).toMatchObject({ confirmadas: 5, duplicadas: 1 });
  });

  it('drops a sale the station kept as a conflict (conflicto: true), warns and counts it', async () => {
    const t = await setup({ pending: 2 });
    const inst = t.book.instancia;
    t.link.start();
    const station = await t.network.connection(0);
    await station.next('registro');
    station.send(confirmado(0));
    await station.count('transaccion_completada', 2);
    station.send({
      tipo: 'transaccion_confirmada',
      id_transaccion: `7-${inst}-1`,
      duplicada: false,
      conflicto: true,
    });
    station.send({ tipo: 'transaccion_confirmada', id_transaccion: `7-${inst}-2`, duplicada: false });
    await t.outbox.flush();
    await settle();
    expect(t.outbox.pending).toBe(0);
    expect(t.counters).toMatchObject({ confirmadas: 2, duplicadas: 0, conflictos: 1 });
    const warning = t.lines.find((l) => l.level === 40 && l.id_transaccion === `7-${inst}-1`);
    expect(warning?.msg).toMatch(/conflicto/);
    // Nothing is resent: the station keeps it durably.
    t.tick(60_000);
    await settle();
    expect(station.of('transaccion_completada')).toHaveLength(2);
  });

  it('resends a sale that is not confirmed in time, sooner after ERROR_INTERNO', async () => {
    const t = await setup({ pending: 1 });
    t.link.start();
    const station = await t.network.connection(0);
    await station.next('registro');
    station.send(confirmado(0));
    await station.next('transaccion_completada');
    t.tick(9999);
    await settle();
    expect(station.of('transaccion_completada')).toHaveLength(1);
    t.tick(1);
    await station.next('transaccion_completada');
    expect(t.counters.reenvios).toBe(1);
    station.send({ tipo: 'error', codigo: 'ERROR_INTERNO', mensaje: 'disco lleno' });
    await settle();
    t.tick(999);
    await settle();
    expect(station.of('transaccion_completada')).toHaveLength(2);
    t.tick(1);
    await station.next('transaccion_completada');
    expect(t.counters.errores).toEqual({ ERROR_INTERNO: 1 });
  });

  it('waits twice as long before each further resend of the same sale', async () => {
    const t = await setup({ pending: 1 });
    t.link.start();
    const station = await t.network.connection(0);
    await station.next('registro');
    station.send(confirmado(0));
    await station.next('transaccion_completada');
    const resentAt: number[] = [];
    for (let s = 1; s <= 75; s++) {
      t.tick(1000);
      await settle();
      if (station.of('transaccion_completada').length > resentAt.length + 1) resentAt.push(s);
    }
    expect(resentAt).toEqual([10, 30, 70]);
    expect(t.counters.reenvios).toBe(3);
  });

  it('after a reconnection resends every unconfirmed sale from the oldest', async () => {
    const t = await setup({ pending: 3 });
    const inst = t.book.instancia;
    t.link.start();
    const first = await t.network.connection(0);
    await first.next('registro');
    first.send(confirmado(0));
    for (let i = 0; i < 3; i++) await first.next('transaccion_completada');
    first.send({ tipo: 'transaccion_confirmada', id_transaccion: `7-${inst}-2`, duplicada: false });
    await settle();
    first.stream.destroy(); // the station dies
    await settle();
    expect(t.link.registered).toBe(false);
    t.tick(50); // backoff: 0.5 × 100 ms
    const second = await t.network.connection(1);
    await second.next('registro');
    second.send(confirmado(0));
    await second.next('transaccion_completada');
    await second.next('transaccion_completada');
    await settle();
    expect(t.ids(second.of('transaccion_completada'))).toEqual([`7-${inst}-1`, `7-${inst}-3`]);
  });

  it('never lets a live message overtake a sale the pump finished before it', async () => {
    const t = await setup();
    t.link.start();
    const station = await t.network.connection(0);
    await station.next('registro');
    station.send(confirmado(0));
    await station.next('estado');
    t.outbox.recordSale(venta(1, t.book.instancia)); // written, not yet durable
    t.pump.requestState();
    await settle();
    expect(station.received.at(-1)?.tipo).toBe('estado'); // the estado of registration, nothing new
    await t.outbox.flush();
    await station.next('estado');
    expect(station.received.slice(-2).map((m) => m.tipo)).toEqual(['transaccion_completada', 'estado']);
  });

  it('answers commands, state requests and price updates', async () => {
    const t = await setup();
    t.link.start();
    const station = await t.network.connection(0);
    await station.next('registro');
    station.send(confirmado(1));
    await station.next('estado');
    station.send({ tipo: 'comando', comando: 'pausar', razon: 'limpieza', id_comando: 'c-1' });
    expect(await station.next('comando_ejecutado')).toEqual({
      tipo: 'comando_ejecutado',
      id_surtidor: 7,
      id_comando: 'c-1',
      resultado: 'ok',
    });
    station.send({ tipo: 'solicitud_estado', timestamp: '2026-01-15T14:00:00Z' });
    expect(await station.next('estado')).toMatchObject({ estado_operacion: 'pausado' });
    station.send({ tipo: 'comando', comando: 'reanudar', razon: 'listo', id_comando: 'c-2' });
    await station.next('comando_ejecutado');
    station.send({
      tipo: 'actualizacion_precios',
      precios: { ...PRECIOS_POR_DEFECTO, precio_95: 1450 },
      timestamp: '2026-01-15T14:00:00Z',
      version: 2,
    });
    expect(await station.next('precios_aplicados')).toMatchObject({ version: 2 });
    expect(station.of('precios_aplicados').map((m) => m.version)).toEqual([1, 2]);
    expect(t.pump.priceVersion.version).toBe(2);
    expect(t.outbox.books.get(7)?.precios?.version).toBe(2);
  });

  it('sends a heartbeat every heartbeatInterval while registered', async () => {
    const t = await setup({ options: { heartbeatIntervalMs: 30_000 } });
    t.link.start();
    const station = await t.network.connection(0);
    await station.next('registro');
    station.send(confirmado(0));
    await station.next('estado');
    for (let s = 0; s < 95; s++) t.tick(1000);
    await settle();
    expect(station.of('heartbeat').length).toBe(3);
    expect(station.of('heartbeat')[0]).toMatchObject({ id_surtidor: 7, timestamp: expect.any(String) });
  });

  it('stops for good when the token is refused (AUTENTICACION_FALLIDA)', async () => {
    const t = await setup();
    t.link.start();
    const station = await t.network.connection(0);
    await station.next('registro');
    station.send({ tipo: 'registro_rechazado', codigo: 'AUTENTICACION_FALLIDA', mensaje: 'token inválido' });
    station.stream.end();
    await settle();
    await settle();
    expect(t.link.client.state).toBe('closed');
    expect(t.fatal.map((e) => (e as Error & { code?: string }).code)).toEqual(['AUTENTICACION_FALLIDA']);
    expect(t.link.fatal?.message).toContain('token inválido');
    t.tick(60_000);
    expect(t.network.stations).toHaveLength(1);
    expect(t.counters.rechazos).toEqual({ AUTENTICACION_FALLIDA: 1 });
  });

  it('retries other refusals, and a registration that is never confirmed, waiting longer each time', async () => {
    const t = await setup({ options: { backoff: { baseMs: 100, maxMs: 10_000 } } });
    /** Lets time pass in small steps until the n-th connection is dialled; returns the ms it took. */
    const waitForDial = async (n: number) => {
      let ms = 0;
      while (t.network.stations.length < n) {
        t.tick(10);
        ms += 10;
        await settle();
      }
      return ms;
    };
    t.link.start();
    const first = await t.network.connection(0);
    await first.next('registro');
    first.send({ tipo: 'registro_rechazado', codigo: 'SURTIDOR_NO_CONFIGURADO', mensaje: 'no' });
    first.stream.end();
    await settle();
    // client backoff (0.5 × 100) + refusal penalty (0.5 × 200)
    expect(await waitForDial(2)).toBe(150);
    const second = await t.network.connection(1);
    await second.next('registro');
    second.send({ tipo: 'registro_rechazado', codigo: 'SURTIDOR_NO_CONFIGURADO', mensaje: 'no' });
    second.stream.end();
    await settle();
    expect(await waitForDial(3)).toBe(250); // 50 + 0.5 × 400
    const third = await t.network.connection(2);
    await third.next('registro'); // and this one never answers
    t.tick(15_001);
    await settle();
    expect(await waitForDial(4)).toBe(450); // 50 + 0.5 × 800
    const fourth = await t.network.connection(3);
    await fourth.next('registro');
    fourth.send(confirmado(0));
    await fourth.next('estado');
    expect(t.fatal).toEqual([]);
    expect(t.counters.rechazos).toEqual({ SURTIDOR_NO_CONFIGURADO: 2 });
  });

  it('comes back after the reintentar_ms of a SOBRECARGA deferral, with no penalty, as often as deferred', async () => {
    const t = await setup({ options: { backoff: { baseMs: 100, maxMs: 10_000 } } });
    const waitForDial = async (n: number) => {
      let ms = 0;
      while (t.network.stations.length < n) {
        t.tick(10);
        ms += 10;
        await settle();
      }
      return ms;
    };
    t.link.start();
    for (let k = 0; k < 3; k++) {
      const station = await t.network.connection(k);
      await station.next('registro');
      station.send({ tipo: 'registro_rechazado', codigo: 'SOBRECARGA', mensaje: 'más tarde', reintentar_ms: 730 });
      station.stream.end();
      await settle();
      // The station's time exactly, each time: no refusal penalty on top, no growing backoff.
      expect(await waitForDial(k + 2)).toBe(730);
    }
    // Shorter than the client's first jittered wait (0.5 × 100 ms here): that wait, not less.
    const fourth = await t.network.connection(3);
    await fourth.next('registro');
    fourth.send({ tipo: 'registro_rechazado', codigo: 'SOBRECARGA', mensaje: 'ya casi', reintentar_ms: 20 });
    fourth.stream.end();
    await settle();
    expect(await waitForDial(5)).toBe(50);
    const fifth = await t.network.connection(4);
    await fifth.next('registro');
    fifth.send(confirmado(0));
    await fifth.next('estado');
    expect(t.fatal).toEqual([]);
    expect(t.counters.rechazos).toEqual({ SOBRECARGA: 4 });
    expect(t.lines.filter((l) => l.codigo === 'REGISTRO_DIFERIDO').map((l) => l.reintentar_ms)).toEqual([
      730, 730, 730, 20,
    ]);
  });

  it('after a lost connection reconnects within the first jittered wait, and keeps knocking at most every reconnect-max', async () => {
    const t = await setup({ options: { backoff: { baseMs: 250, maxMs: 2000 } } });
    t.link.start();
    const first = await t.network.connection(0);
    await first.next('registro');
    first.send(confirmado(0));
    await first.next('estado');
    const waits: number[] = [];
    let last = t.clock.now();
    t.link.client.on('retry', (info) => {
      waits.push(info.delayMs);
      last = t.clock.now();
    });
    // The station goes away: connections are refused for a while.
    t.network.refuse = true;
    first.stream.destroy();
    await settle();
    while (waits.length < 8) {
      t.tick(10);
      await settle();
    }
    // Full jitter (drawn at 0.5 here): half of 250 ms first, then of 500, 1000, and of the 2000 ms
    // ceiling from there on, however long the station stays away.
    expect(waits).toEqual([125, 250, 500, 1000, 1000, 1000, 1000, 1000]);
    t.network.refuse = false;
    while (t.network.stations.length < 2) {
      t.tick(10);
      await settle();
    }
    expect(t.clock.now() - last).toBeLessThanOrEqual(1000);
    const back = await t.network.connection(1);
    await back.next('registro');
  });
});

describe('PumpLink: prepago', () => {
  /** Draws: a customer at once, 95, cash, 10 L; then patient, no early stop; then no one for long. */
  const CUSTOMER = [0, 0, 0.1, 0.1, 5.5 / 46, 0.5, 0.5, 0.5, 0.5];
  const autorizar = (id_comando: string, id_autorizacion: string, extra: Record<string, unknown> = {}) => ({
    tipo: 'comando',
    comando: 'autorizar',
    razon: 'pagó en caja',
    id_comando,
    id_autorizacion,
    limite: { tipo: 'litros', valor: 4 },
    ...extra,
  });
  const cancelar = (id_comando: string, id_autorizacion: string) => ({
    tipo: 'comando',
    comando: 'cancelar_autorizacion',
    razon: 'el cliente se arrepintió',
    id_comando,
    id_autorizacion,
  });

  it('follows the station’s configuracion, waits for autorizar, answers it and sends the sale, durable first, quoting the authorization', async () => {
    const t = await setup({ random: CUSTOMER });
    t.link.start();
    const station = await t.network.connection(0);
    expect(await station.next('registro')).toMatchObject({ capacidades: ['autorizacion'] });
    station.send(confirmado(0)); // says nothing about the mode: the pump keeps postpago
    await station.next('estado');
    expect(t.pump.modoAutorizacion).toBe('postpago');
    station.send({ tipo: 'configuracion', id_surtidor: 8, modo_autorizacion: 'prepago' }); // not this pump
    station.send({ tipo: 'configuracion', id_surtidor: 7, modo_autorizacion: 'prepago' });
    await station.until(() => t.pump.modoAutorizacion === 'prepago');
    await settle();
    expect(t.lines.filter((l) => l.msg === 'modo de autorización cambiado')).toEqual([
      expect.objectContaining({
        level: 30,
        modo_autorizacion: 'prepago',
        anterior: 'postpago',
        origen: 'configuracion',
      }),
    ]);
    expect(t.lines.some((l) => l.msg === 'configuración para otro surtidor: se ignora' && l.id_recibido === 8)).toBe(
      true,
    );

    t.pump.tick(); // a customer lifts the nozzle
    expect(await station.next('estado')).toMatchObject({ estado_operacion: 'esperando_autorizacion' });
    station.send(autorizar('c-1', 'A-1', { combustibles: ['95'], vence_en_ms: 60_000 }));
    expect(await station.next('estado')).toMatchObject({ estado_operacion: 'autorizado', id_autorizacion: 'A-1' });
    expect(await station.next('comando_ejecutado')).toEqual({
      tipo: 'comando_ejecutado',
      id_surtidor: 7,
      id_comando: 'c-1',
      resultado: 'ok',
    });
    station.send(autorizar('c-2', 'A-2'));
    expect((await station.next('comando_ejecutado')).resultado).toBe('error: hay otra autorización abierta (A-1)');

    t.clock.advance(3000); // the customer starts
    t.pump.tick();
    expect(await station.next('estado')).toMatchObject({ estado_operacion: 'despachando', id_autorizacion: 'A-1' });
    station.send(cancelar('c-3', 'A-1'));
    expect((await station.next('comando_ejecutado')).resultado).toMatch(/^error: .*pausar o detener_emergencia/);

    t.clock.advance(4000); // 4 L at 1 L/s: the pump stops by itself at the preset
    t.pump.tick();
    await settle();
    // The sale is written, not yet durable: nothing of it (nor the estado after it) has gone out.
    expect(station.of('transaccion_completada')).toEqual([]);
    expect(station.received.at(-1)).toMatchObject({ tipo: 'comando_ejecutado', id_comando: 'c-3' });
    await t.outbox.flush();
    const sale = await station.next('transaccion_completada');
    expect(sale).toMatchObject({
      litros: 4,
      precio_por_litro: 1400,
      monto_total: 5600,
      estado: 'completada',
      id_autorizacion: 'A-1',
    });
    expect(t.book.pending.get(sale.id_transaccion as string)).toMatchObject({ id_autorizacion: 'A-1' });
    expect(await station.next('estado')).toMatchObject({ estado_operacion: 'disponible' });
    station.send({ tipo: 'transaccion_confirmada', id_transaccion: sale.id_transaccion, duplicada: false });
    await station.until(() => t.outbox.pending === 0);
    expect(t.outbox.pending).toBe(0);
  });

  it('an authorization sent before the customer comes, then cancelled; the station turns the pump back to postpago', async () => {
    const t = await setup({ authorization: { modo: 'prepago', selfAuthorize: false } });
    t.link.start();
    const station = await t.network.connection(0);
    await station.next('registro');
    station.send({ ...confirmado(0), modo_autorizacion: 'prepago' });
    expect(await station.next('estado')).toMatchObject({ estado_operacion: 'disponible' });
    station.send(autorizar('c-1', 'A-9', { limite: { tipo: 'monto', valor: 10_000 } }));
    expect(await station.next('estado')).toMatchObject({ estado_operacion: 'autorizado', id_autorizacion: 'A-9' });
    expect((await station.next('comando_ejecutado')).resultado).toBe('ok');
    station.send(cancelar('c-2', 'A-8'));
    expect((await station.next('comando_ejecutado')).resultado).toMatch(/^error: no hay una autorización abierta/);
    station.send(cancelar('c-3', 'A-9'));
    expect(await station.next('estado')).toMatchObject({ estado_operacion: 'disponible' });
    expect(station.received.at(-1)).not.toHaveProperty('id_autorizacion');
    expect(await station.next('comando_ejecutado')).toMatchObject({ id_comando: 'c-3', resultado: 'ok' });
    expect(t.pump.authorizationCounters).toMatchObject({ recibidas: 1, canceladas: 1 });
    station.send({ tipo: 'configuracion', id_surtidor: 7, modo_autorizacion: 'postpago' });
    await station.until(() => t.pump.modoAutorizacion === 'postpago');
    station.send(autorizar('c-4', 'A-10'));
    expect((await station.next('comando_ejecutado')).resultado).toBe('error: el surtidor está en modo postpago');
    expect(t.lines.filter((l) => l.msg === 'modo de autorización cambiado').map((l) => l.origen)).toEqual([
      'configuracion',
    ]);
  });
});
