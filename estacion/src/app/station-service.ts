/**
 * The station's application service: what happens when a pump registers, reports, sells or
 * raises an alert, and when prices change. Transport (the pump hub, REST, the company link) calls
 * it; it talks to the store and publishes events on the bus. Domain rules live in ../domain.
 */

import { randomUUID } from 'node:crypto';
import {
  type Clock,
  type Combustible,
  type DetalleError,
  type ComandoOperador,
  type ErrorSurtidor,
  type Estado,
  type Heartbeat,
  isoNow,
  type Logger,
  type Precios,
  precioDe,
  type RechazoPrecios,
  type Registro,
  type TransaccionCompletada,
  unrefTimer,
  type WireErrorCode,
} from '@combustible/shared';
import type { StationAlertCode } from '../domain/alert-codes.js';
import { type AuditState, auditSale, emptyAuditState, secuenciaDeClave } from '../domain/audit.js';
import { LiveStates } from '../domain/live-state.js';
import { LIMITES, rechazosVenta } from '../domain/plausibility.js';
import { PriceBook } from '../domain/prices.js';
import { conflictoEntre } from '../domain/conflicts.js';
import { buildTransaction } from '../domain/transactions.js';
import type {
  Alerta,
  EstadoConexion,
  EstadoSurtidor,
  SeveridadAlerta,
  Surtidor,
  Transaccion,
  VersionPrecios,
} from '../domain/types.js';
import type { InsertOutcome, StationStore } from '../store/port.js';
import type { StationBus } from './events.js';
import { GroupCommitter } from './group-commit.js';

export interface StationServiceOptions {
  /** Refuse `registro` for pump ids not configured at the station. */
  strictRegistration: boolean;
  /** A pump clock further off than this raises RELOJ_DESFASADO. */
  maxClockDriftMs: number;
  /** How often dirty live states are written behind. */
  stateFlushMs: number;
  /** Pump records a `registro` may create; an unknown id past it is refused (LIMITE_EXCEDIDO). */
  maxPumps?: number;
}

export const DEFAULT_MAX_PUMPS = 1000;

/** Stored price versions read at start to find the newest that follows the prices rule. */
const STORED_PRICE_SCAN = 20;

export const DEFAULT_SERVICE_OPTIONS: StationServiceOptions = {
  strictRegistration: false,
  maxClockDriftMs: 5000,
  stateFlushMs: 1000,
  maxPumps: DEFAULT_MAX_PUMPS,
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
  /** Writes that are not money (pump records, alerts) run in order, off the hot path. */
  private background: Promise<void> = Promise.resolve();
  /** Pump records registered and not yet handed to the store (see writePumpBehind). */
  private readonly pumpWrites = new Map<number, Surtidor>();
  private flushTimer: ReturnType<Clock['setTimeout']> | undefined;
  private closed = false;
  /** Ids handed out by createPump are never reused while the station runs. */
  private nextPumpId = 1;

  constructor(
    private readonly store: StationStore,
    private readonly bus: StationBus,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: StationServiceOptions = DEFAULT_SERVICE_OPTIONS,
  ) {
    this.committer = new GroupCommitter((batch) => this.store.insertTransactions(batch));
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
    for (const a of await this.store.listAlerts({ abiertas: true, limit: 100_000 })) {
      if (a.codigo !== 'SECUENCIA_FALTANTE' || a.id_surtidor === null) continue;
      const k = secuenciaDeClave(a.id_surtidor, a.clave);
      if (k === null) continue;
      const set = this.openGaps.get(a.id_surtidor) ?? new Set<number>();
      set.add(k);
      this.openGaps.set(a.id_surtidor, set);
    }
    this.scheduleFlush();
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
    this.bus.emit('surtidor_conectado', { surtidor, estado: { ...estado } });
    return { ok: true, surtidor, precios: this.book.current };
  }

  disconnected(id: number, how: Exclude<EstadoConexion, 'conectado'>, motivo: string): void {
    if (!this.pumps.has(id)) return; // deleted while connected: nothing left to update
    const estado = this.live.markDisconnected(id, how, isoNow(this.clock));
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
    return state;
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
    this.live.pricesApplied(id, version, isoNow(this.clock));
    this.bus.emit('precios_aplicados', { id_surtidor: id, version });
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
    let tx: Transaccion;
    try {
      const detalles = rechazosVenta(msg, this.clock.now());
      if (detalles.length > 0) {
        reply({ rechazada: true, detalles });
        return;
      }
      const pump = this.pumps.get(msg.id_surtidor) ?? null;
      tx = buildTransaction(msg, {
        now: isoNow(this.clock),
        nombreSurtidor: pump?.nombre ?? null,
        prices: this.book,
        surtidor: pump,
      });
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
    // A concurrent newer version may have been applied while this one was being written.
    if (this.book.offer(next)) this.bus.emit('precios', next);
    return this.book.current;
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
  ): Promise<{ ok: true; vigente: VersionPrecios } | { ok: false; rechazo: RechazoPrecios }> {
    const rechazo = this.book.review(version, precios);
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
    const vigente = await this.applyPrices(version, precios, origen);
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
    this.inBackground('guardar alerta', async () => {
      if (await this.store.raiseAlert(alerta)) {
        this.log.warn({ alerta: alerta.codigo, id_surtidor: alerta.id_surtidor, clave: alerta.clave }, alerta.mensaje);
        this.bus.emit('alerta', alerta);
      }
    });
  }

  resolveAlert(clave: string): void {
    this.inBackground('resolver alerta', async () => {
      const resolved = await this.store.resolveAlert(clave, isoNow(this.clock));
      if (resolved) this.bus.emit('alerta', resolved);
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
    this.clock.clearTimeout(this.flushTimer);
    await this.committer.flushed();
    await this.settled();
    await this.flushStates();
  }
}
