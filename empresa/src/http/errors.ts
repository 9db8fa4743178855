import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { COMPANY_ERRORS, CompanyError, type CompanyErrorCode } from '../errors.js';

type Detalle = { campo: string; problema: string };

function body(codigo: CompanyErrorCode, mensaje: string, detalles?: Detalle[]) {
  return { error: detalles ? { codigo, mensaje, detalles } : { codigo, mensaje } };
}

/** Every error leaves the API in one shape: { error: { codigo, mensaje, detalles? } }. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(body('RUTA_NO_ENCONTRADA', `no existe ${req.method} ${req.url.split('?')[0]}`));
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const detalles = err.validation.map((v) => ({
        campo: v.instancePath.slice(1).replaceAll('/', '.') || (err.validationContext ?? '(solicitud)'),
        problema: v.message ?? 'inválido',
      }));
      return reply.code(400).send(body('VALIDACION', 'la solicitud no cumple el esquema', detalles));
    }
    if (err instanceof CompanyError) {
      return reply.code(err.status).send(body(err.code, err.message, err.detalles));
    }
    if (err.statusCode === 429) {
      return reply.code(429).send(body('LIMITE_EXCEDIDO', 'demasiadas solicitudes; espere un momento'));
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own client errors (bad JSON body, wrong content type...).
      return reply.code(err.statusCode).send(body('VALIDACION', err.message));
    }
    if (isResponseSerializationError(err))
      req.log.error({ err, issues: err.cause.issues }, 'respuesta fuera de esquema');
    else req.log.error({ err }, 'error interno');
    return reply.code(500).send(body('ERROR_INTERNO', COMPANY_ERRORS.ERROR_INTERNO.descripcion));
  });
}
