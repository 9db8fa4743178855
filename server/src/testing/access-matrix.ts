/**
 * The 401/403 matrix, generated from a service's route table so that a new route cannot be
 * forgotten: every mutating route answers 401 without a session and 403 with the role just below
 * the one it needs (for rules raised by a body field, once per raised value too), and every read
 * of /api answers 401 without a session.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoleLadder } from '../auth/roles.js';
import type { RouteRule, RouteTable } from '../auth/route-table.js';

export interface AccessMatrixOptions<R extends string> {
  table: RouteTable<R>;
  roles: RoleLadder<R>;
  /** The app (ready), and a bearer token per role. */
  setup(): Promise<{ app: FastifyInstance; tokens: Record<R, string>; close(): Promise<void> }>;
  /** Values for path parameters (default 1 for :id, 'x' for anything else). */
  params?: Record<string, string>;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function fill(url: string, params: Record<string, string>): string {
  return url.replace(/:(\w+)/g, (_m, name: string) => params[name] ?? (name === 'id' ? '1' : 'x'));
}

interface Case<R extends string> {
  method: string;
  url: string;
  need: R;
  body: Record<string, unknown>;
}

function cases<R extends string>(key: string, rule: RouteRule<R>): Case<R>[] {
  const [method = 'GET', url = '/'] = key.split(' ');
  if (typeof rule === 'string') return rule === 'publico' ? [] : [{ method, url, need: rule, body: {} }];
  return [
    { method, url, need: rule.rol, body: {} },
    ...Object.entries(rule.segun.roles).map(([value, need]) => ({
      method,
      url,
      need: need as R,
      body: { [rule.segun.campo]: value },
    })),
  ];
}

export function describeAccessMatrix<R extends string>(name: string, options: AccessMatrixOptions<R>): void {
  const all = Object.entries(options.table).flatMap(([key, rule]) => cases(key, rule));
  const mutating = all.filter((c) => MUTATING.has(c.method));
  const params = options.params ?? {};

  describe(`access matrix: ${name}`, () => {
    let ctx: Awaited<ReturnType<AccessMatrixOptions<R>['setup']>>;
    beforeAll(async () => {
      ctx = await options.setup();
    });
    afterAll(async () => {
      await ctx?.close();
    });

    it('has at least one mutating route in its table', () => {
      expect(mutating.length).toBeGreaterThan(0);
    });

    it.each(all.map((c) => [`${c.method} ${c.url}`, c] as const))('%s: 401 without a session', async (_k, c) => {
      const res = await ctx.app.inject({
        method: c.method as 'GET',
        url: fill(c.url, params),
        ...(MUTATING.has(c.method) ? { payload: c.body } : {}),
      });
      expect(res.statusCode, res.body).toBe(401);
      expect(res.json()).toMatchObject({ error: { codigo: 'NO_AUTENTICADO' } });
    });

    const below = mutating.flatMap((c) => {
      const lower = options.roles.below(c.need);
      return lower === undefined
        ? []
        : [[`${c.method} ${c.url} ${JSON.stringify(c.body)} as ${lower}`, c, lower] as const];
    });
    it.each(below)('%s: 403', async (_k, c, lower) => {
      const res = await ctx.app.inject({
        method: c.method as 'POST',
        url: fill(c.url, params),
        headers: { authorization: `Bearer ${ctx.tokens[lower]}` },
        payload: c.body,
      });
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json()).toMatchObject({ error: { codigo: 'SIN_PERMISO' } });
    });
  });
}
