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
