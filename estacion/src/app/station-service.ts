/**
 * The station's application service: what happens when a pump registers, reports, sells or
 * raises an alert, and when prices change. Transport (the pump hub, REST, the company link) calls
 * it; it talks to the store and publishes events on the bus. Domain rules live in ../domain.
 */

import { randomUUID } from 'node:crypto';
import { GroupCommitter } from '@combustible/server';
import {
  type Clock,
  type Combustible,
  type DetalleError,
  type ComandoOperador,
  type ErrorSurtidor,
  type Estado,
  type Heartbeat,
  isoNow,
  type LimiteAutorizacion,
  type ModoAutorizacion,
  type Logger,
  type Precios,
  precioDe,
  type RechazoPrecios,
  type Registro,
  revisarVigencia,
  type SurtidorReportado,
  type TransaccionCompletada,
  unrefTimer,
  type WireErrorCode,
} from '@combustible/shared';
import type { StationAlertCode } from '../domain/alert-codes.js';
import { type AuditState, auditSale, emptyAuditState, secuenciaDeClave } from '../domain/audit.js';
import {
  type AuthorizationOptions,
  type AuthorizationRefusal,
  Authorizations,
  DEFAULT_AUTHORIZATION_OPTIONS,
  revisarVenta,
} from '../domain/authorizations.js';
import { LiveStates } from '../domain/live-state.js';
import { LIMITES, rechazosVenta } from '../domain/plausibility.js';
import { PriceMismatchWatch } from '../domain/price-mismatch.js';
import { PriceBook, type ResultadoCancelacion, vistaProgramada } from '../domain/prices.js';
import { conflictoEntre } from '../domain/conflicts.js';
import { buildTransaction } from '../domain/transactions.js';
import {
  type Alerta,
  type Autorizacion,
  ESTADOS_AUTORIZACION_ABIERTA,
  type EstadoConexion,
  type EstadoSurtidor,
  type SeveridadAlerta,
  type Surtidor,
  type Transaccion,
  type VersionPrecios,
} from '../domain/types.js';
import type { InsertOutcome, StationStore } from '../store/port.js';
import type { StationBus } from './events.js';
import { ReportJournal } from './report-journal.js';
import { alertaReportada, severidadAlcanza } from '../domain/reportes.js';

export interface StationServiceOptions {
  /** Refuse `registro` for pump ids not configured at the station. */
  strictRegistration: boolean;
  /** A pump clock further off than this raises RELOJ_DESFASADO. */
  maxClockDriftMs: number;
  /** How often dirty live states are written behind. */
  stateFlushMs: number;
  /** Pump records a `registro` may create; an unknown id past it is refused (LIMITE_EXCEDIDO). */
  maxPumps?: number;
  /** (ext) --authorization-timeout and --max-open-authorizations. */
  authorizations?: AuthorizationOptions;
  /**
   * How long a connected, `disponible` pump may keep a price version other than the one in force
   * before PRECIOS_DESALINEADOS is raised (0: never checked).
   */
  priceMismatchMs?: number;
  /**
   * (ext, issue 15) Alerts raised or resolved at or above this severity are journaled for the
   * company (--reportar-alertas); absent: `advertencia`; `ninguna`: none.
   */
  reportarAlertas?: SeveridadAlerta | 'ninguna';
}

/** The default of priceMismatchMs: well past a pump's answer time, short enough to matter. */
export const DEFAULT_PRICE_MISMATCH_MS = 30_000;

/** A scheduled version's timer is re-armed at least this often (timers cannot wait 90 days). */
const MAX_SCHEDULE_WAIT_MS = 3_600_000;

export const DEFAULT_MAX_PUMPS = 1000;

/** Stored price versions read at start to find the newest that follows the prices rule. */
const STORED_PRICE_SCAN = 20;
/** Who issued an authorization under --autorizacion-automatica (in the record and the dashboard). */
export const USUARIO_AUTOMATICO = 'automatica';

export const DEFAULT_SERVICE_OPTIONS: StationServiceOptions = {
  strictRegistration: false,
  maxClockDriftMs: 5000,
  stateFlushMs: 1000,
  maxPumps: DEFAULT_MAX_PUMPS,
  priceMismatchMs: DEFAULT_PRICE_MISMATCH_MS,
};

/**
 * A pump's configuration until a supervisor sets one: capacidad_maxima_litros is the most one sale
 * may dispense (above it a sale is stored with LITROS_SOBRE_CAPACIDAD), sized for a car or truck pump.
 */
export const DEFAULT_CONFIGURACION: Surtidor['configuracion'] = {
  capacidad_maxima_litros: LIMITES.capacidadPorDefecto,
  velocidad_despacho: 1,
};

export interface NuevoSurtidor {
  nombre: string;
  combustibles_soportados: Combustible[];
  combustible_actual?: Combustible | undefined;
  configuracion?: Partial<Surtidor['configuracion']> | undefined;
  modo_autorizacion?: ModoAutorizacion | undefined;
}

export type CambiosSurtidor = Partial<NuevoSurtidor>;

/** An alert to raise: `clave` identifies it (raising it again while open does nothing). */
interface AlertaNueva {
  codigo: string;
  clave: string;
  mensaje: string;
  severidad: SeveridadAlerta;
  id_surtidor: number | null;
  datos?: Record<string, unknown>;
}

export type RegistrationResult =
  { ok: true; surtidor: Surtidor; precios: VersionPrecios } | { ok: false; codigo: WireErrorCode; mensaje: string };

export interface TransactionReceipt {
  id_transaccion: string;
  /** Already stored: the same sale (same content), or the same conflicting version, again. */
  duplicada: boolean;
  /**
   * (ext) Present, and true, only when a different sale with this id was already stored: this one
   * was kept in `conflictos` (durably, so the pump may drop it), the stored one left untouched.
   */
  conflicto?: true;
}

/** A sale that can never be a real one (see domain/plausibility.ts): not stored, the pump keeps it. */
export interface TransactionRefusal {
  rechazada: true;
  detalles: DetalleError[];
}

export class StationService {
  readonly live = new LiveStates();
  private readonly pumps = new Map<number, Surtidor>();
  private book!: PriceBook;
  private readonly audits = new Map<number, Promise<AuditState>>();
  private readonly openGaps = new Map<number, Set<number>>();
  private readonly driftAlerted = new Set<number>();
  private readonly committer: GroupCommitter<Transaccion, InsertOutcome>;
  /** (ext, issue 15) What is forwarded to the company: positions, and the company's cursor. */
  readonly journal: ReportJournal;
  /** Pumps whose reported state changed and is not yet journaled (latest per pump). */
  private readonly pumpReports = new Map<number, SurtidorReportado>();
  /** Writes that are not money (pump records, alerts) run in order, off the hot path. */
  private background: Promise<void> = Promise.resolve();
  /** Pump records registered and not yet handed to the store (see writePumpBehind). */
  private readonly pumpWrites = new Map<number, Surtidor>();
  private flushTimer: ReturnType<Clock['setTimeout']> | undefined;
  /** Puts the scheduled price version in force at its vigencia. */
  private scheduleTimer: ReturnType<Clock['setTimeout']> | undefined;
  private mismatchTimer: ReturnType<Clock['setTimeout']> | undefined;
  /** The pumps' price versions against the one in force (PRECIOS_DESALINEADOS). */
  private readonly mismatch = new PriceMismatchWatch();
  private closed = false;
  /** Ids handed out by createPump are never reused while the station runs. */
  private nextPumpId = 1;
  /** (ext) The open prepaid authorizations (closed ones are in the store). */
  readonly authorizations: Authorizations;
  /** Authorizations issued but not yet durable: they reach the pump only once stored. */
  private readonly issuing = new Set<string>();

  constructor(
    readonly store: StationStore,
    private readonly bus: StationBus,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: StationServiceOptions = DEFAULT_SERVICE_OPTIONS,
  ) {
    this.journal = new ReportJournal(store);
    // The sale's journal position is on its row: one write, so a sale acknowledged is journaled.
    this.committer = new GroupCommitter((batch) =>
      this.journal.write(batch.length, (desde) => this.store.insertTransactions(batch, desde)),
    );
    this.authorizations = new Authorizations(clock, options.authorizations ?? DEFAULT_AUTHORIZATION_OPTIONS, (a) =>
      this.authorizationChanged(a),
    );
  }

  get prices(): PriceBook {
    return this.book;
  }

  get pendingCommits(): number {
    return this.committer.pending;
  }

  set onCommitBatch(fn: ((size: number, ms: number) => void) | undefined) {
    this.committer.onBatch = fn;
  }

  async init(): Promise<void> {
    await this.journal.init();
    for (const p of await this.store.listPumps()) this.pumps.set(p.id_surtidor, p);
    this.nextPumpId = await this.store.nextPumpId();
    this.live.load(await this.store.listStates());
    // The newest stored version that follows the prices rule: an older build may have stored a
    // version or prices it breaks (they are skipped, logged and raised as an alert, never held).
    const stored = await this.store.latestPriceVersions(STORED_PRICE_SCAN);
    const { book, descartadas } = PriceBook.fromStored(stored, isoNow(this.clock));
    this.book = book;
    if (descartadas.length > 0) {
      const versiones = descartadas.map((v) => String(v.version));
      this.log.error(
        { descartadas: versiones, vigente: book.current.version },
        'precios almacenados fuera de la regla (de una versión anterior del programa): se ignoran',
      );
      this.raiseAlert({
        codigo: 'PRECIOS_ALMACENADOS_INVALIDOS',
        clave: 'PRECIOS_ALMACENADOS_INVALIDOS',
        mensaje: `versiones de precios almacenadas fuera de la regla, ignoradas: ${versiones.join(', ')}; vigente la ${book.current.version}`,
        severidad: 'advertencia',
        id_surtidor: null,
        datos: { descartadas: versiones, vigente: book.current.version },
      });
    }
    if (!stored.some((v) => v.version === book.current.version)) await this.store.savePriceVersion(book.current);
    if (book.programada !== null) {
      this.log.info(
        { version: book.programada.version, vigencia: book.programada.vigencia, vigente: book.current.version },
        'versión de precios programada pendiente',
      );
    }
    this.armSchedule();
    this.scheduleMismatchCheck();
    for (const a of await this.store.listAlerts({ abiertas: true, limit: 100_000 })) {
      if (a.codigo === 'PRECIOS_DESALINEADOS' && a.id_surtidor !== null) this.mismatch.markOpen(a.id_surtidor);
      if (a.codigo !== 'SECUENCIA_FALTANTE' || a.id_surtidor === null) continue;
      const k = secuenciaDeClave(a.id_surtidor, a.clave);
      if (k === null) continue;
      const set = this.openGaps.get(a.id_surtidor) ?? new Set<number>();
      set.add(k);
      this.openGaps.set(a.id_surtidor, set);
    }
    await this.loadAuthorizations();
    this.scheduleFlush();
  }

  /** The open authorizations of the last run, held again (those in excess are closed). */
  private async loadAuthorizations(): Promise<void> {
    const open = await this.store.listAuthorizations({
      estados: [...ESTADOS_AUTORIZACION_ABIERTA],
      limit: 100_000,
      skip: 0,
    });
    // Oldest first, so that the newest of a pump (if ever two) is the one closed.
    for (const a of this.authorizations.load(open.items.reverse())) await this.store.saveAuthorization(a);
  }

  // ── pumps ──────────────────────────────────────────────────────────────────────────────────

  pump(id: number): Surtidor | undefined {
    return this.pumps.get(id);
  }

  /** How many pumps are configured (without copying them). */
  get pumpCount(): number {
    return this.pumps.size;
  }

  allPumps(): Surtidor[] {
    return [...this.pumps.values()].sort((a, b) => a.id_surtidor - b.id_surtidor);
  }

  /** Pre-configures a pump before it connects; the id is the next free one. */
  async createPump(input: NuevoSurtidor): Promise<Surtidor> {
    const id = Math.max(this.nextPumpId, ...[...this.pumps.keys()].map((k) => k + 1));
    this.nextPumpId = id + 1;
    const now = isoNow(this.clock);
    const surtidor: Surtidor = {
      id_surtidor: id,
      nombre: input.nombre,
      combustibles_soportados: input.combustibles_soportados,
      combustible_actual: input.combustible_actual ?? input.combustibles_soportados[0] ?? null,
      configuracion: { ...DEFAULT_CONFIGURACION, ...input.configuracion },
      fecha_creacion: now,
      fecha_actualizacion: now,
      ultima_conexion: null,
      ip: null,
      version: null,
      modo_autorizacion: input.modo_autorizacion ?? 'postpago',
    };
    this.pumps.set(id, surtidor);
    await this.background;
    await this.store.upsertPump(surtidor);
    this.bus.emit('surtidor_actualizado', surtidor);
    return surtidor;
  }

  async updatePump(id: number, patch: CambiosSurtidor): Promise<Surtidor | null> {
    const current = this.pumps.get(id);
    if (!current) return null;
    const combustibles = patch.combustibles_soportados ?? current.combustibles_soportados;
    const actual = patch.combustible_actual ?? current.combustible_actual;
    const updated: Surtidor = {
      ...current,
      nombre: patch.nombre ?? current.nombre,
      combustibles_soportados: combustibles,
      combustible_actual: actual !== null && combustibles.includes(actual) ? actual : (combustibles[0] ?? null),
      configuracion: { ...current.configuracion, ...patch.configuracion },
      fecha_actualizacion: isoNow(this.clock),
      modo_autorizacion: patch.modo_autorizacion ?? current.modo_autorizacion,
    };
    this.pumps.set(id, updated);
    await this.background;
    await this.store.upsertPump(updated);
    this.bus.emit('surtidor_actualizado', updated);
    return updated;
  }

  /** Removes a pump and its live state; its transactions stay. */
  async deletePump(id: number): Promise<boolean> {
    if (!this.pumps.delete(id)) return false;
    this.live.remove(id);
    this.mismatch.forget(id);
    this.audits.delete(id);
    await this.background;
    await this.store.deletePump(id);
    await this.store.deleteState(id);
    this.bus.emit('surtidor_eliminado', { id_surtidor: id });
    return true;
  }

  /**
   * Why this pump may not register (strict registration, --max-pumps), or null: the service's own
   * rules, in memory, so the hub can refuse before taking an admission slot for it.
   */
  registrationRefusal(id: number): Extract<RegistrationResult, { ok: false }> | null {
    if (this.pumps.has(id)) return null;
    if (this.options.strictRegistration) {
      return {
        ok: false,
        codigo: 'SURTIDOR_NO_CONFIGURADO',
        mensaje: `el surtidor ${id} no está configurado en esta estación`,
      };
    }
    const maxPumps = this.options.maxPumps ?? DEFAULT_MAX_PUMPS;
    if (this.pumps.size >= maxPumps) {
      // Each unknown id would be a new record: without a cap, anyone on the pump port could fill the store.
      return {
        ok: false,
        codigo: 'LIMITE_EXCEDIDO',
        mensaje: `la estación ya tiene ${this.pumps.size} surtidores (máximo ${maxPumps}, --max-pumps): el surtidor ${id} no se da de alta`,
      };
    }
    return null;
  }

  /** Registration is decided in memory, so the session can answer at once; the record is written behind. */
  register(reg: Registro, remote: string | null): RegistrationResult {
    const refusal = this.registrationRefusal(reg.id_surtidor);
    if (refusal) return refusal;
    const known = this.pumps.get(reg.id_surtidor);
    const now = isoNow(this.clock);
    const combustible: Combustible | null =
      reg.combustible_actual ?? known?.combustible_actual ?? reg.combustibles_soportados[0] ?? null;
    const surtidor: Surtidor = {
      id_surtidor: reg.id_surtidor,
      nombre: reg.nombre,
      combustibles_soportados: reg.combustibles_soportados,
      combustible_actual:
        combustible !== null && reg.combustibles_soportados.includes(combustible)
          ? combustible
          : (reg.combustibles_soportados[0] ?? null),
      configuracion: known?.configuracion ?? DEFAULT_CONFIGURACION,
      fecha_creacion: known?.fecha_creacion ?? now,
      fecha_actualizacion: now,
      ultima_conexion: now,
      ip: remote,
      version: reg.version,
      modo_autorizacion: known?.modo_autorizacion ?? 'postpago',
    };
    this.pumps.set(surtidor.id_surtidor, surtidor);
    void this.auditState(surtidor.id_surtidor);
    this.writePumpBehind(surtidor);
    const estado = this.live.markConnected(
      reg.id_surtidor,
      now,
      this.book.current.version,
      surtidor.combustible_actual,
    );
    this.resolveAlert(`SIN_RESPUESTA:${reg.id_surtidor}`);
    this.reportPump(reg.id_surtidor, true, estado.version_precios, now);
    this.bus.emit('surtidor_conectado', { surtidor, estado: { ...estado } });
    return { ok: true, surtidor, precios: this.book.current };
  }

  disconnected(id: number, how: Exclude<EstadoConexion, 'conectado'>, motivo: string): void {
    if (!this.pumps.has(id)) return; // deleted while connected: nothing left to update
    const estado = this.live.markDisconnected(id, how, isoNow(this.clock));
    this.mismatch.forget(id);
    this.reportPump(id, false, estado.version_precios, isoNow(this.clock));
    if (how === 'timeout') {
      this.raiseAlert({
        codigo: 'SURTIDOR_SIN_RESPUESTA',
        clave: `SIN_RESPUESTA:${id}`,
        mensaje: `Surtidor ${id} sin señal de vida: conexión cerrada (${motivo})`,
        severidad: 'advertencia',
        id_surtidor: id,
      });
    }
    this.bus.emit('surtidor_desconectado', { id_surtidor: id, estado: { ...estado }, motivo });
  }

  /** Liveness: any valid line from a registered pump. */
  seen(id: number): void {
    this.live.seen(id, isoNow(this.clock));
  }

  reportState(msg: Estado): EstadoSurtidor {
    const { state } = this.live.applyEstado(
      msg,
      isoNow(this.clock),
      precioDe(this.book.current.precios, msg.tipo_combustible),
    );
    this.checkDrift(msg.id_surtidor, msg.timestamp);
    this.bus.emit('estado', state);
    if (msg.estado_operacion === 'despachando') {
      const started = this.authorizations.started(msg.id_surtidor, msg.id_autorizacion);
      if (started) this.authorizationChanged(started);
    } else if (msg.estado_operacion === 'esperando_autorizacion') this.authorizeAutomatically(msg.id_surtidor);
    return state;
  }

  /**
   * --autorizacion-automatica: a waiting prepaid pump is authorized by the station, full tank, as
   * the user `automatica`. A refusal (an authorization already open, the bound reached) is logged:
   * the pump keeps waiting, as it would for an operator.
   */
  private authorizeAutomatically(id: number): void {
    if (this.options.authorizations?.automatic !== true) return;
    if (this.pumps.get(id)?.modo_autorizacion !== 'prepago' || this.authorizations.openFor(id)) return;
    this.issueAuthorization(id, { limite: { tipo: 'lleno' } }, USUARIO_AUTOMATICO).then(
      (issued) => {
        if ('rechazo' in issued)
          this.log.warn({ id_surtidor: id, rechazo: issued.rechazo }, 'autorización automática rechazada');
      },
      (err: unknown) => this.log.error({ err, id_surtidor: id }, 'autorización automática: falló el almacenamiento'),
    );
  }

  // ── authorizations (ext) ──────────────────────────────────────────────────────────────────

  /**
   * Issues a prepaid authorization for a pump (the caller checked it is connected, capable, in
   * prepago and waiting): resolves once it is durably stored, then announced (the hub sends
   * `autorizar`), or with why not.
   */
  async issueAuthorization(
    idSurtidor: number,
    pedido: { limite: LimiteAutorizacion; combustibles?: Combustible[] | undefined },
    usuario: string,
  ): Promise<Autorizacion | AuthorizationRefusal> {
    const pump = this.pumps.get(idSurtidor);
    const combustibles = pedido.combustibles ? [...new Set(pedido.combustibles)] : null;
    // A litres preset on one fuel has a price: what the customer paid, to refund the rest.
    const unico = combustibles ?? pump?.combustibles_soportados ?? [];
    const precio = unico.length === 1 ? precioDe(this.book.current.precios, unico[0] as Combustible) : null;
    const issued = this.authorizations.issue({
      id_autorizacion: `A-${randomUUID()}`,
      id_surtidor: idSurtidor,
      limite: pedido.limite,
      combustibles,
      usuario,
      precio_por_litro: precio,
    });
    if ('rechazo' in issued) return issued;
    this.issuing.add(issued.id_autorizacion);
    try {
      await this.background;
      await this.store.saveAuthorization(issued);
    } catch (err) {
      this.authorizations.discard(issued.id_autorizacion);
      throw err;
    } finally {
      this.issuing.delete(issued.id_autorizacion);
    }
    this.bus.emit('autorizacion', issued);
    return issued;
  }

  /**
   * The pump's open authorization once it is durably stored (and so announced), to send again; an
   * authorization still being written is not sent yet.
   */
  announcedAuthorization(idSurtidor: number): Autorizacion | undefined {
    const open = this.authorizations.openFor(idSurtidor);
    return open && !this.issuing.has(open.id_autorizacion) ? open : undefined;
  }

  /**
   * DELETE: cancels the pump's open authorization while fuel has not started flowing, or, when the
   * pump is gone (`pumpGone`), also one it was dispensing under (its sale, if it ever comes, is
   * still stored and completes it, noted AUTORIZACION_NO_VIGENTE).
   */
  async cancelAuthorization(
    idSurtidor: number,
    usuario: string,
    pumpGone = false,
  ): Promise<Autorizacion | AuthorizationRefusal> {
    const cancelled = this.authorizations.cancel(idSurtidor, `cancelada por ${usuario}`, pumpGone);
    if ('rechazo' in cancelled) return cancelled;
    await this.background;
    await this.store.saveAuthorization(cancelled);
    this.bus.emit('autorizacion', cancelled);
    return cancelled;
  }

  /** The pump answered `autorizar` with an error: the authorization is `rechazada`. */
  authorizationRejected(id: string, resultado: string): void {
    const rejected = this.authorizations.reject(id, `el surtidor respondió: ${resultado}`);
    if (rejected) this.authorizationChanged(rejected);
  }

  /** Stores an authorization's new state (in the background, in order) and then announces it. */
  private authorizationChanged(a: Autorizacion): void {
    this.inBackground('guardar autorización', async () => {
      await this.store.saveAuthorization(a);
      this.bus.emit('autorizacion', a);
    });
  }

  /**
   * A command sent from the station succeeded: the live state records who paused the pump and why
   * (or, for `reanudar`, clears it), and the dashboards hear about it.
   */
  commandApplied(id: number, comando: ComandoOperador, por: { usuario: string; razon: string }): void {
    const state = this.live.commandApplied(id, comando, por, isoNow(this.clock));
    if (state) this.bus.emit('estado', state);
  }

  heartbeat(msg: Heartbeat): void {
    this.checkDrift(msg.id_surtidor, msg.timestamp);
  }

  pricesApplied(id: number, version: number): void {
    const now = isoNow(this.clock);
    this.live.pricesApplied(id, version, now);
    this.mismatch.confirmed(id);
    this.reportPump(id, this.live.get(id)?.estado_conexion === 'conectado', version, now);
    this.bus.emit('precios_aplicados', { id_surtidor: id, version });
    this.checkMismatch(id);
  }

  /** Checks one pump's price version against the one in force (see domain/price-mismatch.ts). */
  private checkMismatch(id: number): void {
    const ms = this.options.priceMismatchMs ?? DEFAULT_PRICE_MISMATCH_MS;
    const state = this.live.get(id);
    if (ms <= 0 || !state) return;
    const accion = this.mismatch.check(state, this.book.current.version, this.clock.now(), ms);
    if (accion === null) return;
    const clave = `PRECIOS_DESALINEADOS:${id}`;
    if (accion.kind === 'cerrar') {
      this.resolveAlert(clave);
      return;
    }
    const { version_surtidor, vigente } = accion;
    this.raiseAlert({
      codigo: 'PRECIOS_DESALINEADOS',
      clave,
      mensaje:
        accion.kind === 'desconocida'
          ? `Surtidor ${id}: informa la versión de precios ${version_surtidor}, que la estación nunca tuvo (vigente: ${vigente})`
          : `Surtidor ${id}: disponible con la versión de precios ${version_surtidor ?? 'ninguna'} hace más de ${Math.round(ms / 1000)} s (vigente: ${vigente})`,
      severidad: 'advertencia',
      id_surtidor: id,
      datos: { version_surtidor, vigente, motivo: accion.kind },
    });
  }

  private scheduleMismatchCheck(): void {
    const ms = this.options.priceMismatchMs ?? DEFAULT_PRICE_MISMATCH_MS;
    if (this.closed || ms <= 0) return;
    this.mismatchTimer = this.clock.setTimeout(
      () => {
        for (const s of this.live.all()) this.checkMismatch(s.id_surtidor);
        this.scheduleMismatchCheck();
      },
      Math.max(100, Math.min(5_000, Math.floor(ms / 3))),
    );
    unrefTimer(this.mismatchTimer);
  }

  pumpError(msg: ErrorSurtidor): void {
    // The pump's own code: pumps choose theirs, so it is not one of STATION_ALERTS.
    this.storeAlert({
      codigo: msg.codigo,
      clave: `SURTIDOR:${msg.id_surtidor}:${msg.codigo}:${msg.timestamp}`,
      mensaje: msg.mensaje,
      severidad: 'critica',
      id_surtidor: msg.id_surtidor,
      datos: { timestamp_surtidor: msg.timestamp },
    });
  }

  private checkDrift(id: number, pumpTimestamp: string): void {
    const drift = this.live.recordDrift(id, pumpTimestamp, this.clock.now());
    if (drift === null) return;
    const over = Math.abs(drift) > this.options.maxClockDriftMs;
    if (over && !this.driftAlerted.has(id)) {
      this.driftAlerted.add(id);
      this.raiseAlert({
        codigo: 'RELOJ_DESFASADO',
        clave: `RELOJ_DESFASADO:${id}`,
        mensaje: `El reloj del surtidor ${id} difiere ${(drift / 1000).toFixed(1)} s del de la estación`,
        severidad: 'advertencia',
        id_surtidor: id,
        datos: { desfase_ms: drift },
      });
    } else if (!over && this.driftAlerted.delete(id)) {
      this.resolveAlert(`RELOJ_DESFASADO:${id}`);
    }
  }

  // ── transactions ──────────────────────────────────────────────────────────────────────────

  /**
   * Resolves only once the sale is durably stored (or recognised as already stored), or with the
   * reasons it can never be a real sale (then nothing is stored).
   */
  recordTransaction(msg: TransaccionCompletada): Promise<TransactionReceipt | TransactionRefusal> {
    return new Promise((resolve, reject) => this.takeSale(msg, resolve, reject));
  }

  /**
   * recordTransaction() with callbacks, for the pump hub (no promise per sale): `reply` is called
   * once the sale is durably stored (or recognised as stored), or with the reasons it can never be
   * a real sale; `failed` when it could not be stored (the pump keeps it and sends it again).
   */
  takeSale(
    msg: TransaccionCompletada,
    reply: (result: TransactionReceipt | TransactionRefusal) => void,
    failed: (err: unknown) => void,
  ): void {
    try {
      const detalles = rechazosVenta(msg, this.clock.now());
      if (detalles.length > 0) {
        reply({ rechazada: true, detalles });
        return;
      }
    } catch (err) {
      failed(err);
      return;
    }
    const id = msg.id_autorizacion;
    const known = id === undefined ? null : (this.authorizations.find(id) ?? null);
    if (id !== undefined && known === null) {
      // Neither open nor recently closed: an older one is in the store, or nobody issued it.
      this.store.getAuthorization(id).then((stored) => this.storeSale(msg, stored, reply, failed), failed);
      return;
    }
    this.storeSale(msg, known, reply, failed);
  }

  private storeSale(
    msg: TransaccionCompletada,
    autorizacion: Autorizacion | null,
    reply: (result: TransactionReceipt | TransactionRefusal) => void,
    failed: (err: unknown) => void,
  ): void {
    let tx: Transaccion;
    let hallazgos: ReturnType<typeof revisarVenta>['hallazgos'] = [];
    try {
      const pump = this.pumps.get(msg.id_surtidor) ?? null;
      const now = isoNow(this.clock);
      tx = buildTransaction(msg, { now, nombreSurtidor: pump?.nombre ?? null, prices: this.book, surtidor: pump });
      const modo = pump?.modo_autorizacion ?? 'postpago';
      if (msg.id_autorizacion !== undefined || modo === 'prepago') {
        const revision = revisarVenta(msg, tx.id_transaccion, { modo, autorizacion, ahora: now });
        hallazgos = revision.hallazgos;
        tx.observaciones.push(...hallazgos.map((h) => `${h.codigo}: ${h.detalle}`));
        tx.reembolso = revision.reembolso;
        if (revision.completada) {
          // At once, so that a second sale under it is seen as a reuse; stored in the background.
          this.authorizations.completed(revision.completada);
          this.authorizationChanged(revision.completada);
          // The next customer may have been waiting for this sale to arrive (automatic mode).
          if (this.live.get(msg.id_surtidor)?.estado_operacion === 'esperando_autorizacion')
            this.authorizeAutomatically(msg.id_surtidor);
        }
      }
    } catch (err) {
      failed(err);
      return;
    }
    this.committer.enqueue(
      tx,
      (outcome) => {
        if (outcome === 'insertada') {
          this.bus.emit('transaccion', tx);
          void this.audit(tx);
          for (const h of hallazgos) {
            // What a pump can repeat on every sale (no id, ids nobody issued) is one open alert per
            // pump; the rest concern an authorization the station issued, one alert per sale.
            const porSurtidor = h.codigo === 'VENTA_SIN_AUTORIZACION' || h.codigo === 'AUTORIZACION_DESCONOCIDA';
            this.raiseAlert({
              codigo: h.codigo,
              clave: porSurtidor
                ? `${h.codigo}:${tx.id_surtidor}`
                : `${h.codigo}:${tx.id_surtidor}:${tx.id_transaccion}`,
              mensaje: `Surtidor ${tx.id_surtidor}, venta ${tx.id_transaccion}: ${h.detalle}`,
              severidad: 'advertencia',
              id_surtidor: tx.id_surtidor,
              datos: { id_transaccion: tx.id_transaccion, id_autorizacion: tx.id_autorizacion },
            });
          }
        }
        const receipt: TransactionReceipt = {
          id_transaccion: tx.id_transaccion,
          duplicada: outcome === 'duplicada' || outcome === 'conflicto_repetido',
        };
        if (outcome === 'conflicto' || outcome === 'conflicto_repetido') receipt.conflicto = true;
        if (outcome === 'conflicto') this.conflictStored(tx).then(() => reply(receipt), failed);
        else reply(receipt);
      },
      failed,
    );
  }

  /**
   * A new conflicting version was stored beside the original: dashboards and metrics hear of it
   * and an alert carries both versions. Never throws: the version is durable whatever happens here.
   */
  private async conflictStored(tx: Transaccion): Promise<void> {
    let original: Transaccion | null = null;
    try {
      original = await this.store.getTransaction(tx.id_surtidor, tx.id_transaccion);
    } catch (err) {
      this.log.error(
        { err, id_surtidor: tx.id_surtidor, id_transaccion: tx.id_transaccion },
        'conflicto: no se pudo leer la venta original',
      );
    }
    const conflicto = original ? conflictoEntre(original, tx) : null;
    const campos = conflicto?.campos ?? [];
    this.raiseAlert({
      codigo: 'TRANSACCION_EN_CONFLICTO',
      clave: `TRANSACCION_EN_CONFLICTO:${conflicto?.id ?? `${tx.id_surtidor}:${tx.id_transaccion}:${tx.recibida}`}`,
      mensaje:
        `Surtidor ${tx.id_surtidor}: la venta ${tx.id_transaccion} llegó otra vez con otro contenido` +
        `${campos.length > 0 ? ` (${campos.join(', ')})` : ''}; se guardaron ambas versiones, la original no se reemplazó`,
      severidad: 'critica',
      id_surtidor: tx.id_surtidor,
      datos: {
        id_conflicto: conflicto?.id ?? null,
        id_transaccion: tx.id_transaccion,
        campos,
        original,
        nueva: tx,
      },
    });
    if (conflicto) this.bus.emit('conflicto', conflicto);
  }

  /**
   * Where the pump's money stream stood before this run; loaded once per pump, at registration,
   * before its first sale of this run is stored.
   */
  private auditState(id: number): Promise<AuditState> {
    let state = this.audits.get(id);
    if (!state) {
      state = this.store.auditStart(id).then(
        (start) => ({
          ultimaSecuencia: start.ultima_secuencia,
          ultimoTotalizadorFin: start.ultimo_totalizador_fin,
          faltantes: this.openGaps.get(id) ?? null,
        }),
        (err: unknown) => {
          this.log.error({ err, id_surtidor: id }, 'auditoría: no se pudo leer el punto de partida');
          return emptyAuditState();
        },
      );
      this.audits.set(id, state);
    }
    return state;
  }

  private async audit(tx: Transaccion): Promise<void> {
    const state = await this.auditState(tx.id_surtidor);
    for (const action of auditSale(state, tx)) {
      if (action.kind === 'resolve') this.resolveAlert(action.clave);
      else
        this.raiseAlert({
          codigo: action.codigo,
          clave: action.clave,
          mensaje: action.mensaje,
          severidad: 'critica',
          id_surtidor: tx.id_surtidor,
          datos: action.datos,
        });
    }
  }

  // ── prices ────────────────────────────────────────────────────────────────────────────────

  /**
   * Applies a newer price version (persisted first, then in force and announced). A stale or
   * repeated version changes nothing; the return value is the version in force afterwards.
   */
  async applyPrices(version: number, precios: Precios, origen: VersionPrecios['origen']): Promise<VersionPrecios> {
    // Nothing that breaks the prices rule is ever stored or held (receivePrices says why).
    if (!this.book.accepts(version) || this.book.review(version, precios) !== null) return this.book.current;
    const next: VersionPrecios = { version, precios, actualizado: isoNow(this.clock), origen };
    await this.store.savePriceVersion(next);
    const programada = this.book.programada;
    // A concurrent newer version may have been applied while this one was being written.
    if (this.book.offer(next)) this.bus.emit('precios', next);
    if (programada !== null && this.book.programada === null) {
      // Superseded by a version at least as new, in force at once: never applied later.
      this.log.info({ programada: programada.version, vigente: version }, 'versión programada reemplazada');
      await this.store.deletePriceVersion(programada.version);
      this.armSchedule();
      this.bus.emit('precios_programados', null);
    }
    return this.book.current;
  }

  /**
   * Keeps a newer scheduled version (durably first), replacing the scheduled one, and arms the
   * timer that puts it in force at its vigencia by this station's clock. A stale or repeated one
   * changes nothing.
   */
  private async schedulePrices(
    version: number,
    precios: Precios,
    origen: VersionPrecios['origen'],
    vigencia: string,
  ): Promise<void> {
    if (!this.book.acceptsScheduled(version)) return;
    const next: VersionPrecios = { version, precios, actualizado: isoNow(this.clock), origen, vigencia };
    await this.store.savePriceVersion(next);
    const replaced = this.book.schedule(next);
    if (replaced === false) return;
    if (replaced !== null) await this.store.deletePriceVersion(replaced.version);
    this.log.info({ version, vigencia, vigente: this.book.current.version }, 'precios programados');
    this.armSchedule();
    this.bus.emit('precios_programados', vistaProgramada(this.book.programada));
  }

  /**
   * Cancels a scheduled version (the store first): whether it was the scheduled one, already in
   * force (it took effect before the cancellation came) or unknown here.
   */
  async cancelPrices(version: number): Promise<ResultadoCancelacion> {
    if (this.book.programada?.version === version) await this.store.deletePriceVersion(version);
    const resultado = this.book.cancel(version);
    if (resultado === 'cancelada') {
      this.armSchedule();
      this.bus.emit('precios_programados', null);
    }
    return resultado;
  }

  /** Arms (or clears) the timer of the scheduled version, waiting at most MAX_SCHEDULE_WAIT_MS at a time. */
  private armSchedule(): void {
    this.clock.clearTimeout(this.scheduleTimer);
    this.scheduleTimer = undefined;
    const p = this.book.programada;
    if (p === null || this.closed) return;
    const wait = Math.max(0, Date.parse(p.vigencia ?? '') - this.clock.now());
    this.scheduleTimer = this.clock.setTimeout(
      () => {
        this.scheduleTimer = undefined;
        this.activateScheduled();
      },
      Math.min(wait, MAX_SCHEDULE_WAIT_MS),
    );
    unrefTimer(this.scheduleTimer);
  }

  /** The scheduled version's instant came: in force now, pushed to the pumps as they are disponible. */
  private activateScheduled(): void {
    const activated = this.book.activate(this.clock.now());
    if (activated !== null) {
      this.log.info({ version: activated.version, vigencia: activated.vigencia }, 'versión programada en vigencia');
      this.bus.emit('precios', activated);
      this.bus.emit('precios_programados', vistaProgramada(this.book.programada));
    }
    this.armSchedule();
  }

  /**
   * Prices from the company, by the prices rule: an update that breaks it is refused (the prices
   * held stay, the alert PRECIOS_RECHAZADOS is raised until an update that follows the rule
   * arrives); one that follows it is applied when newer (applyPrices).
   */
  async receivePrices(
    version: number,
    precios: Precios,
    origen: VersionPrecios['origen'],
    vigencia?: string,
  ): Promise<{ ok: true; vigente: VersionPrecios } | { ok: false; rechazo: RechazoPrecios }> {
    const rechazo = this.book.review(version, precios) ?? revisarVigencia(vigencia, this.clock.now());
    if (rechazo !== null) {
      this.raiseAlert({
        codigo: 'PRECIOS_RECHAZADOS',
        clave: 'PRECIOS_RECHAZADOS',
        mensaje: `la empresa envió precios fuera de la regla (${rechazo.codigo}): se mantienen los de la versión ${this.book.current.version}`,
        severidad: 'critica',
        id_surtidor: null,
        datos: { codigo: rechazo.codigo, version, vigente: this.book.current.version, detalles: rechazo.detalles },
      });
      return { ok: false, rechazo };
    }
    // A vigencia that already passed (or is unreadable) means at once, as for a station that does not know it.
    const futura = vigencia !== undefined && Date.parse(vigencia) > this.clock.now();
    if (futura) await this.schedulePrices(version, precios, origen, vigencia);
    const vigente = futura ? this.book.current : await this.applyPrices(version, precios, origen);
    this.resolveAlert('PRECIOS_RECHAZADOS');
    return { ok: true, vigente };
  }

  // ── alerts ────────────────────────────────────────────────────────────────────────────────

  /** Raises one of the station's own alerts (STATION_ALERTS). */
  raiseAlert(a: AlertaNueva & { codigo: StationAlertCode }): void {
    this.storeAlert(a);
  }

  private storeAlert(a: AlertaNueva): void {
    const alerta: Alerta = {
      id: randomUUID(),
      clave: a.clave,
      codigo: a.codigo,
      mensaje: a.mensaje,
      severidad: a.severidad,
      id_surtidor: a.id_surtidor,
      creada: isoNow(this.clock),
      resuelta: null,
      datos: a.datos ?? null,
    };
    const reportar = this.reportsAlert(alerta.severidad);
    this.inBackground('guardar alerta', async () => {
      const stored = reportar
        ? await this.journal.write(
            1,
            (seq) => this.store.raiseAlert(alerta, { seq, clase: 'alerta', datos: { ...alertaReportada(alerta) } }),
            (ok) => ok,
          )
        : await this.store.raiseAlert(alerta);
      if (stored) {
        this.log.warn({ alerta: alerta.codigo, id_surtidor: alerta.id_surtidor, clave: alerta.clave }, alerta.mensaje);
        this.bus.emit('alerta', alerta);
      }
    });
  }

  resolveAlert(clave: string): void {
    this.inBackground('resolver alerta', async () => {
      const at = isoNow(this.clock);
      const minima = this.options.reportarAlertas ?? 'advertencia';
      const resolved =
        minima === 'ninguna'
          ? await this.store.resolveAlert(clave, at)
          : await this.journal.write(
              1,
              (seq) => this.store.resolveAlert(clave, at, { seq, severidadMinima: minima }),
              (a) => a !== null && severidadAlcanza(a.severidad, minima),
            );
      if (resolved) this.bus.emit('alerta', resolved);
    });
  }

  /** Whether an alert of this severity is forwarded to the company (--reportar-alertas). */
  private reportsAlert(severidad: SeveridadAlerta): boolean {
    const minima = this.options.reportarAlertas ?? 'advertencia';
    return minima !== 'ninguna' && severidadAlcanza(severidad, minima);
  }

  /**
   * A change of what a pump holds (registered, disconnected, price version acknowledged),
   * journaled behind like the pump records: one write for every change queued meanwhile, the
   * latest of each pump (the company keeps the latest by `actualizado`).
   */
  private reportPump(id: number, conectado: boolean, version: number | null, actualizado: string): void {
    const first = this.pumpReports.size === 0;
    this.pumpReports.delete(id);
    this.pumpReports.set(id, {
      id_surtidor: id,
      nombre: this.pumps.get(id)?.nombre ?? null,
      version_precios: version,
      conectado,
      actualizado,
    });
    if (!first) return;
    this.inBackground('registrar surtidores para la empresa', () => {
      const batch = [...this.pumpReports.values()];
      this.pumpReports.clear();
      return this.journal.write(batch.length, (desde) =>
        this.store.appendReports(batch.map((datos, i) => ({ seq: desde + i, clase: 'surtidor', datos: { ...datos } }))),
      );
    });
  }

  // ── lifecycle ─────────────────────────────────────────────────────────────────────────────

  /**
   * The records of registrations, written behind in batches: one write (one SQLite transaction, one
   * fsync) for every pump that registered while the previous one was queued or running, instead of
   * one each, so a thousand pumps coming back at once cost a few writes, not a thousand.
   */
  private writePumpBehind(surtidor: Surtidor): void {
    const first = this.pumpWrites.size === 0;
    this.pumpWrites.set(surtidor.id_surtidor, surtidor);
    if (!first) return;
    this.inBackground('guardar surtidores', () => {
      const batch = [...this.pumpWrites.values()];
      this.pumpWrites.clear();
      return this.store.upsertPumps(batch);
    });
  }

  private inBackground(what: string, op: () => Promise<unknown>): void {
    this.background = this.background.then(op).then(
      () => undefined,
      (err: unknown) => this.log.error({ err }, `${what}: falló la escritura`),
    );
  }

  /** Resolves when every background write queued so far is done. */
  settled(): Promise<void> {
    return this.background;
  }

  private scheduleFlush(): void {
    if (this.closed) return;
    this.flushTimer = this.clock.setTimeout(() => {
      void this.flushStates().finally(() => this.scheduleFlush());
    }, this.options.stateFlushMs);
    unrefTimer(this.flushTimer);
  }

  /** Writes the live states changed since the last flush (write-behind, coalesced per pump). */
  async flushStates(): Promise<number> {
    const dirty = this.live.takeDirty();
    if (dirty.length === 0) return 0;
    try {
      await this.store.saveStates(dirty);
    } catch (err) {
      this.live.restoreDirty(dirty.map((s) => s.id_surtidor));
      this.log.error({ err, count: dirty.length }, 'estado_surtidores: falló la escritura diferida');
    }
    return dirty.length;
  }

  /** Resolves once every sale submitted so far is committed. */
  drained(): Promise<void> {
    return this.committer.flushed();
  }

  /** Finishes pending commits and writes, then stops the flusher. The store stays open. */
  async close(): Promise<void> {
    this.closed = true;
    this.authorizations.stop();
    this.clock.clearTimeout(this.flushTimer);
    this.clock.clearTimeout(this.scheduleTimer);
    this.clock.clearTimeout(this.mismatchTimer);
    await this.committer.flushed();
    await this.settled();
    await this.flushStates();
  }
}
