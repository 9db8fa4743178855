/**
 * Tanks (issue 14): what a tank is, its calibration chart (height → litres), which tank a sale draws
 * from, and what the station makes of a gauge's reading. Pure: no clock, no store.
 */
import { type Combustible, LIMITES_LECTURA, type LecturaTanque } from '@combustible/shared';
import type { Surtidor } from './types.js';

/** One point of a calibration chart: at this product height the tank holds this many litres. */
export interface PuntoCalibracion {
  altura_mm: number;
  litros: number;
}

/** A tank as configured at the station (`tanques`). */
export interface Tanque {
  id_tanque: number;
  nombre: string;
  combustible: Combustible;
  capacidad_litros: number;
  /** Strictly increasing heights, non-decreasing litres, starting at 0 mm (see revisarCalibracion). */
  calibracion: PuntoCalibracion[];
  /** Below this many litres the tank is low (TANQUE_NIVEL_BAJO). */
  nivel_bajo_litros: number;
  /** Above this many millimetres of water at the bottom, TANQUE_AGUA_ALTA. */
  agua_alta_mm: number;
  creado: string;
  actualizado: string;
}

/** A reading as stored: the gauge's message, when the station received it, and what it noted. */
export interface Lectura {
  id_tanque: number;
  id_medidor: number;
  /** The gauge's own time. */
  timestamp: string;
  /** The station's time of arrival (what ranges, order and retention use). */
  recibida: string;
  altura_producto_mm: number;
  altura_agua_mm: number;
  temperatura_c: number;
  litros: number;
  litros_15c: number;
  /** What the station found implausible but kept (`LITROS_INCONSISTENTES: …`). */
  observaciones: string[];
  /**
   * Kept past the retention (--lecturas-dias): the first reading of each tank in each UTC hour, so
   * that opening and closing stocks of any day or shift stay answerable.
   */
  conservar: boolean;
}

/** A delivery detected from the readings. */
export interface Descarga {
  id: string;
  id_tanque: number;
  inicio: string;
  fin: string;
  /** Litres delivered: the rise of the level plus what the tank's pumps sold meanwhile. */
  litros: number;
  litros_inicio: number;
  litros_fin: number;
  /** Litres sold from the tank between inicio and fin (the level rose by that much less). */
  ventas_litros: number;
}

/** Bounds of a tank's configuration (the API refuses beyond them). */
export const LIMITES_TANQUE = {
  /** Points of one calibration chart. */
  maxPuntos: 1000,
  /** Litres of one tank (as the wire's limit). */
  maxCapacidad: LIMITES_LECTURA.litrosMax,
  alturaMaxMm: LIMITES_LECTURA.alturaMaxMm,
} as const;

/** A chart's last point may hold this much more than the nominal capacity (tanks are filled to ~95 %). */
const HOLGURA_CAPACIDAD = 1.05;

/**
 * What makes a chart implausible for the tank (empty: plausible). The schema has already checked
 * types and bounds; this checks the chart as a whole.
 */
export function revisarCalibracion(t: Pick<Tanque, 'capacidad_litros' | 'calibracion'>): string[] {
  const problemas: string[] = [];
  const c = t.calibracion;
  if (c.length < 2) return ['la tabla de calibración necesita al menos 2 puntos'];
  if (c[0]?.altura_mm !== 0 || c[0].litros !== 0) problemas.push('el primer punto debe ser 0 mm, 0 litros');
  for (let i = 1; i < c.length; i++) {
    const a = c[i - 1] as PuntoCalibracion;
    const b = c[i] as PuntoCalibracion;
    if (!(b.altura_mm > a.altura_mm)) {
      problemas.push(`punto ${i}: la altura ${b.altura_mm} mm no es mayor que la anterior (${a.altura_mm} mm)`);
    }
    if (b.litros < a.litros) {
      problemas.push(`punto ${i}: ${b.litros} litros es menos que el punto anterior (${a.litros})`);
    }
  }
  const ultimo = c[c.length - 1] as PuntoCalibracion;
  if (ultimo.litros > t.capacidad_litros * HOLGURA_CAPACIDAD) {
    problemas.push(`la tabla llega a ${ultimo.litros} litros, más que la capacidad (${t.capacidad_litros})`);
  }
  if (ultimo.litros < t.capacidad_litros * 0.5) {
    problemas.push(`la tabla llega solo a ${ultimo.litros} litros: no cubre la capacidad (${t.capacidad_litros})`);
  }
  return problemas.slice(0, 20);
}

/** Litres at a product height by the chart (linear between points); null beyond its last point. */
export function litrosPorAltura(calibracion: readonly PuntoCalibracion[], alturaMm: number): number | null {
  if (calibracion.length === 0 || alturaMm < 0) return null;
  let lo = 0;
  let hi = calibracion.length - 1;
  const last = calibracion[hi] as PuntoCalibracion;
  if (alturaMm > last.altura_mm) return null;
  if (alturaMm === last.altura_mm) return last.litros;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((calibracion[mid] as PuntoCalibracion).altura_mm <= alturaMm) lo = mid;
    else hi = mid;
  }
  const a = calibracion[lo] as PuntoCalibracion;
  const b = calibracion[hi] as PuntoCalibracion;
  if (alturaMm <= a.altura_mm) return a.litros;
  return a.litros + ((b.litros - a.litros) * (alturaMm - a.altura_mm)) / (b.altura_mm - a.altura_mm);
}

/** The product height at which the chart holds `litros` (the inverse of litrosPorAltura; clamped to the chart). */
export function alturaPorLitros(calibracion: readonly PuntoCalibracion[], litros: number): number {
  const last = calibracion[calibracion.length - 1];
  if (!last || litros <= 0) return 0;
  if (litros >= last.litros) return last.altura_mm;
  let i = 1;
  while ((calibracion[i] as PuntoCalibracion).litros < litros) i++;
  const a = calibracion[i - 1] as PuntoCalibracion;
  const b = calibracion[i] as PuntoCalibracion;
  return b.litros === a.litros
    ? a.altura_mm
    : a.altura_mm + ((b.altura_mm - a.altura_mm) * (litros - a.litros)) / (b.litros - a.litros);
}

/** A chart for a horizontal cylinder of this capacity and diameter (the demo tanks; `puntos` + 1 points). */
export function calibracionCilindro(capacidadLitros: number, diametroMm: number, puntos = 50): PuntoCalibracion[] {
  const r = diametroMm / 2;
  const area = Math.PI * r * r;
  const out: PuntoCalibracion[] = [];
  for (let i = 0; i <= puntos; i++) {
    const h = (diametroMm * i) / puntos;
    // Area of the circular segment of height h, as a fraction of the circle.
    const seg = r * r * Math.acos((r - h) / r) - (r - h) * Math.sqrt(Math.max(0, 2 * r * h - h * h));
    out.push({ altura_mm: Math.round(h), litros: Math.round((capacidadLitros * seg) / area) });
  }
  return out;
}

/**
 * The tank a sale of `combustible` on this pump draws from: the pump's `configuracion.tanques`
 * entry when it names a tank of that fuel, else the only tank of that fuel when there is exactly
 * one, else null (the sale is not attributed to any tank).
 */
export function tanqueDe(
  surtidor: Pick<Surtidor, 'configuracion'> | undefined,
  combustible: Combustible,
  tanques: Iterable<Pick<Tanque, 'id_tanque' | 'combustible'>>,
): number | null {
  const delCombustible: number[] = [];
  for (const t of tanques) if (t.combustible === combustible) delCombustible.push(t.id_tanque);
  const configurado = surtidor?.configuracion.tanques?.[combustible];
  if (configurado !== undefined && delCombustible.includes(configurado)) return configurado;
  return delCombustible.length === 1 ? (delCombustible[0] as number) : null;
}

/** Litres a gauge's figure may differ from the chart's before it is noted: 2 % of capacity, at least 50 L. */
export function toleranciaLitros(capacidad: number): number {
  return Math.max(50, capacidad * 0.02);
}

export type RevisionLectura =
  | { ok: true; observaciones: string[] }
  | { ok: false; codigo: 'TANQUE_DESCONOCIDO' | 'LECTURA_IMPLAUSIBLE'; mensaje: string };

/**
 * What the station makes of a reading (the schema has checked types and absolute bounds):
 * - refused (`error`, not stored): a tank the station does not have, one the gauge did not
 *   register, a product height above the tank's chart, water above the product;
 * - stored with an observation: litres (or litres at 15 °C) away from the chart's litres of
 *   product by more than toleranciaLitros (the gauge's chart and the station's disagree), or litres
 *   above the capacity.
 */
/**
 * As ATG probes report it (docs/protocol.md, Tank gauges): `altura_producto_mm` is the top of the
 * liquid from the tank's bottom, water included; `altura_agua_mm` the top of the water under it;
 * `litros` the product alone, chart(product height) − chart(water height).
 */
export function revisarLectura(
  tanque: Tanque | undefined,
  registrados: ReadonlySet<number>,
  l: LecturaTanque,
): RevisionLectura {
  if (!tanque || !registrados.has(l.id_tanque)) {
    return {
      ok: false,
      codigo: 'TANQUE_DESCONOCIDO',
      mensaje: tanque
        ? `el medidor ${l.id_medidor} no registró el tanque ${l.id_tanque}`
        : `la estación no tiene el tanque ${l.id_tanque}`,
    };
  }
  const porTabla = litrosPorAltura(tanque.calibracion, l.altura_producto_mm);
  if (porTabla === null) {
    const tope = tanque.calibracion[tanque.calibracion.length - 1]?.altura_mm ?? 0;
    return {
      ok: false,
      codigo: 'LECTURA_IMPLAUSIBLE',
      mensaje: `altura de producto ${l.altura_producto_mm} mm sobre la tabla del tanque ${l.id_tanque} (hasta ${tope} mm)`,
    };
  }
  if (l.altura_agua_mm > l.altura_producto_mm) {
    return {
      ok: false,
      codigo: 'LECTURA_IMPLAUSIBLE',
      mensaje: `altura de agua ${l.altura_agua_mm} mm sobre la de producto (${l.altura_producto_mm} mm)`,
    };
  }
  const observaciones: string[] = [];
  const tol = toleranciaLitros(tanque.capacidad_litros);
  // The water is under the product: its litres are not product (water ≤ product height was checked above).
  const producto = porTabla - (litrosPorAltura(tanque.calibracion, l.altura_agua_mm) ?? 0);
  if (Math.abs(l.litros - producto) > tol) {
    observaciones.push(
      `LITROS_INCONSISTENTES: ${l.litros} litros a ${l.altura_producto_mm} mm con ${l.altura_agua_mm} mm de agua; la tabla dice ${Math.round(producto)}`,
    );
  }
  // At 15 °C a volume differs from the gross one by well under 5 % within the wire's temperatures.
  if (Math.abs(l.litros_15c - l.litros) > Math.max(tol, l.litros * 0.05)) {
    observaciones.push(`LITROS_15C_INCONSISTENTES: ${l.litros_15c} litros a 15 °C para ${l.litros} litros`);
  }
  if (l.litros > tanque.capacidad_litros * HOLGURA_CAPACIDAD) {
    observaciones.push(`SOBRE_CAPACIDAD: ${l.litros} litros en un tanque de ${tanque.capacidad_litros}`);
  }
  return { ok: true, observaciones };
}
