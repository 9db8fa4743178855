/**
 * The routes every service has under the `sistema` tag: /health (process up, store reachable)
 * and /metrics (Prometheus). Neither counts against the rate limit: probes must always get through.
 */
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { z } from 'zod';

/** A zod-typed app or plugin scope, as routes see it. */
export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** The fields every service's /health answer has; the service adds its own (z.object({...saludBase, ...})). */
export const saludBase = {
  estado: z.enum(['ok', 'degradado']),
  almacenamiento: z.object({ tipo: z.string(), alcanzable: z.boolean(), error: z.string().optional() }),
  tiempo_activo_s: z.number(),
};

type SaludBase = z.infer<z.ZodObject<typeof saludBase>>;
type SaludSchema = z.ZodObject<typeof saludBase & z.ZodRawShape>;

/** What /health needs of a store: its kind and a round trip. */
export interface PingableStore {
  readonly kind: string;
  ping(): Promise<void>;
}

const startedAt = Date.now();

/** The common part of a health answer: the store pinged now, and the process's uptime. */
export async function checkHealth(store: PingableStore): Promise<SaludBase> {
  let error: string | undefined;
  try {
    await store.ping();
  } catch (err) {
    error = (err as Error).message;
  }
  return {
    estado: error ? 'degradado' : 'ok',
    almacenamiento: { tipo: store.kind, alcanzable: !error, ...(error ? { error } : {}) },
    tiempo_activo_s: Math.round((Date.now() - startedAt) / 1000),
  };
}

export interface HealthRouteOptions<S extends SaludSchema> {
  store: PingableStore;
  /** The answer's schema: saludBase plus the service's fields. */
  schema: S;
  /** The service's own fields, read when the probe comes. */
  extra: () => Omit<z.input<S>, keyof SaludBase>;
}

/** GET /health: 200 while the store answers, 503 (estado `degradado`) when it does not. */
export function healthRoute<S extends SaludSchema>(app: ZodApp, options: HealthRouteOptions<S>): void {
  const { store, schema, extra } = options;
  // Typed by the options above; the route itself only needs to know it is a zod schema.
  const answer: z.ZodType = schema;
  app.get(
    '/health',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['sistema'],
        summary: 'Vida del proceso y alcance del almacenamiento',
        response: { 200: answer, 503: answer },
      },
    },
    async (_req, reply) => {
      const base = await checkHealth(store);
      reply.code(base.estado === 'ok' ? 200 : 503);
      return { ...extra(), ...base };
    },
  );
}

/** GET /metrics: the registry in the Prometheus text format. */
export function metricsRoute(app: ZodApp, registry: Registry): void {
  app.get(
    '/metrics',
    { config: { rateLimit: false }, schema: { tags: ['sistema'], summary: 'Métricas Prometheus' } },
    async (_req, reply) => {
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    },
  );
}
