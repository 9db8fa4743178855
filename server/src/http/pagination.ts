/**
 * One way, for every service's API, to read a number from a URL and to answer a list.
 *
 * Numbers in paths and query strings are plain decimal integers: `0` or digits without a leading
 * zero, nothing else (`1e3`, `0x10`, `1.0`, ` 1`, `+1`, `-0` and the empty string are refused with
 * 400 VALIDACION naming the field; `z.coerce.number()` took them all).
 *
 * A list is a page: `limit` (1–1000, default 50) and `skip` in the query, the items as the body
 * and how many match in the `x-total-count` header, so that no answer grows with what clients did.
 */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';

/** Items per page when `limit` is absent, and the most one page holds. */
export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 1000;
/** The furthest `skip` (a bound on the number itself, not on what is stored). */
export const SKIP_MAX = 1_000_000_000;
/** The header with how many items match a listed query. */
export const TOTAL_HEADER = 'x-total-count';

export interface DecimalIntOptions {
  /** Inclusive bounds; default 0 and Number.MAX_SAFE_INTEGER. */
  min?: number;
  max?: number;
  /** Also take a JSON number (bodies); a URL parameter is always text. */
  number?: boolean;
}

/**
 * A non-negative decimal integer written plainly (`/^(0|[1-9][0-9]*)$/`, no longer than `max`
 * written out), as a number within [min, max].
 */
export function decimalInt(options: DecimalIntOptions = {}) {
  const { min = 0, max = Number.MAX_SAFE_INTEGER, number = false } = options;
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 0 || max < min)
    throw new RangeError(`decimalInt: límites inválidos [${min}, ${max}]`);
  const digits = String(max).length;
  const text = z
    .string()
    .regex(
      new RegExp(`^(0|[1-9][0-9]{0,${digits - 1}})$`),
      `debe ser un entero decimal (solo dígitos, sin signo, espacios ni ceros a la izquierda) entre ${min} y ${max}`,
    )
    .transform(Number);
  const range = z.number().int().min(min).max(max);
  return number ? z.union([text, z.number()]).pipe(range) : text.pipe(range);
}

export interface PageQueryOptions {
  /** The smallest `limit`: 1, or 0 where a caller may ask only for the total. */
  minLimit?: 0 | 1;
}

/** The `limit` and `skip` fields, to spread into a route's querystring object. */
export function pageQueryFields(options: PageQueryOptions = {}) {
  const minLimit = options.minLimit ?? 1;
  return {
    limit: decimalInt({ min: minLimit, max: PAGE_MAX })
      .default(PAGE_DEFAULT)
      .describe(`Items in this page (${minLimit}–${PAGE_MAX}, default ${PAGE_DEFAULT}); the total is in x-total-count`),
    skip: decimalInt({ min: 0, max: SKIP_MAX }).default(0).describe('Items to skip before this page'),
  };
}

/** `?limit&skip` as a querystring schema (extend it for filters). */
export const pageQuery = z.object(pageQueryFields());

export interface PageRequest {
  limit: number;
  skip: number;
}

export interface Page<T> {
  items: T[];
  /** Every item that matches, beyond this page too. */
  total: number;
}

/** A page of a list held in memory (already in its order). */
export function pageOf<T>(all: readonly T[], { limit, skip }: PageRequest): Page<T> {
  return { items: all.slice(skip, skip + limit), total: all.length };
}

/** Answers a page: the total in x-total-count, the items as the body. */
export function sendPage<T>(reply: FastifyReply, page: Page<T>): T[] {
  reply.header(TOTAL_HEADER, String(page.total));
  return page.items;
}
