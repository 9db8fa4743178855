import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiDeps } from '../deps.js';
import { presentStation } from '../deps.js';
import { salud } from '../schemas.js';

const startedAt = Date.now();

export const sistemaRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, deps) => {
  const { service, links, store, metrics, empresa } = deps;

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
      const newest = service.current.version;
      const estaciones = service
        .listStations()
        .map((e) => presentStation(e, links.status(e.id_estacion), newest));
      reply.code(error ? 503 : 200);
      return {
        estado: error ? ('degradado' as const) : ('ok' as const),
        empresa,
        almacenamiento: { tipo: store.kind, alcanzable: !error, ...(error ? { error } : {}) },
        version_precios: newest,
        estaciones: {
          total: estaciones.length,
          conectadas: estaciones.filter((e) => e.conectada).length,
          al_dia: estaciones.filter((e) => e.al_dia).length,
        },
        tiempo_activo_s: Math.round((Date.now() - startedAt) / 1000),
      };
    },
  );

  app.get(
    '/metrics',
    { config: { rateLimit: false }, schema: { tags: ['sistema'], summary: 'Métricas Prometheus' } },
    async (_req, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
};
