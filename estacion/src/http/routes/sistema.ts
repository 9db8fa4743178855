import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { salud } from '../schemas.js';

const startedAt = Date.now();

export const sistemaRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, deps) => {
  const { service, hub, store, metrics, estacion, wsPort } = deps;

  app.get(
    '/health',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['sistema'],
        summary: 'Vida del proceso y alcance del almacenamiento',
        response: { 200: salud, 503: salud },
      },
    },
    async (_req, reply) => {
      let error: string | undefined;
      try {
        await store.ping();
      } catch (err) {
        error = (err as Error).message;
      }
      reply.code(error ? 503 : 200);
      return {
        estado: error ? ('degradado' as const) : ('ok' as const),
        estacion,
        almacenamiento: { tipo: store.kind, alcanzable: !error, ...(error ? { error } : {}) },
        surtidores_conectados: service.live.connected().length,
        version_precios: service.prices.current.version,
        tiempo_activo_s: Math.round((Date.now() - startedAt) / 1000),
      };
    },
  );

  app.get(
    '/metrics',
    {
      config: { rateLimit: false },
      schema: { tags: ['sistema'], summary: 'Métricas Prometheus', hide: false },
    },
    async (_req, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );

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
