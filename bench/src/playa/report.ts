/** Prints the forecourt benchmark as a table and saves it as JSON under bench/results/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchCommand } from '../command-line.js';
import { fmt, machineInfo, type TableCells } from '../hub/report.js';
import { ROOT } from '../hub/run.js';
import { textTable } from '../table.js';
import type { PlayaRun, SizeResult } from './run.js';

type Row = [string, (s: SizeResult) => number | null | undefined, number];

const ROWS: Row[] = [
  ['estación: REST → última respuesta p50 (ms)', (s) => s.estacion.lastAnswerMs?.p50, 1],
  ['estación: REST → última respuesta máx (ms)', (s) => s.estacion.lastAnswerMs?.max, 1],
  ['estación: respuesta REST p50 (ms)', (s) => s.estacion.responseMs?.p50, 1],
  ['estación: respuesta REST máx (ms)', (s) => s.estacion.responseMs?.max, 1],
  ['estación: `ms` de la respuesta p50', (s) => s.estacion.stationMs?.p50, 0],
  ['base: escritura → última respuesta p50 (ms)', (s) => s.base.lastAnswerMs?.p50, 1],
  ['base: escritura → última respuesta máx (ms)', (s) => s.base.lastAnswerMs?.max, 1],
  ['estación / base (p50)', (s) => s.ratio, 1],
  ['objetivo: última respuesta p50 < (ms)', (s) => s.targetMs, 0],
  ['surtidores que ejecutaron (suma)', (s) => s.estacion.ejecutados, 0],
];

/** The figures, one column per number of pumps (the terminal and the README show the same). */
export function playaCells(run: Pick<PlayaRun, 'sizes'>): TableCells {
  return {
    header: run.sizes.map((s) => `${s.pumps} surtidores`),
    rows: [
      ...ROWS.map(([label, value, digits]) => ({
        label,
        cells: run.sizes.map((s) => fmt(value(s), digits)),
      })),
      {
        label: 'repeticiones',
        cells: run.sizes.map((s) => fmt(s.estacion.lastAnswerMs?.count, 0)),
      },
    ],
  };
}

/** The load the shared machine was under (absolute times move with it; the ratio to the base less). */
export function cargaDe(run: Pick<PlayaRun, 'loadavg'>): string {
  const l = run.loadavg;
  return l
    ? `carga media (1 min) al empezar ${l.start.toFixed(1)}, al terminar ${l.end.toFixed(1)}`
    : 'carga no registrada';
}

export function formatTable(run: PlayaRun): string {
  const m = machineInfo();
  const { params } = run;
  return [
    `Comando para toda la playa: ${params.warmup} comandos de calentamiento + ${params.repetitions} medidos por tamaño; los surtidores responden al instante`,
    `Máquina: ${m.cpus} × ${m.model}, Node ${m.node}; ${cargaDe(run)}`,
    '',
    textTable(playaCells(run)),
  ].join('\n');
}

/** Writes bench/results/playa-<timestamp>.json and returns its path. */
export function saveJson(run: PlayaRun, at: Date): string {
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `playa-${at.toISOString().replace(/:/g, '-')}.json`);
  const doc = { benchmark: 'playa', at: at.toISOString(), command: benchCommand(), machine: machineInfo(), ...run };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}
