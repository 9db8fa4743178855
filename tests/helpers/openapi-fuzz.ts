/**
 * Hostile HTTP requests driven by a service's OpenAPI document: for each route and method, path
 * parameters, query strings and JSON bodies built from the documented schema and then broken
 * (wrong types, extreme numbers, huge strings within the body limit, prototype keys, extra fields,
 * bodies that are not JSON at all).
 */
import {
  EXTREME_NUMBERS,
  HOSTILE_STRINGS,
  hostileString,
  hostileValue,
  JObj,
  jobj,
  type JVal,
  nested,
  PROTOTYPE_KEYS,
  Raw,
  type Rng,
  toJson,
} from './hostile.js';

type Schema = Record<string, unknown>;

export interface Operation {
  method: string;
  /** OpenAPI path, e.g. /api/surtidores/{id} */
  path: string;
  pathParams: string[];
  query: { name: string; schema: Schema }[];
  body: Schema | null;
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** What was broken, for failure messages. */
  note: string;
}

interface Doc {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { in: string; name: string; schema?: Schema }[];
        requestBody?: { content?: Record<string, { schema?: Schema }> };
      }
    >
  >;
  components?: { schemas?: Record<string, Schema> };
}

export function operations(doc: Doc): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = op.parameters ?? [];
      const raw = op.requestBody?.content?.['application/json']?.schema ?? null;
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        body: raw ? resolve(raw, doc) : null,
      });
    }
  }
  return ops;
}

function resolve(s: Schema, doc: Doc): Schema {
  const ref = s.$ref;
  if (typeof ref === 'string') {
    const name = ref.split('/').at(-1) as string;
    return resolve(doc.components?.schemas?.[name] ?? {}, doc);
  }
  const out: Schema = { ...s };
  if (s.properties) {
    out.properties = Object.fromEntries(
      Object.entries(s.properties as Record<string, Schema>).map(([k, v]) => [k, resolve(v, doc)]),
    );
  }
  if (s.items) out.items = resolve(s.items as Schema, doc);
  for (const k of ['anyOf', 'oneOf', 'allOf'])
    if (Array.isArray(s[k])) out[k] = (s[k] as Schema[]).map((x) => resolve(x, doc));
  return out;
}

/** A value that follows `s` as far as a simple generator can (enums, bounds, date-times, name patterns). */
export function validFor(s: Schema, rng: Rng): unknown {
  for (const k of ['anyOf', 'oneOf']) if (Array.isArray(s[k])) return validFor(rng.pick(s[k] as Schema[]), rng);
  if (Array.isArray(s.enum)) return rng.pick(s.enum as unknown[]);
  const type = Array.isArray(s.type) ? (s.type as string[])[0] : s.type;
  switch (type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const required = new Set((s.required ?? []) as string[]);
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(props)) if (required.has(k) || rng.chance(0.5)) o[k] = validFor(v, rng);
      return o;
    }
    case 'array': {
      const min = Number(s.minItems ?? 0);
      const max = Math.min(Number(s.maxItems ?? 3), min + 3);
      const items = Array.from({ length: rng.int(min, Math.max(min, max)) }, () =>
        validFor((s.items ?? {}) as Schema, rng),
      );
      return s.uniqueItems || (s.items as Schema | undefined)?.enum ? [...new Set(items)] : items;
    }
    case 'integer':
    case 'number': {
      const min = typeof s.minimum === 'number' ? Math.max(s.minimum, -1e6) : 1;
      const max = typeof s.maximum === 'number' ? Math.min(s.maximum, 1e6) : 1000;
      const v = rng.int(Math.ceil(min + (s.exclusiveMinimum ? 1 : 0)), Math.floor(max));
      return v;
    }
    case 'boolean':
      return rng.chance(0.5);
    case 'string': {
      if (s.format === 'date-time') return new Date(Date.now() - rng.int(0, 86_400_000)).toISOString();
      const min = Number(s.minLength ?? 1);
      const n = Math.max(min, Math.min(Number(s.maxLength ?? 12), 12));
      let v = 'fz';
      while (v.length < n) v += String.fromCharCode(rng.int(97, 122));
      return v.slice(0, Math.max(n, 2));
    }
    default:
      return 'fz';
  }
}

/** Path segments that have broken routers: traversal, encodings, numbers in disguise, huge. */
const HOSTILE_SEGMENTS = [
  '',
  '0',
  '-1',
  '1.5',
  '1e308',
  '1e999',
  'NaN',
  'Infinity',
  '9007199254740993',
  '0x10',
  '%20%31',
  pct('١'),
  '..',
  '%2e%2e',
  '%2F',
  '%00',
  '%',
  '%zz',
  '%C0%AF',
  '__proto__',
  'constructor',
  'prototype',
  pct('"; DROP TABLE x; --'),
  pct('ø'),
  'a'.repeat(5000),
  '1'.repeat(400),
];

function hostileQueryValue(rng: Rng): string {
  const k = rng.int(0, 4);
  if (k === 0) return pct(rng.pick(EXTREME_NUMBERS).replaceAll('"', ''));
  if (k === 1) return rng.pick(HOSTILE_SEGMENTS);
  if (k === 2) return pct(hostileString(rng, 300));
  if (k === 3) return pct(rng.pick(HOSTILE_STRINGS));
  return pct('x'.repeat(rng.int(1000, 20_000)));
}

/** A JSON body of `s`, broken in one of many ways (or still valid). */
function hostileBody(s: Schema, rng: Rng, maxBytes: number): { body: string; note: string } {
  const base = validFor(s, rng);
  const props = Object.keys(s.properties ?? {});
  const k = rng.int(0, 11);
  switch (k) {
    case 0:
      return { body: JSON.stringify(base), note: 'valid' };
    case 1:
    case 2: {
      const o =
        base && typeof base === 'object' && !Array.isArray(base) ? jobj(base as Record<string, unknown>) : new JObj([]);
      const field = props.length > 0 ? rng.pick(props) : 'x';
      const value: JVal = k === 1 ? new Raw(rng.pick(EXTREME_NUMBERS)) : hostileValue(rng);
      return {
        body: toJson(new JObj([...o.entries.filter(([f]) => f !== field), [field, value]])),
        note: `field ${field}`,
      };
    }
    case 3: {
      const o = jobj((base ?? {}) as Record<string, unknown>);
      return {
        body: toJson(
          new JObj([
            ...o.entries,
            [
              rng.pick(PROTOTYPE_KEYS),
              new JObj([
                ['admin', true],
                ['rol', 'admin'],
                ['polluted', new JObj([['x', 1]])],
              ]),
            ],
          ]),
        ),
        note: 'prototype key',
      };
    }
    case 4: {
      const o = jobj((base ?? {}) as Record<string, unknown>);
      return {
        body: toJson(new JObj([...o.entries, ['extra', hostileValue(rng)], ['autor', 'otro'], ['rol', 'admin']])),
        note: 'extra fields',
      };
    }
    case 5: {
      const field = props.length > 0 ? rng.pick(props) : 'x';
      const o = jobj((base ?? {}) as Record<string, unknown>);
      const big = 'ñ'.repeat(Math.floor((maxBytes - 500) / 2));
      return {
        body: toJson(new JObj([...o.entries.filter(([f]) => f !== field), [field, big]])),
        note: `huge ${field}`,
      };
    }
    case 6:
      return { body: rng.pick(['[]', 'null', '0', '"x"', 'true', '-0', '1e999', '{}', '[{}]']), note: 'not an object' };
    case 7:
      return {
        body: rng.pick(['{', '{"a":', '{"a":1,}', "{'a':1}", '\ufeff{}', 'hola', '{"a":1}{"b":2}', '\u0000']),
        note: 'not JSON',
      };
    case 8:
      return {
        body: nested(rng.int(100, Math.floor((maxBytes - 100) / 6)), rng.chance(0.5) ? 'array' : 'object'),
        note: 'deep nesting',
      };
    case 9: {
      const o = jobj((base ?? {}) as Record<string, unknown>);
      const field = props.length > 0 ? rng.pick(props) : 'x';
      return { body: toJson(new JObj([...o.entries, [field, hostileValue(rng)]])), note: `duplicate ${field}` };
    }
    case 10: {
      const o = jobj((base ?? {}) as Record<string, unknown>);
      return { body: toJson(new JObj(o.entries.filter(() => rng.chance(0.5)))), note: 'fields missing' };
    }
    default:
      return { body: toJson(hostileValue(rng)), note: 'any value' };
  }
}

/**
 * `count` hostile requests for `op`. `pathValue` may pin a parameter to a known value now and then
 * (a pump that exists), so deeper code runs too.
 */
export function requestsFor(
  op: Operation,
  rng: Rng,
  count: number,
  opts: { maxBodyBytes: number; known?: Record<string, string[]>; avoid?: (param: string, value: string) => boolean },
): FuzzRequest[] {
  const out: FuzzRequest[] = [];
  while (out.length < count) {
    const notes: string[] = [];
    let path = op.path;
    for (const p of op.pathParams) {
      let v: string;
      const known = opts.known?.[p];
      if (known && known.length > 0 && rng.chance(0.4)) v = pct(rng.pick(known));
      else if (rng.chance(0.3)) v = pct(String(validFor({ type: 'string' }, rng)));
      else v = rng.pick(HOSTILE_SEGMENTS);
      if (opts.avoid?.(p, decodeURIComponentSafe(v))) continue;
      path = path.replace(`{${p}}`, v);
      notes.push(`${p}=${v.slice(0, 40)}`);
    }
    if (path.includes('{')) continue;
    const qs: string[] = [];
    for (const q of op.query) {
      if (rng.chance(0.5))
        qs.push(`${q.name}=${rng.chance(0.3) ? pct(String(validFor(q.schema, rng))) : hostileQueryValue(rng)}`);
    }
    if (rng.chance(0.3)) {
      qs.push(
        rng.pick([
          '__proto__[admin]=true',
          'constructor[prototype][admin]=true',
          'limit=1&limit=2',
          'limit[]=1',
          'limit[$gt]=0',
          'skip=-1',
          `x=${'y'.repeat(3000)}`,
          '%zz=1',
          '=',
          '&&&',
          'a=%00',
        ]),
      );
    }
    if (qs.length > 0) {
      path += `?${qs.join('&')}`;
      notes.push(`query ${qs.join('&').slice(0, 80)}`);
    }
    const headers: Record<string, string> = {};
    let body: string | undefined;
    if (op.body || (op.method !== 'GET' && op.method !== 'DELETE' && rng.chance(0.2))) {
      const b = hostileBody(op.body ?? {}, rng, opts.maxBodyBytes);
      body = b.body;
      notes.push(`body: ${b.note}`);
      headers['content-type'] = rng.weighted([
        [8, 'application/json'],
        [1, 'text/plain'],
        [1, 'application/json; charset=utf-16'],
        [1, 'application/x-www-form-urlencoded'],
      ] as const);
      if (opts.avoid?.('body', body)) continue;
    } else if (op.method === 'DELETE' && rng.chance(0.2)) {
      body = '{"force":true}';
      headers['content-type'] = 'application/json';
      notes.push('body on DELETE');
    }
    out.push({ method: op.method, path, headers, ...(body === undefined ? {} : { body }), note: notes.join('; ') });
  }
  return out;
}

/** Percent-encodes any string, lone surrogates included (as UTF-8 of U+FFFD, like a browser). */
function pct(v: string): string {
  let out = '';
  for (const b of Buffer.from(v, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decodeURIComponentSafe(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}
