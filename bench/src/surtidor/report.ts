/** Prints the surtidor benchmark as a table and saves it as JSON under bench/results/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { machineInfo } from '../hub/report.js';
import { ROOT } from '../hub/run.js';
import type { SurtidorFigures } from './run.js';

type Cell = number | string | null;
/** Every figure of the table, in order (also the README's rows, see informe/). */
export const ROWS: [string, (f: SurtidorFigures) => Cell, number][] = [
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

const fmt = (v: Cell, digits: number) =>
  v === null ? 'n/d' : typeof v === 'string' ? v : Number.isFinite(v) ? v.toFixed(digits) : 'n/d';

export function formatTable(runs: SurtidorFigures[]): string {
  const m = machineInfo();
  const p = runs[0]?.params;
  const head = [
    `Surtidor: un proceso con N surtidores contra una estación real; velocidad ×${p?.speed}, ` +
      `un cliente cada ${p?.meanIntervalS} s simulados en promedio, ${p?.warmupS} s + ${p?.durationS} s medidos`,
    `Máquina: ${m.cpus} × ${m.model}, ${(m.totalmemBytes / 2 ** 30).toFixed(1)} GiB, Node ${m.node}`,
    '',
    `${'surtidores'.padEnd(32)}${runs.map((r) => String(r.params.pumps).padStart(12)).join('')}`,
  ];
  const lines = ROWS.map(
    ([label, value, digits]) => `${label.padEnd(32)}${runs.map((r) => fmt(value(r), digits).padStart(12)).join('')}`,
  );
  const problems = runs.flatMap((r) => r.problems.map((x) => `  ${r.params.pumps}: ${x}`));
  return [...head, ...lines, ...(problems.length > 0 ? ['', 'no sostenido porque:', ...problems] : [])].join('\n');
}

/** Writes bench/results/surtidor-<timestamp>.json and returns its path. */
export function saveJson(runs: SurtidorFigures[], at: Date, command: string): string {
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `surtidor-${at.toISOString().replace(/:/g, '-')}.json`);
  const doc = { benchmark: 'surtidor', at: at.toISOString(), command, machine: machineInfo(), runs };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}
