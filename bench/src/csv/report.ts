/** Prints the CSV export benchmark as a table and saves it as JSON under bench/results/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchCommand } from '../command-line.js';
import { fmt, machineInfo, type TableCells } from '../hub/report.js';
import { ROOT } from '../hub/run.js';
import { textTable } from '../table.js';
import type { CsvRun } from './run.js';

/** The figures (the terminal and the README show the same). */
export function csvCells(run: CsvRun): TableCells {
  const rows: [string, number | null, number][] = [
    ['ventas exportadas', run.rows, 0],
    ['tiempo total (s)', run.seconds, 1],
    ['primer byte (ms)', run.firstByteMs, 0],
    ['filas/s', run.rowsPerS, 0],
    ['MiB/s', run.mibPerS, 1],
    ['tamaño del CSV (MiB)', run.bytes / 2 ** 20, 1],
    ['RSS de la estación antes (MiB)', run.rssBaseMiB, 1],
    ['RSS máximo durante la exportación (MiB)', run.rssPeakMiB, 1],
    ['RSS máximo sobre el de antes (MiB)', run.rssAboveBaseMiB, 1],
    ...(run.rssAboveBaseByQuarterMiB ?? []).map((v, i): [string, number | null, number] => [
      `  … al llegar el ${(i + 1) * 25} % del CSV (MiB)`,
      v,
      1,
    ]),
    ['heap V8 reservado antes (MiB)', run.heap?.baseTotalMiB ?? null, 1],
    ['heap V8 reservado máximo (MiB)', run.heap?.peakTotalMiB ?? null, 1],
    ['heap V8 en uso antes (MiB)', run.heap?.baseUsedMiB ?? null, 1],
    ['heap V8 en uso máximo (MiB)', run.heap?.peakUsedMiB ?? null, 1],
    ['CPU de la estación (% de un núcleo)', run.cpuPct, 0],
    ['muestras de RSS (cada 50 ms)', run.samples, 0],
  ];
  return {
    header: ['valor'],
    rows: rows.map(([label, v, digits]) => ({ label, cells: [fmt(v, digits)] })),
  };
}

export function cargaCsv(run: Pick<CsvRun, 'loadavg'>): string {
  return `carga media (1 min) al empezar ${run.loadavg.start.toFixed(1)}, al terminar ${run.loadavg.end.toFixed(1)}`;
}

export function formatTable(run: CsvRun): string {
  const m = machineInfo();
  return [
    `Exportación CSV de ${run.params.ventas} ventas (GET /api/transacciones?formato=csv, SQLite), leída con fetch`,
    `Máquina: ${m.cpus} × ${m.model}, Node ${m.node}; ${cargaCsv(run)}`,
    '',
    textTable(csvCells(run)),
  ].join('\n');
}

/** Writes bench/results/csv-<timestamp>.json and returns its path. */
export function saveJson(run: CsvRun, at: Date): string {
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `csv-${at.toISOString().replace(/:/g, '-')}.json`);
  const doc = { benchmark: 'csv', at: at.toISOString(), command: benchCommand(), machine: machineInfo(), ...run };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}
