/**
 * The base of a service's REST API: Fastify with the zod type provider, one error shape, a
 * per-address rate limit and the OpenAPI document at /docs. The service registers its plugins and
 * routes on the returned app, then calls serveWeb() for its page (static files come last so that
 * everything registered before them keeps its own hooks).
 */
import type http from 'node:http';
import https from 'node:https';
import type tls from 'node:tls';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { Logger } from '@combustible/shared';
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { type ApiErrorRegistry, clientErrorHandler, frameworkErrors, installErrorHandling } from './errors.js';

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 1200;
export const DEFAULT_BODY_LIMIT = 64 * 1024;

export interface ApiAppOptions {
  log: Logger;
  /** OpenAPI title and description. */
  title: string;
  description: string;
  /** OpenAPI tags, in the order /docs shows them. */
  tags: { name: string; description: string }[];
  /** The service's error registry (COMMON_API_ERRORS plus its own codes). */
  errors: ApiErrorRegistry;
  /** Requests per minute per client address; 0: no limit. Default 1200. */
  rateLimitPerMinute?: number;
  /** Largest request body, bytes. Default 64 KiB. */
  bodyLimit?: number;
  /** Serve HTTPS with this certificate and key (see httpsServerFactory). */
  https?: tls.SecureContextOptions | undefined;
}

/**
 * A Fastify `serverFactory` for HTTPS that keeps Fastify's plain-HTTP types (an https.Server is
 * used as an http.Server everywhere Fastify touches it). `setSecureContext` on `app.server` (cast to
 * tls.Server) swaps the certificate for new connections.
 */
export function httpsServerFactory(context: tls.SecureContextOptions) {
  return (handler: http.RequestListener): http.Server => https.createServer(context, handler);
}

/** The zod-typed app without listening (tests drive it with inject()). */
export async function createApiApp(options: ApiAppOptions) {
  // Typed as Fastify's logger so the app is a FastifyInstance<..., FastifyBaseLogger>, as plugins take it.
  const log: FastifyBaseLogger = options.log;
  const app = Fastify({
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    ...(options.https ? { serverFactory: httpsServerFactory(options.https) } : {}),
    // Requests refused before any route (bad URL, too long a parameter, unreadable HTTP) get the one error shape too.
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app, options.errors);

  const perMinute = options.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE;
  if (perMinute > 0) await app.register(fastifyRateLimit, { max: perMinute, timeWindow: '1 minute' });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: options.title, description: options.description, version: '1.0.0' },
      tags: options.tags,
      // What the auth plugin's `security: [{ bearer }, { cookie }]` on each protected route refers to.
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Token de sesión (POST /api/sesion) o de API' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'sesion', description: 'Cookie de sesión de la página' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  return app;
}

export type ApiApp = Awaited<ReturnType<typeof createApiApp>>;

/** Serves the files of `roots` (the first that has a path wins) at /, index.html for /; none: nothing. */
export async function serveWeb(app: ApiApp, roots: readonly string[]): Promise<void> {
  if (roots.length === 0) return;
  await app.register(fastifyStatic, { root: [...roots], prefix: '/', wildcard: false, index: ['index.html'] });
}
