/**
 * Price sanity limits, per fuel, set by an admin: a minimum, a maximum and the largest change in
 * one step, as a percentage of the price in force (a percentage works for every fuel and every
 * price level; pesos would have to be re-tuned whenever prices move). Pure functions, no I/O.
 *
 * They sit inside the prices rule of @combustible/shared (PRECIO_MIN..PRECIO_MAX), which no
 * setting can widen. The defaults fit Chilean pesos per litre in 2026 (gasolines and diesel sell
 * around 1,000–1,600): 500 to 3,000, and at most 20% per change.
 */
import { PRECIO_MAX, PRECIO_MIN, type Precios } from '@combustible/shared';
import type { CampoPrecio } from './types.js';

export interface LimiteCombustible {
  /** Lowest price accepted, pesos per litre. */
  minimo: number;
  /** Highest price accepted, pesos per litre. */
  maximo: number;
  /** Largest change in one version, as a percentage of the price in force (1–1000). */
  cambio_max_pct: number;
}

export type Limites = Record<CampoPrecio, LimiteCombustible>;

export interface LimitesPrecios {
  limites: Limites;
  /** When an admin last set them (null: the defaults, never set). */
  actualizado: string | null;
  autor: string | null;
}

/** The largest change percentage an admin may set (a cap of 10× keeps it a sanity check). */
export const CAMBIO_MAX_PCT_TOPE = 1000;

const DEFECTO: LimiteCombustible = { minimo: 500, maximo: 3000, cambio_max_pct: 20 };

export const LIMITES_POR_DEFECTO: LimitesPrecios = {
  limites: { precio_93: DEFECTO, precio_95: DEFECTO, precio_97: DEFECTO, precio_diesel: DEFECTO },
  actualizado: null,
  autor: null,
};

const CAMPOS: readonly CampoPrecio[] = ['precio_93', 'precio_95', 'precio_97', 'precio_diesel'];

/** Why one fuel's limits are not plausible (Spanish), or null. */
export function problemaLimite(l: LimiteCombustible): string | null {
  const enteros = [l.minimo, l.maximo, l.cambio_max_pct].every((n) => Number.isInteger(n));
  if (!enteros) return 'mínimo, máximo y cambio máximo deben ser enteros';
  if (l.minimo < PRECIO_MIN || l.maximo > PRECIO_MAX) {
    return `mínimo y máximo deben estar entre ${PRECIO_MIN} y ${PRECIO_MAX} pesos por litro`;
  }
  if (l.minimo > l.maximo) return `el mínimo (${l.minimo}) es mayor que el máximo (${l.maximo})`;
  if (l.cambio_max_pct < 1 || l.cambio_max_pct > CAMBIO_MAX_PCT_TOPE) {
    return `el cambio máximo debe estar entre 1 y ${CAMBIO_MAX_PCT_TOPE} %`;
  }
  return null;
}

/** Each fuel whose limits are not plausible, as `detalles`. */
export function problemasLimites(limites: Limites): { campo: string; problema: string }[] {
  const out: { campo: string; problema: string }[] = [];
  for (const campo of CAMPOS) {
    const problema = problemaLimite(limites[campo]);
    if (problema !== null) out.push({ campo, problema });
  }
  return out;
}

/**
 * Why each new price breaks the limits, as `detalles` with a message naming the fuel, the value
 * and the limit: `precio_93 13900 sube 900% (máximo 20% por cambio)`. `vigentes` are the prices in
 * force (the base of the change); a price equal to the one in force is never refused (limits
 * tightened later must not block the other fuels' changes).
 */
export function fueraDeLimites(
  cambios: Partial<Precios>,
  vigentes: Precios,
  limites: Limites,
): { campo: string; problema: string }[] {
  const out: { campo: string; problema: string }[] = [];
  for (const campo of CAMPOS) {
    const nuevo = cambios[campo];
    if (nuevo === undefined || nuevo === vigentes[campo]) continue;
    const { minimo, maximo, cambio_max_pct } = limites[campo];
    const anterior = vigentes[campo];
    const pct = anterior > 0 ? (Math.abs(nuevo - anterior) * 100) / anterior : 0;
    let problema: string | null = null;
    if (pct > cambio_max_pct) {
      const verbo = nuevo > anterior ? 'sube' : 'baja';
      problema = `${campo} ${nuevo} ${verbo} ${Math.round(pct)}% desde ${anterior} (máximo ${cambio_max_pct}% por cambio)`;
    } else if (nuevo < minimo) problema = `${campo} ${nuevo} está bajo el mínimo de ${minimo}`;
    else if (nuevo > maximo) problema = `${campo} ${nuevo} supera el máximo de ${maximo}`;
    if (problema !== null) out.push({ campo, problema });
  }
  return out;
}
