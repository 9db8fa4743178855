/**
 * (ext, issue 15) Reports upstream on link 2: the station forwards what it stored (sales, day
 * closes, alerts, its pumps' price versions) to the company, store and forward, exactly once.
 *
 *   company → station  suscripcion_reportes {ventana}      "I take reports; at most `ventana` unacked"
 *   station → company  reporte {seq, clase, datos}          one stored record, in `seq` order
 *   company → station  reportes_recibidos {hasta_seq}       every report up to `hasta_seq` is durable here
 *
 * `seq` is the station's journal position: strictly increasing, stable across restarts, never
 * reused. The station keeps a durable cursor (the highest `hasta_seq` acknowledged) and, on every
 * connection that subscribes, sends from the cursor on, in order, at most `ventana` unacknowledged
 * and at most its own rate. Reports after the cursor may be sent twice (a cut between the
 * company's write and its ack): the company keeps each record once by its own id (a sale by
 * `id_estacion` + `id_surtidor` + `id_transaccion`), so a repeat changes nothing.
 *
 * The envelope is checked as a line; `datos` is checked per `clase` by the company
 * (`REPORTES_POR_CLASE`): a report whose class it does not know (a newer station) or whose
 * `datos` is not valid or not plausible is kept apart as rejected, with the reason, and still
 * acknowledged, so one bad record never stalls a station's stream.
 */
import { z } from 'zod';
import {
  combustible,
  estadoTransaccion,
  idAutorizacion,
  idSurtidor,
  metodoPago,
  timestamp,
  versionPrecios,
} from './common.js';
import { LIMITES_VENTA as L } from './sale-limits.js';

/** The most reports a company may let a station have in flight on one connection. */
export const MAX_VENTANA_REPORTES = 1000;

/** A journal position: 1, 2, 3… per station. */
export const seqReporte = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export const suscripcionReportes = z.object({
  tipo: z.literal('suscripcion_reportes'),
  /** At most this many reports sent and not yet acknowledged. */
  ventana: z.number().int().min(1).max(MAX_VENTANA_REPORTES),
});

export const reporte = z.object({
  tipo: z.literal('reporte'),
  seq: seqReporte,
  /** One of CLASES_REPORTE, or a class of a newer build (kept apart by the company). */
  clase: z.string().min(1).max(32),
  /** Checked per class with REPORTES_POR_CLASE. */
  datos: z.record(z.string(), z.unknown()),
});

export const reportesRecibidos = z.object({
  tipo: z.literal('reportes_recibidos'),
  /** Every report with `seq` ≤ this is durably stored (or durably kept apart as rejected). */
  hasta_seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

const texto = (max: number) => z.string().max(max);

/** A stored sale as the station forwards it (`clase: 'venta'`). */
export const ventaReportada = z.object({
  id_transaccion: z.string().min(1).max(64),
  id_surtidor: idSurtidor,
  tipo_combustible: combustible,
  litros: z.number().min(L.litrosMin).max(L.litrosMax),
  precio_por_litro: z.number().int().min(L.precioMin).max(L.precioMax),
  monto_total: z.number().int().min(0).max(L.montoMax),
  metodo_pago: metodoPago,
  fecha_inicio: timestamp,
  fecha_fin: timestamp,
  estado: estadoTransaccion,
  operador: texto(100).nullable(),
  version_precios: versionPrecios.nullable(),
  id_autorizacion: idAutorizacion.nullable().optional(),
  /** Station time it was stored. */
  recibida: timestamp,
  /**
   * What the station (or the company) noticed about the sale and stored with it, e.g. an amount
   * that is not litros × precio_por_litro: the sale is kept and counted (monto_total is what was
   * charged), the note travels with it. Absent: nothing noticed.
   */
  observaciones: z.array(texto(300)).max(20).optional(),
});

const totales = z.object({
  transacciones: z.number().int().min(0),
  litros: z.number().min(0),
  monto: z.number().int().min(0),
  reembolsos: z.number().int().min(0).optional(),
});

/** A day or shift close (`clase: 'cierre'`); fields beyond these are kept as sent. */
export const cierreReportado = z.looseObject({
  id_cierre: z.string().min(1).max(64),
  desde: timestamp,
  hasta: timestamp,
  fecha: z.string().max(10).nullable(),
  turno: texto(100).nullable(),
  creado: timestamp,
  total: totales,
  por_combustible: z.array(totales.extend({ tipo_combustible: combustible })).max(10),
});

/**
 * An alert raised, or resolved (`resuelta` set), at the station (`clase: 'alerta'`): the station
 * forwards each change of an alert at or above its configured severity; the company keeps the
 * latest state of each `id`.
 */
export const alertaReportada = z.object({
  id: z.string().min(1).max(200),
  codigo: z.string().min(1).max(64),
  severidad: z.enum(['info', 'advertencia', 'critica']),
  mensaje: texto(500),
  id_surtidor: idSurtidor.nullable(),
  creada: timestamp,
  resuelta: timestamp.nullable(),
});

/**
 * What one pump holds, when it changes (`clase: 'surtidor'`): registered, price version
 * acknowledged, connected or not. The company keeps the latest by `actualizado`.
 */
export const surtidorReportado = z.object({
  id_surtidor: idSurtidor,
  nombre: texto(100).nullable(),
  version_precios: versionPrecios.nullable(),
  conectado: z.boolean(),
  actualizado: timestamp,
});

export const CLASES_REPORTE = ['venta', 'cierre', 'alerta', 'surtidor'] as const;
export type ClaseReporte = (typeof CLASES_REPORTE)[number];

export const REPORTES_POR_CLASE = {
  venta: ventaReportada,
  cierre: cierreReportado,
  alerta: alertaReportada,
  surtidor: surtidorReportado,
} as const satisfies Record<ClaseReporte, z.ZodType>;

export type SuscripcionReportes = z.infer<typeof suscripcionReportes>;
export type Reporte = z.infer<typeof reporte>;
export type ReportesRecibidos = z.infer<typeof reportesRecibidos>;
export type VentaReportada = z.infer<typeof ventaReportada>;
export type CierreReportado = z.infer<typeof cierreReportado>;
export type AlertaReportada = z.infer<typeof alertaReportada>;
export type SurtidorReportado = z.infer<typeof surtidorReportado>;
