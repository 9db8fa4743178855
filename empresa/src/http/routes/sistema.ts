import { healthRoute, metricsRoute } from '@combustible/server';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiDeps } from '../deps.js';
import { presentStation } from '../deps.js';
import { salud } from '../schemas.js';

export const sistemaRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, deps) => {
  const { service, links, store, metrics, empresa } = deps;

  healthRoute(app, {
    store,
    schema: salud,
    extra: () => {
      const newest = service.current.version;
      const estaciones = service
        .listStations()
        .map((e) => presentStation(e, links.status(e.id_estacion), newest, service.programada?.version ?? null));
      return {
        empresa,
        version_precios: newest,
        estaciones: {
          total: estaciones.length,
          conectadas: estaciones.filter((e) => e.conectada).length,
          al_dia: estaciones.filter((e) => e.al_dia).length,
        },
      };
    },
  });
  metricsRoute(app, metrics.registry);
};
