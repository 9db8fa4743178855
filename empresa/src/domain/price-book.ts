/**
 * The versioned price book, as pure functions: no I/O, no clock (times are passed in).
 *
 * The version rule, shared with the stations: versions are integers that only go up, numbered by
 * the company alone (one above its own newest, never above MAX_VERSION; nothing a station reports
 * takes part). A station applies a version only when it is newer than the one it holds, and
 * acknowledges with the version it holds. The company trusts a reported version only when it is
 * not above its own newest: a higher one is an anomaly (`VERSION_DESCONOCIDA`), never confirmed,
 * and the company keeps sending its newest. Of the trusted acks it keeps the highest (acks can
 * arrive stale, repeated or out of order). Prices follow the prices rule of @combustible/shared.
 */
import {
  COMBUSTIBLES,
  MAX_VERSION,
  MAX_VIGENCIA_MS,
  PRECIO_MAX,
  PRECIO_MIN,
  PRECIOS_POR_DEFECTO,
  type Precios,
  precioEnRango,
} from '@combustible/shared';
import type { CambioPrecio, CampoPrecio, VersionPrecios } from './types.js';

export const CAMPOS_PRECIO: readonly CampoPrecio[] = ['precio_93', 'precio_95', 'precio_97', 'precio_diesel'];

/** The price range of the prices rule (pesos per litre), for messages and forms. */
export { PRECIO_MAX, PRECIO_MIN };

/** Who made the seed version. */
export const AUTOR_SISTEMA = 'sistema';

export type Cambios = Partial<Precios>;

/** `93`, `95`, `97`, `diesel` or the wire name (`precio_95`) → the field. */
export function campoDe(nombre: string): CampoPrecio | undefined {
  const n = nombre.trim().toLowerCase();
  if ((COMBUSTIBLES as readonly string[]).includes(n)) return `precio_${n}` as CampoPrecio;
  return (CAMPOS_PRECIO as readonly string[]).includes(n) ? (n as CampoPrecio) : undefined;
}

/** Whether a value is a price by the prices rule: an integer from PRECIO_MIN to PRECIO_MAX. */
export function esPrecioValido(value: number): boolean {
  return precioEnRango(value);
}

export type ResultadoAsignaciones = { ok: true; cambios: Cambios } | { ok: false; error: string };

/**
 * Parses `95=1360 diesel=1130` style assignments (one per argument; `93`, `95`, `97`, `diesel` or
 * `precio_95`). Each price must follow the prices rule; a fuel may appear only once.
 */
export function parseAsignaciones(args: readonly string[]): ResultadoAsignaciones {
  if (args.length === 0) return { ok: false, error: 'indique al menos un precio, p. ej. 95=1360' };
  const cambios: Cambios = {};
  for (const arg of args) {
    const m = /^([^=\s]+)=(.*)$/.exec(arg.trim());
    if (!m) return { ok: false, error: `"${arg}" no es COMBUSTIBLE=PRECIO (p. ej. 95=1360)` };
    const [, nombre = '', texto = ''] = m;
    const campo = campoDe(nombre);
    if (!campo) return { ok: false, error: `combustible desconocido "${nombre}" (93, 95, 97 o diesel)` };
    if (campo in cambios) return { ok: false, error: `"${nombre}" aparece dos veces` };
    const valor = /^\d+$/.test(texto.trim()) ? Number(texto.trim()) : Number.NaN;
    if (!esPrecioValido(valor)) {
      return {
        ok: false,
        error: `precio inválido para ${nombre}: "${texto}" (entero entre ${PRECIO_MIN} y ${PRECIO_MAX})`,
      };
    }
    cambios[campo] = valor;
  }
  return { ok: true, cambios };
}

/** Version 1: the seed defaults, created when the company starts with an empty store. */
export function versionInicial(at: string): VersionPrecios {
  const precios = { ...PRECIOS_POR_DEFECTO };
  return {
    version: 1,
    precios,
    actualizado: at,
    autor: AUTOR_SISTEMA,
    cambios: CAMPOS_PRECIO.map((campo) => ({ campo, anterior: null, nuevo: precios[campo] })),
    vigencia: null,
    cancelada: null,
  };
}

/**
 * The version that applies `cambios` on top of `actual`, or null when no price actually changes
 * (setting a price to its current value makes no version). Its number is one above `ultima` (the
 * company's own newest number, a cancelled version included; `actual.version` by default), nothing
 * else; `vigencia` schedules it (null: in force at once). Throws RangeError for a price outside the rule (also one
 * left in force by an older build: it must be changed in the same version), and past MAX_VERSION.
 */
export function siguienteVersion(
  actual: VersionPrecios,
  cambios: Cambios,
  opts: { autor: string; at: string; ultima?: number; vigencia?: string | null },
): VersionPrecios | null {
  const precios: Precios = { ...actual.precios };
  const hechos: CambioPrecio[] = [];
  for (const campo of CAMPOS_PRECIO) {
    const nuevo = cambios[campo];
    if (nuevo === undefined || nuevo === actual.precios[campo]) continue;
    if (!esPrecioValido(nuevo)) throw new RangeError(`precio inválido para ${campo}: ${nuevo}`);
    hechos.push({ campo, anterior: actual.precios[campo], nuevo });
    precios[campo] = nuevo;
  }
  if (hechos.length === 0) return null;
  for (const campo of CAMPOS_PRECIO) {
    if (!esPrecioValido(precios[campo])) {
      throw new RangeError(
        `el precio vigente de ${campo} (${precios[campo]}) está fuera del rango de ${PRECIO_MIN} a ${PRECIO_MAX}: cámbielo también`,
      );
    }
  }
  const version = Math.max(opts.ultima ?? actual.version, actual.version) + 1;
  if (!Number.isInteger(version) || version > MAX_VERSION) {
    throw new RangeError(`versiones agotadas: la siguiente (${version}) pasaría de MAX_VERSION (${MAX_VERSION})`);
  }
  return {
    version,
    precios,
    actualizado: opts.at,
    autor: opts.autor,
    cambios: hechos,
    vigencia: opts.vigencia ?? null,
    cancelada: null,
  };
}

/**
 * Whether a station must be sent `newest`: unless it is known to hold it (null: unknown, e.g. its
 * report was not trusted). A station that says it is ahead is sent it too: by its own rule it
 * ignores an older version, and the company never takes a station's word for its own versions.
 */
export function debeEnviarse(held: number | null, newest: number): boolean {
  return held === null || held !== newest;
}

/**
 * The anomalies the company reports on a station's link (`enlace.anomalia.codigo`, the audit entry
 * `estacion.anomalia`), documented in docs/empresa.md (tests/error-codes.test.ts checks that).
 */
export const LINK_ANOMALIES = {
  VERSION_DESCONOCIDA: 'The station reported a price version the company never made (above its newest).',
} as const;

/** A station reported a version the company never made (above its newest). */
export interface AnomaliaVersion {
  codigo: keyof typeof LINK_ANOMALIES;
  /** What the station said it holds, as it said it (the last such report). */
  version_reportada: number;
  /** The company's newest version when last checked. */
  version_empresa: number;
  /** When the anomaly was first seen (ISO-8601). */
  desde: string;
}

/**
 * What the company makes of a version a station reports (`estacion_info.version_precios` or
 * `precios_recibidos.version`), given the company's newest and the anomaly already open for that
 * station. Above the newest: an anomaly, not trusted. Equal to the version of an open anomaly:
 * still not trusted, even once the company's newest reached that number (the station holds its own
 * unknown version under it, and ignores the company's). Anything else is trusted and closes it.
 */
export function evaluarVersionInformada(
  reportada: number,
  newest: number,
  abierta: AnomaliaVersion | null,
  at: string,
): { confiable: boolean; anomalia: AnomaliaVersion | null } {
  const sospechosa = reportada > newest || (abierta !== null && reportada === abierta.version_reportada);
  if (!sospechosa) return { confiable: true, anomalia: null };
  return {
    confiable: false,
    anomalia: {
      codigo: 'VERSION_DESCONOCIDA',
      version_reportada: reportada,
      version_empresa: newest,
      desde: abierta?.desde ?? at,
    },
  };
}

/**
 * The acknowledged version after a `precios_recibidos`: the highest seen. A stale, repeated or
 * out-of-order ack never lowers it.
 */
export function versionConfirmada(previous: number | null, ack: number): number {
  return previous === null ? ack : Math.max(previous, ack);
}

/** The farthest ahead a version may be scheduled (the prices rule; documented in docs/empresa.md). */
export { MAX_VIGENCIA_MS };

/**
 * Why `vigencia` cannot schedule a version at `now` (Spanish), or null: it must be a readable
 * instant after `now` and at most MAX_VIGENCIA_MS ahead.
 */
export function problemaVigencia(vigencia: string, now: number): string | null {
  const at = Date.parse(vigencia);
  if (!Number.isFinite(at)) return `"${vigencia}" no es una fecha y hora ISO-8601`;
  if (at <= now) return `la vigencia ${vigencia} ya pasó (reloj de la empresa: ${new Date(now).toISOString()})`;
  if (at - now > MAX_VIGENCIA_MS) return `la vigencia ${vigencia} está a más de 90 días`;
  return null;
}

/** Whether a version is scheduled and not yet in force at `now` (cancelled ones are never in force). */
export function estaProgramada(v: VersionPrecios, now: number): boolean {
  return v.cancelada === null && v.vigencia !== null && Date.parse(v.vigencia) > now;
}

/** What a station does with an update, by the rule (used by tests and fakes): the version it holds after. */
export function versionTrasActualizar(held: number, incoming: number): number {
  return incoming > held ? incoming : held;
}
