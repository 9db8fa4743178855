/**
 * The versioned price book, as pure functions: no I/O, no clock (times are passed in).
 *
 * The version rule, shared with the stations: versions are integers that only go up. A station
 * applies a version only when it is newer than the one it holds, and acknowledges with the version
 * it holds; the company sends a station its newest version only when the station is behind, and
 * keeps the highest acknowledgement it has seen (acks can arrive stale, repeated or out of order).
 */
import { COMBUSTIBLES, PRECIOS_POR_DEFECTO, type Precios } from '@combustible/shared';
import type { CambioPrecio, CampoPrecio, VersionPrecios } from './types.js';

export const CAMPOS_PRECIO: readonly CampoPrecio[] = ['precio_93', 'precio_95', 'precio_97', 'precio_diesel'];

/** The highest price accepted, as on the wire (pesos per litre). */
export const PRECIO_MAXIMO = 1_000_000;

/** Who made the seed version. */
export const AUTOR_SISTEMA = 'sistema';

export type Cambios = Partial<Precios>;

/** `93`, `95`, `97`, `diesel` or the wire name (`precio_95`) → the field. */
export function campoDe(nombre: string): CampoPrecio | undefined {
  const n = nombre.trim().toLowerCase();
  if ((COMBUSTIBLES as readonly string[]).includes(n)) return `precio_${n}` as CampoPrecio;
  return (CAMPOS_PRECIO as readonly string[]).includes(n) ? (n as CampoPrecio) : undefined;
}

/** Whether a value is a price: a positive integer up to PRECIO_MAXIMO. */
export function esPrecioValido(value: number): boolean {
  return Number.isInteger(value) && value > 0 && value <= PRECIO_MAXIMO;
}

export type ResultadoAsignaciones = { ok: true; cambios: Cambios } | { ok: false; error: string };

/**
 * Parses `95=1360 diesel=1130` style assignments (one per argument; `93`, `95`, `97`, `diesel` or
 * `precio_95`). Each price must be a positive integer; a fuel may appear only once.
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
        error: `precio inválido para ${nombre}: "${texto}" (entero positivo, hasta ${PRECIO_MAXIMO})`,
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
  };
}

/**
 * The version that applies `cambios` on top of `actual`, or null when no price actually changes
 * (setting a price to its current value makes no version). Its number is one above the highest of
 * `actual.version` and `minimo` (the highest version known to be held anywhere, so that a new
 * version always overtakes what a station already holds).
 */
export function siguienteVersion(
  actual: VersionPrecios,
  cambios: Cambios,
  opts: { autor: string; at: string; minimo?: number },
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
  return {
    version: Math.max(actual.version, opts.minimo ?? 0) + 1,
    precios,
    actualizado: opts.at,
    autor: opts.autor,
    cambios: hechos,
  };
}

/** Whether a station holding `held` (null: unknown) must be sent `newest`. */
export function debeEnviarse(held: number | null, newest: number): boolean {
  return held === null || newest > held;
}

/**
 * The acknowledged version after a `precios_recibidos`: the highest seen. A stale, repeated or
 * out-of-order ack never lowers it.
 */
export function versionConfirmada(previous: number | null, ack: number): number {
  return previous === null ? ack : Math.max(previous, ack);
}

/** What a station does with an update, by the rule (used by tests and fakes): the version it holds after. */
export function versionTrasActualizar(held: number, incoming: number): number {
  return incoming > held ? incoming : held;
}
