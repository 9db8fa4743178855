/**
 * The company's storage port. Two adapters implement it (SQLite, the embedded default, and
 * MongoDB) and one contract suite (`contract.ts`) proves both. Every method that returns means
 * the data is durable. No driver type appears here.
 */
import type { AuthStore } from '@combustible/server';
import type { LimitesPrecios } from '../domain/price-limits.js';
import type { ReporteEntrante, ResultadoReporte, Totales, TotalesCuarto } from '../domain/reports.js';
import type {
  AlertaEmpresa,
  Estacion,
  EstadoReportes,
  ReporteApartado,
  SurtidorEmpresa,
  EnlaceCompartido,
  Lease,
  LeaseEnlace,
  VentaEmpresa,
  VersionPrecios,
} from '../domain/types.js';

export type { EnlaceCompartido, Lease, LeaseEnlace };

export type InsercionEstacion = 'insertada' | 'id_duplicado' | 'direccion_duplicada';
export type CambioEstacion = 'actualizada' | 'no_encontrada' | 'id_duplicado' | 'direccion_duplicada';

/** Which sales (every field optional); dates are fecha_fin, epoch ms, inclusive. */
export interface FiltroVentas {
  id_estacion?: string | undefined;
  tipo_combustible?: string | undefined;
  id_surtidor?: number | undefined;
  desde_ms?: number | undefined;
  hasta_ms?: number | undefined;
}

/** The sums of the sales in a range (fecha_fin, epoch ms, inclusive), optionally of one station. */
export interface ResumenAlmacen {
  total: Totales;
  por_estacion: (Totales & { id_estacion: string })[];
  por_combustible: (Totales & { tipo_combustible: string })[];
  /** By quarter hour (UTC) and fuel, for the days of any time zone (see totalesPorDia). */
  por_cuarto: TotalesCuarto[];
}

/** How many pumps of a station report each price version (null: none yet). */
export interface SurtidoresPorVersion {
  id_estacion: string;
  version_precios: number | null;
  n: number;
}

/** How many open alerts a station has of one severity. */
export interface AlertasPorSeveridad {
  id_estacion: string;
  severidad: string;
  n: number;
}

/** One `precios_recibidos` to store (recordAcks). */
export interface AckRecord {
  id: string;
  version: number;
  at: string;
}

export interface CompanyStore {
  readonly kind: 'sqlite' | 'mongodb';
  setup(): Promise<void>;
  close(): Promise<void>;
  /** Throws when the store is unreachable (used by /health). */
  ping(): Promise<void>;
  /** Users, credentials and the audit log, on the same data (throws before setup() / after close()). */
  readonly auth: AuthStore;

  // precios
  /**
   * Appends a version. Returns false (and stores nothing) when that version number already
   * exists: another writer got there first, the caller re-reads and retries.
   */
  appendPriceVersion(v: VersionPrecios): Promise<boolean>;
  /** The highest version, or null when none was ever stored. */
  latestPriceVersion(): Promise<VersionPrecios | null>;
  /** Newest first; `antes` keeps only versions below it (paging). */
  listPriceVersions(filter: { limit: number; antes?: number }): Promise<VersionPrecios[]>;
  /** How many versions there are (below `antes` when given). */
  countPriceVersions(filter: { antes?: number }): Promise<number>;
  /**
   * Marks a version cancelled at `at` unless it already is; false when there is no such version
   * or it was cancelled before (the first cancellation's time is kept).
   */
  cancelPriceVersion(version: number, at: string): Promise<boolean>;
  /** The price limits an admin set, or null when never set (or unreadable: the defaults apply). */
  getPriceLimits(): Promise<LimitesPrecios | null>;
  /** Replaces the price limits. */
  savePriceLimits(limites: LimitesPrecios): Promise<void>;

  // estaciones
  /** Ordered by id_estacion. */
  listStations(): Promise<Estacion[]>;
  getStation(id: string): Promise<Estacion | null>;
  /** Ids and addresses (host + puerto) are unique. */
  insertStation(e: Estacion): Promise<InsercionEstacion>;
  /**
   * Replaces the station stored under `id` with `e` (whose id may differ: a rename), keeping ids
   * and addresses unique.
   */
  replaceStation(id: string, e: Estacion): Promise<CambioEstacion>;
  deleteStation(id: string): Promise<boolean>;
  /**
   * Records a `precios_recibidos`: version_confirmada becomes the highest of the stored one and
   * `version` (never lower), ultimo_contacto becomes `at`. False when the station does not exist.
   */
  recordAck(id: string, version: number, at: string): Promise<boolean>;
  /**
   * recordAck for each, in order, in one durable write: the acknowledgements of many stations at
   * once share one commit (at 10,000 stations, one fsync per ack kept the company busy for a minute
   * after each price change). Unknown stations are skipped.
   */
  recordAcks(acks: readonly AckRecord[]): Promise<void>;
  /** Sets ultimo_contacto; false when the station does not exist. */
  recordContact(id: string, at: string): Promise<boolean>;

  // reportes (issue 15)
  /**
   * Stores a batch of reports in one durable write, in order, and returns what each did (see
   * ResultadoReporte): a sale or close whose id is stored is a repeat when its content is the same,
   * else a conflict kept apart; an alert keeps its state of highest seq; a pump its state of newest
   * `actualizado` (then highest seq). Each station's highest seq becomes the highest of the stored
   * one and the batch's. Rejected and conflicting reports are kept apart once per (station, seq),
   * the newest `maxApartados` of each kind per station (older ones are dropped; the counts in
   * EstadoReportes keep counting).
   */
  saveReports(lote: readonly ReporteEntrante[], opciones: { maxApartados: number }): Promise<ResultadoReporte[]>;
  /** Sales newest first (fecha_fin, then station and seq descending). */
  listSales(filtro: FiltroVentas, pagina: { limit: number; skip: number }): Promise<VentaEmpresa[]>;
  countSales(filtro: FiltroVentas): Promise<number>;
  /** Every matching sale in the order of listSales, read a chunk at a time (CSV exports). */
  iterateSales(filtro: FiltroVentas): AsyncIterable<VentaEmpresa>;
  /** Sums of the sales with fecha_fin in [desde_ms, hasta_ms]. */
  summarizeSales(filtro: {
    desde_ms: number;
    hasta_ms: number;
    id_estacion?: string | undefined;
  }): Promise<ResumenAlmacen>;
  /** A station's pumps by id_surtidor. */
  listReportedPumps(id_estacion: string): Promise<SurtidorEmpresa[]>;
  /** Every station's pumps counted by the price version they report. */
  countPumpsByVersion(): Promise<SurtidoresPorVersion[]>;
  /** A station's open alerts (no `resuelta`), newest first, at most `limit`. */
  listOpenAlerts(id_estacion: string, limit: number): Promise<AlertaEmpresa[]>;
  /** Every station's open alerts counted by severity. */
  countOpenAlerts(): Promise<AlertasPorSeveridad[]>;
  /** Per station that ever reported: its highest seq and how many reports were kept apart. */
  listReportStates(): Promise<EstadoReportes[]>;
  /** A station's reports kept apart (rejected and conflicts), newest first, at most `limit`. */
  listSetAside(id_estacion: string, limit: number): Promise<ReporteApartado[]>;

  /**
   * A number that changes whenever a station is added, removed or replaced (a rename, a new
   * address, a confirmed version lowered after a cancellation): replicas poll it to know when to
   * reload the registry. Acks and contact times (recordAck, recordContact) do not change it.
   */
  registryStamp(): Promise<number>;

  // réplicas y arriendos (leases)
  //
  // Times are ms since the epoch by the writing replica's clock: replicas' clocks are assumed to
  // agree within a fraction of the lease TTL (a replica drops its links a third of the TTL before
  // its lease expires, so the skew it tolerates is that third). Every method is one atomic
  // compare-and-set per lease: two replicas can never both hold an unexpired lease on one station.

  /**
   * Takes the lease of each station in `ids` that has none, whose lease expired at `ahora`, or that
   * `propietario` already holds; sets its expiry to `vence`. Returns the ids taken.
   */
  claimLeases(ids: readonly string[], propietario: string, ahora: number, vence: number): Promise<string[]>;
  /** Extends to `vence` every lease `propietario` holds that has not expired at `ahora`; returns their ids. */
  renewLeases(propietario: string, ahora: number, vence: number): Promise<string[]>;
  /** Gives up `propietario`'s leases on `ids` (all of its leases without `ids`); returns how many. */
  releaseLeases(propietario: string, ids?: readonly string[]): Promise<number>;
  /** The leases not expired at `ahora` (an unreadable row is left out). */
  activeLeases(ahora: number): Promise<Lease[]>;
  /**
   * Writes each station's link state on its lease if `propietario` holds it (one transaction / one
   * bulk write); a lease held by another replica or gone is left alone. Returns how many were written.
   * A lease taken by claimLeases starts with no state.
   */
  recordLinkStates(
    propietario: string,
    estados: readonly (EnlaceCompartido & { id_estacion: string })[],
  ): Promise<number>;
  /** The leases not expired at `ahora` with their owner's link state (one query; unreadable rows left out). */
  activeLeaseLinks(ahora: number): Promise<LeaseEnlace[]>;
  /** Announces a live replica until `vence` and forgets replicas expired at `ahora`. */
  announceReplica(id: string, ahora: number, vence: number): Promise<void>;
  /** Replicas announced and not expired at `ahora`, by id. */
  liveReplicas(ahora: number): Promise<string[]>;
  /** Forgets a replica (graceful shutdown). */
  retireReplica(id: string): Promise<void>;
}
