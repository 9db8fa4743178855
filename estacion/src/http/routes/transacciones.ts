import { sendPage } from '@combustible/server';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { errorRespuesta, filtroTransacciones, transaccion } from '../schemas.js';

/** A page: the array as the body, the total in x-total-count (one implementation, in @combustible/server). */
export { sendPage };

export const transaccionesRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { store }) => {
  app.get(
    '/api/transacciones',
    {
      schema: {
        tags: ['transacciones'],
        summary: 'Transacciones de la estación, la más reciente primero (total en x-total-count)',
        querystring: filtroTransacciones,
        response: { 200: z.array(transaccion), 400: errorRespuesta },
      },
    },
    async (req, reply) => sendPage(reply, await store.listTransactions(req.query)),
  );
};
