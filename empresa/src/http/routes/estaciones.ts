import { pageOf, requestActor, sendPage } from '@combustible/server';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Estacion } from '../../domain/types.js';
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

export const estacionesRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { service, red, replicas }) => {
  /** Each station's link as this replica shows it (its own, or what its owner wrote on the lease). */
  const presenter = async () => {
    const enlaces = await red.enlaces();
    const newest = service.current.version;
    const programada = service.programada?.version ?? null;
    return (e: Estacion) => {
      const { enlace, propietario } = enlaces(e.id_estacion);
      return presentStation(e, enlace, newest, programada, propietario);
    };
  };
  const present = async (id: string) => {
    const e = service.getStation(id);
    if (!e) throw new CompanyError('ESTACION_NO_ENCONTRADA', `no existe la estación "${id}"`);
    const { enlace, propietario } = await red.enlace(id);
    return presentStation(e, enlace, service.current.version, service.programada?.version ?? null, propietario);
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
      const present = await presenter();
      return sendPage(reply, { items: page.items.map(present), total: page.total });
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
    async (req) => ({ ...(await present(req.params.id)), ...(await red.detalle(req.params.id)) }),
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
      // Its lease now rather than at the next round: the answer shows the link when it is ours.
      await replicas?.claimNew(e.id_estacion);
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
