/**
 * Statistical leak detection for one tank (alerts FUGA_SOSPECHADA and DIFERENCIA_INVENTARIO). Pure:
 * the readings, sales and deliveries come in as arrays, the time from an injected clock. The method
 * and its references are in docs/conciliacion.md; in short:
 *
 * 1. Over the window (default the last 30 days up to now), take every reading of the gauge's net
 *    (15 °C) volume (gross when the gauge gives no net volume), skipping readings during a delivery
 *    and the settling time after it. At each reading the cumulative variance is
 *    C(t) = V(t) + sales(t0, t] − deliveries(t0, t]; the readings of each hour are averaged into
 *    one point.
 * 2. Regress C on elapsed hours and on cumulative litres sold, with one intercept per segment
 *    between deliveries (a delivery whose litres are off shifts C by a constant: the segment's own
 *    intercept absorbs it): C = α_segment + a·t + b·S + ε. A tank losing L litres an hour has
 *    a = −L whatever it sells; a meter that reads x high has b ≈ x whatever the hour. Hours with
 *    no sales (the night) are what tells the two apart.
 * 3. Standard errors robust to autocorrelated residuals (Newey–West, Bartlett weights), so that
 *    thermal drift over hours does not pass for evidence; never below White's (heteroskedasticity
 *    only), which Newey–West undercuts on the few points of the first days.
 * 4. FUGA_SOSPECHADA when the loss rate L = −a is above zero by `zCritico` standard errors
 *    (default 3.0: with one look a day over a 30-day month, Bonferroni keeps the month's false
 *    alarms under 5 %). DIFERENCIA_INVENTARIO when the meter term is beyond the dispensers'
 *    tolerance by `zCritico` standard errors, or when the window's cumulative variance is beyond
 *    the manual inventory control limit (1 % of the litres sold + 492 L, 40 CFR 280.43(a)).
 */
import type { Clock } from '@combustible/shared';
import { type EntradaTanque, HistoriaTanque, type LecturaConciliable, ultimoHasta } from './conciliacion.js';

export interface OpcionesDetector {
  /** Days of data the test looks back over (default 30). */
  ventanaDias?: number;
  /** Hours of usable data before any verdict (default 24). */
  minHoras?: number;
  /** One point per this many ms (default one hour). */
  pasoMs?: number;
  /** Standard errors the estimate must clear (default 3.0). */
  zCritico?: number;
  /** The loss rate must also be above this, L/h (default 0.15): the SIR threshold. */
  umbralLh?: number;
  /** Newey–West lag, in points (default 6). */
  lagHac?: number;
  /** Dispenser meter tolerance, percent (default 0.5). */
  toleranciaMedidorPct?: number;
  /** Readings this long after a delivery ended are skipped: the product is still settling (default 1 h). */
  asentamientoMs?: number;
  /** Fit a smooth chart error (level² and level³ terms) besides the leak and the meters (default true). */
  curvaTabla?: boolean;
}

/** What the detector found, sent as the alert's `datos`. Rates in litres per hour, positive = loss. */
export type EvidenciaFuga = {
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
  /** The smallest rate reported as a leak. */
  umbral_l_h: number;
  /** Litres the pumps count beyond what leaves the tank, percent of sales (positive: meters read high). */
  error_medidor_pct: number;
  ic95_medidor_pct: [number, number];
  z_medidor: number;
  ventas_l: number;
  descargas_l: number;
  /** Cumulative variance over the window, measured − expected (negative: litres missing). */
  varianza_acumulada_l: number;
  limite_inventario_l: number;
};

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
  /** The `clave` of each of the two alerts this run judged and did not raise: an open one can be resolved. */
  resueltas: string[];
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
  umbralLh: 0.15,
  lagHac: 6,
  toleranciaMedidorPct: 0.5,
  asentamientoMs: HORA_MS,
  curvaTabla: true,
};

interface Punto {
  nivel?: number;
  horas: number;
  ventas: number;
  c: number;
  segmento: number;
}

/** The most readings one test looks at: beyond it, every k-th (a month of one reading every 30 s). */
export const MAX_LECTURAS_VENTANA = 90_000;

interface Serie {
  ps: Punto[];
  primera: LecturaConciliable | null;
  ultima: LecturaConciliable | null;
}

/**
 * The series the test fits: every reading in the window outside deliveries (and their settling
 * time) gives a cumulative variance; the readings of each step (and segment) are averaged into one
 * point, so a gauge that reports often gives points with less noise.
 */
function serie(h: HistoriaTanque, desde: number, hasta: number, o: Required<OpcionesDetector>, neto: boolean): Serie {
  const i0 = ultimoHasta(h.tLecturas, desde - 1) + 1;
  const i1 = ultimoHasta(h.tLecturas, hasta);
  const cada = Math.max(1, Math.ceil((i1 - i0 + 1) / MAX_LECTURAS_VENTANA));
  const buckets = new Map<
    string,
    { n: number; t: number; ventas: number; c: number; nivel: number; segmento: number }
  >();
  let primera: LecturaConciliable | null = null;
  let ultima: LecturaConciliable | null = null;
  for (let i = i0; i <= i1; i += cada) {
    const l = h.lecturas[i] as LecturaConciliable;
    const v = neto ? l.litros_15c : l.litros;
    if (v === null || h.enDescarga(l.timestamp, 0)) continue;
    const anterior = h.descargas.findLast((d) => d.fin <= l.timestamp);
    if (anterior && l.timestamp - anterior.fin < o.asentamientoMs) continue;
    const t0 = primera?.timestamp ?? l.timestamp;
    const ventas = h.ventasEntre(t0, l.timestamp);
    const descargas = h.descargasEntre(t0, l.timestamp);
    const sv = neto ? ventas.neto : ventas.bruto;
    const sd = neto ? descargas.neto : descargas.bruto;
    if (!Number.isFinite(sv + sd)) continue;
    primera ??= l;
    ultima = l;
    const segmento = h.descargasHasta(l.timestamp);
    const clave = `${Math.floor((l.timestamp - desde) / o.pasoMs)}:${segmento}`;
    const b = buckets.get(clave) ?? { n: 0, t: 0, ventas: 0, c: 0, nivel: 0, segmento };
    b.n++;
    b.t += l.timestamp - t0;
    b.ventas += sv;
    b.c += v + sv - sd;
    b.nivel += l.litros;
    buckets.set(clave, b);
  }
  const ps = [...buckets.values()].map((b) => ({
    horas: b.t / b.n / HORA_MS,
    ventas: b.ventas / b.n,
    c: b.c / b.n,
    ...(o.curvaTabla ? { nivel: b.nivel / b.n } : {}),
    segmento: b.segmento,
  }));
  return { ps, primera, ultima };
}

interface Ajuste {
  a: number;
  b: number;
  seA: number;
  seB: number;
  segmentos: number;
}

/** Solves A x = y for a small symmetric positive matrix (Gaussian elimination); null when singular. */
function inversa(m: number[][]): number[][] | null {
  const k = m.length;
  const a = m.map((fila, i) => [...fila, ...Array.from({ length: k }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let i = c + 1; i < k; i++) if (Math.abs(a[i]![c]!) > Math.abs(a[p]![c]!)) p = i;
    const piv = a[p]![c]!;
    if (!(Math.abs(piv) > 1e-12 * Math.max(1, Math.abs(m[c]![c]!)))) return null;
    [a[c], a[p]] = [a[p]!, a[c]!];
    const fc = a[c]!;
    for (let j = 0; j < 2 * k; j++) fc[j]! /= piv;
    for (let i = 0; i < k; i++) {
      if (i === c) continue;
      const f = a[i]![c]!;
      if (f !== 0) for (let j = 0; j < 2 * k; j++) a[i]![j]! -= f * fc[j]!;
    }
  }
  return a.map((fila) => fila.slice(k));
}

/**
 * Least squares of y on the columns of x with one intercept per segment (each segment demeaned),
 * and Newey–West standard errors with Bartlett weights up to `lag` points, pairs taken within a
 * segment. Columns that do not vary within segments, or that make the system singular, are dropped
 * (coefficient 0, infinite error).
 */
export function minimosCuadrados(
  y: readonly number[],
  x: readonly (readonly number[])[],
  segmento: readonly number[],
  lag: number,
): { coef: number[]; se: number[]; segmentos: number } | null {
  const n = y.length;
  const grupos = new Map<number, number[]>();
  segmento.forEach((g, i) => {
    const l = grupos.get(g);
    if (l) l.push(i);
    else grupos.set(g, [i]);
  });
  const yc = new Float64Array(n);
  const xc = x.map(() => new Float64Array(n));
  let segmentos = 0;
  for (const idx of grupos.values()) {
    if (idx.length < 2) continue; // a lone point says nothing once its segment's level is free
    segmentos++;
    const demean = (src: readonly number[], dst: Float64Array) => {
      let m = 0;
      for (const i of idx) m += src[i]!;
      m /= idx.length;
      for (const i of idx) dst[i] = src[i]! - m;
    };
    demean(y, yc);
    x.forEach((col, j) => demean(col, xc[j]!));
  }
  const sq = xc.map((c) => c.reduce((s, v) => s + v * v, 0));
  const cols = xc.map((_, j) => j).filter((j) => sq[j]! > 0);
  const k = cols.length;
  if (k === 0 || n <= k + segmentos) return null;
  const xtx = cols.map((a) => cols.map((b) => xc[a]!.reduce((s, v, i) => s + v * xc[b]![i]!, 0)));
  const inv = inversa(xtx);
  if (!inv) return null;
  const xty = cols.map((a) => xc[a]!.reduce((s, v, i) => s + v * yc[i]!, 0));
  const beta = inv.map((fila) => fila.reduce((s, v, j) => s + v * xty[j]!, 0));
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let f = yc[i]!;
    cols.forEach((c, j) => (f -= beta[j]! * xc[c]![i]!));
    e[i] = f;
  }
  // Newey–West meat: Σ_l w_l Σ_i (g_i g_{i−l}ᵀ + g_{i−l} g_iᵀ), g_i = x_i e_i; lag 0 alone is White's.
  const meat0 = cols.map(() => cols.map(() => 0));
  const meat = cols.map(() => cols.map(() => 0));
  for (let l = 0; l <= lag; l++) {
    const w = l === 0 ? 0.5 : 1 - l / (lag + 1);
    for (let i = l; i < n; i++) {
      if (segmento[i] !== segmento[i - l]) continue;
      for (let p = 0; p < k; p++) {
        const gp = xc[cols[p]!]![i]! * e[i]!;
        const hp = xc[cols[p]!]![i - l]! * e[i - l]!;
        for (let q = 0; q < k; q++) {
          const gq = xc[cols[q]!]![i]! * e[i]!;
          const hq = xc[cols[q]!]![i - l]! * e[i - l]!;
          meat[p]![q]! += w * (gp * hq + hp * gq);
          if (l === 0) meat0[p]![q]! += w * (gp * hq + hp * gq);
        }
      }
    }
  }
  const escala = n / (n - k - segmentos);
  const sandwich = (m: number[][], p: number) => {
    let v = 0;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) v += inv[p]![a]! * m[a]![b]! * inv[b]![p]!;
    return Math.sqrt(Math.max(0, escala * v));
  };
  const coef = x.map(() => 0);
  const se = x.map(() => Number.POSITIVE_INFINITY);
  cols.forEach((c, p) => {
    coef[c] = beta[p]!;
    // The larger of White's and Newey–West's: Newey–West errs low on few points, White on correlated ones.
    se[c] = Math.max(sandwich(meat0, p), sandwich(meat, p));
  });
  return { coef, se, segmentos };
}

/**
 * C = α_segment + a·horas + b·ventas (+ chart terms) by least squares with Newey–West errors; b is
 * left out (0, infinite error) when sales do not vary. `curva`: per point, the measured level
 * (litres); when given, its square and cube (centred, in thousands of litres) are two more
 * regressors, so that a gauge chart that is off by a smooth function of the level is not taken
 * for a leak.
 */
export function ajustar(
  ps: readonly { horas: number; ventas: number; c: number; segmento: number; nivel?: number }[],
  lag: number,
): Ajuste | null {
  const x: number[][] = [ps.map((p) => p.horas), ps.map((p) => p.ventas)];
  if (ps.length > 0 && ps.every((p) => p.nivel !== undefined)) {
    const media = ps.reduce((s, p) => s + (p.nivel ?? 0), 0) / ps.length;
    const u = ps.map((p) => ((p.nivel ?? 0) - media) / 1000);
    x.push(
      u.map((v) => v * v),
      u.map((v) => v * v * v),
    );
  }
  const fit = minimosCuadrados(
    ps.map((p) => p.c),
    x,
    ps.map((p) => p.segmento),
    lag,
  );
  if (!fit || !Number.isFinite(fit.se[0]!)) return null;
  return { a: fit.coef[0]!, b: fit.coef[1]!, seA: fit.se[0]!, seB: fit.se[1]!, segmentos: fit.segmentos };
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
  const { ps, primera, ultima } = serie(h, desde, hasta, o, neto);
  if (!primera || !ultima || ultima.timestamp - primera.timestamp < o.minHoras * HORA_MS)
    return { evidencia: null, motivo: `menos de ${o.minHoras} h de lecturas utilizables`, alertas: [], resueltas: [] };
  const fit = ajustar(ps, o.lagHac);
  if (!fit) return { evidencia: null, motivo: 'los datos no permiten estimar la tasa', alertas: [], resueltas: [] };
  // An exact fit (no noise at all) has no error: floor it at the resolution the rate is reported with.
  fit.seA = Math.max(fit.seA, 0.001);
  const tasa = -fit.a;
  const z = tasa / fit.seA;
  const zMedidor = (Math.abs(fit.b) * 100 - o.toleranciaMedidorPct) / (fit.seB * 100);
  const ventas = h.ventasEntre(primera.timestamp, ultima.timestamp);
  const descargas = h.descargasEntre(primera.timestamp, ultima.timestamp);
  const vol = (l: LecturaConciliable) => (neto ? l.litros_15c : l.litros) ?? 0;
  const sv = neto ? ventas.neto : ventas.bruto;
  const sd = neto ? descargas.neto : descargas.bruto;
  const varianza = vol(ultima) - (vol(primera) - sv + sd);
  const limite = 0.01 * sv + LIMITE_INVENTARIO_FIJO_L;
  const evidencia: EvidenciaFuga = {
    id_tanque: entrada.id_tanque,
    desde: new Date(primera.timestamp).toISOString(),
    hasta: new Date(ultima.timestamp).toISOString(),
    volumen: neto ? 'neto_15c' : 'bruto',
    dias_de_datos: r((ultima.timestamp - primera.timestamp) / (24 * HORA_MS), 2),
    puntos: ps.length,
    segmentos: fit.segmentos,
    metodo: 'regresion_varianza_acumulada',
    tasa_fuga_l_h: r(tasa, 3),
    error_estandar_l_h: r(fit.seA, 3),
    ic95_l_h: [r(tasa - Z95 * fit.seA, 3), r(tasa + Z95 * fit.seA, 3)],
    estadistico_z: r(z, 2),
    z_critico: o.zCritico,
    umbral_l_h: o.umbralLh,
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
  if (z >= o.zCritico && tasa >= o.umbralLh)
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
  const resueltas = [`FUGA_SOSPECHADA:${id}`, `DIFERENCIA_INVENTARIO:${id}`].filter(
    (clave) => !alertas.some((a) => a.clave === clave),
  );
  return { evidencia, alertas, resueltas };
}
