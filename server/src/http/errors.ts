/**
 * One error shape for every REST API: `{ error: { codigo, mensaje, detalles? } }`. Each service
 * keeps its own registry (COMMON_API_ERRORS spread, plus its own codes) so that its docs can be
 * checked against it; what is raised is an ApiError (or a service subclass of it).
 */
import type { FastifyError, FastifyInstance } from 'fastify';
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
    if (err instanceof ApiError) {
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
