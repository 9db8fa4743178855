import { healthRoute, metricsRoute } from '@combustible/server';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { salud } from '../schemas.js';

export const sistemaRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, deps) => {
  const { service, hub, store, metrics, estacion, wsPort } = deps;

  healthRoute(app, {
    store,
    schema: salud,
    extra: () => ({
      estacion,
      surtidores_conectados: service.live.connected().length,
      version_precios: service.prices.current.version,
    }),
  });
  metricsRoute(app, metrics.registry);

  app.get(
    '/api/config',
    {
      schema: {
        tags: ['sistema'],
        summary: 'Lo que el panel necesita saber para conectarse',
        response: {
          200: z.object({
            estacion: z.object({ id: z.string(), nombre: z.string() }),
            ws_port: z.number().int(),
            conexiones: z.number().int(),
          }),
        },
      },
    },
    async () => ({ estacion, ws_port: wsPort, conexiones: hub.connectionCount }),
  );
};
