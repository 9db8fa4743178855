import { type ZodType, z } from 'zod';
import type { WireErrorCode } from '../errors.js';
import type { DetalleError } from './common.js';
import type { ErrorMensaje } from './link1.js';

export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: ErrorMensaje };

type IssueCode = z.core.$ZodIssue['code'];

/**
 * The one table from zod issue codes to wire codes. An issue on `tipo` itself decides between
 * TIPO_DESCONOCIDO (a string the link does not know) and MENSAJE_INVALIDO (missing or not a string).
 */
const ISSUE_TO_WIRE: Record<IssueCode, WireErrorCode> = {
  invalid_type: 'MENSAJE_INVALIDO',
  too_big: 'MENSAJE_INVALIDO',
  too_small: 'MENSAJE_INVALIDO',
  invalid_format: 'MENSAJE_INVALIDO',
  not_multiple_of: 'MENSAJE_INVALIDO',
  unrecognized_keys: 'MENSAJE_INVALIDO',
  invalid_union: 'TIPO_DESCONOCIDO',
  invalid_key: 'MENSAJE_INVALIDO',
  invalid_element: 'MENSAJE_INVALIDO',
  invalid_value: 'MENSAJE_INVALIDO',
  custom: 'MENSAJE_INVALIDO',
};

const spanish = z.locales.es().localeError;
/** The same options object for every line (one allocation fewer per line). */
const PARSE_OPTIONS = { error: spanish };

/**
 * Each link's schema compiled once by zod (z.compile: generated straight-line checks for the valid
 * case; anything it rejects goes through zod's own parser again, so errors and their messages are
 * exactly the runtime's). Same schema, same verdicts; a valid line costs a fraction of the runtime.
 */
const compiled = new WeakMap<object, ZodType<unknown>>();

export function compiledSchema<T>(schema: ZodType<T>): ZodType<T> {
  let c = compiled.get(schema);
  if (!c) {
    c = z.compile(schema);
    compiled.set(schema, c);
  }
  return c as ZodType<T>;
}

export function wireCodeForIssue(issue: z.core.$ZodIssue): WireErrorCode {
  const onTipo = issue.path.length === 1 && issue.path[0] === 'tipo';
  if (!onTipo) return issue.code === 'invalid_union' ? 'MENSAJE_INVALIDO' : ISSUE_TO_WIRE[issue.code];
  return ISSUE_TO_WIRE[issue.code];
}

export function detallesDe(error: z.ZodError): DetalleError[] {
  return error.issues.map((issue) => ({
    campo: issue.path.length > 0 ? issue.path.join('.') : '(mensaje)',
    problema: issue.message,
  }));
}

export function wireError(codigo: WireErrorCode, mensaje: string, detalles?: DetalleError[]): ErrorMensaje {
  return detalles === undefined ? { tipo: 'error', codigo, mensaje } : { tipo: 'error', codigo, mensaje, detalles };
}

/**
 * Turns one line into a typed message of `schema` (a discriminated union on `tipo`) or into the
 * wire `error` to answer with. Never throws.
 */
export function parseLine<T>(line: string, schema: ZodType<T>): ParseResult<T> {
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch (err) {
    return { ok: false, error: wireError('JSON_INVALIDO', `JSON inválido: ${(err as Error).message}`) };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, error: wireError('JSON_INVALIDO', 'se esperaba un objeto JSON por línea') };
  }
  const tipo = (data as { tipo?: unknown }).tipo;
  if (typeof tipo !== 'string') {
    return {
      ok: false,
      error: wireError('MENSAJE_INVALIDO', 'falta el campo "tipo"', [{ campo: 'tipo', problema: 'requerido, texto' }]),
    };
  }
  const result = compiledSchema(schema).safeParse(data, PARSE_OPTIONS);
  if (result.success) return { ok: true, message: result.data };

  const codes = result.error.issues.map(wireCodeForIssue);
  if (codes.includes('TIPO_DESCONOCIDO')) {
    return { ok: false, error: wireError('TIPO_DESCONOCIDO', `tipo desconocido: "${tipo.slice(0, 64)}"`) };
  }
  return {
    ok: false,
    error: wireError('MENSAJE_INVALIDO', `mensaje "${tipo}" inválido`, detallesDe(result.error)),
  };
}

/** One message as one wire line, always ended by `\n`. */
export function encodeMessage(message: { tipo: string }): string {
  return `${JSON.stringify(message)}\n`;
}
