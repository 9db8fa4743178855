/**
 * The station's CSV exports: the columns of each list and the one function its routes call when a
 * client asks for CSV (@combustible/server's pideCsv). The encoding and the streaming are in
 * @combustible/server (http/csv.ts); here are the bound (--max-exports) and the metrics.
 */
import { type ColumnaCsv, CupoExportaciones, enviarCsv } from '@combustible/server';
import type { FastifyReply } from 'fastify';
import type { StationMetrics } from '../app/metrics.js';
import type { BalanceVolumen, FilaConciliacion } from '../domain/conciliacion.js';
import type { Descarga, Lectura } from '../domain/tanks.js';
import type { Alerta, Autorizacion, Cierre, Conflicto, Transaccion } from '../domain/types.js';
import { StationError } from '../errors.js';

/** Default --max-exports. */
export const MAX_EXPORTS_POR_DEFECTO = 4;

export const COLUMNAS_TRANSACCION: readonly ColumnaCsv<Transaccion>[] = [
  { encabezado: 'id_surtidor', valor: (t) => t.id_surtidor },
  { encabezado: 'id_transaccion', valor: (t) => t.id_transaccion },
  { encabezado: 'nombre_surtidor', valor: (t) => t.nombre_surtidor },
  { encabezado: 'fecha_inicio', valor: (t) => t.fecha_inicio },
  { encabezado: 'fecha_fin', valor: (t) => t.fecha_fin },
  { encabezado: 'tipo_combustible', valor: (t) => t.tipo_combustible },
  { encabezado: 'litros', valor: (t) => t.litros },
  { encabezado: 'precio_por_litro', valor: (t) => t.precio_por_litro },
  { encabezado: 'monto_total', valor: (t) => t.monto_total },
  { encabezado: 'metodo_pago', valor: (t) => t.metodo_pago },
  { encabezado: 'estado', valor: (t) => t.estado },
  { encabezado: 'operador', valor: (t) => t.operador },
  { encabezado: 'id_autorizacion', valor: (t) => t.id_autorizacion },
  { encabezado: 'reembolso', valor: (t) => t.reembolso },
  { encabezado: 'secuencia', valor: (t) => t.secuencia },
  { encabezado: 'version_precios', valor: (t) => t.version_precios },
  { encabezado: 'totalizador_inicio', valor: (t) => t.totalizador_inicio },
  { encabezado: 'totalizador_fin', valor: (t) => t.totalizador_fin },
  { encabezado: 'id_derivado', valor: (t) => t.id_derivado },
  { encabezado: 'recibida', valor: (t) => t.recibida },
  { encabezado: 'observaciones', valor: (t) => t.observaciones.join(' | ') },
];

export const COLUMNAS_ALERTA: readonly ColumnaCsv<Alerta>[] = [
  { encabezado: 'id', valor: (a) => a.id },
  { encabezado: 'creada', valor: (a) => a.creada },
  { encabezado: 'resuelta', valor: (a) => a.resuelta },
  { encabezado: 'codigo', valor: (a) => a.codigo },
  { encabezado: 'severidad', valor: (a) => a.severidad },
  { encabezado: 'id_surtidor', valor: (a) => a.id_surtidor },
  { encabezado: 'mensaje', valor: (a) => a.mensaje },
  { encabezado: 'clave', valor: (a) => a.clave },
  { encabezado: 'datos', valor: (a) => (a.datos === null ? null : JSON.stringify(a.datos)) },
];

export const COLUMNAS_AUTORIZACION: readonly ColumnaCsv<Autorizacion>[] = [
  { encabezado: 'id_autorizacion', valor: (a) => a.id_autorizacion },
  { encabezado: 'id_surtidor', valor: (a) => a.id_surtidor },
  { encabezado: 'estado', valor: (a) => a.estado },
  { encabezado: 'limite', valor: (a) => a.limite.tipo },
  { encabezado: 'limite_valor', valor: (a) => ('valor' in a.limite ? a.limite.valor : null) },
  { encabezado: 'combustibles', valor: (a) => a.combustibles?.join(' ') ?? null },
  { encabezado: 'monto_prepagado', valor: (a) => a.monto_prepagado },
  { encabezado: 'usuario', valor: (a) => a.usuario },
  { encabezado: 'creada', valor: (a) => a.creada },
  { encabezado: 'vence', valor: (a) => a.vence },
  { encabezado: 'actualizada', valor: (a) => a.actualizada },
  { encabezado: 'id_transaccion', valor: (a) => a.id_transaccion },
  { encabezado: 'reembolso', valor: (a) => a.reembolso },
  { encabezado: 'motivo', valor: (a) => a.motivo },
];

export const COLUMNAS_CONFLICTO: readonly ColumnaCsv<Conflicto>[] = [
  { encabezado: 'id', valor: (c) => c.id },
  { encabezado: 'detectado', valor: (c) => c.detectado },
  { encabezado: 'id_surtidor', valor: (c) => c.id_surtidor },
  { encabezado: 'id_transaccion', valor: (c) => c.id_transaccion },
  { encabezado: 'campos', valor: (c) => c.campos.join(' ') },
  { encabezado: 'original_litros', valor: (c) => c.original.litros },
  { encabezado: 'original_monto_total', valor: (c) => c.original.monto_total },
  { encabezado: 'nueva_litros', valor: (c) => c.nueva.litros },
  { encabezado: 'nueva_monto_total', valor: (c) => c.nueva.monto_total },
  { encabezado: 'huella_original', valor: (c) => c.huella_original },
  { encabezado: 'huella', valor: (c) => c.huella },
];

export const COLUMNAS_CIERRE: readonly ColumnaCsv<Cierre>[] = [
  { encabezado: 'id_cierre', valor: (c) => c.id_cierre },
  { encabezado: 'fecha', valor: (c) => c.fecha },
  { encabezado: 'turno', valor: (c) => c.turno },
  { encabezado: 'desde', valor: (c) => c.desde },
  { encabezado: 'hasta', valor: (c) => c.hasta },
  { encabezado: 'zona_horaria', valor: (c) => c.zona_horaria },
  { encabezado: 'creado', valor: (c) => c.creado },
  { encabezado: 'usuario', valor: (c) => c.usuario },
  { encabezado: 'transacciones', valor: (c) => c.total.transacciones },
  { encabezado: 'litros', valor: (c) => c.total.litros },
  { encabezado: 'monto', valor: (c) => c.total.monto },
  { encabezado: 'reembolsos', valor: (c) => c.total.reembolsos },
];

/** (ext) A tank's readings (GET /api/tanques/:id/lecturas). */
export const COLUMNAS_LECTURA: readonly ColumnaCsv<Lectura>[] = [
  { encabezado: 'id_tanque', valor: (l) => l.id_tanque },
  { encabezado: 'id_medidor', valor: (l) => l.id_medidor },
  { encabezado: 'timestamp', valor: (l) => l.timestamp },
  { encabezado: 'recibida', valor: (l) => l.recibida },
  { encabezado: 'altura_producto_mm', valor: (l) => l.altura_producto_mm },
  { encabezado: 'altura_agua_mm', valor: (l) => l.altura_agua_mm },
  { encabezado: 'temperatura_c', valor: (l) => l.temperatura_c },
  { encabezado: 'litros', valor: (l) => l.litros },
  { encabezado: 'litros_15c', valor: (l) => l.litros_15c },
  { encabezado: 'observaciones', valor: (l) => l.observaciones.join(' | ') },
];

/** (ext) The deliveries detected (GET /api/descargas). */
export const COLUMNAS_DESCARGA: readonly ColumnaCsv<Descarga>[] = [
  { encabezado: 'id', valor: (d) => d.id },
  { encabezado: 'id_tanque', valor: (d) => d.id_tanque },
  { encabezado: 'inicio', valor: (d) => d.inicio },
  { encabezado: 'fin', valor: (d) => d.fin },
  { encabezado: 'litros', valor: (d) => d.litros },
  { encabezado: 'litros_inicio', valor: (d) => d.litros_inicio },
  { encabezado: 'litros_fin', valor: (d) => d.litros_fin },
  { encabezado: 'ventas_litros', valor: (d) => d.ventas_litros },
];

/** One row of the reconciliation's CSV: a tank's period. */
export type FilaConciliacionCsv = FilaConciliacion & { truncado: boolean };

const BALANCE: readonly (keyof BalanceVolumen)[] = [
  'stock_inicial',
  'ventas',
  'descargas',
  'stock_esperado',
  'stock_medido',
  'varianza',
  'varianza_acumulada',
];

/** (ext) GET /api/conciliacion as CSV: one row per tank and period, gross then net (15 °C) balances. */
export const COLUMNAS_CONCILIACION: readonly ColumnaCsv<FilaConciliacionCsv>[] = [
  { encabezado: 'id_tanque', valor: (f) => f.id_tanque },
  { encabezado: 'desde', valor: (f) => f.desde },
  { encabezado: 'hasta', valor: (f) => f.hasta },
  { encabezado: 'lectura_inicial', valor: (f) => f.lectura_inicial },
  { encabezado: 'lectura_final', valor: (f) => f.lectura_final },
  ...(['bruto', 'neto_15c'] as const).flatMap((vol) =>
    BALANCE.map((campo) => ({ encabezado: `${vol}_${campo}`, valor: (f: FilaConciliacionCsv) => f[vol]?.[campo] })),
  ),
  { encabezado: 'truncado', valor: (f) => f.truncado },
];

/** Sends `filas` as CSV (named `<station id>-<lista>.csv`), within --max-exports. */
export type Exportar = <T>(
  reply: FastifyReply,
  lista: string,
  columnas: readonly ColumnaCsv<T>[],
  filas: () => AsyncIterable<T>,
) => Promise<FastifyReply>;

export function crearExportador(o: { metrics: StationMetrics; idEstacion: string; maximo?: number }): Exportar {
  const cupo = new CupoExportaciones(o.maximo ?? MAX_EXPORTS_POR_DEFECTO);
  o.metrics.watchExports(() => cupo.activas);
  return async (reply, lista, columnas, filas) => {
    const liberar = cupo.tomar();
    if (!liberar) {
      o.metrics.exportaciones.inc({ lista, resultado: 'rechazada' });
      throw new StationError(
        'EXPORTACIONES_EXCEDIDAS',
        `ya hay ${cupo.maximo} exportaciones CSV en curso (--max-exports); reintente cuando termine alguna`,
      );
    }
    return enviarCsv(reply, {
      archivo: `${o.idEstacion}-${lista}.csv`,
      columnas,
      filas: filas(),
      alTerminar: (n, error) => {
        liberar();
        o.metrics.exportacionFilas.inc({ lista }, n);
        o.metrics.exportaciones.inc({ lista, resultado: error ? 'interrumpida' : 'completa' });
      },
    });
  };
}
