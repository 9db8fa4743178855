/** Prints the hub benchmark as a table and saves it as JSON under bench/results/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchCommand } from '../command-line.js';
import type { ChildLogs } from './children.js';
import type { Figures, HubRun, LoadParams } from './run.js';
import { ROOT } from './run.js';
import { total } from './stats.js';

export type Cell = number | null | undefined;
interface Row {
  label: string;
  value: (f: Figures) => Cell;
  digits: number;
  ratio?: boolean;
}

const MiB = (kib: number | null) => (kib === null ? null : kib / 1024);
const errorCount = (f: Figures) => total(f.load.errors);
/** The server's CPU per line received: comparable across runs whatever load each one sent. */
export const cpuPerLineUs = (f: Figures) =>
  f.cpuPct === null || f.sentPerS === 0 ? null : (f.cpuPct * 10_000) / f.sentPerS;

const ROWS: Row[] = [
  { label: 'líneas enviadas/s', value: (f) => f.sentPerS, digits: 1, ratio: true },
  { label: 'confirmaciones/s', value: (f) => f.confirmationsPerS, digits: 1, ratio: true },
  { label: 'latencia tx p50 (ms)', value: (f) => f.load.latency?.p50, digits: 2, ratio: true },
  { label: 'latencia tx p90 (ms)', value: (f) => f.load.latency?.p90, digits: 2 },
  { label: 'latencia tx p99 (ms)', value: (f) => f.load.latency?.p99, digits: 2, ratio: true },
  { label: 'latencia tx máx (ms)', value: (f) => f.load.latency?.max, digits: 2, ratio: true },
  { label: 'CPU servidor (% de 1 núcleo)', value: (f) => f.cpuPct, digits: 1, ratio: true },
  { label: 'CPU servidor por línea (µs)', value: cpuPerLineUs, digits: 1, ratio: true },
  { label: 'RSS antes de conectar (MiB)', value: (f) => MiB(f.samples.before.rssKiB), digits: 1 },
  { label: 'RSS con todo conectado (MiB)', value: (f) => MiB(f.samples.connected.rssKiB), digits: 1 },
  { label: 'RSS al final (MiB)', value: (f) => MiB(f.samples.end.rssKiB), digits: 1 },
  { label: 'RSS pico (MiB)', value: (f) => MiB(f.samples.end.peakRssKiB), digits: 1 },
  { label: 'RSS por conexión (KiB)', value: (f) => f.rssPerConnectionKiB, digits: 1, ratio: true },
  { label: 'registrar todo (ms)', value: (f) => f.load.registerMs, digits: 0 },
  { label: 'errores recibidos', value: errorCount, digits: 0 },
  { label: 'conexiones perdidas', value: (f) => f.load.connectionsLost, digits: 0 },
  { label: 'tx sin confirmar', value: (f) => f.load.unconfirmed, digits: 0 },
  { label: 'CPU generador (%)', value: (f) => f.load.generatorCpuPct, digits: 1 },
  { label: 'retraso máx. generador (ms)', value: (f) => f.load.maxTickLagMs, digits: 1 },
];

export const fmt = (v: Cell, digits: number) =>
  v === null || v === undefined || !Number.isFinite(v) ? 'n/d' : v.toFixed(digits);

export function ratio(a: Cell, b: Cell): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
  return a / b;
}

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    model: cpus[0]?.model ?? 'desconocido',
    totalmemBytes: os.totalmem(),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

const LABEL_WIDTH = 30;
const CELL_WIDTH = 16;

/** Rows of a label and right-aligned cells, the first one the header. */
export function tableLines(header: string[], rows: { label: string; cells: string[] }[]): string[] {
  const line = (label: string, cells: string[]) =>
    `${label.padEnd(LABEL_WIDTH)}${cells.map((c) => c.padStart(CELL_WIDTH)).join('')}`;
  return [line('', header), ...rows.map((r) => line(r.label, r.cells))];
}

/** A table's header and rows (label, cells), before it is laid out as text (or Markdown, see informe/). */
export interface TableCells {
  header: string[];
  rows: { label: string; cells: string[] }[];
}

/** Figures side by side: one column per server, then the ratios (num/den) of the rows that have one. */
export function figuresCells(
  columns: { title: string; f: Figures }[],
  ratios: { title: string; num: Figures; den: Figures }[] = [],
): TableCells {
  const rows = ROWS.map((row) => ({
    label: row.label,
    cells: [
      ...columns.map((c) => fmt(row.value(c.f), row.digits)),
      ...ratios.map((r) => (row.ratio ? fmt(ratio(row.value(r.num), row.value(r.den)), 2) : '')),
    ],
  }));
  return { header: [...columns.map((c) => c.title), ...ratios.map((r) => r.title)], rows };
}

export function figuresTable(
  columns: { title: string; f: Figures }[],
  ratios: { title: string; num: Figures; den: Figures }[] = [],
): string[] {
  const { header, rows } = figuresCells(columns, ratios);
  return tableLines(header, rows);
}

/** Warnings, errors and stderr lines a server printed, when there were any. */
export function logLines(name: string, logs: ChildLogs): string[] {
  if (logs.warnings + logs.errors + logs.stderrLines === 0) return [];
  return [
    `log de ${name}: ${logs.warnings} warn, ${logs.errors} error, ${logs.stderrLines} líneas en stderr`,
    ...logs.samples.map((s) => `  ${s}`),
  ];
}

export function machineLine(): string {
  const m = machineInfo();
  return `Máquina: ${m.cpus} × ${m.model}, ${(m.totalmemBytes / 2 ** 30).toFixed(1)} GiB, Node ${m.node}`;
}

/** The head of a table of the hub load (`title`: which benchmark), the machine line after it. */
export function loadHead(title: string, params: LoadParams): string[] {
  return [
    `${title}: ${params.connections} conexiones, un estado cada ${params.estadoIntervalMs} ms por conexión, ` +
      `${params.txPerSecond} tx/s en total, ${params.warmupS} s de calentamiento + ${params.durationS} s medidos`,
    machineLine(),
    '',
  ];
}

export function formatTable(run: HubRun): string {
  const { params, estacion, techo } = run;
  const head = loadHead('Hub', params);
  const table = techo
    ? figuresTable(
        [
          { title: 'estación', f: estacion },
          { title: 'techo', f: techo },
        ],
        [{ title: 'estación/techo', num: estacion, den: techo }],
      )
    : figuresTable([{ title: 'estación', f: estacion }]);
  const extra: string[] = [''];
  if (estacion.dataDirBytes !== undefined)
    extra.push(`datos de la estación al final: ${(estacion.dataDirBytes / 2 ** 20).toFixed(1)} MiB`);
  if (techo?.linesCounted !== undefined) extra.push(`líneas contadas por el techo: ${techo.linesCounted}`);
  extra.push(...logLines('la estación', estacion.logs));
  return [...head, ...table, ...extra].join('\n');
}

/** Writes bench/results/<benchmark>-<timestamp>.json (with the command and the machine); returns its path. */
export function writeResult(benchmark: string, at: Date, body: object): string {
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${benchmark}-${at.toISOString().replace(/:/g, '-')}.json`);
  const doc = { benchmark, at: at.toISOString(), command: benchCommand(), machine: machineInfo(), ...body };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}

/** Writes bench/results/hub-<timestamp>.json and returns its path. */
export function saveJson(run: HubRun, at: Date): string {
  const { estacion, techo } = run;
  const ratios = techo
    ? {
        sentPerS: ratio(estacion.sentPerS, techo.sentPerS),
        confirmationsPerS: ratio(estacion.confirmationsPerS, techo.confirmationsPerS),
        p99: ratio(estacion.load.latency?.p99, techo.load.latency?.p99),
        cpu: ratio(estacion.cpuPct, techo.cpuPct),
      }
    : null;
  return writeResult('hub', at, { ...run, ratios });
}
