/**
 * (issue 15) The network as the stations report it: their sales (a page, or every one as CSV),
 * the totals by station, fuel and day, and the network table (link, price compliance, today's
 * sales, open alerts, reports behind). Read-only, role `lectura`.
 */
import { type ColumnaCsv, CupoExportaciones, enviarCsv, pideCsv, sendPage } from '@combustible/server';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { VentaEmpresa } from '../../domain/types.js';
import { CompanyError } from '../../errors.js';
import type { FiltroVentas } from '../../store/port.js';
import type { ApiDeps } from '../deps.js';
import { errorRespuesta, filtroResumen, filtroVentas, red, resumen, ventaEmpresa } from '../schemas.js';

const tags = ['red'];

export const COLUMNAS_VENTA: readonly ColumnaCsv<VentaEmpresa>[] = [
  { encabezado: 'id_estacion', valor: (v) => v.id_estacion },
  { encabezado: 'seq', valor: (v) => v.seq },
  { encabezado: 'id_surtidor', valor: (v) => v.id_surtidor },
  { encabezado: 'id_transaccion', valor: (v) => v.id_transaccion },
  { encabezado: 'fecha_inicio', valor: (v) => v.fecha_inicio },
  { encabezado: 'fecha_fin', valor: (v) => v.fecha_fin },
  { encabezado: 'tipo_combustible', valor: (v) => v.tipo_combustible },
  { encabezado: 'litros', valor: (v) => v.litros },
  { encabezado: 'precio_por_litro', valor: (v) => v.precio_por_litro },
  { encabezado: 'monto_total', valor: (v) => v.monto_total },
  { encabezado: 'metodo_pago', valor: (v) => v.metodo_pago },
  { encabezado: 'estado', valor: (v) => v.estado },
  { encabezado: 'operador', valor: (v) => v.operador },
  { encabezado: 'version_precios', valor: (v) => v.version_precios },
  { encabezado: 'id_autorizacion', valor: (v) => v.id_autorizacion },
  { encabezado: 'recibida', valor: (v) => v.recibida },
  { encabezado: 'recibida_empresa', valor: (v) => v.recibida_empresa },
];

export const redRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { red: vista, metrics, maxExports }) => {
  const cupo = new CupoExportaciones(maxExports ?? 4);
  metrics.watchExports(() => cupo.activas);

  app.get(
    '/api/ventas',
    {
      schema: {
        tags,
        summary:
          'Ventas informadas por las estaciones, la más reciente primero (total en x-total-count); en CSV con ?formato=csv o Accept: text/csv',
        querystring: filtroVentas,
        response: { 200: z.array(ventaEmpresa), 400: errorRespuesta, 429: errorRespuesta },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const filtro: FiltroVentas = {
        id_estacion: q.estacion,
        tipo_combustible: q.combustible,
        id_surtidor: q.surtidor,
        desde_ms: q.desde === undefined ? undefined : Date.parse(q.desde),
        hasta_ms: q.hasta === undefined ? undefined : Date.parse(q.hasta),
      };
      if (pideCsv(req)) {
        const liberar = cupo.tomar();
        if (!liberar) {
          throw new CompanyError(
            'EXPORTACIONES_EXCEDIDAS',
            `ya hay ${cupo.maximo} exportaciones CSV en curso (--max-exports); reintente cuando termine alguna`,
          );
        }
        return enviarCsv(reply, {
          archivo: 'ventas-red.csv',
          columnas: COLUMNAS_VENTA,
          filas: vista.iterarVentas(filtro),
          alTerminar: () => liberar(),
        });
      }
      return sendPage(reply, await vista.ventas(filtro, { limit: q.limit, skip: q.offset }));
    },
  );

  app.get(
    '/api/resumen',
    {
      schema: {
        tags,
        summary: 'Totales de ventas por estación, combustible y día (días en --zona-horaria)',
        querystring: filtroResumen,
        response: { 200: resumen, 400: errorRespuesta },
      },
    },
    async (req) => vista.resumen(req.query),
  );

  app.get(
    '/api/red',
    {
      schema: {
        tags,
        summary:
          'Todas las estaciones: enlace, cumplimiento de precios de sus surtidores, ventas de hoy, alertas abiertas y reportes pendientes',
        response: { 200: red },
      },
    },
    async () => vista.red(),
  );
};
