/** What the staff page reads from the company's API (the shapes of empresa/src/http/schemas.ts it uses). */
export type CampoPrecio = 'precio_93' | 'precio_95' | 'precio_97' | 'precio_diesel';

export type Precios = Record<CampoPrecio, number>;

/** GET /api/precios, and each entry of GET /api/precios/historial. */
export interface VersionPrecios {
  version: number;
  precios: Precios;
  actualizado: string;
  autor: string;
  cambios: { campo: CampoPrecio; anterior: number | null; nuevo: number }[];
  /** When it takes effect (null: in force from its creation). */
  vigencia: string | null;
  /** When a scheduled version was cancelled. */
  cancelada: string | null;
}

/** GET /api/precios: the version in force and the scheduled one. */
export interface PreciosVigentes extends VersionPrecios {
  programada: VersionPrecios | null;
}

/** A station reported a price version the company never made. */
export interface Anomalia {
  codigo: 'VERSION_DESCONOCIDA';
  version_reportada: number;
  version_empresa: number;
  desde: string;
}

export interface Enlace {
  estado: 'conectando' | 'saludo' | 'sincronizando' | 'sincronizado' | 'desconectado' | 'detenido';
  anomalia: Anomalia | null;
}

/** An entry of GET /api/estaciones. */
export interface Estacion {
  id_estacion: string;
  nombre: string;
  host: string;
  puerto: number;
  ultimo_contacto: string | null;
  version_confirmada: number | null;
  al_dia: boolean;
  /** Acknowledged the scheduled version (null: none is scheduled). */
  programada_recibida: boolean | null;
  ultimo_error: string | null;
  enlace: Enlace | null;
}

/** The API's one error shape. */
export interface ErrorApi {
  error?: { mensaje?: string; detalles?: { campo: string; problema: string }[] };
}

// ── the network (issue 15): what the stations report upstream ───────────────────────────────

export type Combustible = '93' | '95' | '97' | 'diesel';
export type EstadoEnlace = Enlace['estado'];
export type Severidad = 'info' | 'advertencia' | 'critica';

/** Sales totals: monto in integer pesos, litros rounded to 3 decimals. */
export interface Totales {
  transacciones: number;
  litros: number;
  monto: number;
}

/** How far the company is behind a station's journal. */
export interface ReportesEstacion {
  /** The highest journal position stored here (0: none). */
  ultimo_seq_recibido: number;
  /** The station's last position as its link told (null: unknown here). */
  ultimo_seq_estacion: number | null;
  pendientes: number | null;
  /** Reports ever kept apart: rejected (class unknown, invalid, implausible) or in conflict. */
  rechazados: number;
  conflictos: number;
}

export interface AlertasAbiertas {
  total: number;
  critica: number;
  advertencia: number;
  info: number;
}

/** A station in GET /api/red. */
export interface EstacionRed {
  id_estacion: string;
  nombre: string;
  conectada: boolean;
  /** The link state (null: no link in this process). */
  estado: EstadoEnlace | null;
  ultimo_contacto: string | null;
  version_confirmada: number | null;
  /** Pumps the station reported; al_dia: those at the newest version in force. */
  surtidores: { total: number; al_dia: number };
  ventas_hoy: Totales;
  alertas_abiertas: AlertasAbiertas;
  reportes: ReportesEstacion;
  /** The replica that owns the station's link (null: no unexpired lease). */
  propietario: string | null;
}

/** GET /api/red: every station, and the network's totals. */
export interface Red {
  generado: string;
  version_vigente: number;
  zona_horaria: string;
  totales: {
    estaciones: number;
    conectadas: number;
    surtidores: number;
    surtidores_al_dia: number;
    ventas_hoy: Totales;
    alertas_abiertas: number;
  };
  estaciones: EstacionRed[];
}

/** GET /api/resumen: sales totals by station, fuel and day (days in zona_horaria). */
export interface Resumen {
  desde: string;
  hasta: string;
  zona_horaria: string;
  total: Totales;
  por_estacion: (Totales & { id_estacion: string })[];
  por_combustible: (Totales & { tipo_combustible: Combustible })[];
  por_dia: (Totales & { fecha: string; tipo_combustible: Combustible })[];
}

/** A pump as its station last reported it. */
export interface SurtidorReportado {
  id_surtidor: number;
  nombre: string | null;
  version_precios: number | null;
  conectado: boolean;
  actualizado: string;
}

/** An open alert a station reported. */
export interface AlertaReportada {
  id: string;
  codigo: string;
  severidad: Severidad;
  mensaje: string;
  id_surtidor: number | null;
  creada: string;
  resuelta: string | null;
}

/** GET /api/estaciones/:id: the station, its pumps, its open alerts and its reports kept apart. */
export interface EstacionDetalle extends Estacion {
  surtidores: SurtidorReportado[];
  alertas_abiertas: AlertaReportada[];
  reportes: ReportesEstacion;
  reportes_apartados?: {
    seq: number;
    tipo: 'rechazado' | 'conflicto';
    clase: string;
    codigo: string | null;
    motivo: string;
    recibida_empresa: string;
  }[];
}

/** An entry of GET /api/ventas: a sale a station reported. */
export interface VentaRed {
  id_estacion: string;
  seq: number;
  id_transaccion: string;
  id_surtidor: number;
  tipo_combustible: Combustible;
  litros: number;
  precio_por_litro: number;
  monto_total: number;
  metodo_pago: 'efectivo' | 'tarjeta' | 'transferencia';
  fecha_inicio: string;
  fecha_fin: string;
  estado: 'completada' | 'cancelada' | 'error';
  operador: string | null;
  version_precios: number | null;
  id_autorizacion?: string | null;
  /** Station time it was stored. */
  recibida: string;
  /** Company time it was stored. */
  recibida_empresa: string;
}
