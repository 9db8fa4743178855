/**
 * The company's application service: the price book (persisted versions, one writer at a time)
 * and the station registry (cached in memory, written through to the store). It publishes on the
 * bus; the links and the API never touch the store directly. Every change is made by an `Actor`
 * (who the API authenticated, or the system at start-up), passed in by the caller: the author of a
 * price version is that actor, and each change is written to the audit log.
 */
import { type Actor, type DestinationDecision, type EventoAuditoria, GroupCommitter } from '@combustible/server';
import { type Clock, type EstacionInfo, isoNow, type Logger, MAX_VERSION } from '@combustible/shared';
import {
  type AnomaliaVersion,
  type Cambios,
  esPrecioValido,
  estaProgramada,
  PRECIO_MAX,
  PRECIO_MIN,
  problemaVigencia,
  siguienteVersion,
  versionInicial,
} from '../domain/price-book.js';
import {
  fueraDeLimites,
  LIMITES_POR_DEFECTO,
  type Limites,
  type LimitesPrecios,
  problemasLimites,
} from '../domain/price-limits.js';
import type { Estacion, VersionPrecios } from '../domain/types.js';
import { CompanyError } from '../errors.js';
import type { AckRecord, CompanyStore } from '../store/port.js';
import type { CompanyBus } from './events.js';

/** How many times a price change is retried when another writer took its version number. */
const MAX_VERSION_RETRIES = 5;

/**
 * Every this many refreshes the registry is read whole even if its stamp did not move, to pick up
 * what other replicas' links recorded (acks, contact times), which does not move the stamp.
 */
export const REGISTRY_RESYNC_POLLS = 10;

/** A station's version anomaly is logged and audited at most this often (a peer cannot flood either). */
export const ANOMALY_NOTICE_INTERVAL_MS = 10 * 60_000;

export interface NuevaEstacion {
  id_estacion?: string | undefined;
  nombre?: string | undefined;
  host: string;
  puerto: number;
  /** The station's company port speaks TLS (default false). */
  tls?: boolean | undefined;
}

export type CambiosEstacion = Partial<Pick<Estacion, 'nombre' | 'host' | 'puerto' | 'tls'>>;

/** The made-up id of a station registered by address only: `HOST-PORT`, with `:` and other signs as `-`. */
export function idProvisional(host: string, puerto: number): string {
  return `${host}-${puerto}`.replace(/[^\w.-]/g, '-').slice(0, 64);
}

/** Where the service writes who did what: the AuditLog of @combustible/server. */
export interface AuditSink {
  /** Resolves once the entry is stored. */
  append(evento: EventoAuditoria): Promise<unknown>;
}

/** The company itself, for what it does on its own (stations from `--estacion` at start-up). */
export const SISTEMA: Actor = { usuario: 'sistema', rol: null, ip: null };

/** Which hosts the company may connect to (--allowed-networks): a NetworkPolicy. */
export interface DestinationPolicy {
  check(host: string): Promise<DestinationDecision>;
  describe(): string;
}

export class CompanyService {
  /** The newest version that is not cancelled: what every station is sent (it may be scheduled). */
  private _current: VersionPrecios | null = null;
  /** While `_current` is scheduled: the version in force until its vigencia. */
  private _base: VersionPrecios | null = null;
  /** The highest version number made, a cancelled one included (numbers are never reused). */
  private _ultima = 0;
  private _limites: LimitesPrecios = LIMITES_POR_DEFECTO;
  private readonly stations = new Map<string, Estacion>();
  /** When each station's anomaly was last logged and audited (see stationAnomaly). */
  private readonly anomalyNoticed = new Map<string, number>();
  /** Price changes run one after the other so versions are taken in order. */
  private writes: Promise<unknown> = Promise.resolve();
  /** The store's registry stamp the in-memory registry matches (see refresh). */
  private registryStamp: number | null = null;
  /** Counts registry writes made by this process (a refresh that overlaps one is not applied). */
  private registryEdits = 0;
  /** Registry writes under way (their in-memory update follows in the same tick as they finish). */
  private registryWriting = 0;
  /** Refreshes since the registry was last read whole (see REGISTRY_RESYNC_POLLS). */
  private pollsSinceResync = 0;
  /** Stations' acknowledgements, written together (one durable write per batch, not per ack). */
  private readonly acks = new GroupCommitter<AckRecord, undefined>(async (lote) => {
    await this.store.recordAcks(lote);
    return lote.map(() => undefined);
  });

  constructor(
    readonly store: CompanyStore,
    readonly bus: CompanyBus,
    readonly clock: Clock,
    readonly log: Logger,
    /** Without one, any address is accepted (tests that need no network rules). */
    readonly destinations?: DestinationPolicy,
    /** Without one, nothing is audited (tests of the service alone). */
    readonly audit?: AuditSink,
  ) {}

  /**
   * Loads the newest version (creating version 1 with the seed prices on an empty store) and the
   * registry. What an older build may have left that breaks the prices rule is not believed: a
   * version above MAX_VERSION (the old rule numbered past what a station reported) is skipped for
   * the newest one below it, and a station's confirmed version above the newest is forgotten.
   */
  async init(): Promise<void> {
    let latest = await this.store.latestPriceVersion();
    if (latest && latest.version > MAX_VERSION) {
      this.log.error(
        { version: latest.version, max: MAX_VERSION },
        'el almacén tiene versiones de precios fuera de la regla (de una versión anterior del programa): se ignoran',
      );
      [latest = null] = await this.store.listPriceVersions({ limit: 1, antes: MAX_VERSION + 1 });
    }
    if (!latest) {
      const first = versionInicial(isoNow(this.clock));
      if (await this.store.appendPriceVersion(first)) {
        this.log.info({ version: 1, precios: first.precios }, 'libro de precios nuevo: versión 1 con los precios base');
      }
      [latest = null] = await this.store.listPriceVersions({ limit: 1, antes: MAX_VERSION + 1 });
      if (!latest) throw new Error('no se pudo leer la versión de precios recién creada');
    }
    await this.loadBook(latest);
    this._limites = (await this.store.getPriceLimits()) ?? LIMITES_POR_DEFECTO;
    // Read before the list: a change made meanwhile moves the stamp, and the next refresh reloads.
    this.registryStamp = await this.store.registryStamp();
    for (const e of await this.store.listStations()) {
      const confirmada = e.version_confirmada;
      if (confirmada !== null && !(Number.isSafeInteger(confirmada) && confirmada <= this._ultima)) {
        this.log.warn(
          { id_estacion: e.id_estacion, version_confirmada: confirmada, version_empresa: latest.version },
          'versión confirmada imposible en el almacén (mayor que la de la empresa): se olvida',
        );
        const limpia: Estacion = { ...e, version_confirmada: null };
        // (checked against the newest number made: a station may hold a cancelled scheduled version)
        await this.store.replaceStation(e.id_estacion, limpia);
        this.stations.set(e.id_estacion, limpia);
        continue;
      }
      this.stations.set(e.id_estacion, e);
    }
  }

  /**
   * From the newest stored version (`latest`, below MAX_VERSION): the newest one not cancelled
   * (what stations are sent) and, when that one is scheduled, the one in force until then.
   */
  private async loadBook(latest: VersionPrecios): Promise<void> {
    this._ultima = latest.version;
    let current: VersionPrecios | null = null;
    let base: VersionPrecios | null = null;
    let antes = latest.version + 1;
    const now = this.clock.now();
    while (base === null) {
      const page = await this.store.listPriceVersions({ limit: 20, antes });
      for (const v of page) {
        if (v.cancelada !== null) continue;
        if (current === null) current = v;
        else base = v;
        if (base !== null || !estaProgramada(current, now)) break;
      }
      const last = page.at(-1);
      if (last === undefined || (current !== null && !estaProgramada(current, now))) break;
      antes = last.version;
    }
    // Every scheduled version has an older one in force (version 1 is never scheduled).
    if (current === null) throw new Error('no hay versión de precios sin cancelar');
    this._current = current;
    this._base = estaProgramada(current, now) ? base : null;
  }

  /** The newest price version not cancelled: what the stations are sent (it may be scheduled). */
  get current(): VersionPrecios {
    if (!this._current) throw new Error('CompanyService: llame a init() primero');
    return this._current;
  }

  /** The highest version number the company made, a cancelled one included. */
  get ultimaCreada(): number {
    return this._ultima;
  }

  /** The version in force now, by the company's clock. */
  get vigente(): VersionPrecios {
    const current = this.current;
    return estaProgramada(current, this.clock.now()) ? (this._base ?? current) : current;
  }

  /** The scheduled version not yet in force, or null. */
  get programada(): VersionPrecios | null {
    const current = this.current;
    return estaProgramada(current, this.clock.now()) ? current : null;
  }

  /** The price limits in force (the defaults until an admin sets them). */
  get limites(): LimitesPrecios {
    return this._limites;
  }

  /** Sets the price limits (audited as `precios.limites`, with the ones before). */
  async setLimits(limites: Limites, actor: Actor): Promise<LimitesPrecios> {
    const detalles = problemasLimites(limites);
    if (detalles.length > 0) {
      await this.audited(actor, 'precios.limites', 'precios', 'error', { codigo: 'VALIDACION', limites, detalles });
      throw new CompanyError('VALIDACION', 'límites de precios imposibles', detalles);
    }
    const anterior = this._limites.limites;
    const next: LimitesPrecios = { limites, actualizado: isoNow(this.clock), autor: actor.usuario };
    await this.store.savePriceLimits(next);
    this._limites = next;
    this.log.info({ limites, autor: actor.usuario }, 'límites de precios cambiados');
    await this.audited(actor, 'precios.limites', 'precios', 'ok', { limites, anterior });
    return next;
  }

  // ── precios ──────────────────────────────────────────────────────────────────────────────

  /**
   * Applies a change to some of the four prices, making a new version whose `autor` is the actor,
   * unless no price actually changes (then the version in force is returned with `creada: false`).
   * With `vigencia` the version is scheduled: sent to the stations at once, in force at that
   * instant. While a scheduled version is pending no other version is made (it must be cancelled
   * first). Each new price must lie within the limits (422 PRECIO_FUERA_DE_LIMITES). A new version
   * is audited as `precios.cambiar`, a refusal by the limits too.
   */
  async changePrices(
    cambios: Cambios,
    actor: Actor,
    vigencia: string | null = null,
  ): Promise<{ version: VersionPrecios; creada: boolean }> {
    const run = this.writes.then(() => this.doChangePrices(cambios, actor.usuario, vigencia));
    this.writes = run.catch(() => undefined);
    let result: { version: VersionPrecios; creada: boolean };
    try {
      result = await run;
    } catch (err) {
      if (err instanceof CompanyError && err.code === 'PRECIO_FUERA_DE_LIMITES') {
        await this.audited(actor, 'precios.cambiar', 'precios', 'denegado', {
          codigo: err.code,
          cambios,
          detalles: err.detalles ?? [],
        });
      }
      throw err;
    }
    if (result.creada) {
      const { version, cambios: hechos } = result.version;
      await this.audited(actor, 'precios.cambiar', 'precios', 'ok', { version, cambios: hechos, vigencia });
    }
    return result;
  }

  private async doChangePrices(cambios: Cambios, autor: string, vigencia: string | null) {
    for (let attempt = 0; attempt < MAX_VERSION_RETRIES; attempt++) {
      const pendiente = this.programada;
      if (pendiente !== null) {
        throw new CompanyError(
          'PRECIOS_PROGRAMADOS_PENDIENTES',
          `la versión ${pendiente.version} está programada para ${pendiente.vigencia ?? ''}: cancélela antes de publicar otra`,
        );
      }
      const base = this.vigente;
      const next = this.nextVersion(base, cambios, autor, vigencia);
      if (!next) return { version: base, creada: false };
      if (await this.store.appendPriceVersion(next)) {
        this._current = next;
        this._base = vigencia === null ? null : base;
        this._ultima = next.version;
        this.log.info({ version: next.version, cambios: next.cambios, autor, vigencia }, 'precios cambiados');
        this.bus.emit('precios', next);
        return { version: next, creada: true };
      }
      // Another company process took that number: start again from what is stored.
      const stored = await this.store.latestPriceVersion();
      if (stored) await this.loadBook(stored);
    }
    throw new Error('no se pudo tomar un número de versión nuevo (demasiados escritores a la vez)');
  }

  /**
   * The next version by the prices rule, numbered from the company's own newest only. A price
   * outside the rule (also one still in force from an older build) is a VALIDACION naming it.
   */
  private nextVersion(
    current: VersionPrecios,
    cambios: Cambios,
    autor: string,
    vigencia: string | null,
  ): VersionPrecios | null {
    if (vigencia !== null) {
      const problema = problemaVigencia(vigencia, this.clock.now());
      if (problema !== null) {
        throw new CompanyError('VALIDACION', problema, [{ campo: 'vigencia', problema }]);
      }
    }
    const detalles = (Object.keys(cambios) as (keyof Cambios)[])
      .filter((campo) => cambios[campo] !== undefined && !esPrecioValido(cambios[campo]))
      .map((campo) => ({ campo, problema: `entero entre ${PRECIO_MIN} y ${PRECIO_MAX} pesos por litro` }));
    if (detalles.length > 0) {
      throw new CompanyError('VALIDACION', 'precio fuera del rango permitido', detalles);
    }
    const limites = fueraDeLimites(cambios, current.precios, this._limites.limites);
    if (limites.length > 0) {
      throw new CompanyError('PRECIO_FUERA_DE_LIMITES', limites.map((d) => d.problema).join('; '), limites);
    }
    try {
      return siguienteVersion(current, cambios, { autor, at: isoNow(this.clock), ultima: this._ultima, vigencia });
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      if (this._ultima >= MAX_VERSION) throw new CompanyError('VERSIONES_AGOTADAS', err.message);
      const campo = (Object.keys(current.precios) as (keyof Cambios)[]).find((c) => err.message.includes(c));
      throw new CompanyError('VALIDACION', err.message, campo ? [{ campo, problema: err.message }] : undefined);
    }
  }

  /**
   * Cancels the scheduled version before it takes effect (audited as `precios.cancelar`): the
   * stations are told (link 2 `cancelacion_precios`) and the version in force stays. Its number
   * is never reused. SIN_PRECIOS_PROGRAMADOS when none is pending (also once it took effect).
   */
  async cancelScheduled(actor: Actor): Promise<VersionPrecios> {
    const run = this.writes.then(async () => {
      const p = this.programada;
      if (p === null) throw new CompanyError('SIN_PRECIOS_PROGRAMADOS', 'no hay una versión de precios programada');
      const at = isoNow(this.clock);
      await this.store.cancelPriceVersion(p.version, at);
      const cancelada: VersionPrecios = { ...p, cancelada: at };
      this._current = this._base ?? this._current;
      this._base = null;
      this.log.info({ version: p.version, vigencia: p.vigencia }, 'versión de precios programada cancelada');
      this.bus.emit('cancelacion', cancelada);
      return cancelada;
    });
    this.writes = run.catch(() => undefined);
    try {
      const cancelada = await run;
      await this.audited(actor, 'precios.cancelar', 'precios', 'ok', {
        version: cancelada.version,
        vigencia: cancelada.vigencia,
      });
      return cancelada;
    } catch (err) {
      if (err instanceof CompanyError) {
        await this.audited(actor, 'precios.cancelar', 'precios', 'error', { codigo: err.code, motivo: err.message });
      }
      throw err;
    }
  }

  /** Versions newest first; never one above MAX_VERSION (an older build may have stored some). */
  history(limit: number, antes?: number): Promise<VersionPrecios[]> {
    return this.store.listPriceVersions({ limit, antes: Math.min(antes ?? MAX_VERSION + 1, MAX_VERSION + 1) });
  }

  // ── réplicas ─────────────────────────────────────────────────────────────────────────────

  /**
   * Catches up with what other processes on the same store did (replicas; polled every
   * --store-poll): a newer price version is taken and announced on the bus (`precios`) exactly as
   * a local change is, so this process's links push it to the stations it owns; a cancellation
   * made elsewhere is announced as `cancelacion`; new limits are taken; and when the registry
   * stamp moved, the registry is reloaded and each difference announced (`estacion_agregada`,
   * `estacion_actualizada`, `estacion_eliminada`). Cheap when nothing changed: the newest version,
   * the limits row and the stamp. Runs in the price writes' queue (never between a local change's
   * write and its event).
   */
  refresh(): Promise<void> {
    const run = this.writes.then(() => this.doRefresh());
    this.writes = run.catch(() => undefined);
    return run;
  }

  private async doRefresh(): Promise<void> {
    const latest = await this.store.latestPriceVersion();
    if (latest !== null && latest.version <= MAX_VERSION) {
      if (latest.version > this._ultima) {
        const before = this._current;
        await this.loadBook(latest);
        const current = this.current;
        if (current.version !== before?.version) {
          this.log.info({ version: current.version, autor: current.autor }, 'precios cambiados en otra réplica');
          this.bus.emit('precios', current);
        }
      } else if (
        latest.version === this._ultima &&
        latest.cancelada !== null &&
        this._current?.version === latest.version
      ) {
        this._current = this._base ?? this._current;
        this._base = null;
        this.log.info({ version: latest.version }, 'versión programada cancelada en otra réplica');
        this.bus.emit('cancelacion', latest);
      }
    }
    this._limites = (await this.store.getPriceLimits()) ?? LIMITES_POR_DEFECTO;
    const stamp = await this.store.registryStamp();
    this.pollsSinceResync += 1;
    if (stamp === this.registryStamp && this.pollsSinceResync < REGISTRY_RESYNC_POLLS) return;
    this.pollsSinceResync = 0;
    const edits = this.registryEdits;
    const stored = await this.store.listStations();
    // A change made here meanwhile: the list may predate it; the next refresh reads again.
    if (edits !== this.registryEdits || this.registryWriting > 0) return;
    this.registryStamp = stamp;
    this.applyRegistry(stored);
  }

  /** A registry write, counted so that a refresh overlapping it is not applied (see doRefresh). */
  private async registryWrite<T>(write: () => Promise<T>): Promise<T> {
    this.registryWriting += 1;
    try {
      return await write();
    } finally {
      this.registryWriting -= 1;
      this.registryEdits += 1;
    }
  }

  /** Makes the in-memory registry the stored one, announcing each station added, changed or removed. */
  private applyRegistry(stored: Estacion[]): void {
    const seen = new Set<string>();
    for (const e of stored) {
      seen.add(e.id_estacion);
      const mine = this.stations.get(e.id_estacion);
      this.stations.set(e.id_estacion, e);
      if (mine === undefined) this.bus.emit('estacion_agregada', e);
      else if (
        mine.nombre !== e.nombre ||
        mine.host !== e.host ||
        mine.puerto !== e.puerto ||
        mine.tls !== e.tls ||
        mine.id_provisional !== e.id_provisional
      ) {
        this.bus.emit('estacion_actualizada', { id_anterior: e.id_estacion, estacion: e });
      }
    }
    for (const id of [...this.stations.keys()]) {
      if (seen.has(id)) continue;
      this.stations.delete(id);
      this.bus.emit('estacion_eliminada', { id_estacion: id });
    }
  }

  // ── estaciones ───────────────────────────────────────────────────────────────────────────

  get stationCount(): number {
    return this.stations.size;
  }

  listStations(): Estacion[] {
    return [...this.stations.values()].sort((a, b) => (a.id_estacion < b.id_estacion ? -1 : 1));
  }

  getStation(id: string): Estacion | undefined {
    return this.stations.get(id);
  }

  findByAddress(host: string, puerto: number): Estacion | undefined {
    for (const e of this.stations.values()) if (e.host === host && e.puerto === puerto) return e;
    return undefined;
  }

  /** Registers a station (audited as `estacion.crear`, a refusal too). */
  addStation(input: NuevaEstacion, actor: Actor): Promise<Estacion> {
    const id = input.id_estacion ?? idProvisional(input.host, input.puerto);
    return this.auditedChange(
      { actor, accion: 'estacion.crear', objetivo: `estacion:${id}`, pedido: { ...input } },
      () => this.doAddStation(input),
      (e) => ({ id_estacion: e.id_estacion, nombre: e.nombre, host: e.host, puerto: e.puerto, tls: e.tls }),
    );
  }

  private async doAddStation(input: NuevaEstacion): Promise<Estacion> {
    await this.admit(input.host, input.puerto);
    const now = isoNow(this.clock);
    const provisional = input.id_estacion === undefined;
    const id = input.id_estacion ?? idProvisional(input.host, input.puerto);
    const estacion: Estacion = {
      id_estacion: id,
      // A station registered without a name takes the one it tells at its first connection.
      nombre: input.nombre ?? id,
      host: input.host,
      puerto: input.puerto,
      tls: input.tls === true,
      id_provisional: provisional,
      creada: now,
      actualizada: now,
      version_confirmada: null,
      ultimo_contacto: null,
    };
    const result = await this.registryWrite(() => this.store.insertStation(estacion));
    if (result === 'id_duplicado') {
      throw new CompanyError('ESTACION_DUPLICADA', `ya existe la estación "${id}"`);
    }
    if (result === 'direccion_duplicada') {
      throw new CompanyError('ESTACION_DUPLICADA', `ya hay una estación registrada en ${input.host}:${input.puerto}`);
    }
    this.stations.set(id, estacion);
    this.log.info({ id_estacion: id, host: input.host, puerto: input.puerto }, 'estación registrada');
    this.bus.emit('estacion_agregada', estacion);
    return estacion;
  }

  /**
   * Registers a station by address unless one with that address exists (for `--estacion`). With
   * `tls`, a station already registered without TLS is switched to it (a deployment moved to TLS
   * keeps its registry); never the other way: an entry without `tls://` does not turn TLS off for a
   * station an admin put on TLS, so a start-up flag can only ask for more protection, not less.
   */
  async ensureStation(
    host: string,
    puerto: number,
    { tls = false, actor = SISTEMA }: { tls?: boolean; actor?: Actor } = {},
  ): Promise<Estacion> {
    let found = this.findByAddress(host, puerto);
    if (found === undefined) {
      try {
        return await this.addStation({ host, puerto, tls }, actor);
      } catch (err) {
        // Another replica starting with the same --estacion registered it first: take its record.
        if (!(err instanceof CompanyError && err.code === 'ESTACION_DUPLICADA')) throw err;
        await this.refresh();
        found = this.findByAddress(host, puerto);
        if (found === undefined) throw err;
      }
    }
    return tls && !found.tls ? this.updateStation(found.id_estacion, { tls: true }, actor) : found;
  }

  /** Changes a station's name or address (audited as `estacion.modificar`, with the values before). */
  updateStation(id: string, cambios: CambiosEstacion, actor: Actor): Promise<Estacion> {
    let anterior: Pick<Estacion, 'nombre' | 'host' | 'puerto' | 'tls'> | undefined;
    return this.auditedChange(
      { actor, accion: 'estacion.modificar', objetivo: `estacion:${id}`, pedido: { cambios: { ...cambios } } },
      async () => {
        const before = this.requireStation(id);
        anterior = { nombre: before.nombre, host: before.host, puerto: before.puerto, tls: before.tls };
        if (cambios.host !== undefined && cambios.host !== before.host) {
          await this.admit(cambios.host, cambios.puerto ?? before.puerto);
        }
        const after: Estacion = { ...before, ...cambios, actualizada: isoNow(this.clock) };
        return this.replace(before, after);
      },
      () => ({ anterior }),
    );
  }

  /** Removes a station from the registry (audited as `estacion.eliminar`, with what it was). */
  async removeStation(id: string, actor: Actor): Promise<void> {
    await this.auditedChange(
      { actor, accion: 'estacion.eliminar', objetivo: `estacion:${id}`, pedido: null },
      async () => {
        const e = this.requireStation(id);
        await this.registryWrite(() => this.store.deleteStation(id));
        this.stations.delete(id);
        this.log.info({ id_estacion: id }, 'estación eliminada');
        this.bus.emit('estacion_eliminada', { id_estacion: id });
        return e;
      },
      (e) => ({ nombre: e.nombre, host: e.host, puerto: e.puerto }),
    );
  }

  /**
   * What a station told in `estacion_info`. A station registered under a made-up id takes its own
   * id (and its name, when none was given) unless another station already has that id. Returns the
   * station's id afterwards.
   */
  async stationInfo(id: string, info: EstacionInfo): Promise<string> {
    const e = this.stations.get(id);
    if (!e) return id;
    // The version it tells is judged by its link (evaluarVersionInformada), never taken as ours.
    if (!e.id_provisional || info.id_estacion === id) {
      if (e.id_provisional) return (await this.replace(e, { ...e, id_provisional: false })).id_estacion;
      if (info.id_estacion !== id) {
        this.log.warn({ id_estacion: id, id_informado: info.id_estacion }, 'la estación se identifica con otro id');
      }
      return id;
    }
    if (this.stations.has(info.id_estacion)) {
      this.log.warn(
        { id_estacion: id, id_informado: info.id_estacion },
        'la estación se identifica con un id que ya tiene otra estación: se mantiene el provisional',
      );
      return id;
    }
    const renamed: Estacion = {
      ...e,
      id_estacion: info.id_estacion,
      nombre: e.nombre === id ? info.nombre : e.nombre,
      id_provisional: false,
      actualizada: isoNow(this.clock),
    };
    try {
      return (await this.replace(e, renamed)).id_estacion;
    } catch (err) {
      this.log.warn({ err, id_estacion: id }, 'no se pudo adoptar el id de la estación');
      return id;
    }
  }

  /**
   * A trusted `precios_recibidos` (or the version told in `estacion_info`): kept, never lowered.
   * Only a version the company made is stored: one above the newest is ignored here (the link
   * shows it as an anomaly), so nothing a station says can sit in `version_confirmada`.
   */
  async stationAck(id: string, version: number): Promise<void> {
    const e = this.stations.get(id);
    if (!e) return;
    if (!Number.isSafeInteger(version) || version < 0 || version > this._ultima) return;
    const at = isoNow(this.clock);
    e.version_confirmada = Math.max(e.version_confirmada ?? version, version);
    e.ultimo_contacto = at;
    // One durable write for the acks of every station that answered meanwhile (group commit).
    await this.acks.submit({ id, version, at });
  }

  /**
   * A station's version anomaly opened (or changed) or closed (null), as its link saw it. Logged
   * and audited (`estacion.anomalia`, the station as who) when it opens, at most once every
   * ANOMALY_NOTICE_INTERVAL_MS per station; the link status always shows the current state.
   */
  async stationAnomaly(id: string, anomalia: AnomaliaVersion | null): Promise<void> {
    const e = this.stations.get(id);
    if (!e) return;
    if (anomalia === null) {
      if (this.anomalyNoticed.has(id))
        this.log.info({ id_estacion: id }, 'la estación volvió a informar una versión conocida');
      return;
    }
    const now = this.clock.now();
    const last = this.anomalyNoticed.get(id);
    if (last !== undefined && now - last < ANOMALY_NOTICE_INTERVAL_MS) return;
    this.anomalyNoticed.set(id, now);
    const { codigo, version_reportada, version_empresa } = anomalia;
    this.log.warn(
      { id_estacion: id, codigo, version_reportada, version_empresa },
      'la estación informa una versión de precios que la empresa no creó: no se cuenta como al día; se le sigue enviando la versión de la empresa',
    );
    await this.audited(
      { usuario: `estacion:${id}`, rol: null, ip: e.host },
      'estacion.anomalia',
      `estacion:${id}`,
      'error',
      { codigo, version_reportada, version_empresa },
    );
  }

  /**
   * What a station holds after a cancellation answered `cancelada` (or `desconocida`): its
   * confirmed version goes down to it (the cancelled version it had acknowledged is gone there).
   */
  async stationConfirmed(id: string, version: number): Promise<void> {
    const e = this.stations.get(id);
    if (!e || e.version_confirmada === version) return;
    if (!Number.isSafeInteger(version) || version < 0 || version > this._ultima) return;
    await this.replace(e, { ...e, version_confirmada: version });
  }

  /**
   * A station's answer to a cancellation, audited as `estacion.cancelacion` (the station as who):
   * `error` when it had already applied the cancelled version (it sells at those prices until a
   * newer version reaches it).
   */
  async stationCancellation(
    id: string,
    c: { version: number; resultado: 'cancelada' | 'ya_aplicada' | 'desconocida' },
  ): Promise<void> {
    const e = this.stations.get(id);
    if (!e) return;
    await this.audited(
      { usuario: `estacion:${id}`, rol: null, ip: e.host },
      'estacion.cancelacion',
      `estacion:${id}`,
      c.resultado === 'ya_aplicada' ? 'error' : 'ok',
      { version: c.version, resultado: c.resultado },
    );
  }

  /**
   * Refuses an address outside --allowed-networks. A name that does not resolve yet is accepted:
   * the link checks again every time it dials and reports the problem in its status.
   */
  private async admit(host: string, puerto: number): Promise<void> {
    if (!this.destinations) return;
    const decision = await this.destinations.check(host);
    if (decision.ok) return;
    if (decision.unresolved) {
      this.log.warn({ host, motivo: decision.motivo }, 'estación registrada con un nombre que aún no se resuelve');
      return;
    }
    this.bus.emit('destino_rechazado', { host, origen: 'registro', motivo: decision.motivo });
    this.log.warn({ host, puerto, motivo: decision.motivo }, 'registro de estación rechazado: dirección no permitida');
    throw new CompanyError(
      'DIRECCION_NO_PERMITIDA',
      `la empresa no se conecta a ${host}:${puerto}: ${decision.motivo}`,
    );
  }

  /**
   * Runs a registry change and audits it: `ok` with what was asked and `done(result)`, or a
   * refusal (`denegado` for an address outside --allowed-networks, `error` for the rest, with its
   * code), then rethrows.
   */
  private async auditedChange<T>(
    what: { actor: Actor; accion: string; objetivo: string; pedido: Record<string, unknown> | null },
    change: () => Promise<T>,
    done: (result: T) => Record<string, unknown>,
  ): Promise<T> {
    const { actor, accion, objetivo, pedido } = what;
    let result: T;
    try {
      result = await change();
    } catch (err) {
      if (err instanceof CompanyError) {
        const resultado = err.code === 'DIRECCION_NO_PERMITIDA' ? 'denegado' : 'error';
        await this.audited(actor, accion, objetivo, resultado, { ...pedido, codigo: err.code, motivo: err.message });
      }
      throw err;
    }
    await this.audited(actor, accion, objetivo, 'ok', { ...pedido, ...done(result) });
    return result;
  }

  /**
   * Writes an audit entry and waits until it is stored. The change it records is already made: a
   * failure to store the entry is logged, never turned into a failed request.
   */
  private async audited(
    actor: Actor,
    accion: string,
    objetivo: string,
    resultado: EventoAuditoria['resultado'],
    detalles: Record<string, unknown> | null,
  ): Promise<void> {
    if (!this.audit) return;
    try {
      await this.audit.append({ ...actor, accion, objetivo, resultado, detalles });
    } catch (err) {
      this.log.error({ err, accion, objetivo }, 'no se pudo escribir en la auditoría');
    }
  }

  private requireStation(id: string): Estacion {
    const e = this.stations.get(id);
    if (!e) throw new CompanyError('ESTACION_NO_ENCONTRADA', `no existe la estación "${id}"`);
    return e;
  }

  private async replace(before: Estacion, after: Estacion): Promise<Estacion> {
    const id = before.id_estacion;
    const result = await this.registryWrite(() => this.store.replaceStation(id, after));
    switch (result) {
      case 'no_encontrada':
        throw new CompanyError('ESTACION_NO_ENCONTRADA', `no existe la estación "${id}"`);
      case 'id_duplicado':
        throw new CompanyError('ESTACION_DUPLICADA', `ya existe la estación "${after.id_estacion}"`);
      case 'direccion_duplicada':
        throw new CompanyError('ESTACION_DUPLICADA', `ya hay una estación registrada en ${after.host}:${after.puerto}`);
      case 'actualizada':
        break;
    }
    this.stations.delete(id);
    this.stations.set(after.id_estacion, after);
    if (after.id_estacion !== id) {
      this.log.info({ id_anterior: id, id_estacion: after.id_estacion }, 'estación identificada');
    }
    this.bus.emit('estacion_actualizada', { id_anterior: id, estacion: after });
    return after;
  }
}
