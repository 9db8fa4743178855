import { pageOf, TOTAL_HEADER } from '@combustible/server';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { vistaProgramada } from '../../domain/prices.js';
import type { ApiDeps } from '../deps.js';
import { errorRespuesta, paginaSimple, preciosRespuesta } from '../schemas.js';

export const preciosRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { service }) => {
  app.get(
    '/api/precios',
    {
      schema: {
        tags: ['precios'],
        summary:
          'Precios vigentes, la versión programada si hay una, y la versión con que vende cada surtidor (una página de surtidores; total en x-total-count)',
        querystring: paginaSimple,
        response: { 200: preciosRespuesta, 400: errorRespuesta },
      },
    },
    async (req, reply) => {
      const { version, precios, actualizado, origen } = service.prices.current;
      const page = pageOf(service.allPumps(), req.query);
      reply.header(TOTAL_HEADER, String(page.total));
      return {
        version,
        precios,
        actualizado,
        origen,
        programada: vistaProgramada(service.prices.programada),
        surtidores: page.items.map((p) => ({
          id_surtidor: p.id_surtidor,
          version_precios: service.live.get(p.id_surtidor)?.version_precios ?? null,
        })),
      };
    },
  );
};
