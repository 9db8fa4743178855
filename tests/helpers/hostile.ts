/**
 * Hostile input for the fuzz suites: a seeded generator (replayable: FUZZ_SEED=<seed>), extreme
 * numbers written as raw JSON text (so -0, 1e999 and 2^53+1 reach the peer as typed), wrong types,
 * prototype keys, deep nesting, truncated JSON and random bytes, and messages of both links built
 * from a valid one by mutation.
 */

// ── seeded randomness ──────────────────────────────────────────────────────────────────────────

/** The seed of a suite: FUZZ_SEED from the environment (to replay a failure) or the suite's own. */
export function fuzzSeed(suiteDefault: number): number {
  const env = process.env.FUZZ_SEED;
  if (env === undefined || env === '') return suiteDefault;
  const n = Number(env);
  if (!Number.isSafeInteger(n)) throw new Error(`FUZZ_SEED must be an integer, got ${env}`);
  return n;
}

/** How to replay a run, for failure messages. */
export const replay = (seed: number, file: string) => `seed ${seed} (replay: FUZZ_SEED=${seed} npx vitest run ${file})`;

/** mulberry32: small, fast, good enough to drive a fuzzer, and the same sequence for a seed everywhere. */
export class Rng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Another generator derived from this one (one per connection keeps them independent of timing). */
  fork(salt: number): Rng {
    return new Rng((Math.imul(this.seed ^ 0x9e3779b9, 0x85ebca6b) + salt * 0x27d4eb2f) | 0);
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)] as T;
  }

  /** One of `choices` by weight. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of choices) {
      r -= w;
      if (r < 0) return v;
    }
    return (choices[choices.length - 1] as readonly [number, T])[1];
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(this.next() * 256);
    return b;
  }
}

// ── JSON text with raw fragments ───────────────────────────────────────────────────────────────

/** A fragment written as is: numbers JSON.stringify cannot spell (-0, 1e999, 9007199254740993). */
export class Raw {
  constructor(readonly text: string) {}
}

/** An object as a list of entries: keys may repeat, and `__proto__` is an ordinary key. */
export class JObj {
  constructor(readonly entries: [string, JVal][]) {}
}

export type JVal = Raw | JObj | string | number | boolean | null | JVal[];

export function toJson(v: JVal): string {
  if (v instanceof Raw) return v.text;
  if (v instanceof JObj) return `{${v.entries.map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`).join(',')}}`;
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  return JSON.stringify(v);
}

/** A plain object as a JObj (its values as they are). */
export function jobj(o: Record<string, unknown>): JObj {
  return new JObj(Object.entries(o).map(([k, v]) => [k, v as JVal]));
}

// ── hostile values ─────────────────────────────────────────────────────────────────────────────

/** Extreme numbers, as JSON text; the quoted ones are numbers in disguise (wrong type). */
export const EXTREME_NUMBERS = [
  '0',
  '-0',
  '-1',
  '1',
  '0.5',
  '1e-300',
  '5e-324',
  '-5e-324',
  '1e308',
  '-1e308',
  '1.7976931348623157e308',
  '1e999',
  '-1e999',
  '1E+400',
  '9007199254740991',
  '9007199254740992',
  '9007199254740993',
  '-9007199254740993',
  '2147483648',
  '4294967296',
  '123456789012345678901234567890',
  '0.1e1',
  '1000000000',
  '"NaN"',
  '"Infinity"',
  '"-Infinity"',
  '"1e5"',
  '"0x10"',
  '""',
] as const;

export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

/** Strings that have broken parsers before: empty, control characters, lone surrogates, RTL, SQL, paths. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  '\u0000\u0001\u001f',
  '\ud800',
  '\udfff\ud800',
  '\u202e\u202d',
  '\ufeff',
  '💥🔥'.repeat(20),
  "'; DROP TABLE transacciones; --",
  '" OR 1=1 --',
  '../../../../etc/passwd',
  '%00%0a%0d',
  '${process.exit(1)}',
  '<script>alert(1)</script>',
  '\r\n\r\n',
  '__proto__',
  'constructor',
  'NaN',
  'null',
  'true',
  '9999-12-31T23:59:59Z',
];

/** Timestamps, valid or not: year 0, 9999, no zone, bad months, leap seconds, epoch numbers. */
export const HOSTILE_TIMESTAMPS: readonly JVal[] = [
  '9999-12-31T23:59:59Z',
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '1970-01-01T00:00:00Z',
  '2026-02-30T10:00:00Z',
  '2026-13-01T10:00:00Z',
  '2026-01-15T24:00:00Z',
  '2026-01-15T23:59:60Z',
  '2026-01-15T14:30:00',
  '2026-01-15T14:30:00+99:99',
  '+275760-09-13T00:00:00Z',
  '2026-01-15',
  'T',
  '',
  'ayer',
  new Raw('1736950000000'),
  new Raw('-1'),
  null,
];

/** A string up to `max` characters of a random flavour (ASCII, unicode, control characters). */
export function hostileString(rng: Rng, max = 200): string {
  const kind = rng.int(0, 3);
  if (kind === 0) return rng.pick(HOSTILE_STRINGS);
  const n = rng.int(0, max);
  let s = '';
  for (let i = 0; i < n; i++) {
    if (kind === 1) s += String.fromCharCode(rng.int(0x20, 0x7e));
    else if (kind === 2) s += String.fromCharCode(rng.int(0, 0xffff));
    else s += String.fromCharCode(rng.int(0, 0x1f));
  }
  return s;
}

/** Nested arrays or objects `depth` deep, as text. */
export function nested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Any hostile value: extreme numbers, wrong types, prototype keys, nesting, long strings. */
export function hostileValue(rng: Rng, depth = 0): JVal {
  const k = rng.int(0, depth > 2 ? 5 : 9);
  switch (k) {
    case 0:
    case 1:
      return new Raw(rng.pick(EXTREME_NUMBERS));
    case 2:
      return hostileString(rng);
    case 3:
      return rng.pick([true, false, null]);
    case 4:
      return rng.pick(HOSTILE_TIMESTAMPS);
    case 5:
      return rng.int(-1000, 1000);
    case 6:
      return Array.from({ length: rng.int(0, 4) }, () => hostileValue(rng, depth + 1));
    case 7:
      return new JObj([[rng.pick(PROTOTYPE_KEYS), hostileValue(rng, depth + 1)]]);
    case 8:
      return new JObj([['constructor', new JObj([['prototype', new JObj([['contaminado', true]])]])]]);
    default:
      return new Raw(nested(rng.int(10, 2000), rng.chance(0.5) ? 'array' : 'object'));
  }
}

// ── messages ───────────────────────────────────────────────────────────────────────────────────

export type Msg = Record<string, unknown>;

/** The numeric fields of each message of both links, to aim extreme numbers at. */
export const NUMERIC_FIELDS: Record<string, readonly string[]> = {
  registro: ['id_surtidor'],
  estado: ['id_surtidor', 'litros_actuales', 'monto_actual'],
  transaccion_completada: [
    'id_surtidor',
    'litros',
    'precio_por_litro',
    'monto_total',
    'secuencia',
    'version_precios',
    'totalizador_inicio',
    'totalizador_fin',
  ],
  error: ['id_surtidor'],
  heartbeat: ['id_surtidor'],
  precios_aplicados: ['id_surtidor', 'version'],
  comando_ejecutado: ['id_surtidor'],
  actualizacion_precios: [
    'version',
    'precios.precio_93',
    'precios.precio_95',
    'precios.precio_97',
    'precios.precio_diesel',
  ],
  estacion_info: ['version_precios'],
  precios_recibidos: ['version'],
};

/** Messages whose tipo belongs to another link or direction, and tipos that are not strings or are prototype names. */
export const ODD_TIPOS: readonly JVal[] = [
  'registro_confirmado',
  'transaccion_confirmada',
  'actualizacion_precios',
  'estacion_info',
  'comando',
  'REGISTRO',
  'registro ',
  '',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'x'.repeat(5000),
  new Raw('1'),
  null,
  true,
  [],
  new JObj([]),
  new JObj([['__proto__', 'registro']]),
];

const iso = (ms: number) => new Date(ms).toISOString();

/** A plausible sale of pump `id`; `n` makes its id unique. */
export function validSale(rng: Rng, id: number, n: number, now = Date.now()): Msg {
  const litros = Math.round(rng.int(1, 6000)) / 100;
  const precio = rng.pick([1290, 1350, 1400, 1120]);
  const fin = now - rng.int(0, 3_600_000);
  return {
    tipo: 'transaccion_completada',
    id_surtidor: id,
    id_transaccion: `fz-${id}-${n}`,
    tipo_combustible: rng.pick(['93', '95', '97', 'diesel']),
    litros,
    precio_por_litro: precio,
    monto_total: Math.round(litros * precio),
    metodo_pago: rng.pick(['efectivo', 'tarjeta', 'transferencia']),
    fecha_inicio: iso(fin - rng.int(30_000, 300_000)),
    fecha_fin: iso(fin),
  };
}

export const PUMP_TIPOS = [
  'transaccion_completada',
  'estado',
  'heartbeat',
  'error',
  'precios_aplicados',
  'comando_ejecutado',
  'registro',
] as const;

/** A valid pump → station message of pump `id` of the given tipo; `n` makes ids unique. */
export function pumpMessage(rng: Rng, tipo: (typeof PUMP_TIPOS)[number], id: number, n: number): Msg {
  const now = Date.now();
  switch (tipo) {
    case 'transaccion_completada':
      return validSale(rng, id, n, now);
    case 'estado':
      return {
        tipo: 'estado',
        id_surtidor: id,
        estado_operacion: rng.pick(['disponible', 'despachando', 'pausado']),
        litros_actuales: rng.int(0, 50),
        monto_actual: rng.int(0, 60_000),
        tipo_combustible: rng.pick(['93', '95', '97', 'diesel']),
        timestamp: iso(now),
      };
    case 'heartbeat':
      return { tipo: 'heartbeat', id_surtidor: id, timestamp: iso(now) };
    case 'error':
      return {
        tipo: 'error',
        id_surtidor: id,
        codigo: `FZ_${rng.int(0, 20)}`,
        mensaje: 'falla simulada',
        timestamp: iso(now),
      };
    case 'precios_aplicados':
      return { tipo: 'precios_aplicados', id_surtidor: id, version: 0 };
    case 'comando_ejecutado':
      return { tipo: 'comando_ejecutado', id_surtidor: id, id_comando: `c-${n}`, resultado: 'ok' };
    default:
      return validRegistro(id);
  }
}

/** A valid pump → station message of pump `id`, sales most often. */
export function validPumpMessage(rng: Rng, id: number, n: number): Msg {
  return pumpMessage(
    rng,
    rng.weighted([
      [3, 'transaccion_completada'],
      [2, 'estado'],
      [1, 'heartbeat'],
      [1, 'error'],
      [1, 'precios_aplicados'],
      [1, 'comando_ejecutado'],
      [1, 'registro'],
    ] as const),
    id,
    n,
  );
}

export function validRegistro(id: number): Msg {
  return {
    tipo: 'registro',
    id_surtidor: id,
    nombre: `Fuzz ${id}`,
    combustibles_soportados: ['93', '95', '97', 'diesel'],
    version: '1.0',
  };
}

/** A valid `actualizacion_precios` of link 2 at `version`. */
export function priceUpdate(rng: Rng, version: number): Msg {
  return {
    tipo: 'actualizacion_precios',
    version,
    precios: { precio_93: 1290 + rng.int(0, 50), precio_95: 1350, precio_97: 1400, precio_diesel: 1120 },
    timestamp: iso(Date.now()),
  };
}

/** Valid company → station messages (link 2). */
export function validCompanyMessage(rng: Rng, version: number): Msg {
  switch (rng.int(0, 3)) {
    case 0:
    case 1:
      return priceUpdate(rng, version);
    case 2:
      return { tipo: 'ping', timestamp: iso(Date.now()) };
    default:
      return { tipo: 'autenticacion', empresa: 'Fuzz S.A.', token: '' };
  }
}

export function estacionInfo(rng: Rng, version: number): Msg {
  return {
    tipo: 'estacion_info',
    id_estacion: `fz-${rng.int(0, 9)}`,
    nombre: 'Estación falsa',
    version_precios: version,
  };
}

/** Valid station → company messages (link 2). */
export function validStationMessage(rng: Rng, version: number): Msg {
  switch (rng.int(0, 3)) {
    case 0:
      return estacionInfo(rng, version);
    case 1:
      return { tipo: 'precios_recibidos', version };
    case 2:
      return { tipo: 'ping', timestamp: iso(Date.now()) };
    default:
      return { tipo: 'pong' };
  }
}

/** `base` with the field at `path` (dotted) set to `value`; the result as entries, so raw text survives. */
export function withField(base: Msg, path: string, value: JVal): JObj {
  const [head, ...rest] = path.split('.') as [string, ...string[]];
  const entries: [string, JVal][] = Object.entries(base).map(([k, v]) => [k, v as JVal]);
  const i = entries.findIndex(([k]) => k === head);
  const inner = rest.length === 0 ? value : withField((base[head] as Msg | undefined) ?? {}, rest.join('.'), value);
  if (i === -1) entries.push([head, inner]);
  else entries[i] = [head, inner];
  return new JObj(entries);
}

function toEntries(v: JObj | Msg): JObj {
  return v instanceof JObj ? v : jobj(v);
}

/**
 * One message of `base` made hostile: extreme numbers in its numeric fields, wrong types, missing or
 * extra fields, prototype keys, duplicate keys. Some results are still valid: the caller decides
 * with the schema what the peer must answer.
 */
export function mutate(rng: Rng, base: Msg): string {
  const tipo = String(base.tipo);
  const numeric = NUMERIC_FIELDS[tipo] ?? [];
  const fields = Object.keys(base).filter((k) => k !== 'tipo');
  let obj: JObj = jobj(base);
  const mutations = rng.int(1, 3);
  for (let m = 0; m < mutations; m++) {
    const op = rng.int(0, 9);
    const cur = Object.fromEntries(obj.entries) as Msg;
    if (op <= 3 && numeric.length > 0) {
      obj = withField(cur, rng.pick(numeric), new Raw(rng.pick(EXTREME_NUMBERS)));
    } else if (op === 4 && fields.length > 0) {
      obj = withField(cur, rng.pick(fields), hostileValue(rng));
    } else if (op === 5 && fields.length > 0) {
      const drop = rng.pick(fields);
      obj = new JObj(obj.entries.filter(([k]) => k !== drop));
    } else if (op === 6) {
      obj = new JObj([...obj.entries, [rng.pick(['extra', 'id', '$where', ...PROTOTYPE_KEYS]), hostileValue(rng)]]);
    } else if (op === 7) {
      // A prototype key carrying a whole valid message, or a duplicate `tipo`.
      obj = rng.chance(0.5)
        ? new JObj([...obj.entries, ['__proto__', toEntries(validRegistro(rng.int(1, 5)))]])
        : new JObj([...obj.entries, ['tipo', rng.pick(ODD_TIPOS)]]);
    } else if (op === 8) {
      obj = withField(cur, 'tipo', rng.pick(ODD_TIPOS));
    } else {
      const ts = fields.filter((f) => f.startsWith('fecha') || f === 'timestamp');
      obj = withField(cur, ts.length > 0 ? rng.pick(ts) : 'timestamp', rng.pick(HOSTILE_TIMESTAMPS));
    }
  }
  return toJson(obj);
}

/** Valid by the schema, impossible in the world: litros 1e9, year 9999, version 2^53, totalizer 1e308. */
export function impossible(rng: Rng, base: Msg): string {
  const tipo = String(base.tipo);
  const choices: [string, JVal][] = [];
  if (tipo === 'transaccion_completada') {
    choices.push(
      ['litros', new Raw('1e9')],
      ['fecha_inicio', '9999-12-31T23:00:00Z'],
      ['fecha_fin', '9999-12-31T23:59:59Z'],
      ['version_precios', new Raw('9007199254740992')],
      ['version_precios', new Raw('9007199254740991')],
      ['totalizador_fin', new Raw('1e308')],
      ['secuencia', new Raw('9007199254740991')],
      ['monto_total', new Raw('9007199254740991')],
      ['litros', new Raw('5e-324')],
    );
  } else if (tipo === 'estado') {
    choices.push(
      ['litros_actuales', new Raw('1e9')],
      ['timestamp', '9999-12-31T23:59:59Z'],
      ['monto_actual', new Raw('9007199254740991')],
    );
  } else if (tipo === 'actualizacion_precios') {
    choices.push(
      ['version', new Raw('9007199254740992')],
      ['version', new Raw('9007199254740991')],
      ['timestamp', '9999-12-31T23:59:59Z'],
    );
  } else if (tipo === 'precios_recibidos' || tipo === 'precios_aplicados') {
    choices.push(['version', new Raw('9007199254740992')], ['version', new Raw('9007199254740991')]);
  } else if (tipo === 'estacion_info') {
    choices.push(['version_precios', new Raw('9007199254740991')], ['version_precios', new Raw('9007199254740992')]);
  } else {
    choices.push(['timestamp', '9999-12-31T23:59:59Z'], ['id_surtidor', new Raw('9007199254740992')]);
  }
  const [field, value] = rng.pick(choices);
  if (field === 'fecha_inicio') {
    return toJson(
      withField(Object.fromEntries(withField(base, 'fecha_fin', '9999-12-31T23:59:59Z').entries), field, value),
    );
  }
  return toJson(withField(base, field, value));
}

export type LineKind =
  | 'bytes'
  | 'texto'
  | 'truncado'
  | 'anidado'
  | 'no-objeto'
  | 'mutado'
  | 'prototipo'
  | 'duplicado'
  | 'imposible'
  | 'tipo'
  | 'largo'
  | 'valido';

/** How often each kind comes (per 200 lines); the big ones (nesting, long fields: up to the line limit) are rarest. */
const KINDS: readonly (readonly [number, LineKind])[] = [
  [12, 'bytes'],
  [8, 'texto'],
  [16, 'truncado'],
  [1, 'anidado'],
  [6, 'no-objeto'],
  [77, 'mutado'],
  [12, 'prototipo'],
  [6, 'duplicado'],
  [16, 'imposible'],
  [10, 'tipo'],
  [1, 'largo'],
  [35, 'valido'],
];

/**
 * One hostile line (without its `\n`, never containing one) built around `valid`, a valid message
 * of the link, at most `maxBytes` long.
 */
export function hostileLine(rng: Rng, valid: () => Msg, maxBytes: number): { kind: LineKind; bytes: Buffer } {
  const kind = rng.weighted(KINDS);
  let text: string;
  switch (kind) {
    case 'bytes': {
      const b = rng.bytes(rng.int(1, 300));
      for (let i = 0; i < b.length; i++) if (b[i] === 0x0a) b[i] = 0x20;
      return { kind, bytes: b };
    }
    case 'texto':
      text = hostileString(rng, 300);
      break;
    case 'truncado': {
      const full = JSON.stringify(valid());
      text = full.slice(0, rng.int(1, full.length - 1));
      break;
    }
    case 'anidado': {
      const depth = rng.int(100, Math.floor((maxBytes - 200) / 6));
      text = rng.chance(0.5)
        ? nested(depth, rng.chance(0.5) ? 'array' : 'object')
        : toJson(
            withField(
              valid(),
              rng.pick(['nombre', 'precios', 'litros', 'id_surtidor', 'extra']),
              new Raw(nested(depth, 'array')),
            ),
          );
      break;
    }
    case 'no-objeto':
      text = rng.pick([
        '[]',
        '[{"tipo":"heartbeat"}]',
        '"registro"',
        '123',
        'null',
        'true',
        '-0',
        '1e999',
        '\ufeff{}',
        '{}',
        '{"tipo":"heartbeat"} {"tipo":"heartbeat"}',
      ]);
      break;
    case 'mutado':
      text = mutate(rng, valid());
      break;
    case 'prototipo': {
      const base = valid();
      const key = rng.pick(PROTOTYPE_KEYS);
      text = toJson(
        rng.chance(0.5)
          ? new JObj([[key, jobj(base)], ...jobj(base).entries.filter(([k]) => k !== 'tipo')])
          : new JObj([
              ...jobj(base).entries,
              [
                key,
                new JObj([
                  [
                    'prototype',
                    new JObj([
                      ['tipo', 'registro'],
                      ['admin', true],
                    ]),
                  ],
                ]),
              ],
            ]),
      );
      break;
    }
    case 'duplicado': {
      const base = jobj(valid());
      const [k] = rng.pick(base.entries);
      text = toJson(
        new JObj(
          rng.chance(0.5) ? [...base.entries, [k, hostileValue(rng)]] : [[k, hostileValue(rng)], ...base.entries],
        ),
      );
      break;
    }
    case 'imposible':
      text = impossible(rng, valid());
      break;
    case 'tipo':
      text = toJson(withField(valid(), 'tipo', rng.pick(ODD_TIPOS)));
      break;
    case 'largo': {
      const n = rng.int(1000, maxBytes - 400);
      text = toJson(
        withField(
          valid(),
          rng.pick(['nombre', 'mensaje', 'operador', 'id_transaccion', 'resultado', 'extra']),
          'x'.repeat(n),
        ),
      );
      break;
    }
    default:
      text = JSON.stringify(valid());
  }
  let bytes = Buffer.from(text.replaceAll('\n', ' '), 'utf8');
  if (bytes.length > maxBytes) bytes = bytes.subarray(0, maxBytes);
  return { kind, bytes };
}

/** A line longer than `maxBytes`: a valid-looking message padded past the limit. */
export function overlongLine(rng: Rng, maxBytes: number): Buffer {
  const pad = 'x'.repeat(maxBytes + rng.int(1, 4096));
  return Buffer.from(JSON.stringify({ tipo: 'heartbeat', id_surtidor: 1, relleno: pad }));
}

/**
 * The text a station's framing hands to the parser for one line (trailing `\r` dropped, UTF-8
 * decoded), or null when it ignores the line (blank).
 */
export function lineAsServerSeesIt(bytes: Buffer): string | null {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0d) end -= 1;
  const text = bytes.toString('utf8', 0, end);
  return text.trim().length === 0 ? null : text;
}
