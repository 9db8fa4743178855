/**
 * (ext, issue 14) Wet-stock reconciliation and leak detection in the running station: gathers a
 * tank's readings, the sales of the nozzles that draw from it and its deliveries from the store
 * (paged and bounded), hands them to the pure domain (conciliar, detectarFugas) and, every
 * --deteccion-fugas-min, raises or resolves FUGA_SOSPECHADA / DIFERENCIA_INVENTARIO through the
 * station service; every --perdida-subita-s (and with each detector run), the sudden-loss rule over
 * the last --perdida-subita-min (domain/perdida-subita.ts). Times are the station's (a reading's `recibida`), as the store's ranges are.
 */
import { type Clock, type Logger, timestampMs, unrefTimer } from '@combustible/shared';
import {
  conciliar,
  type DescargaConciliable,
  type EntradaTanque,
  type FilaConciliacion,
  type LecturaConciliable,
  limitesDiarios,
  limitesTurnos,
  type VentaConciliable,
} from '../domain/conciliacion.js';
import { detectarFugas, MAX_LECTURAS_VENTANA, type OpcionesDetector } from '../domain/fugas.js';
import { type OpcionesPerdidaSubita, perdidaSubita } from '../domain/perdida-subita.js';
import type { StationStore } from '../store/port.js';
import type { StationService } from './station-service.js';
import type { TankService } from './tank-service.js';

const HORA_MS = 3_600_000;
const DIA_MS = 24 * HORA_MS;
/** Rows read between two turns of the event loop. */
const PAGINA = 1000;
/** The most sales one gathering reads (all pumps, all fuels): beyond, the rest is left out and logged. */
export const MAX_VENTAS = 500_000;
/** The most deliveries of one tank one gathering reads. */
const MAX_DESCARGAS = 10_000;

export interface ConciliacionOptions {
  /** --deteccion-fugas-min: minutes between runs of the leak detector; 0 = off. */
  deteccionFugasMin: number;
  detector?: OpcionesDetector;
  /** --perdida-subita-s: seconds between runs of the sudden-loss rule; 0 = off (also in the detector's runs). */
  perdidaSubitaS?: number;
  perdidaSubita?: OpcionesPerdidaSubita;
  /** Litres being dispensed from a tank right now, not reported yet (the pumps' live state). */
  litrosEnCurso?: (id_tanque: number) => number;
  /** The bounds on the rows one gathering reads (default MAX_VENTAS, MAX_LECTURAS_VENTANA, 10 000 deliveries a tank). */
  maxFilas?: { ventas?: number; lecturas?: number; descargas?: number };
}

/** Defaults of the sudden-loss rule's window and settling time (domain/perdida-subita.ts). */
const VENTANA_PERDIDA_MS = 60 * 60_000;
const ASENTAMIENTO_PERDIDA_MS = 60 * 60_000;

/** The days a report covers when the query names no range. */
export const DIAS_POR_DEFECTO = 7;

export interface ConsultaConciliacion {
  /** Both or neither: absent, the last DIAS_POR_DEFECTO days up to the clock's now. */
  desde?: number | undefined;
  hasta?: number | undefined;
  id_tanque?: number | undefined;
  /** Shift starts in minutes after midnight; absent: one period a day. */
  turnos?: readonly number[] | undefined;
  /** UTC offset of the local midnight, minutes (default 0). */
  offsetMin?: number | undefined;
}

export interface ConciliacionTanque {
  id_tanque: number;
  /** True when a bound on the rows read (readings, sales, deliveries) left some out. */
  truncado: boolean;
  periodos: FilaConciliacion[];
}

/** Who asked for a tank's data: the API, the statistical detector, the sudden-loss rule. */
export type OrigenConciliacion = 'api' | 'detector' | 'perdida_subita';

export interface ConciliacionMetrics {
  /** One tank reconciled or judged; `truncada` when a bound on the rows read left some out. */
  conciliacion(origen: OrigenConciliacion, truncada: boolean): void;
}

const noMetrics: ConciliacionMetrics = { conciliacion() {} };

/** What the periodic detector reports (for logs and tests). */
export interface EjecucionDetector {
  tanques: number;
  alertas: string[];
  resueltas: string[];
}

/**
 * Reads a newest-first store iterator (keyset pages in SQLite, a cursor in MongoDB), handing each
 * row to `each` (which returns false once the rest is older than wanted), until it ends or `max`
 * rows were read; true when `max` cut it short (a row beyond it exists). Only what `each` keeps
 * stays in memory. Leaving the loop early closes the iterator (its cursor is released).
 */
async function leer<T>(filas: AsyncIterable<T>, max: number, each: (item: T) => boolean): Promise<boolean> {
  let n = 0;
  for await (const item of filas) {
    if (n >= max) return true;
    n++;
    if (!each(item)) return false;
    // SQLite answers synchronously: every PAGINA rows, let the station's sockets and timers run.
    if (n % PAGINA === 0) await new Promise<void>((r) => setImmediate(r));
  }
  return false;
}

const ms = timestampMs;

export class ConciliacionService {
  private readonly timers = new Map<string, ReturnType<Clock['setTimeout']>>();
  private closed = false;
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly store: StationStore,
    private readonly tanks: TankService,
    private readonly station: Pick<StationService, 'raiseAlert' | 'resolveAlert'>,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: ConciliacionOptions,
    private readonly metrics: ConciliacionMetrics = noMetrics,
  ) {}

  /**
   * The readings, sales and deliveries of each tank in `ids` over [desde, hasta], bounded: the
   * sales are read once for all the tanks and split by the tank each pump and fuel draws from.
   */
  async entradas(
    ids: readonly number[],
    desde: number,
    hasta: number,
    origen: OrigenConciliacion = 'api',
  ): Promise<(EntradaTanque & { truncado: boolean })[]> {
    const d = new Date(desde).toISOString();
    const h = new Date(hasta).toISOString();
    const porTanque = new Map<number, VentaConciliable[]>(ids.map((id) => [id, []]));
    const ventasTruncadas = await leer(
      this.store.iterateTransactions({ fecha_inicio: d, fecha_fin: h }),
      this.options.maxFilas?.ventas ?? MAX_VENTAS,
      (t) => {
        const id = this.tanks.tankOf(t.id_surtidor, t.tipo_combustible);
        const fin = ms(t.fecha_fin);
        const inicio = ms(t.fecha_inicio);
        if (id !== null && Number.isFinite(fin))
          porTanque
            .get(id)
            ?.push({ fecha_fin: fin, litros: t.litros, ...(inicio <= fin ? { fecha_inicio: inicio } : {}) });
        return true;
      },
    );
    if (ventasTruncadas)
      this.log.warn({ desde: d, hasta: h, max: MAX_VENTAS }, 'conciliación: demasiadas ventas en el rango');
    const out: (EntradaTanque & { truncado: boolean })[] = [];
    for (const id_tanque of ids) {
      const lecturas: LecturaConciliable[] = [];
      const lecturasTruncadas = await leer(
        this.store.iterateReadings({ id_tanque, desde: d, hasta: h }),
        this.options.maxFilas?.lecturas ?? MAX_LECTURAS_VENTANA,
        (l) => {
          const t = ms(l.recibida);
          if (Number.isFinite(t)) lecturas.push({ timestamp: t, litros: l.litros, litros_15c: l.litros_15c });
          return true;
        },
      );
      // Deliveries come newest first by inicio: stop at the first that began well before the range.
      const descargas: DescargaConciliable[] = [];
      const descargasTruncadas = await leer(
        this.store.iterateDeliveries({ id_tanque }),
        this.options.maxFilas?.descargas ?? MAX_DESCARGAS,
        (x) => {
          const inicio = ms(x.inicio);
          const fin = ms(x.fin);
          if (inicio < desde - DIA_MS) return false;
          if (Number.isFinite(inicio + fin) && fin >= desde && inicio <= hasta)
            descargas.push({ inicio, fin, litros: x.litros });
          return true;
        },
      );
      if (lecturasTruncadas || descargasTruncadas)
        this.log.warn(
          { id_tanque, desde: d, hasta: h },
          'conciliación: se leyó solo una parte de las lecturas o descargas',
        );
      const truncado = ventasTruncadas || lecturasTruncadas || descargasTruncadas;
      this.metrics.conciliacion(origen, truncado);
      out.push({
        id_tanque,
        truncado,
        lecturas,
        ventas: porTanque.get(id_tanque) ?? [],
        descargas,
      });
    }
    return out;
  }

  /** The reconciliation of each tank (or the one asked for) by day or shift. Throws RangeError on a bad range. */
  async conciliar(q: ConsultaConciliacion): Promise<ConciliacionTanque[]> {
    const hasta = q.hasta ?? this.clock.now();
    const desde = q.desde ?? hasta - DIAS_POR_DEFECTO * DIA_MS;
    const limites = q.turnos
      ? limitesTurnos(desde, hasta, q.turnos, q.offsetMin)
      : limitesDiarios(desde, hasta, q.offsetMin);
    const ids = this.tanks
      .all()
      .map((t) => t.id_tanque)
      .filter((id) => q.id_tanque === undefined || id === q.id_tanque);
    return this.porLimites(ids, limites);
  }

  /** The reconciliation of every tank over exactly [desde, hasta] (a close's range), one period each. */
  async conciliarRango(desde: number, hasta: number): Promise<ConciliacionTanque[]> {
    return this.porLimites(
      this.tanks.all().map((t) => t.id_tanque),
      [desde, hasta],
    );
  }

  private async porLimites(ids: readonly number[], limites: readonly number[]): Promise<ConciliacionTanque[]> {
    const first = limites[0] as number;
    const last = limites[limites.length - 1] as number;
    // A reading up to the tolerance before the first edge (or after the last) may open (close) a period.
    const entradas = await this.entradas(ids, first - HORA_MS, last + HORA_MS);
    return entradas.map(({ truncado, ...entrada }) => ({
      id_tanque: entrada.id_tanque,
      truncado,
      periodos: conciliar(entrada, limites),
    }));
  }

  /** One run of the leak detector over every tank: raises what it finds, resolves what it cleared. */
  async detectar(): Promise<EjecucionDetector> {
    const now = this.clock.now();
    const dias = this.options.detector?.ventanaDias ?? 30;
    const result: EjecucionDetector = { tanques: 0, alertas: [], resueltas: [] };
    const ids = this.tanks.all().map((t) => t.id_tanque);
    for (const { truncado: _, ...entrada } of await this.entradas(ids, now - dias * DIA_MS, now, 'detector')) {
      const r = detectarFugas(entrada, this.clock, this.options.detector);
      result.tanques++;
      for (const a of r.alertas) {
        this.station.raiseAlert(a);
        result.alertas.push(a.clave);
      }
      for (const clave of r.resueltas) {
        this.station.resolveAlert(clave);
        result.resueltas.push(clave);
      }
    }
    if ((this.options.perdidaSubitaS ?? 0) > 0) {
      const subita = await this.perdidaSubita();
      result.alertas.push(...subita.alertas);
      result.resueltas.push(...subita.resueltas);
    }
    return result;
  }

  /** One run of the sudden-loss rule over every tank's last window: raises what it finds, resolves what it cleared. */
  async perdidaSubita(): Promise<EjecucionDetector> {
    const now = this.clock.now();
    const o = this.options.perdidaSubita ?? {};
    const desde = now - (o.ventanaMs ?? VENTANA_PERDIDA_MS) - (o.asentamientoMs ?? ASENTAMIENTO_PERDIDA_MS);
    const result: EjecucionDetector = { tanques: 0, alertas: [], resueltas: [] };
    const ids = this.tanks.all().map((t) => t.id_tanque);
    for (const { truncado: _, ...entrada } of await this.entradas(ids, desde, now, 'perdida_subita')) {
      const enCurso = this.options.litrosEnCurso?.(entrada.id_tanque) ?? 0;
      const r = perdidaSubita(entrada, this.clock, o, enCurso);
      result.tanques++;
      if (r.alerta) {
        this.station.raiseAlert(r.alerta);
        result.alertas.push(r.alerta.clave);
      } else if (r.resuelta !== null) {
        this.station.resolveAlert(r.resuelta);
        result.resueltas.push(r.resuelta);
      }
    }
    return result;
  }

  /** Starts the periodic detector and sudden-loss rule (each off when its flag is 0). */
  start(): void {
    if (this.options.deteccionFugasMin > 0)
      this.schedule('detección de fugas', this.options.deteccionFugasMin * 60_000, () => this.detectar());
    const s = this.options.perdidaSubitaS ?? 0;
    if (s > 0) this.schedule('pérdida súbita', s * 1000, () => this.perdidaSubita());
  }

  private schedule(que: string, everyMs: number, run: () => Promise<EjecucionDetector>): void {
    if (this.closed) return;
    const timer = this.clock.setTimeout(() => {
      const p = run().then(
        (r) => this.log.debug(r, que),
        (err: unknown) => this.log.error({ err }, `${que}: falló`),
      );
      this.running.add(p);
      void p.finally(() => {
        this.running.delete(p);
        this.schedule(que, everyMs, run);
      });
    }, everyMs);
    this.timers.set(que, timer);
    unrefTimer(timer);
  }

  /** Resolves once the runs under way (if any) have ended. */
  async idle(): Promise<void> {
    await Promise.all([...this.running]);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) this.clock.clearTimeout(t);
    await this.idle();
  }
}
