/**
 * (ext, issue 15) What the station forwards to the company, as the company reads it
 * (@combustible/shared `REPORTES_POR_CLASE`): pure mappings from the stored records. A conflict's
 * new version is never forwarded: it stays a station matter (the original sale was forwarded).
 */
import type {
  AlertaReportada,
  ClaseReporte,
  CierreReportado,
  SurtidorReportado,
  VentaReportada,
} from '@combustible/shared';
import type { Alerta, Cierre, SeveridadAlerta, Transaccion } from './types.js';

/** One journal entry: its position and the record as forwarded. */
export interface ReporteAlmacenado {
  seq: number;
  /** One of CLASES_REPORTE (a stored entry may carry another: it is sent as stored). */
  clase: string;
  datos: Record<string, unknown>;
}

/** A journal entry to write beside a record (the sale's own is its row's `seq_reporte`). */
export interface ReporteNuevo {
  seq: number;
  clase: Exclude<ClaseReporte, 'venta'>;
  datos: Record<string, unknown>;
}

/** Where a resolved alert is journaled, if its severity reaches the station's threshold. */
export interface ReporteResolucion {
  seq: number;
  severidadMinima: SeveridadAlerta;
}

export const ventaReportada = (t: Transaccion): VentaReportada => ({
  id_transaccion: t.id_transaccion,
  id_surtidor: t.id_surtidor,
  tipo_combustible: t.tipo_combustible,
  litros: t.litros,
  precio_por_litro: t.precio_por_litro,
  monto_total: t.monto_total,
  metodo_pago: t.metodo_pago,
  fecha_inicio: t.fecha_inicio,
  fecha_fin: t.fecha_fin,
  estado: t.estado,
  operador: t.operador,
  version_precios: t.version_precios,
  id_autorizacion: t.id_autorizacion,
  recibida: t.recibida,
  ...(t.observaciones.length > 0 ? { observaciones: t.observaciones.slice(0, 20).map((o) => o.slice(0, 300)) } : {}),
});

export const alertaReportada = (a: Alerta): AlertaReportada => ({
  id: a.id,
  codigo: a.codigo,
  severidad: a.severidad,
  mensaje: a.mensaje,
  id_surtidor: a.id_surtidor,
  creada: a.creada,
  resuelta: a.resuelta,
});

/** The whole close (the company keeps fields beyond its schema as sent). */
export const cierreReportado = (c: Cierre): CierreReportado => ({ ...c });

export const surtidorReportado = (s: SurtidorReportado): SurtidorReportado => ({ ...s });

const RANGO: Record<SeveridadAlerta, number> = { info: 0, advertencia: 1, critica: 2 };

/** Whether an alert of `severidad` is forwarded when the station reports from `minima` up. */
export const severidadAlcanza = (severidad: SeveridadAlerta, minima: SeveridadAlerta): boolean =>
  (RANGO[severidad] ?? RANGO.critica) >= RANGO[minima];

/** The journal entry of a resolved alert, or null when it is not forwarded. */
export const reporteDeResolucion = (alerta: Alerta, r: ReporteResolucion | undefined): ReporteNuevo | null =>
  r === undefined || !severidadAlcanza(alerta.severidad, r.severidadMinima)
    ? null
    : { seq: r.seq, clase: 'alerta', datos: { ...alertaReportada(alerta) } };
