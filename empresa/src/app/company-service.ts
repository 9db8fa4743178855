/**
 * The company's application service: the price book (persisted versions, one writer at a time)
 * and the station registry (cached in memory, written through to the store). It publishes on the
 * bus; the links and the API never touch the store directly. Every change is made by an `Actor`
 * (who the API authenticated, or the system at start-up), passed in by the caller: the author of a
 * price version is that actor, and each change is written to the audit log.
 */
import type { Actor, DestinationDecision, EventoAuditoria } from '@combustible/server';
import { type Clock, type EstacionInfo, isoNow, type Logger, MAX_VERSION } from '@combustible/shared';
import {
  type AnomaliaVersion,
  type Cambios,
  esPrecioValido,
  PRECIO_MAX,
  PRECIO_MIN,
  siguienteVersion,
  versionInicial,
} from '../domain/price-book.js';
import type { Estacion, VersionPrecios } from '../domain/types.js';
import { CompanyError } from '../errors.js';
import type { CompanyStore } from '../store/port.js';
import type { CompanyBus } from './events.js';

/** How many times a price change is retried when another writer took its version number. */
const MAX_VERSION_RETRIES = 5;

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
  private _current: VersionPrecios | null = null;
  private readonly stations = new Map<string, Estacion>();
  /** When each station's anomaly was last logged and audited (see stationAnomaly). */
  private readonly anomalyNoticed = new Map<string, number>();
  /** Price changes run one after the other so versions are taken in order. */
  private writes: Promise<unknown> = Promise.resolve();

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
    this._current = latest;
    for (const e of await this.store.listStations()) {
      const confirmada = e.version_confirmada;
      if (confirmada !== null && !(Number.isSafeInteger(confirmada) && confirmada <= latest.version)) {
        this.log.warn(
          { id_estacion: e.id_estacion, version_confirmada: confirmada, version_empresa: latest.version },
          'versión confirmada imposible en el almacén (mayor que la de la empresa): se olvida',
        );
        const limpia: Estacion = { ...e, version_confirmada: null };
        await this.store.replaceStation(e.id_estacion, limpia);
        this.stations.set(e.id_estacion, limpia);
        continue;
      }
      this.stations.set(e.id_estacion, e);
    }
  }

  /** The newest price version. */
  get current(): VersionPrecios {
    if (!this._current) throw new Error('CompanyService: llame a init() primero');
    return this._current;
  }

  // ── precios ──────────────────────────────────────────────────────────────────────────────

  /**
   * Applies a change to some of the four prices, making a new version whose `autor` is the actor,
   * unless no price actually changes (then the current version is returned with `creada: false`).
   * A new version is audited as `precios.cambiar`.
   */
  async changePrices(cambios: Cambios, actor: Actor): Promise<{ version: VersionPrecios; creada: boolean }> {
    const run = this.writes.then(() => this.doChangePrices(cambios, actor.usuario));
    this.writes = run.catch(() => undefined);
    const result = await run;
    if (result.creada) {
      const { version, cambios: hechos } = result.version;
      await this.audited(actor, 'precios.cambiar', 'precios', 'ok', { version, cambios: hechos });
    }
    return result;
  }

  private async doChangePrices(cambios: Cambios, autor: string) {
    for (let attempt = 0; attempt < MAX_VERSION_RETRIES; attempt++) {
      const next = this.nextVersion(cambios, autor);
      if (!next) return { version: this.current, creada: false };
      if (await this.store.appendPriceVersion(next)) {
        this._current = next;
        this.log.info({ version: next.version, cambios: next.cambios, autor }, 'precios cambiados');
        this.bus.emit('precios', next);
        return { version: next, creada: true };
      }
      // Another company process took that number: start again from what is stored.
      const stored = await this.store.latestPriceVersion();
      if (stored) this._current = stored;
    }
    throw new Error('no se pudo tomar un número de versión nuevo (demasiados escritores a la vez)');
  }

  /**
   * The next version by the prices rule, numbered from the company's own newest only. A price
   * outside the rule (also one still in force from an older build) is a VALIDACION naming it.
   */
  private nextVersion(cambios: Cambios, autor: string): VersionPrecios | null {
    const current = this.current;
    const detalles = (Object.keys(cambios) as (keyof Cambios)[])
      .filter((campo) => cambios[campo] !== undefined && !esPrecioValido(cambios[campo]))
      .map((campo) => ({ campo, problema: `entero entre ${PRECIO_MIN} y ${PRECIO_MAX} pesos por litro` }));
    if (detalles.length > 0) {
      throw new CompanyError('VALIDACION', 'precio fuera del rango permitido', detalles);
    }
    try {
      return siguienteVersion(current, cambios, { autor, at: isoNow(this.clock) });
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      if (current.version >= MAX_VERSION) throw new CompanyError('VERSIONES_AGOTADAS', err.message);
      const campo = (Object.keys(current.precios) as (keyof Cambios)[]).find((c) => err.message.includes(c));
      throw new CompanyError('VALIDACION', err.message, campo ? [{ campo, problema: err.message }] : undefined);
    }
  }

  /** Versions newest first; never one above MAX_VERSION (an older build may have stored some). */
  history(limit: number, antes?: number): Promise<VersionPrecios[]> {
    return this.store.listPriceVersions({ limit, antes: Math.min(antes ?? MAX_VERSION + 1, MAX_VERSION + 1) });
  }

  // ── estaciones ───────────────────────────────────────────────────────────────────────────

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
    const result = await this.store.insertStation(estacion);
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
    const found = this.findByAddress(host, puerto);
    if (found === undefined) return this.addStation({ host, puerto, tls }, actor);
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
        await this.store.deleteStation(id);
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
    if (!Number.isSafeInteger(version) || version < 0 || version > this.current.version) return;
    const at = isoNow(this.clock);
    e.version_confirmada = Math.max(e.version_confirmada ?? version, version);
    e.ultimo_contacto = at;
    await this.store.recordAck(id, version, at);
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
    const result = await this.store.replaceStation(id, after);
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
