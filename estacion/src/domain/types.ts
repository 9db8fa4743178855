/**
 * The station's records, named as the seed names them. These types are what the store port
 * speaks: no driver type ever appears here.
 */
import type {
  Combustible,
  EstadoOperacion,
  EstadoTransaccion,
  LimiteAutorizacion,
  MetodoPago,
  ModoAutorizacion,
  Precios,
} from '@combustible/shared';

export type EstadoConexion = 'conectado' | 'desconectado' | 'timeout' | 'error';

/** A pump as configured at the station (`surtidores`). */
export interface Surtidor {
  id_surtidor: number;
  nombre: string;
  combustibles_soportados: Combustible[];
  combustible_actual: Combustible | null;
  configuracion: {
    capacidad_maxima_litros: number;
    velocidad_despacho: number;
    /** (ext) The tank each fuel's nozzle draws from (absent: the only tank of that fuel, see domain/tanks.ts). */
    tanques?: Partial<Record<Combustible, number>>;
  };
  fecha_creacion: string;
  fecha_actualizacion: string;
  ultima_conexion: string | null;
  /** Address the pump last connected from. */
  ip: string | null;
  /** Firmware/protocol version the pump reported in `registro`. */
  version: string | null;
  /** (ext) `postpago` (the seed's behaviour, and what a record of an older build reads as) or `prepago`. */
  modo_autorizacion: ModoAutorizacion;
}

/** Live state of a pump (`estado_surtidores`), kept in memory and written behind. */
export interface EstadoSurtidor {
  id_surtidor: number;
  estado_conexion: EstadoConexion;
  estado_operacion: EstadoOperacion;
  litros_actuales: number;
  monto_actual: number;
  tipo_combustible: Combustible | null;
  precio_por_litro: number | null;
  /** Price version the pump confirmed with `precios_aplicados` (or got in `registro_confirmado`). */
  version_precios: number | null;
  /** Station clock minus pump clock, ms, from the last `estado`/`heartbeat`. */
  desfase_reloj_ms: number | null;
  /** Pump's own timestamp of its last state report. */
  timestamp: string | null;
  /** Station time of the last line received. */
  ultima_actividad: string | null;
  /**
   * Who stopped the pump from the station and why: set when a `pausar` or `detener_emergencia`
   * succeeds, cleared by `reanudar` or when the pump reports it is no longer paused.
   */
  pausado_por: PausadoPor | null;
}

export interface PausadoPor {
  usuario: string;
  comando: 'pausar' | 'detener_emergencia';
  razon: string;
  /** Station time of the command. */
  fecha: string;
}

/** A stored sale (`transacciones`): every field the pump sent, plus what the station derived. */
export interface Transaccion {
  id_transaccion: string;
  /** True when the pump sent no id and the station derived it from the content. */
  id_derivado: boolean;
  id_surtidor: number;
  nombre_surtidor: string | null;
  tipo_combustible: Combustible;
  litros: number;
  precio_por_litro: number;
  monto_total: number;
  metodo_pago: MetodoPago;
  fecha_inicio: string;
  fecha_fin: string;
  estado: EstadoTransaccion;
  operador: string | null;
  secuencia: number | null;
  version_precios: number | null;
  totalizador_inicio: number | null;
  totalizador_fin: number | null;
  /** Problems the station noticed (inconsistent amount, stale price version…). Never silently dropped. */
  observaciones: string[];
  detalles: { duracion_segundos: number; velocidad_promedio: number };
  /** Station time when it was stored. */
  recibida: string;
  /** (ext) The authorization the pump says it dispensed under; null when it named none. */
  id_autorizacion: string | null;
  /**
   * (ext) Integer pesos to give back: the prepaid amount of its authorization minus monto_total,
   * when the authorization had one (a `monto` preset, or a `litros` preset with a known price).
   */
  reembolso: number | null;
}

/**
 * A sale received with the (id_surtidor, id_transaccion) of a stored one but with different
 * content (`conflictos`): both versions are kept, the original is never replaced. The same
 * conflicting version received again is the same conflict (its `id` includes its content hash).
 */
export interface Conflicto {
  /** `id_surtidor:id_transaccion:huella`. */
  id: string;
  id_surtidor: number;
  id_transaccion: string;
  /** Content hash of the new version (see domain/conflicts.ts). */
  huella: string;
  /** Content hash of the stored original. */
  huella_original: string;
  /** The content fields whose values differ. */
  campos: string[];
  /** The version stored first: still the one in `transacciones`. */
  original: Transaccion;
  /** The version received later, as the station built it. */
  nueva: Transaccion;
  /** Station time the new version arrived (its `recibida`). */
  detectado: string;
}

export type SeveridadAlerta = 'info' | 'advertencia' | 'critica';

export interface Alerta {
  id: string;
  /** Identifies an open condition so that it is raised once and can be cleared (e.g. SECUENCIA_FALTANTE:3:17). */
  clave: string;
  codigo: string;
  mensaje: string;
  severidad: SeveridadAlerta;
  id_surtidor: number | null;
  creada: string;
  resuelta: string | null;
  datos: Record<string, unknown> | null;
}

export interface VersionPrecios {
  version: number;
  precios: Precios;
  /** When the station received it. */
  actualizado: string;
  origen: 'defecto' | 'empresa' | 'local';
  /**
   * A scheduled version: when it takes effect by the station's clock (ISO-8601). Until then it is
   * kept beside the version in force; absent for a version in force from when it was received.
   */
  vigencia?: string;
}

/** (ext) Where an authorization stands: see domain/authorizations.ts for the transitions. */
export const ESTADOS_AUTORIZACION = [
  'emitida',
  'despachando',
  'completada',
  'cancelada',
  'expirada',
  'rechazada',
] as const;
export type EstadoAutorizacion = (typeof ESTADOS_AUTORIZACION)[number];

/** The states an authorization can still leave (at most one per pump). */
export const ESTADOS_AUTORIZACION_ABIERTA: readonly EstadoAutorizacion[] = ['emitida', 'despachando'];

/** (ext) A prepaid authorization issued by the station to one pump (`autorizaciones`). */
export interface Autorizacion {
  id_autorizacion: string;
  id_surtidor: number;
  estado: EstadoAutorizacion;
  limite: LimiteAutorizacion;
  /** The fuels the customer may take; null: any the pump sells. */
  combustibles: Combustible[] | null;
  /**
   * Integer pesos the customer paid ahead: the `monto` preset, or a `litros` preset times the price
   * of its one fuel when issued; null for `lleno` or a litres preset on several fuels.
   */
  monto_prepagado: number | null;
  /** Who issued it (the API user). */
  usuario: string;
  /** Station time it was issued. */
  creada: string;
  /** Station time by which dispensing must start, else it expires. */
  vence: string;
  /** Station time of its last change. */
  actualizada: string;
  /** The sale it was used by, once completada. */
  id_transaccion: string | null;
  /** Integer pesos to refund, once completada with a prepaid amount. */
  reembolso: number | null;
  /** Why it was cancelled or rejected (the pump's answer), or what was noticed about its sale. */
  motivo: string | null;
}

/** Sums of one group of a close: counts, litres, integer pesos, and the prepaid refunds owed. */
export interface TotalesCierre {
  transacciones: number;
  /** Rounded to 3 decimals. */
  litros: number;
  /** Integer pesos. */
  monto: number;
  /** Integer pesos: the sum of the sales' `reembolso` (prepaid authorizations). */
  reembolsos: number;
}

/**
 * A day or shift close (`cierres`): the totals of the sales whose fecha_fin lies in [desde, hasta],
 * frozen when it was made. Never changed once stored.
 */
export interface Cierre {
  id_cierre: string;
  /** Inclusive bounds on fecha_fin, normalized UTC ISO. */
  desde: string;
  hasta: string;
  /** The day closed (YYYY-MM-DD in `zona_horaria`) when the close was asked by `fecha`; else null. */
  fecha: string | null;
  /** The shift's name; closes of different shifts may overlap. Null: the whole range. */
  turno: string | null;
  zona_horaria: string;
  /** Station time it was made, and by whom (the API user). */
  creado: string;
  usuario: string;
  total: TotalesCierre;
  /** Sorted by id_surtidor. */
  por_surtidor: (TotalesCierre & { id_surtidor: number; nombre_surtidor: string | null })[];
  /** Sorted by code point of the key. */
  por_combustible: (TotalesCierre & { tipo_combustible: Combustible })[];
  por_metodo_pago: (TotalesCierre & { metodo_pago: MetodoPago })[];
  /** `operador` null: sales that named no attendant. */
  por_operador: (TotalesCierre & { operador: string | null })[];
  /** Present (true) when more attendants than MAX_OPERADORES_CIERRE sold: the rest are under `(otros)`. */
  por_operador_truncado?: true;
  /**
   * Wet-stock reconciliation frozen with the close (app/cierres.ts ConciliacionCierre: one period per
   * tank, the cumulative variance carried on from the previous close); null without tanks. Stored
   * data: read leniently, never trusted to have that shape.
   */
  conciliacion: unknown;
}
