/**
 * Conflicts: sales received with the id of a stored sale but other content. Both versions are
 * kept (the original in transacciones, the other in conflictos); these routes show them.
 */
import { decimalInt, pageQueryFields, pideCsv, sendPage } from '@combustible/server';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { StationError } from '../../errors.js';
import type { RouteDeps } from '../deps.js';
import { COLUMNAS_CONFLICTO } from '../exportar.js';
import { errorRespuesta, formato, transaccion } from '../schemas.js';

/** How many of a sale's conflicts its detail shows (newest first); the rest are in GET /api/conflictos. */
export const CONFLICTOS_EN_DETALLE = 50;

export const conflicto = z
  .object({
    id: z.string().describe('id_surtidor:id_transaccion:huella'),
    id_surtidor: z.number().int(),
    id_transaccion: z.string(),
    huella: z.string().describe('SHA-256 of the content the pump sent in the new version'),
    huella_original: z.string(),
    campos: z.array(z.string()).describe('The fields whose content differs'),
    original: transaccion.describe('The version stored first, still the one in /api/transacciones'),
    nueva: transaccion.describe('The version received later with the same id'),
    detectado: z.string().describe('Station time the new version arrived'),
  })
  .meta({ id: 'Conflicto' });

const filtroConflictos = z.object({
  id_surtidor: decimalInt({ min: 1 }).optional(),
  ...pageQueryFields(),
  formato,
});

const transaccionParams = z.object({
  id_surtidor: decimalInt({ min: 1 }),
  id_transaccion: z.string().min(1).max(64),
});

const transaccionDetalle = transaccion
  .extend({
    en_conflicto: z.boolean().describe('Whether another version of this sale arrived (see conflictos)'),
    total_conflictos: z.number().int(),
    conflictos: z.array(conflicto).describe(`Its conflicts, newest first (at most ${CONFLICTOS_EN_DETALLE})`),
  })
  .meta({ id: 'TransaccionDetalle' });

export const conflictosRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { store, exportar }) => {
  app.get(
    '/api/conflictos',
    {
      schema: {
        tags: ['transacciones'],
        summary:
          'Ventas que llegaron con el id de otra ya guardada pero con otro contenido: ambas versiones, la más reciente primero (total en x-total-count); en CSV con ?formato=csv o Accept: text/csv',
        querystring: filtroConflictos,
        response: { 200: z.array(conflicto), 400: errorRespuesta },
      },
    },
    async (req, reply) => {
      if (pideCsv(req)) {
        const { id_surtidor } = req.query;
        return exportar(reply, 'conflictos', COLUMNAS_CONFLICTO, () => store.iterateConflicts({ id_surtidor }));
      }
      return sendPage(reply, await store.listConflicts(req.query));
    },
  );

  app.get(
    '/api/transacciones/:id_surtidor/:id_transaccion',
    {
      schema: {
        tags: ['transacciones'],
        summary: 'Una venta, con sus conflictos (otras versiones recibidas con el mismo id)',
        params: transaccionParams,
        response: { 200: transaccionDetalle, 400: errorRespuesta, 404: errorRespuesta },
      },
    },
    async (req) => {
      const { id_surtidor, id_transaccion } = req.params;
      const [tx, conflicts] = await Promise.all([
        store.getTransaction(id_surtidor, id_transaccion),
        store.listConflicts({ id_surtidor, id_transaccion, limit: CONFLICTOS_EN_DETALLE, skip: 0 }),
      ]);
      if (!tx) {
        throw new StationError(
          'TRANSACCION_NO_ENCONTRADA',
          `no existe la transacción ${id_transaccion} del surtidor ${id_surtidor}`,
        );
      }
      return {
        ...tx,
        en_conflicto: conflicts.total > 0,
        total_conflictos: conflicts.total,
        conflictos: conflicts.items,
      };
    },
  );
};
