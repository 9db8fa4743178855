/** What the dashboard reads from the station (the REST and WebSocket shapes, as it uses them). */
export type Combustible = '93' | '95' | '97' | 'diesel';

export interface EstadoSurtidor {
  id_surtidor: number;
  estado_conexion: 'conectado' | 'desconectado' | 'timeout' | 'error';
  estado_operacion: 'disponible' | 'despachando' | 'pausado' | 'esperando_autorizacion' | 'autorizado';
  litros_actuales: number;
  monto_actual: number;
  tipo_combustible: Combustible | null;
  precio_por_litro: number | null;
  version_precios: number | null;
  /** Who paused (or stopped) it from the station, and why. */
  pausado_por?: PausadoPor | null;
}

export interface PausadoPor {
  usuario: string;
  comando: 'pausar' | 'detener_emergencia';
  razon: string;
  fecha: string;
}

/** An audit entry as the WebSocket sends it (snapshot `acciones`, event `accion`). */
export interface Accion {
  seq: number;
  fecha: string;
  usuario: string;
  rol: string | null;
  accion: string;
  objetivo: string | null;
  resultado: 'ok' | 'denegado' | 'error';
  detalles: Record<string, unknown> | null;
}

export interface Surtidor {
  id_surtidor: number;
  nombre: string;
  estado_conexion: EstadoSurtidor['estado_conexion'];
  combustible_actual: Combustible | null;
  estado_actual: EstadoSurtidor | null;
  combustibles_soportados?: Combustible[];
  /** (ext) How the pump sells: prepago waits for an authorization. */
  modo_autorizacion?: 'postpago' | 'prepago';
}

/** (ext) A prepaid authorization (GET /api/autorizaciones, the `autorizacion` event). */
export type LimiteAutorizacion =
  { tipo: 'monto'; valor: number } | { tipo: 'litros'; valor: number } | { tipo: 'lleno' };

export interface Autorizacion {
  id_autorizacion: string;
  id_surtidor: number;
  estado: 'emitida' | 'despachando' | 'completada' | 'cancelada' | 'expirada' | 'rechazada';
  limite: LimiteAutorizacion;
  combustibles: Combustible[] | null;
  monto_prepagado: number | null;
  usuario: string;
  creada: string;
  vence: string;
  id_transaccion: string | null;
  reembolso: number | null;
  motivo: string | null;
}

export interface Precios {
  precio_93: number;
  precio_95: number;
  precio_97: number;
  precio_diesel: number;
}

export interface VersionPrecios {
  version: number;
  precios: Precios;
  actualizado: string;
}

/** A version the station holds to put in force at `vigencia` (its own clock). */
export interface PreciosProgramados {
  version: number;
  precios: Precios;
  vigencia: string;
  actualizado: string;
}

export interface Transaccion {
  id_transaccion: string;
  id_surtidor: number;
  nombre_surtidor: string | null;
  tipo_combustible: Combustible;
  litros: number;
  monto_total: number;
  metodo_pago: string;
  fecha_fin: string;
  estado: string;
  observaciones: string[];
}

export interface Alerta {
  id: string;
  clave: string;
  codigo: string;
  mensaje: string;
  severidad: 'info' | 'advertencia' | 'critica';
  id_surtidor: number | null;
  creada: string;
  resuelta: string | null;
}

/** Counts the snapshot carries besides its bounded lists. */
export interface Totales {
  /** Pumps configured at the station. */
  surtidores: number;
  conectados: number;
  alertas_abiertas: number;
}

export interface Snapshot {
  /** The connected pumps only; the rest through GET /api/surtidores. */
  surtidores: Surtidor[];
  totales?: Totales;
  precios: VersionPrecios & { programada?: PreciosProgramados | null };
  transacciones: Transaccion[];
  alertas: Alerta[];
  acciones?: Accion[];
  /** (ext) The open authorizations. */
  autorizaciones?: Autorizacion[];
  /** (ext) Every tank with its last reading. */
  tanques?: Tanque[];
}

export interface EventoPuente {
  tipo: string;
  datos: unknown;
  timestamp: string;
}

export interface VentasPorHora {
  hora: string;
  tipo_combustible: Combustible;
  transacciones: number;
  litros: number;
  monto: number;
}

/** A sale that arrived with the id of a stored one but other content (GET /api/conflictos). */
export interface Conflicto {
  id: string;
  id_surtidor: number;
  id_transaccion: string;
  huella: string;
  campos: string[];
  original: Transaccion;
  nueva: Transaccion;
  detectado: string;
}

/** (ext) A tank's reading (GET /api/tanques/:id/lecturas, a tank's `ultima_lectura`). */
export interface LecturaTanque {
  id_tanque: number;
  id_medidor: number;
  timestamp: string;
  recibida: string;
  altura_producto_mm: number;
  altura_agua_mm: number;
  temperatura_c: number;
  litros: number;
  litros_15c: number;
  observaciones: string[];
}

/** (ext) A tank (GET /api/tanques, the snapshot's `tanques`, the `tanque` event). */
export interface Tanque {
  id_tanque: number;
  nombre: string;
  combustible: Combustible;
  capacidad_litros: number;
  calibracion: { altura_mm: number; litros: number }[];
  nivel_bajo_litros: number;
  agua_alta_mm: number;
  ultima_lectura: LecturaTanque | null;
}

/** (ext) A delivery detected (GET /api/descargas, the `descarga` event). */
export interface Descarga {
  id: string;
  id_tanque: number;
  inicio: string;
  fin: string;
  litros: number;
}

/** (ext) One tank's reconciliation (GET /api/conciliacion): the cumulative variance is what the panel plots. */
export interface ConciliacionTanque {
  id_tanque: number;
  truncado: boolean;
  periodos: {
    desde: string;
    hasta: string;
    bruto: { varianza_acumulada: number } | null;
    neto_15c: { varianza_acumulada: number } | null;
  }[];
}
