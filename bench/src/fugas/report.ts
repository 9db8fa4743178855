/**
 * The leak-detection evaluation's table: one row per leak size, and the false alarms on leak-free
 * months; shared by the command's printout and the README (informe/), in a module of its own so
 * the README does not load the simulator.
 */
import type { TableCells } from '../hub/report.js';
import type { Proporcion, ResultadoEscenario } from './run.js';

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : 'n/d');
export const proporcion = (p: Proporcion) =>
  `${pct(p.tasa)} (${p.k}/${p.n}; IC 95 % ${pct(p.ic95[0])}–${pct(p.ic95[1])})`;
const num = (x: number | null, d = 0) => (x === null ? 'n/d' : x.toFixed(d));

export const FUGAS_HEAD = ['detección en el mes', 'días p50', 'días p90', 'tasa estimada p50 (L/h)'];

/** One scenario as table cells: a row per leak size, then the false alarms. */
export function fugasCells(r: ResultadoEscenario): TableCells {
  return {
    header: FUGAS_HEAD,
    rows: [
      ...r.filas.map((f) => ({
        label: `fuga ${f.fuga_l_h} L/h`,
        cells: [proporcion(f.deteccion), num(f.dias_mediana), num(f.dias_p90), num(f.tasa_estimada_mediana, 3)],
      })),
      { label: 'sin fuga: FUGA_SOSPECHADA', cells: [proporcion(r.falsas_fuga), '', '', ''] },
      { label: 'sin fuga: DIFERENCIA_INVENTARIO', cells: [proporcion(r.falsas_diferencia), '', '', ''] },
    ],
  };
}

/** What the scenario simulates, in one line. */
export function escenarioLinea(r: ResultadoEscenario): string {
  const e = r.escenario;
  return (
    `Escenario ${e.nombre}: sonda σ ${e.ruidoAlturaMm} mm y ${e.ruidoTemperaturaC} °C, medidores ±${e.errorMedidorPct} %, ` +
    `notas de descarga σ ${e.errorNotaPct} %, tabla de la sonda ±${e.errorTablaPct} % de capacidad, ` +
    `oscilación diaria hasta ±${e.amplitudMaxC} °C; ${r.ventas_l_dia_media.toFixed(0)} L/día de ventas y ` +
    `${r.descargas_mes_media.toFixed(1)} descargas por mes en promedio; ${r.segundos.toFixed(0)} s`
  );
}

/** Whether the regulatory bar (and the aim) is met: detection ≥ 95 % and false alarms ≤ 5 %, on the point estimates. */
export function veredicto(r: ResultadoEscenario, fugaLh: number): string {
  const f = r.filas.find((x) => x.fuga_l_h === fugaLh);
  if (!f) return `${fugaLh} L/h: no medida`;
  const ok = f.deteccion.tasa >= 0.95 && r.falsas_fuga.tasa <= 0.05;
  return `${fugaLh} L/h con ≥ 95 % de detección y ≤ 5 % de falsas alarmas: ${ok ? 'cumple' : 'no cumple'} (${pct(f.deteccion.tasa)}, ${pct(r.falsas_fuga.tasa)})`;
}
