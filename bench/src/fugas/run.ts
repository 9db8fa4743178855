/**
 * `bench fugas`: the leak detector over many simulated months (mes.ts), by leak size, and the
 * figures a SIR evaluation reports: probability of detection within the month with its 95 %
 * interval, days to detect (median, p90), and the false-alarm rate on leak-free months.
 */
import { percentile } from '../hub/stats.js';
import { type Escenario, type ResultadoMes, simularMes } from './mes.js';

export interface FugasParams {
  /** Months simulated per leak size. */
  meses: number;
  /** Leak-free months (the false-alarm rate needs more). */
  mesesSinFuga: number;
  dias: number;
  /** Leak sizes, L/h (0: leak-free months, always run). */
  fugas: number[];
  semilla: number;
  escenarios: string[];
  lecturaCadaMin: number;
}

/** A proportion with its Wilson score 95 % interval. */
export interface Proporcion {
  k: number;
  n: number;
  tasa: number;
  ic95: [number, number];
}

export interface FilaFuga {
  fuga_l_h: number;
  deteccion: Proporcion;
  dias_mediana: number | null;
  dias_p90: number | null;
  /** Median of the detector's estimated rate when it stopped (at detection, or the month's end). */
  tasa_estimada_mediana: number | null;
}

export interface ResultadoEscenario {
  escenario: Escenario;
  filas: FilaFuga[];
  /** Leak-free months with a FUGA_SOSPECHADA on any day. */
  falsas_fuga: Proporcion;
  /** Leak-free months with a DIFERENCIA_INVENTARIO on any day (meters and notes within tolerance). */
  falsas_diferencia: Proporcion;
  ventas_l_dia_media: number;
  descargas_mes_media: number;
  segundos: number;
}

export function wilson(k: number, n: number, z = 1.959964): Proporcion {
  if (n === 0) return { k, n, tasa: Number.NaN, ic95: [Number.NaN, Number.NaN] };
  const p = k / n;
  const d = 1 + (z * z) / n;
  const centro = (p + (z * z) / (2 * n)) / d;
  const margen = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return { k, n, tasa: p, ic95: [Math.max(0, centro - margen), Math.min(1, centro + margen)] };
}

const mediana = (xs: number[]) =>
  xs.length > 0
    ? percentile(
        [...xs].sort((a, b) => a - b),
        50,
      )
    : null;

/** Runs every month of one scenario; `progreso` hears one line per leak size. */
export function runEscenario(p: FugasParams, escenario: Escenario, progreso: (l: string) => void): ResultadoEscenario {
  const t0 = performance.now();
  const tamanos = [0, ...p.fugas.filter((f) => f > 0)];
  const porTamano = new Map<number, ResultadoMes[]>();
  let ventas = 0;
  let descargas = 0;
  let mesesSinFuga = 0;
  tamanos.forEach((fugaLh, i) => {
    const meses: ResultadoMes[] = [];
    for (let m = 0; m < (fugaLh === 0 ? p.mesesSinFuga : p.meses); m++) {
      // Each (size, month) its own seed; month m of every size shares its station (same seed base).
      const r = simularMes({
        semilla: p.semilla + m * 7919 + i * 104_729,
        fugaLh,
        dias: p.dias,
        escenario,
        lecturaCadaMin: p.lecturaCadaMin,
      });
      meses.push(r);
      if (fugaLh === 0) {
        ventas += r.ventasLitros;
        descargas += r.descargas;
        mesesSinFuga++;
      }
    }
    porTamano.set(fugaLh, meses);
    const k = meses.filter((r) => r.diaFuga !== null).length;
    progreso(`  ${escenario.nombre}: ${fugaLh} L/h, ${k}/${meses.length} meses con FUGA_SOSPECHADA`);
  });
  const libres = porTamano.get(0) ?? [];
  const filas = tamanos
    .filter((f) => f > 0)
    .map((fugaLh): FilaFuga => {
      const meses = porTamano.get(fugaLh) ?? [];
      const dias = meses.flatMap((r) => (r.diaFuga === null ? [] : [r.diaFuga])).sort((a, b) => a - b);
      return {
        fuga_l_h: fugaLh,
        deteccion: wilson(dias.length, meses.length),
        dias_mediana: dias.length > 0 ? percentile(dias, 50) : null,
        dias_p90: dias.length > 0 ? percentile(dias, 90) : null,
        tasa_estimada_mediana: mediana(meses.flatMap((r) => (r.tasaEstimada === null ? [] : [r.tasaEstimada]))),
      };
    });
  return {
    escenario,
    filas,
    falsas_fuga: wilson(libres.filter((r) => r.diaFuga !== null).length, libres.length),
    falsas_diferencia: wilson(libres.filter((r) => r.diaDiferencia !== null).length, libres.length),
    ventas_l_dia_media: mesesSinFuga > 0 ? ventas / mesesSinFuga / p.dias : 0,
    descargas_mes_media: mesesSinFuga > 0 ? descargas / mesesSinFuga : 0,
    segundos: (performance.now() - t0) / 1000,
  };
}
