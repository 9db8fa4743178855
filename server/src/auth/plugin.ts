/**
 * The auth plugin for a service's REST API: reads the bearer token or the session cookie, checks
 * the route's rule from the service's one table (401 NO_AUTENTICADO, 403 SIN_PERMISO), audits
 * refusals, and serves the session, user, token and audit routes.
 */
import { fastifyCookie } from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { parseCookie } from 'cookie';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageOf, pageQuery, pageQueryFields, sendPage } from '../http/pagination.js';
import { type Actor, actorOf, type AuthService, PASSWORD_MAX, PASSWORD_MIN, type Principal } from './auth-service.js';
import { AuthError } from './errors.js';
import {
  baseRole,
  describeRule,
  isProtectedUrl,
  type RouteRule,
  type RouteTable,
  roleFor,
  routeKey,
} from './route-table.js';

export const SESSION_COOKIE = 'sesion';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking; null on public routes without credentials. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Filled from the service's route table by the auth plugin. */
    acceso?: RouteRule<string>;
  }
}

/** The bearer secret of a request: `Authorization: Bearer x`, else the session cookie. */
export function credentialFrom(headers: {
  authorization?: string | undefined;
  cookie?: string | undefined;
}): string | null {
  const auth = headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? (m[1] as string) : null;
  }
  if (headers.cookie) {
    const value = cookieValue(headers.cookie, SESSION_COOKIE);
    if (value) return value;
  }
  return null;
}

/**
 * One cookie's value from a Cookie header, with the `cookie` package (what @fastify/cookie uses)
 * called directly: fastifyCookie.parse only works once the plugin has been registered in this
 * process, and the WebSocket bridge reads the session cookie on a Fastify app of its own.
 */
function cookieValue(header: string, name: string): string | null {
  return parseCookie(header)[name] ?? null;
}

export interface AuthPluginOptions<R extends string> {
  auth: AuthService<R>;
  table: RouteTable<R>;
  /** Mark the cookie Secure (the API is served over https). */
  secureCookie?: boolean;
}

const roleEnum = <R extends string>(roles: readonly R[]) => z.enum(roles as unknown as [R, ...R[]]);
const nombre = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letras, dígitos, . _ - (hasta 64)');
const clave = z.string().min(PASSWORD_MIN).max(PASSWORD_MAX);
const errorBody = z.object({
  error: z.object({
    codigo: z.string(),
    mensaje: z.string(),
    detalles: z.array(z.object({ campo: z.string(), problema: z.string() })).optional(),
  }),
});

/** The OpenAPI tags of the routes this plugin serves, for the service's tag list. */
export const AUTH_TAGS = [
  { name: 'sesion', description: 'Inicio y cierre de sesión' },
  { name: 'usuarios', description: 'Usuarios y tokens de API (admin)' },
  { name: 'auditoria', description: 'Registro de auditoría encadenado (admin)' },
];

/** The rules of the routes this plugin serves, to spread into each service's table. */
export function authRouteTable<R extends string>(admin: R, lowest: R): Record<string, RouteRule<R>> {
  return {
    'POST /api/sesion': 'publico',
    'GET /api/sesion': lowest,
    'DELETE /api/sesion': lowest,
    'PUT /api/sesion/clave': lowest,
    'GET /api/usuarios': admin,
    'POST /api/usuarios': admin,
    'PUT /api/usuarios/:nombre': admin,
    'DELETE /api/usuarios/:nombre': admin,
    'GET /api/tokens': admin,
    'POST /api/tokens': admin,
    'DELETE /api/tokens/:id': admin,
    'GET /api/auditoria': admin,
    'GET /api/auditoria/verificacion': admin,
  };
}

export const requestActor = (req: FastifyRequest): Actor => actorOf(req.principal, req.ip);

async function authPlugin<R extends string>(app: FastifyInstance, opts: AuthPluginOptions<R>): Promise<void> {
  const { auth, table } = opts;
  const roles = auth.roles;
  await app.register(fastifyCookie);
  app.decorateRequest('principal', null);

  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      const rule = table[routeKey(method, route.url)];
      if (rule === undefined) {
        if (isProtectedUrl(route.url))
          throw new Error(`la ruta ${method} ${route.url} no tiene rol en la tabla de acceso`);
        continue;
      }
      route.config = { ...(route.config ?? {}), acceso: rule };
      if (route.schema && baseRole(rule) !== 'publico') {
        const text = `Rol necesario: **${describeRule(rule)}**.`;
        route.schema = {
          ...route.schema,
          description: route.schema.description ? `${route.schema.description}\n\n${text}` : text,
          security: [{ bearer: [] }, { cookie: [] }],
        };
      }
    }
  });

  const deny = async (
    req: FastifyRequest,
    rule: RouteRule<R>,
    need: string,
    principal: Principal | null,
    presented: boolean,
  ) => {
    const anonymous = principal === null;
    auth.countDenied(anonymous ? (presented ? 'credencial_invalida' : 'sin_credencial') : 'rol_insuficiente');
    // Refusals are audited, except anonymous reads without any credential (a page before login).
    if (!anonymous || presented || req.method !== 'GET')
      auth.audit.record({
        ...actorOf(principal, req.ip),
        accion: 'acceso.denegado',
        objetivo: `${req.method} ${req.routeOptions.url ?? req.url}`,
        resultado: 'denegado',
        detalles: {
          motivo: anonymous ? (presented ? 'credencial_invalida' : 'sin_credencial') : 'rol_insuficiente',
          rol_necesario: need,
          regla: describeRule(rule),
        },
      });
    if (anonymous) throw new AuthError('NO_AUTENTICADO', 'inicie sesión para usar la API');
    throw new AuthError('SIN_PERMISO', `esta acción requiere el rol ${need}`, {
      detalles: [{ campo: 'rol', problema: `necesita ${need}, la sesión tiene ${principal.rol}` }],
    });
  };

  app.addHook('onRequest', async (req) => {
    const rule = req.routeOptions.config.acceso as RouteRule<R> | undefined;
    // Public routes (pages, /health, the login itself) never look the credential up: no hashing
    // or store read on every static file a logged-in browser asks for.
    if (rule === undefined) return;
    const need = baseRole(rule);
    if (need === 'publico') return;
    const token = credentialFrom(req.headers);
    req.principal = token === null ? null : await auth.authenticate(token);
    if (!req.principal || !roles.includes(req.principal.rol as R, need))
      await deny(req, rule, need, req.principal, token !== null);
  });

  // A rule that depends on the body is checked once the body is parsed, before validation.
  app.addHook('preValidation', async (req) => {
    const rule = req.routeOptions.config.acceso as RouteRule<R> | undefined;
    if (rule === undefined || typeof rule === 'string') return;
    const need = roleFor(rule, req.body);
    if (need === 'publico') return;
    if (!req.principal || !roles.includes(req.principal.rol as R, need))
      await deny(req, rule, need, req.principal, true);
  });

  await app.register(authRoutes<R>, opts);
}

function setSessionCookie(reply: FastifyReply, token: string, expira: string | null, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: '/',
    ...(expira ? { expires: new Date(expira) } : {}),
  });
}

async function authRoutes<R extends string>(plain: FastifyInstance, opts: AuthPluginOptions<R>): Promise<void> {
  const app = plain.withTypeProvider<ZodTypeProvider>();
  const { auth } = opts;
  const rol = roleEnum(auth.roles.roles);
  const tags = ['sesion'];
  const sesion = z.object({
    usuario: z.string(),
    rol: z.string(),
    tipo: z.enum(['sesion', 'api']),
    expira: z.string().nullable(),
  });
  const usuario = z.object({ nombre: z.string(), rol: z.string(), creado: z.string(), actualizado: z.string() });
  const token = z.object({
    id: z.string(),
    nombre: z.string(),
    rol: z.string(),
    creada: z.string(),
    expira: z.string().nullable(),
    creada_por: z.string().nullable(),
  });
  const me = (req: FastifyRequest): Principal => {
    if (!req.principal) throw new AuthError('NO_AUTENTICADO', 'inicie sesión para usar la API');
    return req.principal;
  };

  app.post(
    '/api/sesion',
    {
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: 'Inicia sesión: devuelve un token y fija la cookie de sesión',
        body: z.object({ usuario: z.string().min(1).max(64), clave: z.string().min(1).max(PASSWORD_MAX) }),
        response: { 200: sesion.omit({ tipo: true }).extend({ token: z.string() }), 401: errorBody, 429: errorBody },
      },
    },
    async (req, reply) => {
      try {
        const { token: secret, principal } = await auth.login(req.body.usuario, req.body.clave, req.ip);
        setSessionCookie(reply, secret, principal.expira, opts.secureCookie ?? false);
        return { token: secret, usuario: principal.usuario, rol: principal.rol, expira: principal.expira };
      } catch (err) {
        if (err instanceof AuthError && err.extra.retryAfterMs !== undefined)
          reply.header('retry-after', String(Math.ceil(err.extra.retryAfterMs / 1000)));
        throw err;
      }
    },
  );

  app.get(
    '/api/sesion',
    { schema: { tags, summary: 'La sesión actual: usuario y rol', response: { 200: sesion } } },
    async (req) => {
      const p = me(req);
      return { usuario: p.usuario, rol: p.rol, tipo: p.tipo, expira: p.expira };
    },
  );

  app.delete(
    '/api/sesion',
    { schema: { tags, summary: 'Cierra la sesión actual', response: { 204: z.null() } } },
    async (req, reply) => {
      await auth.logout(me(req), req.ip);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/api/sesion/clave',
    {
      schema: {
        tags,
        summary: 'Cambia la clave propia (las demás sesiones del usuario se cierran)',
        body: z.object({ actual: z.string().min(1).max(PASSWORD_MAX), nueva: clave }),
        response: { 204: z.null(), 401: errorBody },
      },
    },
    async (req, reply) => {
      await auth.changeOwnPassword(me(req), req.body.actual, req.body.nueva, req.ip);
      return reply.code(204).send(null);
    },
  );

  const usuarios = ['usuarios'];
  app.get(
    '/api/usuarios',
    {
      schema: {
        tags: usuarios,
        summary: 'Usuarios y sus roles, por nombre (una página; total en x-total-count)',
        querystring: pageQuery,
        response: { 200: z.array(usuario), 400: errorBody },
      },
    },
    async (req, reply) => sendPage(reply, pageOf(await auth.listUsers(), req.query)),
  );
  app.post(
    '/api/usuarios',
    {
      schema: {
        tags: usuarios,
        summary: 'Crea un usuario',
        body: z.object({ nombre, rol, clave }),
        response: { 201: usuario, 409: errorBody },
      },
    },
    async (req, reply) => reply.code(201).send(await auth.createUser(requestActor(req), req.body)),
  );
  app.put(
    '/api/usuarios/:nombre',
    {
      schema: {
        tags: usuarios,
        summary: 'Cambia el rol o la clave de un usuario (sus sesiones se cierran)',
        params: z.object({ nombre }),
        body: z.object({ rol: rol.optional(), clave: clave.optional() }),
        response: { 200: usuario, 404: errorBody, 409: errorBody },
      },
    },
    async (req) => auth.updateUser(requestActor(req), req.params.nombre, req.body),
  );
  app.delete(
    '/api/usuarios/:nombre',
    {
      schema: {
        tags: usuarios,
        summary: 'Elimina un usuario y cierra sus sesiones',
        params: z.object({ nombre }),
        response: { 204: z.null(), 404: errorBody, 409: errorBody },
      },
    },
    async (req, reply) => {
      await auth.deleteUser(requestActor(req), req.params.nombre);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/tokens',
    {
      schema: {
        tags: usuarios,
        summary: 'Tokens de API para máquinas, sin el secreto (una página; total en x-total-count)',
        querystring: pageQuery,
        response: { 200: z.array(token), 400: errorBody },
      },
    },
    async (req, reply) => sendPage(reply, pageOf(await auth.listTokens(), req.query)),
  );
  app.post(
    '/api/tokens',
    {
      schema: {
        tags: usuarios,
        summary: 'Crea un token de API (el secreto se muestra solo esta vez)',
        body: z.object({ nombre, rol, dias: z.number().int().min(1).max(3650).optional() }),
        response: { 201: token.extend({ token: z.string() }) },
      },
    },
    async (req, reply) => reply.code(201).send(await auth.createToken(requestActor(req), req.body)),
  );
  app.delete(
    '/api/tokens/:id',
    {
      schema: {
        tags: usuarios,
        summary: 'Revoca un token de API',
        params: z.object({ id: z.string().regex(/^[0-9a-f]{12}$/) }),
        response: { 204: z.null(), 404: errorBody },
      },
    },
    async (req, reply) => {
      await auth.revokeToken(requestActor(req), req.params.id);
      return reply.code(204).send(null);
    },
  );

  const registro = z.object({
    seq: z.number(),
    fecha: z.string(),
    usuario: z.string(),
    rol: z.string().nullable(),
    ip: z.string().nullable(),
    accion: z.string(),
    objetivo: z.string().nullable(),
    resultado: z.enum(['ok', 'denegado', 'error']),
    detalles: z.record(z.string(), z.unknown()).nullable(),
    hash_anterior: z.string(),
    hash: z.string(),
  });
  const isoInstant = z.iso.datetime({ offset: true }).or(z.iso.date());
  app.get(
    '/api/auditoria',
    {
      schema: {
        tags: ['auditoria'],
        summary: 'Registro de auditoría, el más nuevo primero (x-total-count: coincidencias)',
        querystring: z.object({
          desde: isoInstant.optional(),
          hasta: isoInstant.optional(),
          usuario: z.string().max(100).optional(),
          accion: z.string().max(100).optional(),
          resultado: z.enum(['ok', 'denegado', 'error']).optional(),
          // limit=0 answers only the count, in x-total-count.
          ...pageQueryFields({ minLimit: 0 }),
        }),
        response: { 200: z.array(registro), 400: errorBody },
      },
    },
    async (req, reply) => {
      const { desde, hasta, ...rest } = req.query;
      const page = await auth.audit.list({
        ...rest,
        ...(desde !== undefined ? { desde: toIso(desde, false) } : {}),
        ...(hasta !== undefined ? { hasta: toIso(hasta, true) } : {}),
      });
      return sendPage(reply, page);
    },
  );
  app.get(
    '/api/auditoria/verificacion',
    {
      schema: {
        tags: ['auditoria'],
        summary: 'Recorre la cadena de hashes y nombra el primer registro que no cuadra',
        response: {
          200: z.object({
            ok: z.boolean(),
            registros: z.number(),
            primer_error: z.object({ seq: z.number(), motivo: z.string() }).optional(),
          }),
        },
      },
    },
    async () => auth.audit.verify(),
  );
}

/** A bare date as the start (or end) of that UTC day; an instant as UTC ISO. */
function toIso(value: string, endOfDay: boolean): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return `${value}T${endOfDay ? '23:59:59.999' : '00:00:00.000'}Z`;
  return new Date(value).toISOString();
}

export const registerAuth: <R extends string>(app: FastifyInstance, opts: AuthPluginOptions<R>) => Promise<void> = fp(
  authPlugin,
  { name: 'combustible-auth', fastify: '5.x' },
);
