import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiDeps } from '../deps.js';
import { preciosRespuesta } from '../schemas.js';

export const preciosRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { service }) => {
  app.get(
    '/api/precios',
    {
      schema: {
        tags: ['precios'],
        summary: 'Precios vigentes y la versión con que vende cada surtidor',
        response: { 200: preciosRespuesta },
      },
    },
    async () => {
      const { version, precios, actualizado, origen } = service.prices.current;
      return {
        version,
        precios,
        actualizado,
        origen,
        surtidores: service.allPumps().map((p) => ({
          id_surtidor: p.id_surtidor,
          version_precios: service.live.get(p.id_surtidor)?.version_precios ?? null,
        })),
      };
    },
  );
};
