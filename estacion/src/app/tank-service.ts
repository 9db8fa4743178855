/**
 * (ext, issue 14) Tanks and gauges at the station: the tanks' configuration, the gauges registered
 * on the pump port, their readings (reviewed, stored in batches, the last one per tank held live),
 * the deliveries and alerts TankWatch finds, and which tank each sale drew from. Transport (the
 * pump hub, REST) calls it; it talks to the store and publishes `tanque` and `descarga` on the bus.
 */
import { randomUUID } from 'node:crypto';
import {
  type Clock,
  isoNow,
  type LecturaTanque,
  type Logger,
  type RegistroMedidor,
  unrefTimer,
} from '@combustible/shared';
import type { StationAlertCode } from '../domain/alert-codes.js';
import {
  calibracionCilindro,
  type Descarga,
  type Lectura,
  revisarCalibracion,
  revisarLectura,
  type RevisionLectura,
  type Tanque,
  tanqueDe,
} from '../domain/tanks.js';
import { type AccionTanque, DEFAULT_TANK_WATCH, TankWatch, type TankWatchOptions } from '../domain/tanks-watch.js';
import type { EstadoSurtidor, Transaccion } from '../domain/types.js';
import { StationError } from '../errors.js';
import type { StationStore } from '../store/port.js';
import type { StationBus } from './events.js';
import type { StationService } from './station-service.js';

export interface TankServiceOptions {
  /** --max-tanques: tanks the station may have. */
  maxTanques: number;
  /** --max-medidores: distinct gauges that may register while the station runs. */
  maxMedidores: number;
  /** --lecturas-dias: raw readings older than this are pruned (those marked `conservar` stay). */
  lecturasDias: number;
  watch: TankWatchOptions;
  /** The `tanque` event is sent at most this often per tank (the last reading always goes out). */
  eventoMs: number;
}

export const DEFAULT_TANK_OPTIONS: TankServiceOptions = {
  maxTanques: 64,
  maxMedidores: 64,
  lecturasDias: 35,
  watch: DEFAULT_TANK_WATCH,
  eventoMs: 1000,
};

/** How often silent probes are looked for, and how often old readings are pruned. */
const REVISION_MS = 5000;
const PODA_MS = 3_600_000;
/** Readings waiting for their write past this are dropped (the store is not keeping up), logged. */
const MAX_PENDIENTES = 50_000;

export type NuevoTanque = Omit<Tanque, 'creado' | 'actualizado'>;
export type CambiosTanque = Partial<Omit<NuevoTanque, 'id_tanque'>>;

/** A tank as the API and the dashboard show it. */
export type VistaTanque = Tanque & { ultima_lectura: Lectura | null };

export type RegistroMedidorResultado = { ok: true } | { ok: false; codigo: 'LIMITE_EXCEDIDO'; mensaje: string };

export interface TankMetrics {
  tanks(count: number): void;
  gauges(count: number): void;
  reading(resultado: 'almacenada' | 'observada' | 'rechazada'): void;
  delivery(): void;
}

const noMetrics: TankMetrics = { tanks() {}, gauges() {}, reading() {}, delivery() {} };

const ALERTAS_TANQUE: ReadonlySet<string> = new Set<StationAlertCode>([
  'TANQUE_NIVEL_BAJO',
  'TANQUE_AGUA_ALTA',
  'TANQUE_SIN_LECTURAS',
  'TANQUE_AUTONOMIA_BAJA',
]);

export class TankService {
  private readonly tanques = new Map<number, Tanque>();
  private readonly watches = new Map<number, TankWatch>();
  private readonly ultimas = new Map<number, Lectura>();
  /** Gauges registered since the start: the tanks each measures, and whether it is connected. */
  private readonly medidores = new Map<number, { tanques: Set<number>; conectado: boolean }>();
  /** The UTC hour (YYYY-MM-DDTHH) of the last reading marked `conservar`, per tank. */
  private readonly horaConservada = new Map<number, string>();
  private pendientes: Lectura[] = [];
  private escribiendo: Promise<void> = Promise.resolve();
  private readonly eventos = new Map<number, { ultimo: number; timer: ReturnType<Clock['setTimeout']> | undefined }>();
  private revisionTimer: ReturnType<Clock['setTimeout']> | undefined;
  private podaTimer: ReturnType<Clock['setTimeout']> | undefined;
  private closed = false;
  private readonly onSale = (tx: Transaccion) => this.sale(tx);

  constructor(
    private readonly store: StationStore,
    private readonly bus: StationBus,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly station: Pick<StationService, 'pump' | 'raiseAlert' | 'resolveAlert'>,
    private readonly options: TankServiceOptions = DEFAULT_TANK_OPTIONS,
    private readonly metrics: TankMetrics = noMetrics,
  ) {}

  async init(): Promise<void> {
    for (const t of await this.store.listTanks()) this.adopt(t);
    for (const l of await this.store.lastReadings()) {
      this.ultimas.set(l.id_tanque, l);
      this.horaConservada.set(l.id_tanque, l.recibida.slice(0, 13));
    }
    for (const a of await this.store.listAlerts({ abiertas: true, limit: 100_000 })) {
      if (!ALERTAS_TANQUE.has(a.codigo)) continue;
      const id = Number(a.clave.split(':')[1]);
      this.watches.get(id)?.marcarAbierta(a.codigo as StationAlertCode);
    }
    this.metrics.tanks(this.tanques.size);
    this.bus.on('transaccion', this.onSale);
    this.scheduleRevision();
    this.schedulePoda(0);
  }

  // ── tanks ────────────────────────────────────────────────────────────────────────────────

  all(): VistaTanque[] {
    return [...this.tanques.values()].sort((a, b) => a.id_tanque - b.id_tanque).map((t) => this.vista(t));
  }

  get(id: number): VistaTanque | undefined {
    const t = this.tanques.get(id);
    return t ? this.vista(t) : undefined;
  }

  get count(): number {
    return this.tanques.size;
  }

  private vista(t: Tanque): VistaTanque {
    return { ...t, ultima_lectura: this.ultimas.get(t.id_tanque) ?? null };
  }

  private adopt(t: Tanque): void {
    this.tanques.set(t.id_tanque, t);
    const w = this.watches.get(t.id_tanque);
    if (w) w.tanque = t;
    else this.watches.set(t.id_tanque, new TankWatch(t, this.options.watch));
  }

  private plausible(t: Pick<Tanque, 'capacidad_litros' | 'calibracion' | 'nivel_bajo_litros'>): void {
    const problemas = revisarCalibracion(t);
    if (t.nivel_bajo_litros >= t.capacidad_litros) {
      problemas.push(`nivel_bajo_litros (${t.nivel_bajo_litros}) no es menor que la capacidad (${t.capacidad_litros})`);
    }
    if (problemas.length > 0) {
      throw new StationError(
        'CALIBRACION_INVALIDA',
        `tanque implausible: ${problemas[0]}`,
        problemas.map((problema) => ({ campo: 'calibracion', problema })),
      );
    }
  }

  async create(input: NuevoTanque): Promise<VistaTanque> {
    if (this.tanques.has(input.id_tanque)) {
      throw new StationError('TANQUE_EXISTE', `ya existe el tanque ${input.id_tanque}`);
    }
    if (this.tanques.size >= this.options.maxTanques) {
      throw new StationError(
        'TANQUES_EXCEDIDOS',
        `la estación ya tiene ${this.tanques.size} tanques (máximo ${this.options.maxTanques}, --max-tanques)`,
      );
    }
    this.plausible(input);
    const now = isoNow(this.clock);
    const t: Tanque = { ...input, calibracion: [...input.calibracion], creado: now, actualizado: now };
    await this.store.upsertTank(t);
    this.adopt(t);
    this.metrics.tanks(this.tanques.size);
    return this.changed(t);
  }

  async update(id: number, patch: CambiosTanque): Promise<VistaTanque | null> {
    const current = this.tanques.get(id);
    if (!current) return null;
    const next: Tanque = { ...current, ...patch, id_tanque: id, actualizado: isoNow(this.clock) };
    this.plausible(next);
    await this.store.upsertTank(next);
    this.adopt(next);
    return this.changed(next);
  }

  async remove(id: number): Promise<boolean> {
    if (!this.tanques.has(id)) return false;
    await this.store.deleteTank(id);
    this.tanques.delete(id);
    this.watches.delete(id);
    this.ultimas.delete(id);
    this.clearEvent(id);
    this.metrics.tanks(this.tanques.size);
    this.bus.emit('tanque_eliminado', { id_tanque: id });
    return true;
  }

  private changed(t: Tanque): VistaTanque {
    const v = this.vista(t);
    this.bus.emit('tanque', v);
    return v;
  }

  /** The tank a sale of this pump and fuel draws from (see domain/tanks.ts), or null. */
  tankOf(idSurtidor: number, combustible: Tanque['combustible']): number | null {
    return tanqueDe(this.station.pump(idSurtidor), combustible, this.tanques.values());
  }

  /** Litres per hour sold from this tank over the last hour (0 for an unknown tank). */
  salesRate(id: number): number {
    return this.watches.get(id)?.tasaVentas(this.clock.now()) ?? 0;
  }

  /**
   * Litres being dispensed from tank `id` right now and not reported yet: the `litros_actuales` of
   * the pumps (their live state) dispensing a fuel that draws from it.
   */
  litrosEnCurso(id: number, estados: Iterable<EstadoSurtidor>): number {
    let litros = 0;
    for (const e of estados) {
      if (e.estado_operacion !== 'despachando' || e.tipo_combustible === null) continue;
      if (this.tankOf(e.id_surtidor, e.tipo_combustible) === id && Number.isFinite(e.litros_actuales))
        litros += Math.max(0, e.litros_actuales);
    }
    return litros;
  }

  /** Whether `id` names a tank of this fuel (for a pump's configuracion.tanques). */
  tankSells(id: number, combustible: Tanque['combustible']): boolean {
    return this.tanques.get(id)?.combustible === combustible;
  }

  private sale(tx: Transaccion): void {
    const id = this.tankOf(tx.id_surtidor, tx.tipo_combustible);
    if (id === null) return;
    const ms = Date.parse(tx.fecha_fin);
    this.watches.get(id)?.venta(Number.isNaN(ms) ? this.clock.now() : Math.min(ms, this.clock.now()), tx.litros);
  }

  // ── gauges ───────────────────────────────────────────────────────────────────────────────

  /** A gauge registered (after authentication): refused past --max-medidores distinct gauges. */
  registerGauge(reg: RegistroMedidor): RegistroMedidorResultado {
    const known = this.medidores.get(reg.id_medidor);
    if (!known && this.medidores.size >= this.options.maxMedidores) {
      return {
        ok: false,
        codigo: 'LIMITE_EXCEDIDO',
        mensaje: `la estación ya tiene ${this.medidores.size} medidores (máximo ${this.options.maxMedidores}, --max-medidores)`,
      };
    }
    const desconocidos = reg.tanques.filter((t) => !this.tanques.has(t));
    if (desconocidos.length > 0) {
      this.log.warn(
        { id_medidor: reg.id_medidor, tanques: desconocidos },
        'medidor registrado con tanques que la estación no tiene: sus lecturas se rechazarán',
      );
    }
    this.medidores.set(reg.id_medidor, { tanques: new Set(reg.tanques), conectado: true });
    this.metrics.gauges(this.connectedGauges());
    return { ok: true };
  }

  gaugeDisconnected(id: number): void {
    const m = this.medidores.get(id);
    if (m) m.conectado = false;
    this.metrics.gauges(this.connectedGauges());
  }

  private connectedGauges(): number {
    let n = 0;
    for (const m of this.medidores.values()) if (m.conectado) n++;
    return n;
  }

  /**
   * A gauge's reading: reviewed (domain/tanks.ts revisarLectura); a refused one is answered with
   * its code and not stored; a taken one is stored (in the background, in batches), becomes the
   * tank's live reading and goes through the tank's watch.
   */
  reading(msg: LecturaTanque): RevisionLectura {
    const tanque = this.tanques.get(msg.id_tanque);
    const revision = revisarLectura(tanque, this.medidores.get(msg.id_medidor)?.tanques ?? new Set(), msg);
    if (!revision.ok || !tanque) {
      this.metrics.reading('rechazada');
      return revision;
    }
    this.metrics.reading(revision.observaciones.length > 0 ? 'observada' : 'almacenada');
    const recibida = isoNow(this.clock);
    const hora = recibida.slice(0, 13);
    const conservar = this.horaConservada.get(msg.id_tanque) !== hora;
    if (conservar) this.horaConservada.set(msg.id_tanque, hora);
    const { tipo: _tipo, ...campos } = msg;
    const lectura: Lectura = { ...campos, recibida, observaciones: revision.observaciones, conservar };
    this.ultimas.set(msg.id_tanque, lectura);
    this.writeBehind(lectura);
    const watch = this.watches.get(msg.id_tanque);
    if (watch) {
      this.act(tanque, watch.lectura({ ms: this.clock.now(), litros: msg.litros, altura_agua_mm: msg.altura_agua_mm }));
    }
    this.throttledEvent(msg.id_tanque);
    return revision;
  }

  private act(tanque: Tanque, acciones: AccionTanque[]): void {
    for (const a of acciones) {
      const clave = (codigo: string) => `${codigo}:${tanque.id_tanque}`;
      if (a.kind === 'alerta') {
        this.station.raiseAlert({
          codigo: a.codigo,
          clave: clave(a.codigo),
          mensaje: a.mensaje,
          severidad: a.codigo === 'TANQUE_AUTONOMIA_BAJA' ? 'advertencia' : 'critica',
          id_surtidor: null,
          datos: a.datos,
        });
      } else if (a.kind === 'resolver') {
        this.station.resolveAlert(clave(a.codigo));
      } else {
        const d: Descarga = {
          id: `D-${randomUUID()}`,
          id_tanque: tanque.id_tanque,
          inicio: new Date(a.inicioMs).toISOString(),
          fin: new Date(a.finMs).toISOString(),
          litros: Math.round((a.litros_fin - a.litros_inicio + a.ventas) * 10) / 10,
          litros_inicio: Math.round(a.litros_inicio * 10) / 10,
          litros_fin: Math.round(a.litros_fin * 10) / 10,
          ventas_litros: Math.round(a.ventas * 10) / 10,
        };
        this.metrics.delivery();
        this.log.info({ descarga: d }, `descarga detectada en el tanque ${tanque.id_tanque}: ${d.litros} litros`);
        this.escribiendo = this.escribiendo
          .then(() => this.store.saveDelivery(d))
          .then(
            () => {
              this.bus.emit('descarga', d);
            },
            (err: unknown) => this.log.error({ err, descarga: d }, 'descarga: falló la escritura'),
          );
      }
    }
  }

  /** Readings are written in batches: one write for all that arrived while the previous one ran. */
  private writeBehind(l: Lectura): void {
    if (this.pendientes.length >= MAX_PENDIENTES) {
      this.log.error({ id_tanque: l.id_tanque }, 'lecturas: el almacenamiento no da abasto; lectura descartada');
      return;
    }
    this.pendientes.push(l);
    if (this.pendientes.length > 1) return;
    this.escribiendo = this.escribiendo.then(async () => {
      const batch = this.pendientes;
      this.pendientes = [];
      try {
        await this.store.insertReadings(batch);
      } catch (err) {
        this.log.error({ err, lecturas: batch.length }, 'lecturas: falló la escritura');
      }
    });
  }

  /** The `tanque` event at most every eventoMs per tank; the newest state always goes out last. */
  private throttledEvent(id: number): void {
    const now = this.clock.now();
    const e = this.eventos.get(id) ?? { ultimo: Number.NEGATIVE_INFINITY, timer: undefined };
    this.eventos.set(id, e);
    if (e.timer !== undefined) return;
    const wait = e.ultimo + this.options.eventoMs - now;
    const emit = () => {
      e.timer = undefined;
      e.ultimo = this.clock.now();
      const v = this.get(id);
      if (v) this.bus.emit('tanque', v);
    };
    if (wait <= 0) emit();
    else {
      e.timer = this.clock.setTimeout(emit, wait);
      unrefTimer(e.timer);
    }
  }

  private clearEvent(id: number): void {
    this.clock.clearTimeout(this.eventos.get(id)?.timer);
    this.eventos.delete(id);
  }

  /** Looks for silent probes (TankWatch.revisar). */
  checkSilence(): void {
    const now = this.clock.now();
    for (const [id, w] of this.watches) {
      const t = this.tanques.get(id);
      if (t) this.act(t, w.revisar(now));
    }
  }

  private scheduleRevision(): void {
    if (this.closed) return;
    this.revisionTimer = this.clock.setTimeout(() => {
      this.checkSilence();
      this.scheduleRevision();
    }, REVISION_MS);
    unrefTimer(this.revisionTimer);
  }

  /** Deletes the raw readings older than --lecturas-dias (those marked `conservar` stay). */
  async prune(): Promise<number> {
    const before = new Date(this.clock.now() - this.options.lecturasDias * 86_400_000).toISOString();
    const n = await this.store.pruneReadings(before);
    if (n > 0) this.log.info({ borradas: n, antes_de: before }, 'lecturas de tanque antiguas borradas');
    return n;
  }

  private schedulePoda(ms: number): void {
    if (this.closed) return;
    this.podaTimer = this.clock.setTimeout(() => {
      this.prune().then(
        () => this.schedulePoda(PODA_MS),
        (err: unknown) => {
          this.log.error({ err }, 'lecturas: falló la poda');
          this.schedulePoda(PODA_MS);
        },
      );
    }, ms);
    unrefTimer(this.podaTimer);
  }

  /** Resolves once every reading and delivery received so far is written. */
  async settled(): Promise<void> {
    let before: Promise<void>;
    do {
      before = this.escribiendo;
      await before;
    } while (before !== this.escribiendo);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.bus.off('transaccion', this.onSale);
    this.clock.clearTimeout(this.revisionTimer);
    this.clock.clearTimeout(this.podaTimer);
    for (const id of [...this.eventos.keys()]) this.clearEvent(id);
    await this.settled();
  }
}

/** The demo tanks of `--tanques-demo` (npm start): ids 1–4 hold 93, 95, 97 and diesel. */
export const TANQUES_DEMO: readonly NuevoTanque[] = (['93', '95', '97', 'diesel'] as const).map((combustible, i) => ({
  id_tanque: i + 1,
  nombre: `Tanque ${combustible === 'diesel' ? 'diésel' : combustible}`,
  combustible,
  capacidad_litros: 30_000,
  calibracion: calibracionCilindro(30_000, 2500),
  nivel_bajo_litros: 3000,
  agua_alta_mm: 50,
}));

/** --tanques-demo: on a start without tanks, creates TANQUES_DEMO (a station with tanks is left alone). */
export async function seedDemoTanks(tanks: TankService, log: Logger): Promise<void> {
  if (tanks.count > 0) return;
  for (const t of TANQUES_DEMO) await tanks.create(t);
  log.info({ tanques: TANQUES_DEMO.map((t) => t.id_tanque) }, 'tanques de demostración creados (--tanques-demo)');
}
