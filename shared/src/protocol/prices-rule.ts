/**
 * The prices rule: what a plausible price version is, stated once for the company and the
 * station (docs/protocol.md, "The prices rule", gives the reasons for each number).
 *
 * The wire schemas stay wider on purpose (a version is any safe integer, a price 1..1,000,000):
 * a message that breaks only this rule still parses, so its sender gets an answer naming the rule
 * (`VERSION_INVALIDA`, `PRECIO_FUERA_DE_RANGO`) and the receiver can show what it was told, instead
 * of a bare MENSAJE_INVALIDO. Pure functions, no I/O; they never throw.
 */
import type { DetalleError, Precios } from './common.js';

/** The highest price version anyone creates or accepts: 10^9, far from 2^31 − 1 and from 2^53. */
export const MAX_VERSION = 1_000_000_000;

/**
 * How far ahead of the version it holds an update may jump (once the station holds a company
 * version; a station at 0, its built-in defaults, takes any version up to MAX_VERSION).
 */
export const MAX_VERSION_JUMP = 100_000;

/** Sane range of a price, integer pesos per litre (both ends included). */
export const PRECIO_MIN = 100;
export const PRECIO_MAX = 100_000;

export const CAMPOS_PRECIOS = ['precio_93', 'precio_95', 'precio_97', 'precio_diesel'] as const;

/**
 * How far ahead a version may be scheduled (`vigencia`): 90 days. The company refuses more; a
 * station refuses a vigencia more than MAX_VIGENCIA_MS plus a day (clock skew) ahead of its clock.
 */
export const MAX_VIGENCIA_MS = 90 * 24 * 3_600_000;
const VIGENCIA_MARGEN_MS = 24 * 3_600_000;

/** An update whose vigencia a station must refuse (too far ahead of `nowMs`), or null. */
export function revisarVigencia(vigencia: string | undefined, nowMs: number): RechazoPrecios | null {
  if (vigencia === undefined || Date.parse(vigencia) - nowMs <= MAX_VIGENCIA_MS + VIGENCIA_MARGEN_MS) return null;
  return {
    codigo: 'VERSION_INVALIDA',
    mensaje: `vigencia ${vigencia} a más de 90 días del reloj de la estación`,
    detalles: [{ campo: 'vigencia', problema: 'a más de 90 días (más un día de margen de reloj)' }],
  };
}

/** Whether `v` can be a price version: an integer in [0, MAX_VERSION]. */
export function versionEnRango(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= MAX_VERSION;
}

/** Whether `p` can be a price: an integer in [PRECIO_MIN, PRECIO_MAX] pesos per litre. */
export function precioEnRango(p: number): boolean {
  return Number.isInteger(p) && p >= PRECIO_MIN && p <= PRECIO_MAX;
}

/** The problem with one price, or null when it is in range (Spanish, for `detalles` and the API). */
export function problemaPrecio(p: number): string | null {
  return precioEnRango(p)
    ? null
    : `${String(p)} está fuera del rango: entero entre ${PRECIO_MIN} y ${PRECIO_MAX} pesos por litro`;
}

/** Each price of the set outside the range, as `detalles` (`precios.precio_95`). */
export function preciosFueraDeRango(precios: Precios): DetalleError[] {
  const detalles: DetalleError[] = [];
  for (const campo of CAMPOS_PRECIOS) {
    const problema = problemaPrecio(precios[campo]);
    if (problema !== null) detalles.push({ campo: `precios.${campo}`, problema });
  }
  return detalles;
}

export interface RechazoPrecios {
  codigo: 'VERSION_INVALIDA' | 'PRECIO_FUERA_DE_RANGO';
  mensaje: string;
  detalles: DetalleError[];
}

/**
 * What a station holding version `held` must refuse in an `actualizacion_precios`: a version
 * above MAX_VERSION or more than MAX_VERSION_JUMP ahead of `held` (when `held` ≥ 1), or a price
 * outside the range. Null when the update follows the rule; it is then applied only if newer than
 * `held` (the version rule of link 2: stale and repeated versions change nothing).
 */
export function revisarActualizacion(held: number, version: number, precios: Precios): RechazoPrecios | null {
  if (!versionEnRango(version)) {
    return {
      codigo: 'VERSION_INVALIDA',
      mensaje: `versión ${String(version)} fuera de la regla: entero entre 0 y ${MAX_VERSION}`,
      detalles: [{ campo: 'version', problema: `mayor que ${MAX_VERSION} o no entera` }],
    };
  }
  if (held >= 1 && version - held > MAX_VERSION_JUMP) {
    return {
      codigo: 'VERSION_INVALIDA',
      mensaje: `versión ${version} salta más de ${MAX_VERSION_JUMP} por delante de la vigente (${held})`,
      detalles: [{ campo: 'version', problema: `más de ${MAX_VERSION_JUMP} por delante de ${held}` }],
    };
  }
  const detalles = preciosFueraDeRango(precios);
  if (detalles.length > 0) {
    return {
      codigo: 'PRECIO_FUERA_DE_RANGO',
      mensaje: `precios fuera del rango de ${PRECIO_MIN} a ${PRECIO_MAX} pesos por litro: ${detalles
        .map((d) => d.campo)
        .join(', ')}`,
      detalles,
    };
  }
  return null;
}
