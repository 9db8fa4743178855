/**
 * One error shape for every REST API: `{ error: { codigo, mensaje, detalles? } }`. Each service
 * keeps its own registry (COMMON_API_ERRORS spread, plus its own codes) so that its docs can be
 * checked against it; what is raised is an ApiError (or a service subclass of it).
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUTH_ERRORS } from '../auth/error-codes.js';

export interface ApiErrorInfo {
  status: number;
  descripcion: string;
}

/** Which field broke the schema, and how. */
export interface ApiErrorDetail {
  campo: string;
  problema: string;
}

/** The codes every service's API can answer, whatever its own domain. */
export const COMMON_API_ERRORS = {
  VALIDACION: { status: 400, descripcion: 'The request breaks its schema; `detalles` lists the fields.' },
  RUTA_NO_ENCONTRADA: { status: 404, descripcion: 'No such route.' },
  LIMITE_EXCEDIDO: { status: 429, descripcion: 'Too many requests.' },
  ERROR_INTERNO: { status: 500, descripcion: 'Unexpected failure; see the service log.' },
  ...AUTH_ERRORS,
} as const satisfies Record<string, ApiErrorInfo>;

export type CommonApiErrorCode = keyof typeof COMMON_API_ERRORS;

/** A service's registry: the common codes (descriptions may be reworded) plus its own. */
export type ApiErrorRegistry = Record<CommonApiErrorCode, ApiErrorInfo> & Record<string, ApiErrorInfo>;

/** An error the API answers with its own code and status (a 4xx, or a documented 5xx). */
export class ApiError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    readonly status: number,
    message: string,
    readonly detalles?: ApiErrorDetail[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** `instanceof ApiError`, narrowing to ApiError<string> (a bare instanceof gives ApiError<any>, an `any` code). */
function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

/** The error body, as a schema for the routes' `response` (and the OpenAPI document). */
export const errorRespuesta = z
  .object({
    error: z.object({
      codigo: z.string(),
      mensaje: z.string(),
      detalles: z.array(z.object({ campo: z.string(), problema: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

export type ErrorRespuesta = z.infer<typeof errorRespuesta>;

export function errorBody(codigo: string, mensaje: string, detalles?: ApiErrorDetail[]): ErrorRespuesta {
  return { error: detalles ? { codigo, mensaje, detalles } : { codigo, mensaje } };
}

/** Every error leaves the API in one shape: { error: { codigo, mensaje, detalles? } }. */
export function installErrorHandling(app: FastifyInstance, registry: ApiErrorRegistry): void {
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(errorBody('RUTA_NO_ENCONTRADA', `no existe ${req.method} ${req.url.split('?')[0]}`));
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const detalles = err.validation.map((v) => ({
        campo: v.instancePath.slice(1).replaceAll('/', '.') || (err.validationContext ?? '(solicitud)'),
        problema: v.message ?? 'inválido',
      }));
      return reply.code(400).send(errorBody('VALIDACION', 'la solicitud no cumple el esquema', detalles));
    }
    if (isApiError(err)) {
      return reply.code(err.status).send(errorBody(err.code, err.message, err.detalles));
    }
    if (err.statusCode === 429) {
      return reply.code(429).send(errorBody('LIMITE_EXCEDIDO', 'demasiadas solicitudes; espere un momento'));
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own client errors (bad JSON body, wrong content type...).
      return reply.code(err.statusCode).send(errorBody('VALIDACION', err.message));
    }
    if (isResponseSerializationError(err))
      req.log.error({ err, issues: err.cause.issues }, 'respuesta fuera de esquema');
    else req.log.error({ err }, 'error interno');
    return reply.code(500).send(errorBody('ERROR_INTERNO', registry.ERROR_INTERNO.descripcion));
  });
}

/**
 * Fastify answers some requests before any route or hook runs: a path that is not valid
 * percent-encoding (FST_ERR_BAD_URL) or a path parameter over the router's length limit
 * (FST_ERR_MAX_PARAM_LENGTH). Passed as the `frameworkErrors` option, this answers them in the one
 * error shape too: VALIDACION, with Fastify's status (400, 414).
 */
export function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
  const problema =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'un parámetro de la ruta es demasiado largo'
      : 'la ruta no es una URL válida';
  void reply.code(status).send(errorBody('VALIDACION', problema, [{ campo: '(ruta)', problema }]));
}

/**
 * What the HTTP server answers to bytes that are not a request it can read (headers over the size
 * limit, broken HTTP, a request too slow to arrive): Fastify's `clientErrorHandler` with the one
 * error shape (VALIDACION with 431, 408 or 400), then the socket is closed, as Fastify's own does.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, text, mensaje] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'las cabeceras de la solicitud son demasiado grandes']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'la solicitud no llegó completa a tiempo']
        : [400, 'Bad Request', 'la solicitud HTTP está mal formada'];
  const body = JSON.stringify(errorBody('VALIDACION', mensaje));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${text}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
