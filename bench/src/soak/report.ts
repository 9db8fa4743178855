/**
 * `bench soak` as figures and as a chart, both from the saved document (so the README shows the
 * same), plus where the chart goes: beside the JSON, same name, `.svg`.
 */
import { fmt, type machineInfo, type TableCells } from '../hub/report.js';
import type { SoakRun } from './run.js';
import { type Chart, chartSvg } from './svg.js';

export interface SoakDoc extends SoakRun {
  benchmark: 'soak';
  at: string;
  command: string;
  machine: ReturnType<typeof machineInfo>;
}

export function soakHeader(doc: SoakDoc): string {
  const p = doc.params;
  const m = doc.machine;
  return [
    `Soak: ${p.pumps} surtidores a velocidad real (${p.processes} proceso${p.processes === 1 ? '' : 's'} del simulador) ` +
      `contra una estación, ${p.minutes} min, una muestra cada ${p.intervalS} s, ${p.warmupS} s de calentamiento`,
    `Máquina: ${m.cpus} × ${m.model}, ${(m.totalmemBytes / 2 ** 30).toFixed(1)} GiB, Node ${m.node}`,
  ].join('\n');
}

export function soakTable(doc: SoakDoc): TableCells {
  const s = doc.summary;
  const signed = (v: number | null, d: number) => (v === null ? 'n/d' : `${v >= 0 ? '+' : ''}${v.toFixed(d)}`);
  return {
    header: ['estación'],
    rows: (
      [
        ['registrar todos los surtidores (s)', fmt(s.registerS, 1)],
        ['RSS tras el calentamiento (MiB)', fmt(s.rssAfterWarmupMiB, 1)],
        ['RSS al final (MiB)', fmt(s.rssEndMiB, 1)],
        ['deriva del RSS (final vs. tras calentamiento, %)', signed(s.rssDriftPct, 1)],
        ['tendencia del RSS tras el calentamiento (MiB/min)', signed(s.rssSlopeMiBPerMin, 2)],
        ['heap usado tras el calentamiento (MiB)', fmt(s.heapAfterWarmupMiB, 1)],
        ['heap usado al final (MiB)', fmt(s.heapEndMiB, 1)],
        ['deriva del heap (%)', signed(s.heapDriftPct, 1)],
        // prom-client samples the loop every 10 ms and records the whole gap: an idle loop reads ~10 ms.
        [
          'retraso del bucle de eventos p99, mediana de las muestras (ms; ~10 = ocioso)',
          fmt(s.eventLoopP99MedianMs, 1),
        ],
        ['retraso del bucle de eventos p99, peor muestra (ms)', fmt(s.eventLoopP99MaxMs, 1)],
        ['CPU media (% de 1 núcleo)', fmt(s.cpuMeanPct, 1)],
        ['ventas guardadas por segundo', fmt(s.ventasPerS, 1)],
        ['CPU del simulador, peor muestra (% de 1 núcleo)', fmt(s.surtidorCpuMaxPct, 1)],
      ] as [string, string][]
    ).map(([label, cell]) => ({ label, cells: [cell] })),
  };
}

export function soakChart(doc: SoakDoc): Chart {
  const p = doc.params;
  return {
    title: `Estación con ${p.pumps} surtidores a velocidad real, ${p.minutes} min (${doc.at.slice(0, 10)})`,
    minutes: doc.samples.map((s) => s.t / 60),
    warmupMinutes: p.warmupS / 60,
    series: [
      { title: 'RSS', unit: 'MiB', values: doc.samples.map((s) => s.rssMiB), color: '#1f77b4' },
      { title: 'heap usado', unit: 'MiB', values: doc.samples.map((s) => s.heapMiB), color: '#2ca02c' },
      {
        title: 'retraso del bucle de eventos p99',
        unit: 'ms; ~10 en reposo',
        values: doc.samples.map((s) => s.eventLoopP99Ms),
        color: '#d62728',
      },
      { title: 'CPU', unit: '% de 1 núcleo', values: doc.samples.map((s) => s.cpuPct), color: '#9467bd' },
    ],
  };
}

export const soakSvg = (doc: SoakDoc) => chartSvg(soakChart(doc));
