import { pageOf, requestActor, sendPage } from '@combustible/server';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CompanyError } from '../../errors.js';
import { type ApiDeps, presentStation } from '../deps.js';
import {
  cambiosEstacion,
  errorRespuesta,
  estacion,
  estacionDetalle,
  idParams,
  nuevaEstacion,
  paginaSimple,
} from '../schemas.js';

const tags = ['estaciones'];

export const estacionesRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { service, links, red }) => {
  const present = (id: string) => {
    const e = service.getStation(id);
    if (!e) throw new CompanyError('ESTACION_NO_ENCONTRADA', `no existe la estación "${id}"`);
    return presentStation(e, links.status(id), service.current.version, service.programada?.version ?? null);
  };

  app.get(
    '/api/estaciones',
    {
      schema: {
        tags,
        summary:
          'Estaciones registradas, por id, con el estado de su enlace y la versión de precios que tienen (una página; total en x-total-count)',
        querystring: paginaSimple,
        response: { 200: z.array(estacion), 400: errorRespuesta },
      },
    },
    async (req, reply) => {
      const page = pageOf(service.listStations(), req.query);
      const newest = service.current.version;
      return sendPage(reply, {
        items: page.items.map((e) =>
          presentStation(e, links.status(e.id_estacion), newest, service.programada?.version ?? null),
        ),
        total: page.total,
      });
    },
  );

  app.get(
    '/api/estaciones/:id',
    {
      schema: {
        tags,
        summary:
          'Una estación con el estado de su enlace y lo que informa: sus surtidores (versión de precios de cada uno), alertas abiertas y reportes',
        params: idParams,
        response: { 200: estacionDetalle, 404: errorRespuesta },
      },
    },
    async (req) => ({ ...present(req.params.id), ...(await red.detalle(req.params.id)) }),
  );

  app.post(
    '/api/estaciones',
    {
      schema: {
        tags,
        summary: 'Registra una estación; la empresa se conecta a ella y la pone al día',
        body: nuevaEstacion,
        response: { 201: estacion, 400: errorRespuesta, 409: errorRespuesta },
      },
    },
    async (req, reply) => {
      const e = await service.addStation(req.body, requestActor(req));
      reply.code(201);
      return present(e.id_estacion);
    },
  );

  app.put(
    '/api/estaciones/:id',
    {
      schema: {
        tags,
        summary: 'Cambia el nombre o la dirección de una estación (una dirección nueva abre un enlace nuevo)',
        params: idParams,
        body: cambiosEstacion,
        response: { 200: estacion, 400: errorRespuesta, 404: errorRespuesta, 409: errorRespuesta },
      },
    },
    async (req) => {
      const e = await service.updateStation(req.params.id, req.body, requestActor(req));
      return present(e.id_estacion);
    },
  );

  app.delete(
    '/api/estaciones/:id',
    {
      schema: {
        tags,
        summary: 'Quita una estación del registro y cierra su enlace',
        params: idParams,
        response: { 204: z.null(), 404: errorRespuesta },
      },
    },
    async (req, reply) => {
      await service.removeStation(req.params.id, requestActor(req));
      return reply.code(204).send(null);
    },
  );
};
