/**
 * The company's records. These types are what the store port speaks: no driver type ever appears
 * here. Field names follow the wire's Spanish spelling.
 */
import type { AlertaReportada, Precios, SurtidorReportado, VentaReportada } from '@combustible/shared';
import type { AnomaliaVersion } from './price-book.js';

export type CampoPrecio = keyof Precios;

/** One price that changed in a version: `anterior` is null in the first version. */
export interface CambioPrecio {
  campo: CampoPrecio;
  anterior: number | null;
  nuevo: number;
}

/** A version of the price book: always the full set of four prices. */
export interface VersionPrecios {
  /** Strictly increasing integer, from 1. */
  version: number;
  precios: Precios;
  /** When it was created (ISO-8601, UTC). */
  actualizado: string;
  /** Who made it (`sistema` for the seed version). */
  autor: string;
  /** What changed with respect to the previous version. */
  cambios: CambioPrecio[];
  /**
   * When it takes effect (ISO-8601): null for a version in force from its creation; a scheduled
   * version is sent to the stations at once and each applies it at this instant by its own clock.
   */
  vigencia: string | null;
  /** When a scheduled version was cancelled before taking effect (null: not cancelled). */
  cancelada: string | null;
}

/** A station in the registry (`estaciones`). */
export interface Estacion {
  id_estacion: string;
  nombre: string;
  host: string;
  puerto: number;
  /** The station's company port speaks TLS (the company verifies its certificate and name). */
  tls: boolean;
  /**
   * True while the id was made up by the company (`HOST-PORT`, for a station registered by
   * address only); the station's own `id_estacion` replaces it at the first `estacion_info`.
   */
  id_provisional: boolean;
  creada: string;
  actualizada: string;
  /** Highest version the station acknowledged with `precios_recibidos` (null: never). */
  version_confirmada: number | null;
  /** Last time the station was heard from (persisted on connect and on acknowledgements). */
  ultimo_contacto: string | null;
}

/** A station's live link as the company sees it (in memory). */
/** Every EstadoEnlace, to read a stored one leniently. */
export const ESTADOS_ENLACE = [
  'conectando',
  'saludo',
  'sincronizando',
  'sincronizado',
  'desconectado',
  'detenido',
] as const;

export type EstadoEnlace =
  /** Dialing (or about to). */
  | 'conectando'
  /** Connected, waiting for `estacion_info`. */
  | 'saludo'
  /** Sent a version, waiting for `precios_recibidos`. */
  | 'sincronizando'
  /** The station holds the newest version. */
  | 'sincronizado'
  /** Not connected; waiting before the next attempt. */
  | 'desconectado'
  /** The link was removed or the service is stopping. */
  | 'detenido';

export interface EstadoEstacion {
  estado: EstadoEnlace;
  conectada: boolean;
  /** Last line received from the station (or last successful contact). */
  ultimo_contacto: string | null;
  /** Highest version the station acknowledged. */
  version_confirmada: number | null;
  /** What the station said it holds in its last `estacion_info`. */
  version_informada: number | null;
  /** The station's own id and name from `estacion_info`. */
  id_informado: string | null;
  nombre_informado: string | null;
  ultimo_error: string | null;
  /** Successful connections after the first. */
  reconexiones: number;
  /**
   * The station reported a version the company never made (above its newest): shown until it
   * reports one the company made; such a station is never counted as up to date.
   */
  anomalia: AnomaliaVersion | null;
}

// ── reports upstream (issue 15) ────────────────────────────────────────────────────────────

/** Who sent a stored report, its journal position there, and when the company stored it. */
export interface Procedencia {
  id_estacion: string;
  seq: number;
  recibida_empresa: string;
}

/** A station's sale as the company keeps it (unique by id_estacion + id_surtidor + id_transaccion). */
export type VentaEmpresa = Procedencia & VentaReportada;
/** The latest state of a station's alert (unique by id_estacion + id). */
export type AlertaEmpresa = Procedencia & AlertaReportada;
/** The latest state of a station's pump (unique by id_estacion + id_surtidor, newest `actualizado`). */
export type SurtidorEmpresa = Procedencia & SurtidorReportado;

/** A report kept apart: rejected (unknown class, invalid or implausible) or in conflict with a stored record. */
export interface ReporteApartado extends Procedencia {
  tipo: 'rechazado' | 'conflicto';
  /** The class as sent. */
  clase: string;
  /** Rejected: a REPORT_REJECTIONS code; conflict: null. */
  codigo: string | null;
  /** Rejected: why; conflict: which record it clashes with. */
  motivo: string;
  /** What the station sent. */
  datos: Record<string, unknown>;
}

/** Per station: the highest journal position stored, and how many reports were ever kept apart. */
export interface EstadoReportes {
  id_estacion: string;
  ultimo_seq: number;
  rechazados: number;
  conflictos: number;
}

/**
 * A station link's lease: the replica (`propietario`, its --replica-id) that may open the link to
 * that station until `vence` (ms since the epoch, by the writer's clock). Several `empresa serve`
 * processes on one store share the stations through these; see links/replicas.ts.
 */
export interface Lease {
  id_estacion: string;
  propietario: string;
  vence: number;
}

/**
 * A station link's state as the replica owning it last wrote it on the lease (replicas): what the
 * other replicas show for a station they do not hold. Written when it changes, once per lease round.
 */
export interface EnlaceCompartido {
  estado: EstadoEnlace;
  conectada: boolean;
  version_confirmada: number | null;
  ultimo_contacto: string | null;
  ultimo_error: string | null;
}

/**
 * A link status of which only the shared part is known, nothing the station itself reported: what
 * a new link shows, and what another replica's lease tells of its link.
 */
export function estadoEnlace(e: EnlaceCompartido): EstadoEstacion {
  return { ...e, version_informada: null, id_informado: null, nombre_informado: null, reconexiones: 0, anomalia: null };
}

/** A lease with its owner's link state (null: not written since the lease was taken, or unreadable). */
export interface LeaseEnlace extends Lease {
  enlace: EnlaceCompartido | null;
}
