/** Prints the surtidor benchmark as a table and saves it as JSON under bench/results/. */
import { machineLine, writeResult } from '../hub/report.js';
import { type RunRow, runsCells, textTable } from '../table.js';
import type { SurtidorFigures } from './run.js';

/** Every figure of the table, in order (also the README's rows, see informe/). */
export const ROWS: RunRow<SurtidorFigures>[] = [
  ['registrar todos (s)', (f) => (f.registerMs === null ? null : f.registerMs / 1000), 1],
  ['conectados (mín. en la ventana)', (f) => f.conectadosMin, 0],
  ['despachando (medio)', (f) => f.despachandoMedio, 0],
  ['ventas/s', (f) => f.ventasPerS, 1],
  ['confirmaciones/s', (f) => f.confirmadasPerS, 1],
  ['líneas enviadas/s', (f) => f.lineasPerS, 0],
  ['CPU surtidor (% de 1 núcleo)', (f) => f.cpuPct, 1],
  ['RSS surtidor al final (MiB)', (f) => f.rssMiB.end, 1],
  ['RSS surtidor pico (MiB)', (f) => f.rssMiB.peak, 1],
  ['RSS por surtidor (KiB)', (f) => f.rssPerPumpKiB, 1],
  ['tick común medio (ms)', (f) => f.tick.mediaMs, 2],
  ['tick común máx. (ms)', (f) => f.tick.maxMs, 1],
  ['retraso máx. del tick (ms)', (f) => f.tick.retrasoMaxMs, 1],
  ['reconexiones en la ventana', (f) => f.reconexionesEnVentana, 0],
  ['outbox pendientes al final', (f) => f.pendientesFin, 0],
  ['pendientes tras SIGTERM', (f) => f.final.pendientes, 0],
  ['CPU estación (% de 1 núcleo)', (f) => f.estacionCpuPct, 1],
  ['sostiene la carga', (f) => (f.sustained ? 'sí' : 'no'), 0],
];

/** The table as the terminal and the README show it: one column per fleet size. */
export const surtidorCells = (runs: SurtidorFigures[]) => runsCells(runs, (r) => String(r.params.pumps), ROWS);

export function formatTable(runs: SurtidorFigures[]): string {
  const p = runs[0]?.params;
  const head = [
    `Surtidor: un proceso con N surtidores contra una estación real; velocidad ×${p?.speed}, ` +
      `un cliente cada ${p?.meanIntervalS} s simulados en promedio, ${p?.warmupS} s + ${p?.durationS} s medidos`,
    machineLine(),
    '',
  ];
  const problems = runs.flatMap((r) => r.problems.map((x) => `  ${r.params.pumps}: ${x}`));
  return [
    ...head,
    textTable(surtidorCells(runs), 'surtidores'),
    ...(problems.length > 0 ? ['', 'no sostenido porque:', ...problems] : []),
  ].join('\n');
}

/** Writes bench/results/surtidor-<timestamp>.json and returns its path. */
export const saveJson = (runs: SurtidorFigures[], at: Date): string => writeResult('surtidor', at, { runs });
