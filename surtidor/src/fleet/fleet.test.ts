/**
 * The fleet on fake time: its one tick, the pumps' sales, reconnection backoff, resends and the
 * shutdown all run on the injected clock, so vitest's fake timers (through the system clock) or a
 * FakeClock drive a whole fleet with no real waiting. The network is in memory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { access } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  backoffCeiling,
  type Clock,
  type Dialer,
  PRECIOS_POR_DEFECTO,
  type TransaccionCompletada,
} from '@combustible/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { modoInicial, type SurtidorConfig, surtidorConfigSchema } from '../config.js';
import { Pump } from '../domain/pump.js';
import type { PumpConfig } from '../domain/types.js';
import { Outbox } from '../outbox/outbox.js';
import { randomFor } from '../random.js';
import { FakeClock, FakeNetwork, memoryLogger, RecordingSink, type StationEnd, settle, T0 } from '../test-support.js';
import { Fleet } from './fleet.js';

/**
 * Only the timers and Date are faked: file I/O (the outbox's fsync) and setImmediate (`settle`)
 * stay real, so a test can let writes finish without moving time.
 */
const FAKED = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] as const;

const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];

beforeEach(() => {
  vi.useFakeTimers({ toFake: [...FAKED] });
  vi.setSystemTime(T0);
});

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  vi.useRealTimers();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleet-test-'));
  dirs.push(dir);
  return dir;
}

type ConfigInput = Partial<Record<keyof SurtidorConfig, unknown>>;

function configFor(dir: string, over: ConfigInput = {}): SurtidorConfig {
  return surtidorConfigSchema.parse({
    outboxDir: dir,
    count: 1,
    firstId: 7,
    seed: 42,
    fuels: ['95'],
    tickMs: 100,
    meanInterval: 3600, // no customer for a long while unless a test wants sales
    heartbeatInterval: 3600,
    resendAfter: 1,
    reconnectBase: 0.4,
    reconnectMax: 3,
    confirmWait: 2,
    shutdownTimeout: 1,
    ...over,
  });
}

interface StationBehaviour {
  /** Answer `registro` with `registro_confirmado` (default true). */
  register?: boolean;
  /** Confirm every sale as it arrives (default true). */
  confirm?: boolean;
}

/** A station that answers registrations and (unless told otherwise) confirms every sale. */
function answerLikeAStation(station: StationEnd, behaviour: StationBehaviour): void {
  station.onMessage((m) => {
    if (m.tipo === 'registro' && behaviour.register !== false) {
      station.send({
        tipo: 'registro_confirmado',
        id_surtidor: m.id_surtidor,
        mensaje: 'ok',
        precios: PRECIOS_POR_DEFECTO,
        version_precios: 0,
      });
    }
    if (m.tipo === 'registro_medidor' && behaviour.register !== false) {
      station.send({ tipo: 'medidor_confirmado', id_medidor: m.id_medidor, mensaje: 'ok' });
    }
    if (m.tipo === 'transaccion_completada' && behaviour.confirm !== false) {
      station.send({ tipo: 'transaccion_confirmada', id_transaccion: m.id_transaccion, duplicada: false });
    }
  });
}

async function setup(
  over: ConfigInput = {},
  opts: { clock?: Clock; station?: StationBehaviour; before?: (dir: string) => Promise<void> } = {},
) {
  const dir = tempDir();
  await opts.before?.(dir);
  const config = configFor(dir, over);
  const network = new FakeNetwork();
  const behaviour: StationBehaviour = { ...opts.station };
  const dial: Dialer = async (signal) => {
    const index = network.stations.length; // dial() adds its station before it first awaits
    const socket = await network.dial(signal);
    answerLikeAStation(network.stations[index] as StationEnd, behaviour);
    return socket;
  };
  const { log, lines } = memoryLogger();
  const fleet = await Fleet.create(config, { log, dial: () => dial, ...(opts.clock ? { clock: opts.clock } : {}) });
  const fake = opts.clock instanceof FakeClock ? opts.clock : undefined;
  const advance = fake ? (ms: number) => fake.advance(ms) : (ms: number) => void vi.advanceTimersByTime(ms);
  /** Moves time on in `step`s, letting I/O and promise callbacks run after each. */
  const run = async (ms: number, step = config.tickMs) => {
    for (let done = 0; done < ms; done += step) {
      advance(Math.min(step, ms - done));
      await settle();
    }
  };
  /**
   * Moves time on until `p` settles (at most `limitMs`); returns how long that took. Before each
   * step it lets real I/O finish (the outbox's writes, then a round trip through libuv's pool for
   * whatever else is in flight, such as closing the files), so fake time does not race ahead of a
   * write the fleet is waiting for.
   */
  const until = async (p: Promise<unknown>, limitMs: number, step = 10) => {
    let finished = false;
    void p.then(
      () => (finished = true),
      () => (finished = true),
    );
    const start = Date.now();
    const clockStart = opts.clock?.now() ?? start;
    for (let waited = 0; !finished; waited += step) {
      if (waited > limitMs) throw new Error(`not settled within ${limitMs} ms of clock time`);
      await settle();
      await fleet.outbox.flush();
      await access(dir);
      await settle();
      if (!finished) advance(step);
    }
    return (opts.clock?.now() ?? Date.now()) - clockStart;
  };
  let shutDown = false;
  /** Shuts the fleet down, moving time on as needed; returns its summary and the clock time it took. */
  const shutdown = async () => {
    shutDown = true;
    const p = fleet.shutdown();
    const took = await until(p, 60_000);
    return { summary: await p, took };
  };
  cleanups.push(async () => {
    if (!shutDown) await shutdown();
  });
  return { fleet, config, network, behaviour, lines, run, until, shutdown, advance };
}

/** Leaves `n` unconfirmed sales of pump 7 in the outbox in `dir`, as an earlier run would; returns their ids. */
async function leaveUnconfirmed(dir: string, n: number): Promise<string[]> {
  const outbox = await Outbox.open({ dir, log: memoryLogger().log });
  const book = outbox.book(7);
  const ids: string[] = [];
  for (let seq = 1; seq <= n; seq++) {
    const id = `7-${book.instancia}-${seq}`;
    ids.push(id);
    outbox.recordSale({
      tipo: 'transaccion_completada',
      id_surtidor: 7,
      id_transaccion: id,
      tipo_combustible: '95',
      litros: 10,
      precio_por_litro: 1350,
      monto_total: 13_500,
      metodo_pago: 'efectivo',
      fecha_inicio: '2026-01-15T13:00:00.000Z',
      fecha_fin: '2026-01-15T13:00:10.000Z',
      estado: 'completada',
      secuencia: seq,
      version_precios: 0,
      totalizador_inicio: (seq - 1) * 10,
      totalizador_fin: seq * 10,
    });
  }
  await outbox.close();
  return ids;
}

const sales = (station: StationEnd) => station.of('transaccion_completada') as unknown as TransaccionCompletada[];

/** The same sale, whatever pump instance made it. */
const essence = (tx: TransaccionCompletada) => {
  const { id_transaccion: _id, ...rest } = tx;
  return rest;
};

describe('Fleet on fake time', () => {
  it('ticks once at start and then every tickMs on the clock; nothing runs while time stands still', async () => {
    const t = await setup({ tickMs: 100 });
    const tick = vi.spyOn(t.fleet, 'tick');
    t.fleet.start();
    expect(tick).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 5; i++) await settle(); // real event-loop turns, no time
    expect(tick).toHaveBeenCalledTimes(1);
    t.advance(99);
    expect(tick).toHaveBeenCalledTimes(1);
    t.advance(1);
    expect(tick).toHaveBeenCalledTimes(2);
    t.advance(1000);
    expect(tick).toHaveBeenCalledTimes(12);
    // Lateness is read on the clock: fake ticks are never late.
    expect(t.fleet.takeTickStats()).toMatchObject({ ticks: 12, retraso_max_ms: 0 });
  });

  it('starts the links in batches per tick (2000 a second), not all at once', async () => {
    const t = await setup({ count: 50, firstId: 1, tickMs: 10 }); // 20 starts per tick
    const started = () => t.fleet.entries.filter((e) => e.link.hasStarted).length;
    t.fleet.start();
    expect(started()).toBe(20);
    t.advance(10);
    expect(started()).toBe(40);
    t.advance(10);
    expect(started()).toBe(50);
    await settle();
    await settle();
    expect(t.network.stations.length).toBe(50);
    await t.run(50, 10);
    expect(t.fleet.registered()).toBe(50);
  });

  it('makes each sale when the pump’s schedule says, on the clock; every sale reaches the station and leaves the outbox', async () => {
    const over = { meanInterval: 2, speed: 10, capacidad: 40 };
    const t = await setup(over);
    const id = t.config.firstId;
    // The same pump, alone, ticked at the same instants: what the fleet's pump must do.
    const config: PumpConfig = {
      id_surtidor: id,
      nombre: `Surtidor ${id}`,
      combustibles_soportados: ['95'],
      combustible_actual: '95',
      configuracion: { capacidad_maxima_litros: 40, velocidad_despacho: 1 },
    };
    let now = T0;
    const sink = new RecordingSink();
    const reference = new Pump(
      config,
      { instancia: 'ref', secuencia: 0, totalizadorMl: 0, precios: { version: 0, precios: PRECIOS_POR_DEFECTO } },
      {
        clock: { now: () => now, setTimeout: () => 0, clearTimeout: () => {} },
        random: randomFor(42, id),
        sink,
        timing: { speed: 10, meanIntervalMs: 2000, estadoIntervalMs: 2000 },
      },
    );

    t.fleet.start();
    reference.tick(now);
    await settle();
    await settle();
    const station = await t.network.connection(0);
    expect(t.fleet.registered()).toBe(1); // registered at T0, before any customer came
    for (let i = 0; i < 300; i++) {
      t.advance(100);
      now += 100;
      reference.tick(now);
      if (i % 10 === 0) await settle();
    }
    expect(sink.sales.length).toBeGreaterThan(3); // the schedule did produce sales in 30 s
    expect(t.fleet.stats().ventas).toBe(sink.sales.length);
    await t.fleet.outbox.flush();
    await station.count('transaccion_completada', sink.sales.length);
    await settle();
    expect(sales(station).map(essence)).toEqual(sink.sales.map(essence));
    expect(sales(station).map((s) => s.secuencia)).toEqual(sink.sales.map((_, i) => i + 1));
    expect(t.fleet.outbox.pending).toBe(0);
    expect(t.fleet.counters.confirmadas).toBe(sink.sales.length);
  });

  it('reconnects after the backoff the link drew, on the clock, waiting longer after each failure', async () => {
    const t = await setup({ reconnectBase: 0.4, reconnectMax: 3 });
    const { link } = t.fleet.entries[0] as (typeof t.fleet.entries)[number];
    const retries: { attempt: number; delayMs: number }[] = [];
    link.client.on('retry', (r) => retries.push(r));
    t.fleet.start();
    await settle();
    await settle();
    const first = await t.network.connection(0);
    expect(link.registered).toBe(true);

    t.network.refuse = true;
    first.stream.destroy(); // the station goes away, and refuses connections for a while
    await settle();
    expect(link.registered).toBe(false);
    for (let attempt = 1; attempt <= 4; attempt++) {
      const retry = retries[attempt - 1];
      expect(retry?.attempt).toBe(attempt);
      const delay = retry?.delayMs ?? -1;
      // Full jitter under a ceiling that doubles from --reconnect-base up to --reconnect-max.
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(backoffCeiling(attempt - 1, { baseMs: 400, maxMs: 3000 }));
      if (delay > 0) {
        t.advance(delay - 1);
        await settle();
        expect(retries).toHaveLength(attempt); // not dialled yet: no new failure
      }
      t.advance(delay > 0 ? 1 : 0);
      await settle();
      await settle();
      expect(retries).toHaveLength(attempt + 1); // dialled, refused, next wait drawn
    }
    expect(new Set(retries.map((r) => r.delayMs)).size).toBeGreaterThan(1); // jittered, not fixed

    t.network.refuse = false;
    const last = retries.at(-1)?.delayMs ?? 0;
    t.advance(last);
    await settle();
    await settle();
    expect(t.network.stations).toHaveLength(2);
    expect(link.registered).toBe(true);
    expect(link.client.reconnects).toBe(1);
    expect(t.fleet.stats().reconexiones).toBe(1);
  });

  it('resends a sale the station does not confirm, after resendAfter and then twice as long; a confirmation stops it', async () => {
    // A sale left unconfirmed by an earlier run: the fleet replays it after registering.
    let saleId = '';
    const t = await setup(
      { resendAfter: 1 },
      { station: { confirm: false }, before: async (dir) => void (saleId = (await leaveUnconfirmed(dir, 1))[0] ?? '') },
    );
    expect(t.fleet.outbox.pending).toBe(1);
    t.fleet.start();
    await settle();
    await settle();
    const station = await t.network.connection(0);
    await station.count('transaccion_completada', 1); // replayed at T0, as soon as registered
    const sent = () => sales(station).length;

    await t.run(900);
    t.advance(99);
    await settle();
    expect(sent()).toBe(1);
    t.advance(1); // T0 + 1 s: the tick finds it overdue
    await settle();
    expect(sent()).toBe(2);
    await t.run(1900);
    expect(sent()).toBe(2); // the next resend waits 2 s
    await t.run(100);
    expect(sent()).toBe(3);
    expect(t.fleet.counters.reenvios).toBe(2);

    station.send({ tipo: 'transaccion_confirmada', id_transaccion: saleId, duplicada: true });
    await settle();
    await t.fleet.outbox.flush();
    expect(t.fleet.outbox.pending).toBe(0);
    await t.run(60_000, 1000);
    expect(sent()).toBe(3);
    expect(sales(station).every((s) => s.id_transaccion === saleId)).toBe(true);
  });

  it('at shutdown resends what is unconfirmed at once and waits confirmWait on the clock before giving up', async () => {
    const t = await setup(
      { confirmWait: 2, resendAfter: 30 },
      { station: { confirm: false }, before: async (dir) => void (await leaveUnconfirmed(dir, 1)) },
    );
    t.fleet.start();
    await settle();
    await settle();
    const station = await t.network.connection(0);
    await station.count('transaccion_completada', 1);
    await t.run(5000);
    expect(sales(station)).toHaveLength(1); // resendAfter is 30 s: no resend yet

    const shutdownAt = Date.now();
    const { summary } = await t.shutdown();
    // Hurried: resent on the next tick, not 30 s later, and again a second later (the wait is 2 s).
    expect(sales(station)).toHaveLength(3);
    expect(summary.pendientes).toBe(1); // kept in the outbox for the next run
    // It gave up after confirmWait (2 s) on the clock, give or take its 50 ms polling step; pino
    // stamps log lines with Date.now(), which is fake time here.
    const gaveUp = t.lines.find((l) => String(l.msg).startsWith('cierre: quedan ventas sin confirmar'));
    expect(gaveUp?.surtidores).toEqual([
      { id_surtidor: 7, pendientes: 1, escribiendo: 0, en_curso: 1, registrado: true, detenido: null },
    ]);
    const waited = Number(gaveUp?.time) - shutdownAt;
    expect(waited).toBeGreaterThanOrEqual(2000);
    expect(waited).toBeLessThanOrEqual(2060);
  });

  it('in prepago with autorizarSolo every sale quotes the pump’s own authorization; the stats count them; the shutdown leaves no customer waiting', async () => {
    const t = await setup({
      count: 3,
      modo: 'prepago',
      autorizarSolo: true,
      meanInterval: 2,
      speed: 10,
      capacidad: 40,
    });
    t.fleet.start();
    await settle();
    await settle();
    const station = await t.network.connection(0);
    expect(station.of('registro')[0]).toMatchObject({ capacidades: ['autorizacion'] });
    await t.run(30_000);
    const stats = t.fleet.stats();
    expect(stats.ventas).toBeGreaterThan(3);
    expect(stats.autorizacion).toMatchObject({ prepago: 3, recibidas: 0, rechazadas: 0, vencidas: 0, canceladas: 0 });
    // Each self-authorization ends in a sale, unless nothing was dispensed (an early stop at 0 ml cannot happen).
    expect(stats.autorizacion?.propias).toBeGreaterThanOrEqual(stats.ventas);
    const { summary } = await t.shutdown();
    const all = t.network.stations.flatMap((st) => sales(st));
    expect(new Set(all.map((tx) => tx.id_transaccion)).size).toBe(summary.ventas);
    for (const tx of all) expect(tx.id_autorizacion).toMatch(new RegExp(`^auto-${tx.id_surtidor}-`));
    expect(summary.pendientes).toBe(0);
    for (const e of t.fleet.entries) expect(['disponible', 'pausado']).toContain(e.pump.estadoOperacion);
  });

  it('--modo mixto puts the pumps whose id hashes odd in prepago, and the station’s mode overrides it', async () => {
    const t = await setup({ count: 8, modo: 'mixto' });
    const modes = t.fleet.entries.map((e) => e.pump.modoAutorizacion);
    expect(modes).toEqual(t.fleet.entries.map((e) => modoInicial('mixto', e.pump.id)));
    expect(new Set(modes)).toEqual(new Set(['prepago', 'postpago']));
    expect(t.fleet.stats().autorizacion?.prepago).toBe(modes.filter((m) => m === 'prepago').length);
    t.fleet.start();
    await settle();
    await settle();
    for (const st of t.network.stations) {
      const id = st.of('registro')[0]?.id_surtidor as number;
      st.send({ tipo: 'configuracion', id_surtidor: id, modo_autorizacion: 'postpago' });
    }
    await t.run(100);
    expect(t.fleet.entries.map((e) => e.pump.modoAutorizacion)).toEqual(modes.map(() => 'postpago'));
    expect(t.fleet.stats().autorizacion).toBeUndefined();
  });

  it('given a clock, schedules nothing on the global timers', async () => {
    const clock = new FakeClock();
    const t = await setup({ tickMs: 100 }, { clock });
    const tick = vi.spyOn(t.fleet, 'tick');
    t.fleet.start();
    await settle();
    await settle();
    clock.advance(1000);
    await settle();
    expect(tick).toHaveBeenCalledTimes(11);
    expect(t.fleet.registered()).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    const { summary } = await t.shutdown();
    expect(summary.pendientes).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('--tanques: a gauge on the same port reports the tanks; each pump draws from its fuel’s tank, a meter reading high draws less than it sells', async () => {
    const t = await setup({
      count: 2,
      fuels: ['95', 'diesel'],
      meanInterval: 2,
      speed: 10,
      capacidad: 40,
      tanques: true,
      idMedidor: 3,
      capacidadTanques: [50_000],
      medidorAlto: '8:5',
    });
    t.fleet.start();
    await settle();
    await settle();
    const gaugeEnd = t.network.stations.find((st) => st.of('registro_medidor').length > 0);
    expect(gaugeEnd?.of('registro_medidor')[0]).toMatchObject({ id_medidor: 3, tanques: [2, 4] });
    await t.run(30_000);
    expect(t.fleet.stats().medidor).toMatchObject({ id_medidor: 3, conectado: true });
    const { summary } = await t.shutdown();
    const all = t.network.stations.flatMap((st) => sales(st));
    expect(all.length).toBeGreaterThan(5);
    const soldBy = (pump: number, fuel: string) =>
      all.filter((tx) => tx.id_surtidor === pump && tx.tipo_combustible === fuel).reduce((a, tx) => a + tx.litros, 0);
    for (const [fuel, id] of [
      ['95', 2],
      ['diesel', 4],
    ] as const) {
      const tank = summary.tanques?.find((x) => x.id_tanque === id);
      expect(tank?.extraidos).toBeCloseTo(soldBy(7, fuel) + soldBy(8, fuel) / 1.05, 0);
    }
    expect(soldBy(8, '95') + soldBy(8, 'diesel')).toBeGreaterThan(0);
    // Readings: every tank at registration, then every 60 simulated seconds (6 s at speed 10) or on change.
    const lecturas = gaugeEnd?.of('lectura_tanque') ?? [];
    for (const id of [2, 4]) expect(lecturas.filter((l) => l.id_tanque === id).length).toBeGreaterThanOrEqual(6);
    expect(summary.medidor?.lecturas).toBe(lecturas.length);
  });
});
