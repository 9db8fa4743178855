import { requestActor, sendPage } from '@combustible/server';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Cambios } from '../../domain/price-book.js';
import type { ApiDeps } from '../deps.js';
import { cambioPrecios, errorRespuesta, filtroHistorial, resultadoCambio, versionPrecios } from '../schemas.js';

const tags = ['precios'];

export const preciosRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { service, store }) => {
  app.get(
    '/api/precios',
    {
      schema: {
        tags,
        summary: 'Precios vigentes (la versión más nueva)',
        response: { 200: versionPrecios },
      },
    },
    async () => service.current,
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
          'sesión (o `token:<nombre>` para un token de API); un cuerpo con `autor` se rechaza.',
        body: cambioPrecios,
        response: { 200: resultadoCambio, 400: errorRespuesta },
      },
    },
    async (req) => {
      const cambios: Cambios = Object.fromEntries(Object.entries(req.body).filter(([, v]) => v !== undefined));
      // The author is who the session says, never what the body says (the body has no `autor`).
      const { version, creada } = await service.changePrices(cambios, requestActor(req));
      return { ...version, creada };
    },
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
