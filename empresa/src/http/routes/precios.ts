import { requestActor, sendPage } from '@combustible/server';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Cambios } from '../../domain/price-book.js';
import type { ApiDeps } from '../deps.js';
import {
  cambioLimites,
  cambioPrecios,
  errorRespuesta,
  filtroHistorial,
  limitesPrecios,
  preciosVigentes,
  resultadoCambio,
  versionPrecios,
} from '../schemas.js';

const tags = ['precios'];

export const preciosRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { service, store }) => {
  app.get(
    '/api/precios',
    {
      schema: {
        tags,
        summary: 'Precios vigentes y la versión programada, si hay una',
        response: { 200: preciosVigentes },
      },
    },
    async () => ({ ...service.vigente, programada: service.programada }),
  );

  app.put(
    '/api/precios',
    {
      schema: {
        tags,
        summary: 'Cambia uno o más precios: crea una versión nueva y la envía a todas las estaciones',
        description:
          'Cualquier subconjunto de los cuatro precios (enteros positivos, pesos por litro). Si ningún precio ' +
          'cambia de valor no se crea versión (`creada: false`). El autor de la versión es el usuario de la ' +
          'sesión (o `token:<nombre>` para un token de API); un cuerpo con `autor` se rechaza. Con `vigencia` ' +
          'la versión queda programada: se envía de inmediato a las estaciones, que la aplican en ese instante ' +
          'por su propio reloj. Mientras haya una programada no se publica otra (409). Un precio fuera de los ' +
          'límites (GET /api/precios/limites) se rechaza con 422.',
        body: cambioPrecios,
        response: { 200: resultadoCambio, 400: errorRespuesta, 409: errorRespuesta, 422: errorRespuesta },
      },
    },
    async (req) => {
      const { vigencia, ...precios } = req.body;
      const cambios: Cambios = Object.fromEntries(Object.entries(precios).filter(([, v]) => v !== undefined));
      // The author is who the session says, never what the body says (the body has no `autor`).
      const { version, creada } = await service.changePrices(cambios, requestActor(req), vigencia ?? null);
      return { ...version, creada };
    },
  );

  app.delete(
    '/api/precios/programada',
    {
      schema: {
        tags,
        summary: 'Cancela la versión programada antes de que entre en vigencia; se avisa a las estaciones',
        response: { 200: versionPrecios, 404: errorRespuesta },
      },
    },
    async (req) => service.cancelScheduled(requestActor(req)),
  );

  app.get(
    '/api/precios/limites',
    {
      schema: {
        tags,
        summary: 'Límites de precio por combustible: mínimo, máximo y cambio máximo por versión (%)',
        response: { 200: limitesPrecios },
      },
    },
    async () => service.limites,
  );

  app.put(
    '/api/precios/limites',
    {
      schema: {
        tags,
        summary: 'Fija los límites de precio de los cuatro combustibles (solo admin)',
        body: cambioLimites,
        response: { 200: limitesPrecios, 400: errorRespuesta },
      },
    },
    async (req) => service.setLimits(req.body.limites, requestActor(req)),
  );

  app.get(
    '/api/precios/historial',
    {
      schema: {
        tags,
        summary:
          'Versiones anteriores, la más nueva primero: quién cambió qué y cuándo (total de las que coinciden en x-total-count)',
        querystring: filtroHistorial,
        response: { 200: z.array(versionPrecios), 400: errorRespuesta },
      },
    },
    async (req, reply) => {
      const { limit, antes } = req.query;
      const [items, total] = await Promise.all([
        service.history(limit, antes),
        store.countPriceVersions(antes === undefined ? {} : { antes }),
      ]);
      return sendPage(reply, { items, total });
    },
  );
};
