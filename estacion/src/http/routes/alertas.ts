import { pideCsv, sendPage, TOTAL_HEADER } from '@combustible/server';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RouteDeps } from '../deps.js';
import { COLUMNAS_ALERTA } from '../exportar.js';
import { alerta, errorRespuesta, estadisticas, filtroAlertas, MAX_POR_HORA, rangoEstadisticas } from '../schemas.js';

export const alertasRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { store, exportar }) => {
  app.get(
    '/api/alertas',
    {
      schema: {
        tags: ['alertas'],
        summary:
          'Alertas, la más reciente primero (?abiertas=true para las vigentes; total en x-total-count); en CSV con ?formato=csv o Accept: text/csv',
        querystring: filtroAlertas,
        response: { 200: z.array(alerta), 400: errorRespuesta },
      },
    },
    async (req, reply) => {
      const { abiertas, id_surtidor, limit, skip } = req.query;
      if (pideCsv(req))
        return exportar(reply, 'alertas', COLUMNAS_ALERTA, () => store.iterateAlerts({ abiertas, id_surtidor }));
      const [items, total] = await Promise.all([
        store.listAlerts({ abiertas, id_surtidor, limit, skip }),
        store.countAlerts({ abiertas, id_surtidor }),
      ]);
      return sendPage(reply, { items, total });
    },
  );

  app.get(
    '/api/estadisticas',
    {
      schema: {
        tags: ['estadisticas'],
        summary:
          'Totales por combustible, surtidor, medio de pago y hora (límites sobre fecha_fin); ' +
          'por_surtidor es una página (?limit&skip, total en x-total-count)',
        querystring: rangoEstadisticas,
        response: { 200: estadisticas, 400: errorRespuesta },
      },
    },
    async (req, reply) => {
      const { desde, hasta, limit, skip } = req.query;
      const stats = await store.salesStats({ desde, hasta });
      reply.header(TOTAL_HEADER, String(stats.por_surtidor.length));
      return {
        ...stats,
        por_surtidor: stats.por_surtidor.slice(skip, skip + limit),
        // Sorted by hour: the newest rows are the last ones.
        por_hora: stats.por_hora.slice(-MAX_POR_HORA),
        por_hora_truncado: stats.por_hora.length > MAX_POR_HORA,
      };
    },
  );
};
