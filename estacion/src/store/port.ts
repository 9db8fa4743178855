/**
 * The station's storage port. Two adapters implement it (SQLite, the embedded default, and
 * MongoDB) and one contract suite (`contract.ts`) proves both. Every method that returns means
 * the data is durable.
 */
import type { AuthStore } from '@combustible/server';
import type { Combustible, MetodoPago } from '@combustible/shared';
import type {
  Alerta,
  Autorizacion,
  Cierre,
  Conflicto,
  EstadoAutorizacion,
  EstadoSurtidor,
  Surtidor,
  Transaccion,
  VersionPrecios,
} from '../domain/types.js';
import type { Descarga, Lectura, Tanque } from '../domain/tanks.js';
import type { ReporteAlmacenado, ReporteNuevo, ReporteResolucion } from '../domain/reportes.js';

/**
 * What became of one sale of a batch (see domain/conflicts.ts for "same content"):
 * - `insertada`: new, stored;
 * - `duplicada`: a sale with this (id_surtidor, id_transaccion) and the same content is stored;
 * - `conflicto`: one with this id but different content is stored; this version was stored in
 *   `conflictos` beside it (the original is never replaced);
 * - `conflicto_repetido`: that same conflicting version was already in `conflictos`.
 */
export type InsertOutcome = 'insertada' | 'duplicada' | 'conflicto' | 'conflicto_repetido';

export interface ConflictoFiltro {
  id_surtidor?: number;
  id_transaccion?: string;
  limit: number;
  skip: number;
}

export interface TransaccionFiltro {
  id_surtidor?: number;
  tipo_combustible?: Combustible;
  metodo_pago?: MetodoPago;
  /**
   * Inclusive bounds on fecha_fin, ISO-8601, compared as instants: a time without offset is UTC
   * (as on the wire), a bare date is its midnight UTC.
   */
  fecha_inicio?: string;
  fecha_fin?: string;
  limit: number;
  skip: number;
}

/** Which authorizations listAuthorizations takes. */
export interface AutorizacionFiltro {
  /** Any of these states (absent: all). */
  estados?: EstadoAutorizacion[];
  id_surtidor?: number;
  limit: number;
  skip: number;
}

/** Which alerts listAlerts and countAlerts take. */
export interface FiltroAlertas {
  abiertas?: boolean;
  id_surtidor?: number;
}

/**
 * The filters of a list without its paging: what an export (CSV) takes. An export reads every
 * match, in the list's order, a bounded chunk at a time.
 */
export type SinPagina<F> = Omit<F, 'limit' | 'skip'>;

/** How many records an export reads from the store at a time (SQLite rows, MongoDB batch). */
export const EXPORT_CHUNK = 1000;

export interface Pagina<T> {
  items: T[];
  total: number;
}

export interface EstadisticasSurtidor {
  total_transacciones: number;
  litros_totales: number;
  ingresos_totales: number;
  /** Present (true) only when a sum is not exact: stored values out of range (see Totales). */
  saturado?: true;
}

/** Sums over a set of transactions. */
export interface Totales {
  transacciones: number;
  /** Rounded to 3 decimals (float sums differ in the last bits between engines and summation orders). */
  litros: number;
  /** An integer: monto_total is integer pesos. */
  monto: number;
  /**
   * Present (true) only when a sum is not exact: stored values out of range (from an older build
   * or a damaged file) made it overflow or unreadable, and it was clamped to ±(2^53 − 1).
   */
  saturado?: true;
}

/** The range of `salesStats`: inclusive bounds on fecha_fin, read like TransaccionFiltro's. */
export interface RangoEstadisticas {
  desde?: string;
  hasta?: string;
}

/** Sales totals over a fecha_fin range, for `GET /api/estadisticas`. */
export interface EstadisticasVentas {
  /** The bounds used, as normalized UTC ISO (`YYYY-MM-DDTHH:mm:ss.sssZ`); null when open. */
  desde: string | null;
  hasta: string | null;
  total: Totales;
  /** Sorted by tipo_combustible. */
  por_combustible: (Totales & { tipo_combustible: Combustible })[];
  /**
   * Sorted by id_surtidor; nombre_surtidor is that of the pump's most recent transaction in the
   * range (fecha_fin, then recibida, then id_transaccion), null when that one carries none.
   */
  por_surtidor: (Totales & { id_surtidor: number; nombre_surtidor: string | null })[];
  /** Sorted by metodo_pago. */
  por_metodo_pago: (Totales & { metodo_pago: MetodoPago })[];
  /**
   * One row per (hour, fuel) with sales; `hora` is the UTC hour of fecha_fin as
   * `YYYY-MM-DDTHH:00:00.000Z`. Sorted by hora, then tipo_combustible.
   */
  por_hora: (Totales & { hora: string; tipo_combustible: Combustible })[];
}

/** Where a pump's money stream stands, to resume the audit after a restart. */
export interface AuditoriaInicial {
  ultima_secuencia: number | null;
  ultimo_totalizador_fin: number | null;
}

/** A pump's own credential: only the SHA-256 (hex) of its token is stored, never the token. */
export interface CredencialSurtidor {
  id_surtidor: number;
  hash: string;
  /** When it was issued (ISO-8601 UTC). */
  emitida: string;
}

/** (ext) Which readings of one tank listReadings takes: inclusive bounds on recibida (read as in TransaccionFiltro). */
export interface LecturaFiltro {
  id_tanque: number;
  desde?: string;
  hasta?: string;
  limit: number;
  skip: number;
}

export interface DescargaFiltro {
  id_tanque?: number;
  limit: number;
  skip: number;
}

export interface StationStore {
  readonly kind: 'sqlite' | 'mongodb';
  /** Users, credentials and the audit log, on the same database (available once set up). */
  readonly auth: AuthStore;
  setup(): Promise<void>;
  close(): Promise<void>;
  /** Throws when the store is unreachable (used by /health). */
  ping(): Promise<void>;

  // surtidores
  /** Ordered by id_surtidor. */
  listPumps(): Promise<Surtidor[]>;
  getPump(id: number): Promise<Surtidor | null>;
  /** Inserts or replaces by id_surtidor. */
  upsertPump(pump: Surtidor): Promise<void>;
  /** The same for many pumps in one write (one transaction in SQLite); the last of an id wins. */
  upsertPumps(pumps: Surtidor[]): Promise<void>;
  /** The next free id (max + 1, starting at 1). */
  nextPumpId(): Promise<number>;
  deletePump(id: number): Promise<boolean>;

  // credenciales_surtidor (one per pump; a new one replaces, and so revokes, the previous)
  /** Stores the pump's credential, replacing any previous one. */
  setPumpCredential(cred: CredencialSurtidor): Promise<void>;
  getPumpCredential(id: number): Promise<CredencialSurtidor | null>;
  /** Removes the pump's credential; true when there was one. */
  revokePumpCredential(id: number): Promise<boolean>;
  /** How many pumps have a credential (any: every `registro` then needs a valid token). */
  countPumpCredentials(): Promise<number>;

  // estado_surtidores (write-behind snapshots; latest wins)
  /** Upserts by id_surtidor; when a pump appears twice in `states`, the last snapshot wins. */
  saveStates(states: EstadoSurtidor[]): Promise<void>;
  /** Ordered by id_surtidor. */
  listStates(): Promise<EstadoSurtidor[]>;
  deleteState(id: number): Promise<void>;

  // transacciones
  /**
   * Stores a batch in one durable commit; per item, whether it was new, a duplicate of a stored
   * (id_surtidor, id_transaccion) with the same content, or a conflict (same id, different
   * content: kept in `conflictos` with both versions, in the same commit). Earlier items of the
   * batch count as stored. Nothing of a batch that fails is stored. (ext, issue 15) With
   * `seqDesde`, item i that is `insertada` carries journal position `seqDesde + i` in the same
   * write (see readReports); other outcomes leave that position unused.
   */
  insertTransactions(batch: Transaccion[], seqDesde?: number): Promise<InsertOutcome[]>;
  getTransaction(idSurtidor: number, idTransaccion: string): Promise<Transaccion | null>;
  /**
   * Newest first (fecha_fin as an instant, then recibida; id_surtidor and id_transaccion, descending,
   * break the remaining ties so pages are stable). `total` counts every match of the filters;
   * `limit: 0` returns no items but still the total. Throws a RangeError on an unreadable date bound.
   */
  listTransactions(filter: TransaccionFiltro): Promise<Pagina<Transaccion>>;
  /**
   * Every match of the filters, in listTransactions' order, read EXPORT_CHUNK at a time (SQLite:
   * keyset pages; MongoDB: a cursor): memory stays bounded whatever the count, and the consumer's
   * pace drives the reads. Throws a RangeError on an unreadable date bound (on the first read).
   */
  iterateTransactions(filter: SinPagina<TransaccionFiltro>): AsyncIterable<Transaccion>;
  /** Sums over every stored transaction of the pump (whatever its estado); zeros when none. */
  pumpStats(idSurtidor: number): Promise<EstadisticasSurtidor>;
  /**
   * Totals by fuel, pump, payment method and (UTC hour, fuel) of the transactions whose fecha_fin
   * lies within the inclusive bounds (compared as instants: a time without offset is UTC, a bare
   * date is its midnight UTC; an absent bound is open). As in pumpStats, every stored transaction
   * counts whatever its estado: 'cancelada' and 'error' sales are summed like 'completada' ones.
   * Zeros and empty arrays when none matches; breakdowns list only groups with sales, and their
   * text keys sort by code point. All parts come from one consistent read. Throws a RangeError on
   * an unreadable bound.
   */
  salesStats(range: RangoEstadisticas): Promise<EstadisticasVentas>;
  /**
   * Conflicts, newest first (detectado, then id); `total` counts every match. `limit: 0` returns
   * no items but still the total.
   */
  listConflicts(filter: ConflictoFiltro): Promise<Pagina<Conflicto>>;
  /** Every match, in listConflicts' order, as iterateTransactions reads. */
  iterateConflicts(filter: SinPagina<ConflictoFiltro>): AsyncIterable<Conflicto>;
  /** The pump's highest stored secuencia and the totalizador_fin of that sale; nulls when none has one. */
  auditStart(idSurtidor: number): Promise<AuditoriaInicial>;

  // alertas
  /**
   * Stores an alert unless an open one with the same `clave` exists; true when stored. `reporte`
   * is journaled only when the alert is stored (in the same transaction on SQLite; right after it on
   * MongoDB).
   */
  raiseAlert(alerta: Alerta, reporte?: ReporteNuevo): Promise<boolean>;
  /**
   * Resolves the open alert with this clave; the resolved alert or null. With `reporte`, the
   * resolved alert is journaled at `seq` (clase `alerta`) when there was one to resolve and its
   * severity reaches `severidadMinima` (as raiseAlert's).
   */
  resolveAlert(clave: string, at: string, reporte?: ReporteResolucion): Promise<Alerta | null>;
  /**
   * Newest first (creada, then id). `abiertas`: true only unresolved, false only resolved, absent
   * both. `skip` (default 0) alerts are passed over before the `limit` returned.
   */
  listAlerts(filter: FiltroAlertas & { limit: number; skip?: number }): Promise<Alerta[]>;
  /** How many alerts match, read like listAlerts' filter. */
  countAlerts(filter: FiltroAlertas): Promise<number>;
  /** Every match, in listAlerts' order, as iterateTransactions reads. */
  iterateAlerts(filter: FiltroAlertas): AsyncIterable<Alerta>;

  // autorizaciones (ext)
  /** Inserts, or replaces the stored authorization with the same id_autorizacion. */
  saveAuthorization(a: Autorizacion): Promise<void>;
  getAuthorization(id: string): Promise<Autorizacion | null>;
  /**
   * Newest first (creada, then id_autorizacion); `total` counts every match. `limit: 0` returns no
   * items but still the total.
   */
  listAuthorizations(filter: AutorizacionFiltro): Promise<Pagina<Autorizacion>>;
  /** Every match, in listAuthorizations' order, as iterateTransactions reads. */
  iterateAuthorizations(filter: SinPagina<AutorizacionFiltro>): AsyncIterable<Autorizacion>;

  // cierres (day and shift closes; immutable once stored)
  /**
   * Stores a close unless a stored one collides with it (domain/cierres.ts `cierresChocan`: ranges
   * that share an instant, unless both name different shifts). Null when stored; else the stored
   * close it collides with, and nothing is written. SQLite checks and writes in one transaction.
   * `reporte` is journaled only when the close is stored (as raiseAlert's).
   */
  insertCierre(cierre: Cierre, reporte?: ReporteNuevo): Promise<Cierre | null>;
  getCierre(id: string): Promise<Cierre | null>;
  /** Newest range first (desde, then id_cierre); `total` counts every close. */
  listCierres(filter: { limit: number; skip: number }): Promise<Pagina<Cierre>>;
  /** Every close, in listCierres' order, as iterateTransactions reads. */
  iterateCierres(): AsyncIterable<Cierre>;

  // tanques, lecturas_tanque, descargas (ext, issue 14)
  /** Ordered by id_tanque. */
  listTanks(): Promise<Tanque[]>;
  /** Inserts or replaces by id_tanque. */
  upsertTank(t: Tanque): Promise<void>;
  /** Removes a tank (its readings and deliveries stay); true when there was one. */
  deleteTank(id: number): Promise<boolean>;
  /** Stores readings in one durable write. */
  insertReadings(lecturas: Lectura[]): Promise<void>;
  /**
   * One tank's readings, newest first (recibida, then insertion order); `total` counts every match.
   * Throws a RangeError on an unreadable bound.
   */
  listReadings(filter: LecturaFiltro): Promise<Pagina<Lectura>>;
  /** The newest reading of each tank that has any, ordered by id_tanque. */
  lastReadings(): Promise<Lectura[]>;
  /** Deletes the readings received before `before` that are not marked `conservar`; how many. */
  pruneReadings(before: string): Promise<number>;
  /** Inserts, or replaces the stored delivery with the same id. */
  saveDelivery(d: Descarga): Promise<void>;
  /** Newest first (inicio, then id); `total` counts every match. */
  listDeliveries(filter: DescargaFiltro): Promise<Pagina<Descarga>>;

  // precios
  /** Inserts, or replaces the stored version with the same number. */
  savePriceVersion(v: VersionPrecios): Promise<void>;
  /** Newest (highest version) first. */
  latestPriceVersions(limit: number): Promise<VersionPrecios[]>;
  /** Removes a version (a cancelled or superseded scheduled one); true when there was one. */
  deletePriceVersion(version: number): Promise<boolean>;

  // reportes (ext, issue 15): the journal the station forwards to the company, and its cursor
  /** Journal entries in one durable write (clases other than `venta`, whose seq is on its row). */
  appendReports(reportes: ReporteNuevo[]): Promise<void>;
  /**
   * Journal entries with `despues < seq ≤ hasta`, by seq ascending, at most `limit` (a bounded
   * page): the stored sales by their `seq_reporte` merged with the other entries. A stored record
   * never makes this fail: an unreadable one still comes, with what could be read.
   */
  readReports(despues: number, hasta: number, limit: number): Promise<ReporteAlmacenado[]>;
  /** The highest journal position written (0: none). */
  lastReportSeq(): Promise<number>;
  /** The highest position the company acknowledged (0: none). */
  reportCursor(): Promise<number>;
  /** Moves the cursor to `hasta` unless it is already beyond; the cursor stored afterwards. */
  advanceReportCursor(hasta: number): Promise<number>;
}
