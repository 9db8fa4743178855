import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Transaccion } from '../../domain/types.js';
import type { Pagina } from '../../store/port.js';
import type { ApiDeps } from '../deps.js';
import { errorRespuesta, filtroTransacciones, transaccion } from '../schemas.js';

/** A page of transactions: the array as the body, the total in x-total-count. */
export function sendPage(reply: FastifyReply, page: Pagina<Transaccion>): Transaccion[] {
  reply.header('x-total-count', String(page.total));
  return page.items;
}

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
