/**
 * A fleet: the N pumps of one process, their links and their shared outbox, driven by ONE timer
 * (the tick) that advances every pump and link and then group-commits the outbox. No per-pump
 * timers, so thousands of pumps cost little more than their sockets.
 *
 * Every wait is on the injected clock (the tick, the shutdown's polling and time limits), so a
 * test drives a whole fleet with a FakeClock or vitest fake timers.
 */
import {
  type Clock,
  type Combustible,
  type Dialer,
  type Logger,
  PRECIOS_POR_DEFECTO,
  systemClock,
  tcpDialer,
  type TimerHandle,
  type TransaccionCompletada,
} from '@combustible/shared';
import { ChaosLink, chaosOnLink, skewedClock } from '../chaos.js';
import { modoInicial, type SurtidorConfig, tanqueDe } from '../config.js';
import { Gauge, type GaugeEvent } from '../domain/medidor.js';
import { Pump } from '../domain/pump.js';
import { litrosQueSalen } from '../domain/tanque.js';
import type { PriceVersion, PumpConfig, PumpSink } from '../domain/types.js';
import { Admission } from '../link/admission.js';
import { emptyCounters, type LinkCounters } from '../link/counters.js';
import { GaugeLink } from '../link/gauge-link.js';
import { PumpLink } from '../link/pump-link.js';
import { pumpTls } from '../link/tls.js';
import { Outbox, type PumpBook } from '../outbox/outbox.js';
import { randomFor } from '../random.js';
import { type FleetStats, type ProducedCounters, sumAuthorization, sumChaos, type TickStats } from './stats.js';

export const SOFTWARE_VERSION = 'sim-0.1.0';
/** Connections opened per second at start-up (a thousand pumps do not knock all at once). */
const STARTS_PER_SECOND = 2000;
/** On shutdown, unconfirmed sales are resent this often while the confirmation wait lasts. */
const SHUTDOWN_RESEND_MS = 1000;
const DEFAULT_PRICES: PriceVersion = { version: 0, precios: PRECIOS_POR_DEFECTO };

export interface FleetDeps {
  log: Logger;
  /** Real time: the tick, timeouts, pacing, backoff (default: the system clock). */
  clock?: Clock;
  /** How pump `id` reaches the station (default: TCP, with TLS when configured). Tests pass an in-memory network. */
  dial?: (id: number) => Dialer;
  /** How the gauge console reaches the station (default: as a pump with the gauge's id would). */
  dialGauge?: Dialer;
}

export interface FleetEntry {
  pump: Pump;
  link: PumpLink;
  book: PumpBook;
  chaos: ChaosLink | null;
}

export interface ShutdownSummary extends FleetStats {
  /** Sales cancelled because they could not finish within the shutdown time. */
  cortadas: number;
}

/** Resolves after `ms` on `clock`. */
const sleep = (clock: Clock, ms: number) => new Promise<void>((r) => clock.setTimeout(r, ms));

export class Fleet {
  readonly entries: FleetEntry[] = [];
  readonly counters: LinkCounters = emptyCounters();
  readonly produced: ProducedCounters = { ventas: 0, canceladas: 0, monto: 0, litros: 0 };
  /** The gauge console and its link (--tanques). */
  readonly gauge: { console: Gauge; link: GaugeLink } | null = null;
  /** Every link stopped for good: the process cannot do anything useful. */
  onAllStopped: ((error: Error) => void) | undefined;
  private readonly byId = new Map<number, FleetEntry>();
  private readonly clock: Clock;
  private readonly pumpClock: Clock;
  private readonly log: Logger;
  /** The next tick, while the fleet runs. */
  private timer: TimerHandle | undefined;
  private running = false;
  private nextToStart = 0;
  private stopped = 0;
  private outboxClosed = false;
  private announcedAll = false;
  private registeredCount = 0;
  private readonly admission: Admission;
  private lastTickStart: number | undefined;
  private tickWindow = { ticks: 0, workMs: 0, maxWorkMs: 0, maxLagMs: 0 };

  private constructor(
    readonly config: SurtidorConfig,
    readonly outbox: Outbox,
    deps: FleetDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.log = deps.log;
    const pumpClock = skewedClock(this.clock, config.chaosClockSkewMs);
    this.pumpClock = pumpClock;
    const chaosOptions = {
      drop: config.chaosDrop,
      duplicate: config.chaosDuplicate,
      reorder: config.chaosReorder,
      delay: config.chaosDelay,
      delayMs: config.chaosDelayMs,
      clockSkewMs: config.chaosClockSkewMs,
      halfOpen: config.chaosHalfOpen,
      halfOpenMs: config.chaosHalfOpenMs,
      slowReadBytesPerSecond: config.chaosSlowRead,
    };
    const withChaos = chaosOnLink(chaosOptions);
    const tlsFor = pumpTls(config);
    const dialFor =
      deps.dial ??
      ((id: number) =>
        tcpDialer({
          host: config.estacion.host,
          port: config.estacion.port,
          ...(tlsFor ? { tls: tlsFor(id) } : {}),
        }));
    this.admission = new Admission(config.connectConcurrency);
    if (config.tanques) this.gauge = this.buildGauge(deps.dialGauge ?? dialFor(config.idMedidor));
    const medidorAlto = new Map(config.medidorAlto.map((p) => [p.id, p.valor]));
    for (let i = 0; i < config.count; i++) {
      const id = config.firstId + i;
      const book = outbox.book(id);
      const entry = {} as FleetEntry;
      const sink: PumpSink = {
        send: (message) => entry.link.live(message),
        sale: (tx) => this.recordSale(tx),
        pricesApplied: (prices) => this.outbox.savePrices(id, prices),
        // What really leaves the tank: less than the meter says when it reads high.
        dispensed: (combustible, ml) =>
          this.gauge?.console.draw(combustible, litrosQueSalen(ml / 1000, medidorAlto.get(id) ?? 0)),
      };
      const random = randomFor(config.seed, id);
      entry.book = book;
      entry.pump = new Pump(this.pumpConfig(id), book.memory(DEFAULT_PRICES), {
        clock: pumpClock,
        random,
        sink,
        timing: {
          speed: config.speed,
          meanIntervalMs: config.meanInterval * 1000,
          estadoIntervalMs: config.estadoInterval * 1000,
        },
        authorization: { modo: modoInicial(config.modo, id), selfAuthorize: config.autorizarSolo },
      });
      const linkRandom = config.seed === undefined ? Math.random : randomFor(config.seed + 1, id);
      entry.chaos = withChaos ? new ChaosLink(chaosOptions, linkRandom, this.clock) : null;
      entry.link = new PumpLink({
        pump: entry.pump,
        book,
        outbox,
        dial: dialFor(id),
        clock: this.clock,
        pumpClock,
        random: linkRandom,
        log: this.log.child({ id_surtidor: id }),
        chaos: entry.chaos,
        counters: this.counters,
        onFatal: (err) => this.linkStopped(id, err),
        admission: this.admission,
        onRegistration: (up) => {
          this.registeredCount += up ? 1 : -1;
        },
        options: {
          token: config.pumpTokens?.get(id) ?? config.token,
          version: SOFTWARE_VERSION,
          window: config.window,
          resendAfterMs: config.resendAfter * 1000,
          maxSalesPerSecond: config.maxRate,
          heartbeatIntervalMs: config.heartbeatInterval * 1000,
          registrationTimeoutMs: config.registrationTimeout * 1000,
          backoff: { baseMs: config.reconnectBase * 1000, maxMs: config.reconnectMax * 1000 },
        },
      });
      this.entries.push(entry);
      this.byId.set(id, entry);
    }
    outbox.onDurable = (tx) => this.byId.get(tx.id_surtidor)?.link.pumpOutgoing();
  }

  /** Opens the outbox (replaying it) and builds the pumps; nothing runs until `start()`. */
  static async create(config: SurtidorConfig, deps: FleetDeps): Promise<Fleet> {
    const outbox = await Outbox.open({
      dir: config.outboxDir,
      log: deps.log.child({ mod: 'outbox' }),
      ledgerFile: config.ledger,
      ...(deps.clock ? { clock: deps.clock } : {}),
    });
    const fleet = new Fleet(config, outbox, deps);
    await outbox.flush(); // identities of new pumps are durable before anything is sold
    fleet.reportReplay();
    return fleet;
  }

  /** One gauge console measuring one tank per simulated fuel, with the configured faults. */
  private buildGauge(dial: Dialer): { console: Gauge; link: GaugeLink } {
    const c = this.config;
    const fuga = new Map(c.fuga.map((p) => [p.id, p.valor]));
    const robo = new Map(c.robo.map((p) => [p.id, p.valor]));
    const log = this.log.child({ id_medidor: c.idMedidor });
    const random = randomFor(c.seed === undefined ? undefined : c.seed + 2, c.idMedidor);
    const gauge = new Gauge(
      {
        id_medidor: c.idMedidor,
        tanques: c.fuels.map((combustible, i) => {
          const id = tanqueDe(combustible);
          return {
            id_tanque: id,
            combustible,
            capacidadLitros: c.capacidadTanques[i] ?? (c.capacidadTanques[0] as number),
            fugaLitrosHora: fuga.get(id) ?? 0,
            roboLitrosDia: robo.get(id) ?? 0,
          };
        }),
        intervaloLecturasMs: c.intervaloLecturas * 1000,
        cambioLecturaMm: c.cambioLecturaMm,
        speed: c.speed,
        descargas: c.descargas
          ? { nivel: c.nivelDescarga / 100, litros: c.litrosDescarga, duracionMs: c.minutosDescarga * 60_000 }
          : null,
      },
      { clock: this.pumpClock, random, onEvent: (e) => logGaugeEvent(log, e) },
    );
    const link = new GaugeLink({
      gauge,
      dial,
      clock: this.clock,
      random,
      log,
      counters: this.counters,
      admission: this.admission,
      onFatal: (err) => {
        const code = (err as Error & { code?: string }).code;
        log.error({ codigo: code, err: err.message }, 'enlace del medidor detenido definitivamente');
      },
      options: {
        token: c.token,
        version: SOFTWARE_VERSION,
        registrationTimeoutMs: c.registrationTimeout * 1000,
        maxSilenceMs: c.heartbeatInterval * 1000,
        backoff: { baseMs: c.reconnectBase * 1000, maxMs: c.reconnectMax * 1000 },
      },
    });
    return { console: gauge, link };
  }

  private pumpConfig(id: number): PumpConfig {
    const fuels = this.config.fuels;
    return {
      id_surtidor: id,
      nombre: `Surtidor ${id}`,
      combustibles_soportados: fuels,
      combustible_actual: fuels[id % fuels.length] ?? (fuels[0] as Combustible),
      configuracion: {
        capacidad_maxima_litros: this.config.capacidad,
        velocidad_despacho: this.config.velocidad,
      },
    };
  }

  private reportReplay(): void {
    let foreign = 0;
    for (const book of this.outbox.books.values()) {
      if (!this.byId.has(book.id)) foreign += book.pending.size;
    }
    const pendientes = this.outbox.pending - foreign;
    if (pendientes > 0) {
      this.log.info({ pendientes }, 'outbox: ventas sin confirmar de una ejecución anterior; se reenvían al conectar');
    }
    if (foreign > 0) {
      this.log.warn(
        { pendientes: foreign },
        'outbox: hay ventas sin confirmar de surtidores que este proceso no simula (revise --first-id/--count)',
      );
    }
  }

  /** Runs the tick now and then every `tickMs` on the clock, until the shutdown. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.gauge?.link.start();
    this.loop();
  }

  /**
   * One timer at a time, re-armed at the start of each tick (as setInterval would be: the next tick
   * is due `tickMs` after this one began, however long its work takes).
   */
  private readonly loop = (): void => {
    this.timer = this.clock.setTimeout(this.loop, this.config.tickMs);
    this.tick();
  };

  private stopTicking(): void {
    this.running = false;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One step for everyone: start a few more links, advance pumps and links, group-commit. */
  tick(): void {
    // The work a tick costs is this process's CPU time, measured in real time whatever clock drives
    // the simulation; how late the tick came is a matter of the schedule, read on the clock.
    const started = performance.now();
    const now = this.clock.now();
    if (this.lastTickStart !== undefined) {
      const lag = now - this.lastTickStart - this.config.tickMs;
      if (lag > this.tickWindow.maxLagMs) this.tickWindow.maxLagMs = lag;
    }
    this.lastTickStart = now;
    const startsPerTick = Math.max(1, Math.ceil((STARTS_PER_SECOND * this.config.tickMs) / 1000));
    for (let n = 0; n < startsPerTick && this.nextToStart < this.entries.length; n++) {
      this.entries[this.nextToStart++]?.link.start();
    }
    const pumpNow = this.pumpClock.now();
    for (const e of this.entries) {
      e.pump.tick(pumpNow);
      e.link.tick(now);
    }
    if (this.gauge) {
      this.gauge.console.tick();
      this.gauge.link.tick(now);
    }
    if (!this.outboxClosed) void this.outbox.flush();
    if (!this.announcedAll && this.registered() === this.entries.length) {
      this.announcedAll = true;
      this.log.info({ surtidores: this.entries.length }, 'todos los surtidores registrados');
    }
    const work = performance.now() - started;
    this.tickWindow.ticks += 1;
    this.tickWindow.workMs += work;
    if (work > this.tickWindow.maxWorkMs) this.tickWindow.maxWorkMs = work;
  }

  /** How the shared tick kept up since the last call: mean and worst work, worst lateness (ms). */
  takeTickStats(): TickStats {
    const w = this.tickWindow;
    this.tickWindow = { ticks: 0, workMs: 0, maxWorkMs: 0, maxLagMs: 0 };
    const round = (n: number) => Math.round(n * 100) / 100;
    return {
      ticks: w.ticks,
      media_ms: w.ticks > 0 ? round(w.workMs / w.ticks) : 0,
      max_ms: round(w.maxWorkMs),
      retraso_max_ms: round(Math.max(0, w.maxLagMs)),
    };
  }

  registered(): number {
    return this.registeredCount;
  }

  stats(): FleetStats {
    let despachando = 0;
    let pausados = 0;
    let reconexiones = 0;
    for (const e of this.entries) {
      if (e.pump.dispensing) despachando++;
      else if (e.pump.estadoOperacion === 'pausado') pausados++;
      reconexiones += e.link.client.reconnects;
    }
    const caos = sumChaos(this.entries.flatMap((e) => (e.chaos ? [e.chaos.counters] : [])));
    const autorizacion = sumAuthorization(this.entries.map((e) => e.pump));
    return {
      surtidores: this.entries.length,
      conectados: this.registered(),
      despachando,
      pausados,
      ...this.produced,
      monto: this.produced.monto,
      litros: Math.round(this.produced.litros * 1000) / 1000,
      ...this.counters,
      errores: { ...this.counters.errores },
      rechazos: { ...this.counters.rechazos },
      pendientes: this.outbox.pending,
      reconexiones,
      detenidos: this.stopped,
      outbox: this.outbox.stats,
      ...(caos ? { caos } : {}),
      ...(autorizacion ? { autorizacion } : {}),
      ...(this.gauge
        ? {
            medidor: {
              id_medidor: this.gauge.console.id,
              conectado: this.gauge.link.registered,
              lecturas: this.gauge.link.lecturasEnviadas,
            },
            tanques: this.gauge.console.stats(),
          }
        : {}),
    };
  }

  /**
   * Stops as a real pump would: no new customers; sales in progress may finish within
   * `finishMs`, then are cancelled with the litres dispensed; everything is flushed; confirmations
   * are awaited up to `confirmMs`; then the links close and the outbox is released.
   */
  async shutdown(options: { finishMs?: number } = {}): Promise<ShutdownSummary> {
    const finishMs = options.finishMs ?? this.config.shutdownTimeout * 1000;
    const confirmMs = this.config.confirmWait * 1000;
    if (!this.running) this.start(); // pumps and links must keep moving while we drain
    let cortadas = 0;
    for (const e of this.entries) {
      e.pump.stopAccepting();
      // A sale held by a pause cannot finish: it ends now, as cancelled.
      if (e.pump.hasSale && !e.pump.dispensing && e.pump.cancelSale()) cortadas++;
    }
    const finished = await this.until(() => !this.entries.some((e) => e.pump.dispensing), finishMs);
    if (!finished) {
      for (const e of this.entries) if (e.pump.hasSale && e.pump.cancelSale()) cortadas++;
    }
    // Wait while a pump that can still reach the station (registered, or reconnecting: not stopped
    // for good) holds unconfirmed sales. A pump between two connections is still worth waiting for.
    // A sale can still become durable while we wait (the last cancelled sales, a write in flight):
    // flush and look again until nothing is pending or the time is up.
    const confirmEnd = this.clock.now() + confirmMs;
    // A sale still being written counts: it becomes durable at the next flush, then goes out.
    const reachable = () =>
      this.entries.some(
        (e) => e.link.fatal === null && e.link.hasStarted && (e.book.pending.size > 0 || e.book.writing > 0),
      );
    // Each round resends whatever is still unconfirmed at once, so one lost answer costs a second,
    // not the rest of the wait.
    do {
      await this.bounded(this.outbox.flush(), 10_000);
      for (const e of this.entries) e.link.hurry();
      const round = Math.min(SHUTDOWN_RESEND_MS, confirmEnd - this.clock.now());
      await this.until(() => this.outbox.pending === 0 || !reachable(), round);
    } while (this.outbox.pending > 0 && reachable() && this.clock.now() < confirmEnd);
    if (this.outbox.pending > 0) {
      const holding = this.entries
        .filter((e) => e.book.pending.size > 0 || e.book.writing > 0)
        .slice(0, 10)
        .map((e) => ({
          id_surtidor: e.pump.id,
          pendientes: e.book.pending.size,
          escribiendo: e.book.writing,
          en_curso: e.link.inFlight,
          registrado: e.link.registered,
          detenido: e.link.fatal?.message ?? null,
        }));
      this.log.warn(
        {
          pendientes: this.outbox.pending,
          en_curso: this.entries.reduce((n, e) => n + e.link.inFlight, 0),
          surtidores: holding,
        },
        'cierre: quedan ventas sin confirmar; siguen en el outbox y se reenvían al volver',
      );
    }
    this.stopTicking();
    for (const e of this.entries) e.link.stop();
    this.gauge?.link.stop();
    const summary = { ...this.stats(), cortadas };
    this.outboxClosed = true;
    await this.bounded(this.outbox.close(), 10_000);
    return summary;
  }

  private recordSale(tx: TransaccionCompletada): void {
    if (this.outboxClosed) {
      this.log.error({ id_transaccion: tx.id_transaccion }, 'venta después de cerrar el outbox: no se registra');
      return;
    }
    this.outbox.recordSale(tx);
    this.produced.ventas += 1;
    if (tx.estado === 'cancelada') this.produced.canceladas += 1;
    this.produced.monto += tx.monto_total;
    this.produced.litros += tx.litros;
    this.log.debug(
      {
        id_surtidor: tx.id_surtidor,
        id_transaccion: tx.id_transaccion,
        litros: tx.litros,
        monto_total: tx.monto_total,
        estado: tx.estado,
      },
      'venta',
    );
  }

  private linkStopped(id: number, err: Error): void {
    this.stopped += 1;
    const code = (err as Error & { code?: string }).code;
    if (this.stopped === 1) {
      this.log.error({ id_surtidor: id, codigo: code, err: err.message }, 'enlace detenido definitivamente');
    } else {
      this.log.debug({ id_surtidor: id, codigo: code, err: err.message }, 'enlace detenido definitivamente');
    }
    if (this.stopped === this.entries.length) this.onAllStopped?.(err);
  }

  private async until(pred: () => boolean, ms: number): Promise<boolean> {
    const end = this.clock.now() + ms;
    while (!pred()) {
      if (this.clock.now() >= end) return false;
      await sleep(this.clock, Math.min(50, this.config.tickMs));
    }
    return true;
  }

  /** Waits for `p`, but no longer than `ms` on the clock. */
  private async bounded(p: Promise<void>, ms: number): Promise<void> {
    let timer: TimerHandle | undefined;
    await Promise.race([p, new Promise<void>((r) => (timer = this.clock.setTimeout(r, ms)))]);
    this.clock.clearTimeout(timer);
  }
}

function logGaugeEvent(log: Logger, e: GaugeEvent): void {
  switch (e.tipo) {
    case 'descarga_pedida':
      log.info({ id_tanque: e.id_tanque, llega_en_ms: e.llegaEnMs }, 'tanque bajo: descarga pedida');
      return;
    case 'descarga_iniciada':
      log.info(
        { id_tanque: e.id_tanque, litros: e.litros, temperatura_c: e.temperaturaC },
        'descarga de camión iniciada',
      );
      return;
    case 'tanque_vacio':
      log.warn(
        { codigo: 'TANQUE_VACIO', id_tanque: e.id_tanque, faltaron_litros: e.faltaronLitros },
        'un surtidor vendió combustible que su tanque no tenía (--descargas lo rellena)',
      );
  }
}
