/**
 * The company's REST API and staff page (Fastify + zod type provider). buildApi() returns the app
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
import { estacionesRoutes } from './routes/estaciones.js';
import { preciosRoutes } from './routes/precios.js';
import { sistemaRoutes } from './routes/sistema.js';

export async function buildApi(deps: ApiDeps) {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);

  const perMinute = deps.rateLimitPerMinute ?? 1200;
  if (perMinute > 0) await app.register(fastifyRateLimit, { max: perMinute, timeWindow: '1 minute' });
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: `API de ${deps.empresa.nombre}`,
        description: 'Libro de precios versionado, registro de estaciones y estado de los enlaces con ellas.',
        version: '1.0.0',
      },
      tags: [
        { name: 'precios', description: 'Precios vigentes, cambios e historial' },
        { name: 'estaciones', description: 'Registro de estaciones y estado de sus enlaces' },
        { name: 'sistema', description: 'Salud y métricas' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  await app.register(preciosRoutes, deps);
  await app.register(estacionesRoutes, deps);
  await app.register(sistemaRoutes, deps);

  if (deps.webRoot) {
    await app.register(fastifyStatic, {
      root: deps.webRoot,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
    });
  }
  return app;
}

export type Api = Awaited<ReturnType<typeof buildApi>>;
