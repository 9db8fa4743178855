import { createLogger } from '@combustible/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ApiApp, createApiApp } from './app.js';
import { COMMON_API_ERRORS } from './errors.js';
import { decimalInt, PAGE_MAX, pageOf, pageQuery, sendPage } from './pagination.js';

const NOT_DECIMAL = [
  '1e3',
  '0x10',
  '1.0',
  ' 1',
  '1 ',
  '+1',
  '-0',
  '-1',
  '',
  '01',
  '00',
  '1_000',
  '１',
  'NaN',
  'Infinity',
];

describe('decimalInt', () => {
  it('takes plain decimal integers within its bounds, as numbers', () => {
    const n = decimalInt({ min: 0, max: 1000 });
    expect(n.parse('0')).toBe(0);
    expect(n.parse('7')).toBe(7);
    expect(n.parse('1000')).toBe(1000);
    expect(decimalInt().parse(String(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses every other way of writing a number', () => {
    const n = decimalInt({ min: 0, max: 1000 });
    for (const v of [...NOT_DECIMAL, '1001', '99999']) expect(n.safeParse(v).success, JSON.stringify(v)).toBe(false);
    expect(decimalInt({ min: 1 }).safeParse('0').success).toBe(false);
    expect(decimalInt().safeParse('9007199254740992').success).toBe(false);
    // A JSON number only where asked for (bodies), and then only an integer in range.
    expect(n.safeParse(5).success).toBe(false);
    const body = decimalInt({ min: 1, max: 10, number: true });
    expect(body.parse(5)).toBe(5);
    expect(body.parse('5')).toBe(5);
    for (const v of [5.5, 0, 11, Number.NaN, '5.0']) expect(body.safeParse(v).success, String(v)).toBe(false);
  });

  it('refuses bounds it cannot honour', () => {
    expect(() => decimalInt({ min: -1 })).toThrow(RangeError);
    expect(() => decimalInt({ min: 5, max: 4 })).toThrow(RangeError);
  });
});

describe('pages', () => {
  it('slices a list held in memory and tells its total', () => {
    const all = Array.from({ length: 7 }, (_, i) => i);
    expect(pageOf(all, { limit: 3, skip: 5 })).toEqual({ items: [5, 6], total: 7 });
    expect(pageOf(all, { limit: 3, skip: 50 })).toEqual({ items: [], total: 7 });
  });

  const apps: ApiApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  async function app(): Promise<ApiApp> {
    const a = await createApiApp({
      log: createLogger({ name: 'test', level: 'silent' }),
      title: 't',
      description: 'd',
      tags: [],
      errors: COMMON_API_ERRORS,
      rateLimitPerMinute: 0,
    });
    apps.push(a);
    const all = Array.from({ length: 1234 }, (_, i) => i);
    a.get(
      '/api/cosas/:id',
      {
        schema: {
          params: z.object({ id: decimalInt({ min: 1 }) }),
          querystring: pageQuery,
          response: { 200: z.array(z.number()) },
        },
      },
      async (req, reply) => sendPage(reply, pageOf(all, req.query)),
    );
    return a;
  }

  it('answers 50 by default, at most 1000, and the total in x-total-count', async () => {
    const a = await app();
    const first = await a.inject('/api/cosas/1');
    expect(first.json()).toHaveLength(50);
    expect(first.headers['x-total-count']).toBe('1234');
    expect((await a.inject(`/api/cosas/1?limit=${PAGE_MAX}&skip=1000`)).json()).toHaveLength(234);
    expect((await a.inject('/api/cosas/1?limit=1001')).statusCode).toBe(400);
  });

  it('answers 400 VALIDACION naming the field for a number that is not plainly written', async () => {
    const a = await app();
    for (const [url, campo] of [
      ['/api/cosas/1?limit=', 'limit'],
      ['/api/cosas/1?skip=', 'skip'],
      ['/api/cosas/', 'id'],
    ] as const) {
      for (const v of NOT_DECIMAL) {
        if (v === '' && campo === 'id') continue;
        const r = await a.inject(url + encodeURIComponent(v));
        expect(r.statusCode, `${url}${v}`).toBe(400);
        expect(r.json(), `${url}${v}`).toMatchObject({
          error: { codigo: 'VALIDACION', detalles: [expect.objectContaining({ campo })] },
        });
      }
    }
  });

  it('documents the parameters as text with their pattern', async () => {
    const a = await app();
    await a.ready();
    const doc = a.swagger() as {
      paths: Record<string, { get: { parameters: { name: string; schema: { type: string; pattern?: string } }[] } }>;
    };
    const params = doc.paths['/api/cosas/{id}']?.get.parameters ?? [];
    const limit = params.find((p) => p.name === 'limit');
    expect(limit?.schema).toMatchObject({ type: 'string', pattern: expect.stringContaining('[1-9]') });
  });
});
