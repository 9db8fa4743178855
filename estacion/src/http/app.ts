/**
 * The station's REST API and dashboard (Fastify + zod type provider). buildApi() returns the app
 * without listening, so tests drive it with inject().
 */
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { ApiDeps } from './deps.js';
import { installErrorHandling } from './errors.js';
import { alertasRoutes } from './routes/alertas.js';
import { preciosRoutes } from './routes/precios.js';
import { sistemaRoutes } from './routes/sistema.js';
import { surtidoresRoutes } from './routes/surtidores.js';
import { transaccionesRoutes } from './routes/transacciones.js';

export async function buildApi(deps: ApiDeps) {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);

  await app.register(fastifyRateLimit, { max: deps.rateLimitPerMinute ?? 1200, timeWindow: '1 minute' });
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: `API de la estación ${deps.estacion.nombre}`,
        description:
          'Surtidores, transacciones, precios, alertas y estadísticas de una estación de servicio.',
        version: '1.0.0',
      },
      tags: [
        { name: 'surtidores', description: 'Configuración, estado en vivo y comandos' },
        { name: 'transacciones', description: 'Ventas almacenadas' },
        { name: 'precios', description: 'Precios vigentes' },
        { name: 'alertas', description: 'Alertas de la estación y los surtidores' },
        { name: 'estadisticas', description: 'Totales de ventas' },
        { name: 'sistema', description: 'Salud, métricas y configuración' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  await app.register(surtidoresRoutes, deps);
  await app.register(transaccionesRoutes, deps);
  await app.register(preciosRoutes, deps);
  await app.register(alertasRoutes, deps);
  await app.register(sistemaRoutes, deps);

  if (deps.webRoots.length > 0) {
    await app.register(fastifyStatic, {
      root: deps.webRoots,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
    });
  }
  return app;
}

export type Api = Awaited<ReturnType<typeof buildApi>>;
