/**
 * Statistical leak detection for one tank (alerts FUGA_SOSPECHADA and DIFERENCIA_INVENTARIO). Pure:
 * the readings, sales and deliveries come in as arrays, the time from an injected clock. The method
 * and its references are in docs/conciliacion.md; in short:
 *
 * 1. Over the window (default the last 30 days up to now), take the gauge's net (15 °C) volume once
 *    an hour (gross when the gauge gives no net volume), skipping readings during a delivery and
 *    the settling time after it. At each point the cumulative variance is
 *    C(t) = V(t) + sales(t0, t] − deliveries(t0, t].
 * 2. Regress C on elapsed hours and on cumulative litres sold, with one intercept per segment
 *    between deliveries (a delivery whose litres are off shifts C by a constant: the segment's own
 *    intercept absorbs it): C = α_segment + a·t + b·S + ε. A tank losing L litres an hour has
 *    a = −L whatever it sells; a meter that reads x high has b ≈ x whatever the hour. Hours with
 *    no sales (the night) are what tells the two apart.
 * 3. Standard errors robust to autocorrelated residuals (Newey–West, Bartlett weights), so that
 *    thermal drift over hours does not pass for evidence.
 * 4. FUGA_SOSPECHADA when the loss rate L = −a is above zero by `zCritico` standard errors
 *    (default 3.0: with one look a day over a 30-day month, Bonferroni keeps the month's false
 *    alarms under 5 %). DIFERENCIA_INVENTARIO when the meter term is beyond the dispensers'
 *    tolerance by `zCritico` standard errors, or when the window's cumulative variance is beyond
 *    the manual inventory control limit (1 % of the litres sold + 492 L, 40 CFR 280.43(a)).
 */
import type { Clock } from '@combustible/shared';
import { type EntradaTanque, HistoriaTanque } from './conciliacion.js';

export interface OpcionesDetector {
  /** Days of data the test looks back over (default 30). */
  ventanaDias?: number;
  /** Hours of usable data before any verdict (default 24). */
  minHoras?: number;
  /** One point per this many ms (default one hour). */
  pasoMs?: number;
  /** Standard errors the estimate must clear (default 3.0). */
  zCritico?: number;
  /** Newey–West lag, in points (default 6). */
  lagHac?: number;
  /** Dispenser meter tolerance, percent (default 0.5). */
  toleranciaMedidorPct?: number;
  /** Readings this long after a delivery ended are skipped: the product is still settling (default 1 h). */
  asentamientoMs?: number;
}

/** What the detector found, sent as the alert's `datos`. Rates in litres per hour, positive = loss. */
export interface EvidenciaFuga {
  id_tanque: number;
  desde: string;
  hasta: string;
  volumen: 'neto_15c' | 'bruto';
  dias_de_datos: number;
  puntos: number;
  segmentos: number;
  metodo: 'regresion_varianza_acumulada';
  tasa_fuga_l_h: number;
  error_estandar_l_h: number;
  ic95_l_h: [number, number];
  /** The test statistic: tasa_fuga_l_h / error_estandar_l_h. */
  estadistico_z: number;
  z_critico: number;
  /** Litres the pumps count beyond what leaves the tank, percent of sales (positive: meters read high). */
  error_medidor_pct: number;
  ic95_medidor_pct: [number, number];
  z_medidor: number;
  ventas_l: number;
  descargas_l: number;
  /** Cumulative variance over the window, measured − expected (negative: litres missing). */
  varianza_acumulada_l: number;
  limite_inventario_l: number;
}

/** An alert the station raises for a tank (the shape StationService.raiseAlert takes). */
export interface AlertaTanque {
  codigo: 'FUGA_SOSPECHADA' | 'DIFERENCIA_INVENTARIO';
  clave: string;
  mensaje: string;
  severidad: 'critica' | 'advertencia';
  id_surtidor: null;
  datos: EvidenciaFuga & { motivo?: 'medidor' | 'inventario' };
}

export interface ResultadoDetector {
  /** null when there is not enough data yet (see `motivo`). */
  evidencia: EvidenciaFuga | null;
  motivo?: string;
  alertas: AlertaTanque[];
}

const HORA_MS = 3_600_000;
const Z95 = 1.959964;
/** The manual inventory control limit: 130 US gallons a month, in litres. */
export const LIMITE_INVENTARIO_FIJO_L = 492;

const DEFAULTS: Required<OpcionesDetector> = {
  ventanaDias: 30,
  minHoras: 24,
  pasoMs: HORA_MS,
  zCritico: 3,
  lagHac: 6,
  toleranciaMedidorPct: 0.5,
  asentamientoMs: HORA_MS,
};

interface Punto {
  t: number;
  horas: number;
  ventas: number;
  c: number;
  segmento: number;
}

/** Points of the series: one reading per step, outside deliveries, with the cumulative variance. */
function puntos(
  h: HistoriaTanque,
  desde: number,
  hasta: number,
  o: Required<OpcionesDetector>,
  neto: boolean,
): Punto[] {
  const out: Punto[] = [];
  let t0: number | null = null;
  let ultimo = -Infinity;
  for (let t = desde; t <= hasta; t += o.pasoMs) {
    const l = h.lecturaEn(t, o.pasoMs / 2);
    if (!l || l.timestamp <= ultimo || h.enDescarga(l.timestamp, 0)) continue;
    const despues = h.descargas.findLast((d) => d.fin <= l.timestamp);
    if (despues && l.timestamp - despues.fin < o.asentamientoMs) continue;
    const v = neto ? l.litros_15c : l.litros;
    if (v === null) continue;
    ultimo = l.timestamp;
    t0 ??= l.timestamp;
    const ventas = h.ventasEntre(t0, l.timestamp);
    const descargas = h.descargasEntre(t0, l.timestamp);
    const s = neto ? ventas.neto : ventas.bruto;
    const d = neto ? descargas.neto : descargas.bruto;
    if (!Number.isFinite(s + d)) continue;
    out.push({
      t: l.timestamp,
      horas: (l.timestamp - t0) / HORA_MS,
      ventas: s,
      c: v + s - d,
      segmento: h.descargasHasta(l.timestamp),
    });
  }
  return out;
}

interface Ajuste {
  a: number;
  b: number;
  seA: number;
  seB: number;
  segmentos: number;
}

/**
 * C = α_segment + a·horas + b·ventas by least squares (within each segment, demeaned), with
 * Newey–West standard errors. b is left out (0, infinite error) when sales do not vary.
 */
export function ajustar(
  ps: readonly { horas: number; ventas: number; c: number; segmento: number }[],
  lag: number,
): Ajuste | null {
  const grupos = new Map<number, number[]>();
  ps.forEach((p, i) => {
    const g = grupos.get(p.segmento);
    if (g) g.push(i);
    else grupos.set(p.segmento, [i]);
  });
  const x1 = new Float64Array(ps.length);
  const x2 = new Float64Array(ps.length);
  const y = new Float64Array(ps.length);
  let usados = 0;
  for (const idx of grupos.values()) {
    if (idx.length < 2) continue;
    let m1 = 0;
    let m2 = 0;
    let my = 0;
    for (const i of idx) {
      const p = ps[i] as (typeof ps)[number];
      m1 += p.horas;
      m2 += p.ventas;
      my += p.c;
    }
    m1 /= idx.length;
    m2 /= idx.length;
    my /= idx.length;
    for (const i of idx) {
      const p = ps[i] as (typeof ps)[number];
      x1[i] = p.horas - m1;
      x2[i] = p.ventas - m2;
      y[i] = p.c - my;
    }
    usados++;
  }
  let s11 = 0;
  let s12 = 0;
  let s22 = 0;
  let s1y = 0;
  let s2y = 0;
  for (let i = 0; i < ps.length; i++) {
    s11 += x1[i]! * x1[i]!;
    s12 += x1[i]! * x2[i]!;
    s22 += x2[i]! * x2[i]!;
    s1y += x1[i]! * y[i]!;
    s2y += x2[i]! * y[i]!;
  }
  if (!(s11 > 0)) return null;
  const det = s11 * s22 - s12 * s12;
  const conVentas = s22 > 0 && det > 1e-9 * s11 * s22;
  // (X'X)⁻¹
  const i11 = conVentas ? s22 / det : 1 / s11;
  const i12 = conVentas ? -s12 / det : 0;
  const i22 = conVentas ? s11 / det : 0;
  const a = i11 * s1y + i12 * s2y;
  const b = conVentas ? i12 * s1y + i22 * s2y : 0;
  const e = new Float64Array(ps.length);
  for (let i = 0; i < ps.length; i++) e[i] = y[i]! - a * x1[i]! - b * x2[i]!;
  // Newey–West meat: Σ_l w_l Σ_i (g_i g_{i−l}ᵀ + g_{i−l} g_iᵀ), g_i = x_i e_i, pairs within one segment.
  let m11 = 0;
  let m12 = 0;
  let m22 = 0;
  for (let l = 0; l <= lag; l++) {
    const w = l === 0 ? 0.5 : 1 - l / (lag + 1);
    for (let i = l; i < ps.length; i++) {
      if ((ps[i] as (typeof ps)[number]).segmento !== (ps[i - l] as (typeof ps)[number]).segmento) continue;
      const g1 = x1[i]! * e[i]!;
      const g2 = x2[i]! * e[i]!;
      const h1 = x1[i - l]! * e[i - l]!;
      const h2 = x2[i - l]! * e[i - l]!;
      m11 += w * 2 * g1 * h1;
      m12 += w * (g1 * h2 + h1 * g2);
      m22 += w * 2 * g2 * h2;
    }
  }
  const k = usados + (conVentas ? 2 : 1);
  const n = ps.length;
  if (n <= k) return null;
  const escala = n / (n - k);
  // V = (X'X)⁻¹ M (X'X)⁻¹
  const v11 = escala * (i11 * (i11 * m11 + i12 * m12) + i12 * (i11 * m12 + i12 * m22));
  const v22 = escala * (i12 * (i12 * m11 + i22 * m12) + i22 * (i12 * m12 + i22 * m22));
  return {
    a,
    b,
    seA: Math.sqrt(Math.max(v11, 0)),
    seB: conVentas ? Math.sqrt(Math.max(v22, 0)) : Number.POSITIVE_INFINITY,
    segmentos: usados,
  };
}

const r = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

/** Runs the test on the tank's data in the window ending now (the clock's time). */
export function detectarFugas(
  entrada: EntradaTanque,
  clock: Clock,
  opciones: OpcionesDetector = {},
): ResultadoDetector {
  const o = { ...DEFAULTS, ...opciones };
  const hasta = clock.now();
  const desde = hasta - o.ventanaDias * 24 * HORA_MS;
  const h = new HistoriaTanque(entrada);
  const enVentana = h.lecturas.filter((l) => l.timestamp >= desde && l.timestamp <= hasta);
  const neto = enVentana.length > 0 && enVentana.every((l) => l.litros_15c !== null);
  const ps = puntos(h, desde, hasta, o, neto);
  const first = ps[0];
  const last = ps.at(-1);
  if (!first || !last || last.horas < o.minHoras)
    return { evidencia: null, motivo: `menos de ${o.minHoras} h de lecturas utilizables`, alertas: [] };
  const fit = ajustar(ps, o.lagHac);
  if (!fit) return { evidencia: null, motivo: 'los datos no permiten estimar la tasa', alertas: [] };
  // An exact fit (no noise at all) has no error: floor it at the resolution the rate is reported with.
  fit.seA = Math.max(fit.seA, 0.001);
  const tasa = -fit.a;
  const z = tasa / fit.seA;
  const zMedidor = (Math.abs(fit.b) * 100 - o.toleranciaMedidorPct) / (fit.seB * 100);
  const ventas = h.ventasEntre(first.t, last.t);
  const descargas = h.descargasEntre(first.t, last.t);
  const lFirst = h.lecturaEn(first.t, 0);
  const lLast = h.lecturaEn(last.t, 0);
  const vol = (l: typeof lFirst) => (l ? ((neto ? l.litros_15c : l.litros) ?? 0) : 0);
  const sv = neto ? ventas.neto : ventas.bruto;
  const sd = neto ? descargas.neto : descargas.bruto;
  const varianza = vol(lLast) - (vol(lFirst) - sv + sd);
  const limite = 0.01 * sv + LIMITE_INVENTARIO_FIJO_L;
  const evidencia: EvidenciaFuga = {
    id_tanque: entrada.id_tanque,
    desde: new Date(first.t).toISOString(),
    hasta: new Date(last.t).toISOString(),
    volumen: neto ? 'neto_15c' : 'bruto',
    dias_de_datos: r(last.horas / 24, 2),
    puntos: ps.length,
    segmentos: fit.segmentos,
    metodo: 'regresion_varianza_acumulada',
    tasa_fuga_l_h: r(tasa, 3),
    error_estandar_l_h: r(fit.seA, 3),
    ic95_l_h: [r(tasa - Z95 * fit.seA, 3), r(tasa + Z95 * fit.seA, 3)],
    estadistico_z: r(z, 2),
    z_critico: o.zCritico,
    error_medidor_pct: r(fit.b * 100, 3),
    ic95_medidor_pct: [r((fit.b - Z95 * fit.seB) * 100, 3), r((fit.b + Z95 * fit.seB) * 100, 3)],
    z_medidor: Number.isFinite(zMedidor) ? r(zMedidor, 2) : 0,
    ventas_l: r(sv, 1),
    descargas_l: r(sd, 1),
    varianza_acumulada_l: r(varianza, 1),
    limite_inventario_l: r(limite, 1),
  };
  const alertas: AlertaTanque[] = [];
  const id = entrada.id_tanque;
  if (z >= o.zCritico)
    alertas.push({
      codigo: 'FUGA_SOSPECHADA',
      clave: `FUGA_SOSPECHADA:${id}`,
      mensaje:
        `Tanque ${id}: pierde ${evidencia.tasa_fuga_l_h.toFixed(2)} L/h ` +
        `(IC 95 %: ${evidencia.ic95_l_h[0].toFixed(2)} a ${evidencia.ic95_l_h[1].toFixed(2)}) ` +
        `en ${evidencia.dias_de_datos.toFixed(1)} días de datos; revise fugas o retiros sin venta`,
      severidad: 'critica',
      id_surtidor: null,
      datos: evidencia,
    });
  const porMedidor = Number.isFinite(zMedidor) && zMedidor >= o.zCritico;
  const porInventario = Math.abs(varianza) > limite;
  if (porMedidor || porInventario)
    alertas.push({
      codigo: 'DIFERENCIA_INVENTARIO',
      clave: `DIFERENCIA_INVENTARIO:${id}`,
      mensaje: porMedidor
        ? `Tanque ${id}: los surtidores cuentan ${evidencia.error_medidor_pct.toFixed(2)} % de las ventas de más ` +
          `respecto de lo que sale del tanque (tolerancia ${o.toleranciaMedidorPct} %); revise la calibración`
        : `Tanque ${id}: la diferencia acumulada es ${evidencia.varianza_acumulada_l.toFixed(0)} L en ` +
          `${evidencia.dias_de_datos.toFixed(1)} días, más que el límite de ${evidencia.limite_inventario_l.toFixed(0)} L`,
      severidad: 'advertencia',
      id_surtidor: null,
      datos: { ...evidencia, motivo: porMedidor ? 'medidor' : 'inventario' },
    });
  return { evidencia, alertas };
}
