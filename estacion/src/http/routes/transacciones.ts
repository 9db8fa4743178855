import { pideCsv, sendPage } from '@combustible/server';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RouteDeps } from '../deps.js';
import { COLUMNAS_TRANSACCION } from '../exportar.js';
import { errorRespuesta, filtroTransacciones, transaccion } from '../schemas.js';

/** A page: the array as the body, the total in x-total-count (one implementation, in @combustible/server). */
export { sendPage };

export const transaccionesRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { store, exportar }) => {
  app.get(
    '/api/transacciones',
    {
      schema: {
        tags: ['transacciones'],
        summary:
          'Transacciones de la estación, la más reciente primero (total en x-total-count); en CSV con ?formato=csv o Accept: text/csv',
        querystring: filtroTransacciones,
        response: { 200: z.array(transaccion), 400: errorRespuesta },
      },
    },
    async (req, reply) => {
      if (pideCsv(req)) {
        const { limit: _l, skip: _s, formato: _f, ...filtro } = req.query;
        return exportar(reply, 'transacciones', COLUMNAS_TRANSACCION, () => store.iterateTransactions(filtro));
      }
      return sendPage(reply, await store.listTransactions(req.query));
    },
  );
};
