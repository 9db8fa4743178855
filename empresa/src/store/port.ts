/**
 * The company's storage port. Two adapters implement it (SQLite, the embedded default, and
 * MongoDB) and one contract suite (`contract.ts`) proves both. Every method that returns means
 * the data is durable. No driver type appears here.
 */
import type { AuthStore } from '@combustible/server';
import type { LimitesPrecios } from '../domain/price-limits.js';
import type { Estacion, Lease, VersionPrecios } from '../domain/types.js';

export type { Lease };

export type InsercionEstacion = 'insertada' | 'id_duplicado' | 'direccion_duplicada';
export type CambioEstacion = 'actualizada' | 'no_encontrada' | 'id_duplicado' | 'direccion_duplicada';

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
  /** Sets ultimo_contacto; false when the station does not exist. */
  recordContact(id: string, at: string): Promise<boolean>;

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
  /** Announces a live replica until `vence` and forgets replicas expired at `ahora`. */
  announceReplica(id: string, ahora: number, vence: number): Promise<void>;
  /** Replicas announced and not expired at `ahora`, by id. */
  liveReplicas(ahora: number): Promise<string[]>;
  /** Forgets a replica (graceful shutdown). */
  retireReplica(id: string): Promise<void>;
}
