/**
 * Sudden loss (acute leak) of one tank, alert FUGA_SOSPECHADA with `metodo: 'perdida_subita'`. Pure:
 * the readings, sales and deliveries come in as arrays, the time from an injected clock. The
 * statistical detector (fugas.ts) needs a day of data and looks for litres an hour; this rule is
 * what tank gauges do continuously for a burst pipe or a tank emptied through a hose (the "sudden
 * loss" alarm of in-tank leak detection): over a short recent window the litres that sales and
 * deliveries do not explain, C(t) = V(t) + sales(t0, t], fall by more than a threshold well above
 * the probe's noise. See docs/conciliacion.md.
 *
 * - C at each end of the window is the median of the first (last) LECTURAS_EXTREMO readings: one
 *   outlier never moves it, and probe noise averages down.
 * - A sale still being dispensed at a reading has already left the tank but is not reported yet: a
 *   reported sale that was under way at a reading counts in proportion to the time it had run
 *   (fecha_inicio → fecha_fin); the litres being dispensed right now (the pumps' live state) are
 *   added to the window's last readings (at worst that makes the rule less sensitive, never alarm).
 * - A window that overlaps a delivery, or its settling time, is not judged: a delivery's litres are
 *   only as good as its detection, and the product is still moving.
 * - Net volume (15 °C) when every reading has it, so temperature swings do not pass for a loss.
 */
import type { Clock } from '@combustible/shared';
import { type EntradaTanque, HistoriaTanque, type LecturaConciliable, type VentaConciliable } from './conciliacion.js';

export interface OpcionesPerdidaSubita {
  /** --perdida-subita-min: the window's length (ms). Default 60 min. */
  ventanaMs?: number;
  /** --perdida-subita-litros: unexplained litres lost within the window that raise the alert. Default 150. */
  umbralLitros?: number;
  /** Windows that start less than this after a delivery ended are not judged (default 1 h). */
  asentamientoMs?: number;
}

/** Readings whose median gives C at each end of the window. */
export const LECTURAS_EXTREMO = 5;

const DEFAULTS: Required<OpcionesPerdidaSubita> = {
  ventanaMs: 60 * 60_000,
  umbralLitros: 150,
  asentamientoMs: 60 * 60_000,
};

/** What the rule found, sent as the alert's `datos` (a type, so that it is a Record<string, unknown>). */
export type EvidenciaPerdidaSubita = {
  id_tanque: number;
  metodo: 'perdida_subita';
  /** The first and last reading used (ISO-8601). */
  desde: string;
  hasta: string;
  ventana_min: number;
  volumen: 'neto_15c' | 'bruto';
  lecturas: number;
  /** C at the start minus C at the end: positive is litres missing. */
  litros_perdidos: number;
  umbral_litros: number;
  /** Litres sold from the tank between the two ends (reported, prorated, and being dispensed). */
  ventas_l: number;
  /** Litres being dispensed from the tank when the rule ran, not reported yet. */
  en_curso_l: number;
};

export interface AlertaPerdidaSubita {
  codigo: 'FUGA_SOSPECHADA';
  clave: string;
  mensaje: string;
  severidad: 'critica';
  id_surtidor: null;
  datos: EvidenciaPerdidaSubita;
}

export interface ResultadoPerdidaSubita {
  /** null when the window cannot be judged (see `motivo`). */
  evidencia: EvidenciaPerdidaSubita | null;
  motivo?: string;
  alerta: AlertaPerdidaSubita | null;
  /** The alert's `clave` when the window was judged clear (under half the threshold): an open one can be resolved. */
  resuelta: string | null;
}

/** The alert's key: beside the statistical detector's FUGA_SOSPECHADA:<id>, so neither resolves the other's. */
export const clavePerdidaSubita = (id: number) => `FUGA_SOSPECHADA:${id}:perdida_subita`;

function mediana(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Litres of the reported sales that had left the tank by t, counted from t0: those that ended in
 * (t0, t], plus the part of those under way at t (ended after t, started before it), less the part
 * of those under way at t0 that was already out by then.
 */
function ventasHasta(h: HistoriaTanque, enCurso: readonly VentaConciliable[], t0: number, t: number, neto: boolean) {
  const v = h.ventasEntre(t0, t);
  let litros = neto ? v.neto : v.bruto;
  const parte = (s: VentaConciliable, at: number) => {
    const inicio = s.fecha_inicio ?? s.fecha_fin;
    if (!(inicio < at && s.fecha_fin > at)) return 0;
    const l = s.litros * ((at - inicio) / (s.fecha_fin - inicio));
    return neto ? l * (h.factor15(at) ?? Number.NaN) : l;
  };
  for (const s of enCurso) litros += parte(s, t) - parte(s, t0);
  return litros;
}

/** Runs the rule on the tank's data in the window ending now (the clock's time). */
export function perdidaSubita(
  entrada: EntradaTanque,
  clock: Clock,
  opciones: OpcionesPerdidaSubita = {},
  /** Litres being dispensed from this tank right now (the pumps' live state). */
  enCursoLitros = 0,
): ResultadoPerdidaSubita {
  const o = { ...DEFAULTS, ...opciones };
  const hasta = clock.now();
  const desde = hasta - o.ventanaMs;
  const nada = (motivo: string): ResultadoPerdidaSubita => ({ evidencia: null, motivo, alerta: null, resuelta: null });
  const h = new HistoriaTanque(entrada);
  if (h.descargas.some((d) => d.fin + o.asentamientoMs >= desde && d.inicio <= hasta))
    return nada('una descarga o su asentamiento cae en la ventana');
  const lecturas = h.lecturas.filter((l) => l.timestamp >= desde && l.timestamp <= hasta);
  const primera = lecturas[0];
  const ultima = lecturas.at(-1);
  if (!primera || !ultima || lecturas.length < 3 || ultima.timestamp - primera.timestamp < o.ventanaMs / 2)
    return nada('pocas lecturas en la ventana');
  const neto = lecturas.every((l) => l.litros_15c !== null);
  const vol = (l: LecturaConciliable) => (neto ? l.litros_15c : l.litros) ?? Number.NaN;
  const k = Math.min(LECTURAS_EXTREMO, Math.floor(lecturas.length / 2));
  const inicio = lecturas.slice(0, k);
  const fin = lecturas.slice(-k);
  const t0 = primera.timestamp;
  // Only the sales that could be under way at one of the ends' readings need prorating.
  const enCurso = entrada.ventas.filter(
    (s) => s.fecha_fin > t0 && (s.fecha_inicio ?? s.fecha_fin) < ultima.timestamp && s.fecha_inicio !== undefined,
  );
  const c = (l: LecturaConciliable, extra: number) => vol(l) + ventasHasta(h, enCurso, t0, l.timestamp, neto) + extra;
  const cInicio = mediana(inicio.map((l) => c(l, 0)));
  const cFin = mediana(fin.map((l) => c(l, enCursoLitros)));
  const perdidos = cInicio - cFin;
  if (!Number.isFinite(perdidos)) return nada('faltan volúmenes para el balance');
  const id = entrada.id_tanque;
  const evidencia: EvidenciaPerdidaSubita = {
    id_tanque: id,
    metodo: 'perdida_subita',
    desde: new Date(t0).toISOString(),
    hasta: new Date(ultima.timestamp).toISOString(),
    ventana_min: Math.round(o.ventanaMs / 600) / 100,
    volumen: neto ? 'neto_15c' : 'bruto',
    lecturas: lecturas.length,
    litros_perdidos: r1(perdidos),
    umbral_litros: o.umbralLitros,
    ventas_l: r1(ventasHasta(h, enCurso, t0, ultima.timestamp, false) + enCursoLitros),
    en_curso_l: r1(enCursoLitros),
  };
  const clave = clavePerdidaSubita(id);
  if (perdidos > o.umbralLitros) {
    const segundos = Math.round((ultima.timestamp - t0) / 1000);
    const lapso = segundos < 120 ? `${segundos} s` : `${Math.round(segundos / 60)} min`;
    return {
      evidencia,
      alerta: {
        codigo: 'FUGA_SOSPECHADA',
        clave,
        mensaje:
          `Tanque ${id}: faltan ${Math.round(perdidos)} L en ${lapso} que las ventas no explican ` +
          `(umbral ${o.umbralLitros} L); pérdida súbita: revise el tanque, las líneas y retiros sin venta`,
        severidad: 'critica',
        id_surtidor: null,
        datos: evidencia,
      },
      resuelta: null,
    };
  }
  return { evidencia, alerta: null, resuelta: perdidos < o.umbralLitros / 2 ? clave : null };
}
