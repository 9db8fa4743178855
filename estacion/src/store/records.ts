/**
 * Copies of the domain records with exactly the port's fields, so that whatever an adapter stores
 * or reads (driver `_id`, internal columns, stray properties) never leaks through the port. Adding a
 * field to a record type makes these fail to compile until the field is stored too.
 *
 * Invariant: a stored record can never make a read fail. These readers take whatever the store
 * hands back (a corrupted file, a record of an older build missing a field, a MongoDB document with
 * a wrong type) and always return a record of the right shape: a valid record comes back exactly as
 * it was; a value that cannot be read is replaced by a neutral one (0, '', null, the first value of
 * an enumeration) and, on a sale, noted in its `observaciones` (`REGISTRO_IRREGULAR: …`), so that
 * nothing is silently changed. Numbers are finite (integers are safe integers), texts are bounded.
 */
import { asObject, parseJson } from '@combustible/server';
import {
  type Combustible,
  COMBUSTIBLES,
  ESTADOS_OPERACION,
  ESTADOS_TRANSACCION,
  type LimiteAutorizacion,
  LIMITES_VENTA,
  METODOS_PAGO,
  MODOS_AUTORIZACION,
} from '@combustible/shared';
import {
  type Alerta,
  type Autorizacion,
  type Cierre,
  type Conflicto,
  type EstadoConexion,
  type EstadoSurtidor,
  ESTADOS_AUTORIZACION,
  type Surtidor,
  type TotalesCierre,
  type Transaccion,
  type VersionPrecios,
} from '../domain/types.js';
import { type Descarga, LIMITES_TANQUE, type Lectura, type PuntoCalibracion, type Tanque } from '../domain/tanks.js';

/** The longest text a reader returns (a longer stored one is cut, and noted on a sale). */
export const MAX_TEXTO_LEIDO = 10_000;
/** The most observaciones a sale comes back with. */
export const MAX_OBSERVACIONES_LEIDAS = 100;

const ESTADOS_CONEXION: readonly EstadoConexion[] = ['conectado', 'desconectado', 'timeout', 'error'];

type Raw = Record<string, unknown>;

/** The object a stored value holds (or an empty one), and JSON text parsed (or undefined): shared with the company. */
export { asObject, parseJson };

/**
 * Reads the fields of one stored record: each from the record itself, else from `backup` (e.g. the
 * SQLite columns beside a JSON document), else a neutral value; what could not be read is listed
 * in `problems`.
 */
class Reader {
  readonly problems: string[] = [];
  private readonly raw: Raw;
  private readonly backup: Raw;

  constructor(raw: unknown, backup: unknown = {}) {
    this.raw = asObject(raw);
    this.backup = asObject(backup);
  }

  private note(campo: string, value: unknown, what: string): void {
    this.problems.push(`${campo} ${value === undefined ? 'ausente' : `${shown(value)} no es ${what}`}`);
  }

  /** The first candidate that passes `ok`, else undefined (and a problem unless absent is fine). */
  private find<T>(campo: string, ok: (v: unknown) => v is T, what: string, absentOk: boolean): T | undefined {
    const own = this.raw[campo];
    if (ok(own)) return own;
    const absent = (v: unknown) => v === undefined || (absentOk && v === null);
    // A value the record holds but that cannot be read is noted even when the backup has one.
    if (!absent(own)) this.note(campo, own, what);
    const other = this.backup[campo];
    if (ok(other)) return other;
    if (absent(own) && !(absentOk && (other === undefined || other === null))) this.note(campo, other, what);
    return undefined;
  }

  text(campo: string, fallback = '', max = MAX_TEXTO_LEIDO): string {
    const v = this.find(campo, isString, 'un texto', false) ?? fallback;
    return this.cut(campo, v, max);
  }

  textOrNull(campo: string, max = MAX_TEXTO_LEIDO): string | null {
    const v = this.find(campo, isString, 'un texto', true);
    return v === undefined ? null : this.cut(campo, v, max);
  }

  private cut(campo: string, v: string, max: number): string {
    if (v.length <= max) return v;
    this.problems.push(`${campo} de ${v.length} caracteres, recortado a ${max}`);
    return v.slice(0, max);
  }

  number(campo: string, fallback = 0): number {
    return this.finite(campo, this.find(campo, isNumber, 'un número finito', false) ?? fallback);
  }

  numberOrNull(campo: string): number | null {
    const v = this.find(campo, isNumber, 'un número finito', true);
    return v === undefined ? null : this.finite(campo, v);
  }

  int(campo: string, fallback = 0): number {
    return this.safeInt(campo, this.find(campo, isNumber, 'un número finito', false) ?? fallback);
  }

  intOrNull(campo: string): number | null {
    const v = this.find(campo, isNumber, 'un número finito', true);
    return v === undefined ? null : this.safeInt(campo, v);
  }

  private finite(campo: string, v: number): number {
    if (Math.abs(v) <= Number.MAX_VALUE) return v === 0 ? 0 : v; // also -0 → 0
    this.note(campo, v, 'un número finito');
    return 0;
  }

  private safeInt(campo: string, v: number): number {
    const n = clampSafe(Math.round(v));
    if (n !== v && !(n === 0 && v === 0)) this.note(campo, v, 'un entero exacto');
    return n === 0 ? 0 : n;
  }

  oneOf<T extends string>(campo: string, values: readonly T[], fallback: T): T {
    return this.find(campo, (v): v is T => values.includes(v as T), 'un valor conocido', false) ?? fallback;
  }

  oneOfOrNull<T extends string>(campo: string, values: readonly T[]): T | null {
    return this.find(campo, (v): v is T => values.includes(v as T), 'un valor conocido', true) ?? null;
  }

  /** Absent (a record of an older build) is the fallback, silently. */
  bool(campo: string, fallback: boolean): boolean {
    return this.find(campo, (v): v is boolean => typeof v === 'boolean', 'verdadero o falso', true) ?? fallback;
  }

  /** Nested object (never from the backup). */
  object(campo: string): Raw {
    return asObject(this.raw[campo]);
  }

  has(campo: string): boolean {
    return this.raw[campo] !== undefined && this.raw[campo] !== null;
  }

  value(campo: string): unknown {
    return this.raw[campo];
  }
}

/** A stored value in a few characters, whatever it is (never throws: a null-prototype object has no toString). */
function shown(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v.slice(0, 40));
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'object':
      return v === null ? 'null' : Array.isArray(v) ? 'una lista' : 'un objeto';
    default:
      return typeof v;
  }
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);

/** `n` within ±Number.MAX_SAFE_INTEGER (NaN is 0). */
export function clampSafe(n: number): number {
  if (Number.isNaN(n)) return 0;
  return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, n));
}

export function pickSurtidor(value: Surtidor | Raw, backup: Raw = {}): Surtidor {
  const r = new Reader(value, backup);
  const combustibles = r.value('combustibles_soportados');
  const config = new Reader(r.object('configuracion'));
  const positive = (campo: string, max: number, fallback: number) => {
    const n = config.number(campo, fallback);
    return n > 0 && n <= max ? n : fallback;
  };
  return {
    id_surtidor: r.int('id_surtidor'),
    nombre: r.text('nombre', '', 100),
    combustibles_soportados: Array.isArray(combustibles)
      ? [...new Set(combustibles.filter((c): c is Combustible => COMBUSTIBLES.includes(c as Combustible)))]
      : [],
    combustible_actual: r.oneOfOrNull('combustible_actual', COMBUSTIBLES),
    configuracion: {
      // Defaults as in the station's DEFAULT_CONFIGURACION; bounds as the API takes them.
      capacidad_maxima_litros: positive('capacidad_maxima_litros', 100_000, 1_000),
      velocidad_despacho: positive('velocidad_despacho', 100, 1),
      ...tanquesDe(config.object('tanques')),
    },
    fecha_creacion: r.text('fecha_creacion'),
    fecha_actualizacion: r.text('fecha_actualizacion'),
    ultima_conexion: r.textOrNull('ultima_conexion'),
    ip: r.textOrNull('ip', 100),
    version: r.textOrNull('version', 100),
    // A record of an older build has none: it sells as it always did.
    modo_autorizacion: r.oneOfOrNull('modo_autorizacion', MODOS_AUTORIZACION) ?? 'postpago',
  };
}

/** A pump's fuel → tank map as stored: only known fuels with a positive integer id; absent when empty. */
function tanquesDe(raw: Raw): { tanques?: Partial<Record<Combustible, number>> } {
  const tanques: Partial<Record<Combustible, number>> = {};
  for (const c of COMBUSTIBLES) {
    const v = raw[c];
    if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) tanques[c] = v;
  }
  return Object.keys(tanques).length > 0 ? { tanques } : {};
}

export function pickEstado(value: EstadoSurtidor | Raw, backup: Raw = {}): EstadoSurtidor {
  const r = new Reader(value, backup);
  // Snapshots stored before pausado_por existed have none.
  const pausado = r.has('pausado_por') ? new Reader(r.object('pausado_por')) : null;
  const comando = pausado?.oneOfOrNull('comando', ['pausar', 'detener_emergencia'] as const) ?? null;
  return {
    id_surtidor: r.int('id_surtidor'),
    estado_conexion: r.oneOf('estado_conexion', ESTADOS_CONEXION, 'desconectado'),
    estado_operacion: r.oneOf('estado_operacion', ESTADOS_OPERACION, 'disponible'),
    litros_actuales: r.number('litros_actuales'),
    monto_actual: r.int('monto_actual'),
    tipo_combustible: r.oneOfOrNull('tipo_combustible', COMBUSTIBLES),
    precio_por_litro: r.intOrNull('precio_por_litro'),
    version_precios: r.intOrNull('version_precios'),
    desfase_reloj_ms: r.numberOrNull('desfase_reloj_ms'),
    timestamp: r.textOrNull('timestamp'),
    ultima_actividad: r.textOrNull('ultima_actividad'),
    pausado_por:
      pausado && comando
        ? {
            usuario: pausado.text('usuario', '', 200),
            comando,
            razon: pausado.text('razon', '', 1000),
            fecha: pausado.text('fecha'),
          }
        : null,
  };
}

/**
 * A stored sale. `backup` holds what an adapter keeps beside the record (the SQLite columns), read
 * when the record itself lacks a field or holds one that cannot be read.
 */
export function pickTransaccion(value: Transaccion | Raw, backup: Raw = {}): Transaccion {
  const r = new Reader(value, backup);
  const detalles = new Reader(r.object('detalles'));
  const stored = r.value('observaciones');
  const observaciones = (Array.isArray(stored) ? stored : [])
    .filter((o): o is string => typeof o === 'string')
    .slice(0, MAX_OBSERVACIONES_LEIDAS)
    .map((o) => (o.length > 1000 ? o.slice(0, 1000) : o));
  const t: Transaccion = {
    id_transaccion: r.text('id_transaccion'),
    id_derivado: r.bool('id_derivado', false),
    id_surtidor: r.int('id_surtidor'),
    nombre_surtidor: r.textOrNull('nombre_surtidor', 200),
    tipo_combustible: r.oneOf('tipo_combustible', COMBUSTIBLES, '93'),
    litros: r.number('litros'),
    precio_por_litro: r.int('precio_por_litro'),
    monto_total: r.int('monto_total'),
    metodo_pago: r.oneOf('metodo_pago', METODOS_PAGO, 'efectivo'),
    fecha_inicio: r.text('fecha_inicio', r.text('fecha_fin')),
    fecha_fin: r.text('fecha_fin'),
    estado: r.oneOf('estado', ESTADOS_TRANSACCION, 'completada'),
    operador: r.textOrNull('operador', 200),
    secuencia: r.intOrNull('secuencia'),
    version_precios: r.intOrNull('version_precios'),
    totalizador_inicio: r.numberOrNull('totalizador_inicio'),
    totalizador_fin: r.numberOrNull('totalizador_fin'),
    observaciones,
    detalles: {
      duracion_segundos: detalles.number('duracion_segundos'),
      velocidad_promedio: detalles.number('velocidad_promedio'),
    },
    recibida: r.text('recibida'),
    id_autorizacion: r.textOrNull('id_autorizacion', 64),
    reembolso: r.intOrNull('reembolso'),
  };
  // Not `detalles`' own problems: a missing detalles is a record of an older build, not damage.
  const problems = [...new Set(r.problems)];
  if (problems.length > 0) {
    t.observaciones = [
      ...t.observaciones.slice(0, MAX_OBSERVACIONES_LEIDAS - 1),
      `REGISTRO_IRREGULAR: ${problems.join('; ').slice(0, 1000)}`,
    ];
  }
  return t;
}

const isNum = (v: unknown): v is number =>
  typeof v === 'number' && Math.abs(v) <= Number.MAX_VALUE && !(v === 0 && 1 / v < 0);

const isSafeInt = (v: unknown): v is number => isNum(v) && Number.isSafeInteger(v);
const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;
const isNumOrNull = (v: unknown) => v === null || isNum(v);
const isSafeIntOrNull = (v: unknown) => v === null || isSafeInt(v);
const isTextOrNull = (v: unknown, max: number) => v === null || isText(v, max);

/** Whether pickTransaccion(t) would take every field of `t` as it is (nothing to repair or note). */
function isExact(t: Transaccion): boolean {
  const o = t.observaciones;
  if (!Array.isArray(o) || o.length > MAX_OBSERVACIONES_LEIDAS) return false;
  for (const x of o) if (!isText(x, 1000)) return false;
  const d = t.detalles as unknown as Raw | null;
  return (
    isText(t.id_transaccion, MAX_TEXTO_LEIDO) &&
    typeof t.id_derivado === 'boolean' &&
    isSafeInt(t.id_surtidor) &&
    isTextOrNull(t.nombre_surtidor, 200) &&
    COMBUSTIBLES.includes(t.tipo_combustible) &&
    isNum(t.litros) &&
    isSafeInt(t.precio_por_litro) &&
    isSafeInt(t.monto_total) &&
    METODOS_PAGO.includes(t.metodo_pago) &&
    isText(t.fecha_inicio, MAX_TEXTO_LEIDO) &&
    isText(t.fecha_fin, MAX_TEXTO_LEIDO) &&
    ESTADOS_TRANSACCION.includes(t.estado) &&
    isTextOrNull(t.operador, 200) &&
    isSafeIntOrNull(t.secuencia) &&
    isSafeIntOrNull(t.version_precios) &&
    isNumOrNull(t.totalizador_inicio) &&
    isNumOrNull(t.totalizador_fin) &&
    d !== null &&
    typeof d === 'object' &&
    !Array.isArray(d) &&
    isNum(d.duracion_segundos) &&
    isNum(d.velocidad_promedio) &&
    isText(t.recibida, MAX_TEXTO_LEIDO) &&
    isTextOrNull(t.id_autorizacion, 64) &&
    isSafeIntOrNull(t.reembolso)
  );
}

/**
 * pickTransaccion(t) for a record about to be stored: the same result (same fields, same order, so
 * the same JSON), copied without the readers when `t` is already exact, as the records the station
 * builds from a validated sale always are. Anything else goes through pickTransaccion.
 */
export function exactTransaccion(t: Transaccion): Transaccion {
  if (!isExact(t)) return pickTransaccion(t);
  return {
    id_transaccion: t.id_transaccion,
    id_derivado: t.id_derivado,
    id_surtidor: t.id_surtidor,
    nombre_surtidor: t.nombre_surtidor,
    tipo_combustible: t.tipo_combustible,
    litros: t.litros,
    precio_por_litro: t.precio_por_litro,
    monto_total: t.monto_total,
    metodo_pago: t.metodo_pago,
    fecha_inicio: t.fecha_inicio,
    fecha_fin: t.fecha_fin,
    estado: t.estado,
    operador: t.operador,
    secuencia: t.secuencia,
    version_precios: t.version_precios,
    totalizador_inicio: t.totalizador_inicio,
    totalizador_fin: t.totalizador_fin,
    observaciones: t.observaciones.slice(),
    detalles: { duracion_segundos: t.detalles.duracion_segundos, velocidad_promedio: t.detalles.velocidad_promedio },
    recibida: t.recibida,
    id_autorizacion: t.id_autorizacion,
    reembolso: t.reembolso,
  };
}

/** A stored preset; an unreadable one reads as `lleno` (no limit the station would check). */
function pickLimite(raw: Record<string, unknown>): LimiteAutorizacion {
  const valor = raw.valor;
  const ok = typeof valor === 'number' && valor > 0 && Number.isFinite(valor);
  if (raw.tipo === 'monto' && ok && Number.isSafeInteger(valor) && valor <= LIMITES_VENTA.montoMax)
    return { tipo: 'monto', valor };
  if (raw.tipo === 'litros' && ok && valor <= LIMITES_VENTA.litrosMax) return { tipo: 'litros', valor };
  return { tipo: 'lleno' };
}

/**
 * A stored authorization. Unreadable fields become neutral values; an unreadable estado reads as
 * `cancelada` (closed: a damaged record never holds a pump), and `motivo` says what was irregular.
 */
export function pickAutorizacion(value: Autorizacion | Raw, backup: Raw = {}): Autorizacion {
  const r = new Reader(value, backup);
  const combustibles = r.value('combustibles');
  const a: Autorizacion = {
    id_autorizacion: r.text('id_autorizacion', '', 64),
    id_surtidor: r.int('id_surtidor'),
    estado: r.oneOf('estado', ESTADOS_AUTORIZACION, 'cancelada'),
    limite: pickLimite(r.object('limite')),
    combustibles: Array.isArray(combustibles)
      ? [...new Set(combustibles.filter((c): c is Combustible => COMBUSTIBLES.includes(c as Combustible)))]
      : null,
    monto_prepagado: r.intOrNull('monto_prepagado'),
    usuario: r.text('usuario', '', 200),
    creada: r.text('creada'),
    vence: r.text('vence'),
    actualizada: r.text('actualizada'),
    id_transaccion: r.textOrNull('id_transaccion', 64),
    reembolso: r.intOrNull('reembolso'),
    motivo: r.textOrNull('motivo', 1000),
  };
  if (a.combustibles?.length === 0) a.combustibles = null;
  const problems = [...new Set(r.problems)];
  if (problems.length > 0) a.motivo = `REGISTRO_IRREGULAR: ${problems.join('; ').slice(0, 1000)}`;
  return a;
}

export function pickAlerta(value: Alerta | Raw, backup: Raw = {}): Alerta {
  const r = new Reader(value, backup);
  const datos = r.value('datos');
  return {
    id: r.text('id'),
    clave: r.text('clave'),
    codigo: r.text('codigo', '', 200),
    mensaje: r.text('mensaje'),
    severidad: r.oneOf('severidad', ['info', 'advertencia', 'critica'] as const, 'advertencia'),
    id_surtidor: r.intOrNull('id_surtidor'),
    creada: r.text('creada'),
    resuelta: r.textOrNull('resuelta'),
    datos: datos === null || datos === undefined ? null : jsonSafe(asObject(datos)),
  };
}

/**
 * A price version as stored. Numbers that are not numbers become NaN, not a price: the station
 * decides which stored versions follow the prices rule (PriceBook.fromStored) and skips the rest.
 */
export function pickVersionPrecios(value: VersionPrecios | Raw, backup: Raw = {}): VersionPrecios {
  const r = new Reader(value, backup);
  const p = r.object('precios');
  const n = (v: unknown) => (typeof v === 'number' ? v : Number.NaN);
  const version = r.value('version');
  return {
    version: typeof version === 'number' ? version : Number.NaN,
    precios: {
      precio_93: n(p.precio_93),
      precio_95: n(p.precio_95),
      precio_97: n(p.precio_97),
      precio_diesel: n(p.precio_diesel),
    },
    actualizado: r.text('actualizado'),
    origen: r.oneOf('origen', ['defecto', 'empresa', 'local'] as const, 'local'),
    ...vigenciaDe(r.textOrNull('vigencia', 100)),
  };
}

export function pickConflicto(value: Conflicto | Raw, backup: Raw = {}): Conflicto {
  const r = new Reader(value, backup);
  const campos = r.value('campos');
  return {
    id: r.text('id'),
    id_surtidor: r.int('id_surtidor'),
    id_transaccion: r.text('id_transaccion'),
    huella: r.text('huella'),
    huella_original: r.text('huella_original'),
    campos: (Array.isArray(campos) ? campos : []).filter((c): c is string => typeof c === 'string').slice(0, 50),
    original: pickTransaccion(r.object('original')),
    nueva: pickTransaccion(r.object('nueva')),
    detectado: r.text('detectado'),
  };
}

/**
 * A JSON object that survives JSON.stringify as it is: non-finite numbers become null, values
 * that are not JSON (functions, bigints, driver types) are dropped, depth is bounded.
 */
export function jsonSafe(v: Raw, depth = 0): Raw {
  const out: Raw = {};
  for (const [k, x] of Object.entries(v)) {
    const safe = jsonValue(x, depth + 1);
    if (safe !== undefined) out[k] = safe;
  }
  return out;
}

function jsonValue(x: unknown, depth: number): unknown {
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return x;
  if (typeof x === 'number') return Number.isFinite(x) ? x : null;
  if (depth > 20) return undefined;
  if (Array.isArray(x)) return x.map((e) => jsonValue(e, depth + 1) ?? null);
  if (typeof x === 'object') {
    if (x instanceof Date) return Number.isNaN(x.getTime()) ? null : x.toISOString();
    return jsonSafe(x as Raw, depth);
  }
  return undefined;
}

/** A version's `vigencia` only when it has one (versions in force at once carry no field). */
function vigenciaDe(vigencia: string | null): { vigencia?: string } {
  return vigencia === null ? {} : { vigencia };
}

// ── tanques (ext, issue 14) ──────────────────────────────────────────────────────────────────

/** A stored chart: only points with finite non-negative numbers, at most LIMITES_TANQUE.maxPuntos. */
function calibracionDe(v: unknown): PuntoCalibracion[] {
  if (!Array.isArray(v)) return [];
  const out: PuntoCalibracion[] = [];
  for (const p of v.slice(0, LIMITES_TANQUE.maxPuntos)) {
    const o = asObject(p);
    const { altura_mm, litros } = o;
    if (isNumber(altura_mm) && isNumber(litros) && Number.isFinite(altura_mm) && Number.isFinite(litros)) {
      out.push({ altura_mm, litros });
    }
  }
  return out;
}

export function pickTanque(value: Tanque | Raw, backup: Raw = {}): Tanque {
  const r = new Reader(value, backup);
  return {
    id_tanque: r.int('id_tanque'),
    nombre: r.text('nombre', '', 100),
    combustible: r.oneOf('combustible', COMBUSTIBLES, COMBUSTIBLES[0]),
    capacidad_litros: r.number('capacidad_litros'),
    calibracion: calibracionDe(r.value('calibracion')),
    nivel_bajo_litros: r.number('nivel_bajo_litros'),
    agua_alta_mm: r.number('agua_alta_mm'),
    creado: r.text('creado'),
    actualizado: r.text('actualizado'),
  };
}

export function pickLectura(value: Lectura | Raw, backup: Raw = {}): Lectura {
  const r = new Reader(value, backup);
  const obs = r.value('observaciones');
  const l: Lectura = {
    id_tanque: r.int('id_tanque'),
    id_medidor: r.int('id_medidor'),
    timestamp: r.text('timestamp', '', 64),
    recibida: r.text('recibida', '', 64),
    altura_producto_mm: r.number('altura_producto_mm'),
    altura_agua_mm: r.number('altura_agua_mm'),
    temperatura_c: r.number('temperatura_c'),
    litros: r.number('litros'),
    litros_15c: r.number('litros_15c'),
    observaciones: Array.isArray(obs)
      ? obs
          .filter(isString)
          .slice(0, MAX_OBSERVACIONES_LEIDAS)
          .map((o) => o.slice(0, 1000))
      : [],
    conservar: r.bool('conservar', false),
  };
  const problems = [...new Set(r.problems)];
  if (problems.length > 0) l.observaciones.push(`REGISTRO_IRREGULAR: ${problems.join('; ').slice(0, 1000)}`);
  return l;
}

export function pickDescarga(value: Descarga | Raw, backup: Raw = {}): Descarga {
  const r = new Reader(value, backup);
  return {
    id: r.text('id', '', 100),
    id_tanque: r.int('id_tanque'),
    inicio: r.text('inicio', '', 64),
    fin: r.text('fin', '', 64),
    litros: r.number('litros'),
    litros_inicio: r.number('litros_inicio'),
    litros_fin: r.number('litros_fin'),
    ventas_litros: r.number('ventas_litros'),
  };
}

/** The most groups of one breakdown a close is read back with. */
const MAX_GRUPOS_CIERRE_LEIDOS = 10_000;

function pickTotalesCierre(r: Reader): TotalesCierre {
  return {
    transacciones: Math.max(0, r.int('transacciones')),
    litros: r.number('litros'),
    monto: r.int('monto'),
    reembolsos: r.int('reembolsos'),
  };
}

/** The groups of one breakdown of a close: objects only, each read like the total. */
function gruposCierre<T>(v: unknown, pick: (r: Reader) => T): (T & TotalesCierre)[] {
  return (Array.isArray(v) ? v : []).slice(0, MAX_GRUPOS_CIERRE_LEIDOS).map((g) => {
    const r = new Reader(g);
    return { ...pick(r), ...pickTotalesCierre(r) };
  });
}

export function pickCierre(value: Cierre | Raw, backup: Raw = {}): Cierre {
  const r = new Reader(value, backup);
  const c: Cierre = {
    id_cierre: r.text('id_cierre', '', 64),
    desde: r.text('desde', '', 64),
    hasta: r.text('hasta', '', 64),
    fecha: r.textOrNull('fecha', 10),
    turno: r.textOrNull('turno', 100),
    zona_horaria: r.text('zona_horaria', '', 100),
    creado: r.text('creado', '', 64),
    usuario: r.text('usuario', '', 200),
    total: pickTotalesCierre(new Reader(r.object('total'))),
    por_surtidor: gruposCierre(r.value('por_surtidor'), (g) => ({
      id_surtidor: g.int('id_surtidor'),
      nombre_surtidor: g.textOrNull('nombre_surtidor', 200),
    })),
    por_combustible: gruposCierre(r.value('por_combustible'), (g) => ({
      tipo_combustible: g.oneOf('tipo_combustible', COMBUSTIBLES, COMBUSTIBLES[0]),
    })),
    por_metodo_pago: gruposCierre(r.value('por_metodo_pago'), (g) => ({
      metodo_pago: g.oneOf('metodo_pago', METODOS_PAGO, METODOS_PAGO[0]),
    })),
    por_operador: gruposCierre(r.value('por_operador'), (g) => ({ operador: g.textOrNull('operador', 200) })),
    conciliacion: jsonValue(r.value('conciliacion'), 0) ?? null,
  };
  if (r.value('por_operador_truncado') === true) c.por_operador_truncado = true;
  return c;
}

/**
 * (ext, issue 15) Two pages of journal entries, each ascending by seq, as one: ascending, at most
 * `limit`. A position found in both (never written so; a damaged file) comes once.
 */
export function mergeBySeq<T extends { seq: number }>(a: readonly T[], b: readonly T[], limit: number): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (out.length < limit && (i < a.length || j < b.length)) {
    const x = a[i];
    const y = b[j];
    const next = y === undefined || (x !== undefined && x.seq <= y.seq) ? (i++, x) : (j++, y);
    if (next === undefined) break;
    if (out.length > 0 && (out[out.length - 1] as T).seq === next.seq) continue;
    out.push(next);
  }
  return out;
}
