import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { alerta, errorRespuesta, estadisticas, filtroAlertas, rangoEstadisticas } from '../schemas.js';

export const alertasRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { store }) => {
  app.get(
    '/api/alertas',
    {
      schema: {
        tags: ['alertas'],
        summary: 'Alertas, la más reciente primero (?abiertas=true para las vigentes)',
        querystring: filtroAlertas,
        response: { 200: z.array(alerta), 400: errorRespuesta },
      },
    },
    async (req) => store.listAlerts(req.query),
  );

  app.get(
    '/api/estadisticas',
    {
      schema: {
        tags: ['estadisticas'],
        summary: 'Totales por combustible, surtidor, medio de pago y hora (límites sobre fecha_fin)',
        querystring: rangoEstadisticas,
        response: { 200: estadisticas, 400: errorRespuesta },
      },
    },
    async (req) => store.salesStats(req.query),
  );
};
