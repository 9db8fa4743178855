/** Prints the hub benchmark as a table and saves it as JSON under bench/results/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchCommand } from '../command-line.js';
import type { Figures, HubRun } from './run.js';
import { ROOT } from './run.js';

type Cell = number | null | undefined;
interface Row {
  label: string;
  value: (f: Figures) => Cell;
  digits: number;
  ratio?: boolean;
}

const MiB = (kib: number | null) => (kib === null ? null : kib / 1024);
const errorCount = (f: Figures) => Object.values(f.load.errors).reduce((a, b) => a + b, 0);

/** Every figure of the table, in order (also the README's rows, see informe/). */
export const ROWS: Row[] = [
  { label: 'líneas enviadas/s', value: (f) => f.sentPerS, digits: 1, ratio: true },
  { label: 'confirmaciones/s', value: (f) => f.confirmationsPerS, digits: 1, ratio: true },
  { label: 'latencia tx p50 (ms)', value: (f) => f.load.latency?.p50, digits: 2, ratio: true },
  { label: 'latencia tx p90 (ms)', value: (f) => f.load.latency?.p90, digits: 2 },
  { label: 'latencia tx p99 (ms)', value: (f) => f.load.latency?.p99, digits: 2, ratio: true },
  { label: 'latencia tx máx (ms)', value: (f) => f.load.latency?.max, digits: 2, ratio: true },
  { label: 'CPU servidor (% de 1 núcleo)', value: (f) => f.cpuPct, digits: 1, ratio: true },
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

const fmt = (v: Cell, digits: number) =>
  v === null || v === undefined || !Number.isFinite(v) ? 'n/d' : v.toFixed(digits);

function ratio(a: Cell, b: Cell): number | null {
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

export function formatTable(run: HubRun): string {
  const { params, estacion, techo } = run;
  const m = machineInfo();
  const head = [
    `Hub: ${params.connections} conexiones, un estado cada ${params.estadoIntervalMs} ms por conexión, ` +
      `${params.txPerSecond} tx/s en total, ${params.warmupS} s de calentamiento + ${params.durationS} s medidos`,
    `Máquina: ${m.cpus} × ${m.model}, ${(m.totalmemBytes / 2 ** 30).toFixed(1)} GiB, Node ${m.node}`,
    '',
  ];
  const cols = techo ? ['estación', 'techo', 'estación/techo'] : ['estación'];
  const lines = [`${''.padEnd(30)}${cols.map((c) => c.padStart(16)).join('')}`];
  for (const row of ROWS) {
    const cells = [fmt(row.value(estacion), row.digits)];
    if (techo) {
      cells.push(fmt(row.value(techo), row.digits));
      cells.push(row.ratio ? fmt(ratio(row.value(estacion), row.value(techo)), 2) : '');
    }
    lines.push(`${row.label.padEnd(30)}${cells.map((c) => c.padStart(16)).join('')}`);
  }
  const extra: string[] = [''];
  if (estacion.dataDirBytes !== undefined)
    extra.push(`datos de la estación al final: ${(estacion.dataDirBytes / 2 ** 20).toFixed(1)} MiB`);
  if (techo?.linesCounted !== undefined) extra.push(`líneas contadas por el techo: ${techo.linesCounted}`);
  const logs = estacion.logs;
  if (logs.warnings + logs.errors + logs.stderrLines > 0) {
    extra.push(
      `log de la estación: ${logs.warnings} warn, ${logs.errors} error, ${logs.stderrLines} líneas en stderr`,
    );
    for (const s of logs.samples) extra.push(`  ${s}`);
  }
  return [...head, ...lines, ...extra].join('\n');
}

/** Writes bench/results/hub-<timestamp>.json and returns its path. */
export function saveJson(run: HubRun, at: Date): string {
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `hub-${at.toISOString().replace(/:/g, '-')}.json`);
  const { estacion, techo } = run;
  const ratios = techo
    ? {
        sentPerS: ratio(estacion.sentPerS, techo.sentPerS),
        confirmationsPerS: ratio(estacion.confirmationsPerS, techo.confirmationsPerS),
        p99: ratio(estacion.load.latency?.p99, techo.load.latency?.p99),
        cpu: ratio(estacion.cpuPct, techo.cpuPct),
      }
    : null;
  const doc = {
    benchmark: 'hub',
    at: at.toISOString(),
    command: benchCommand(),
    machine: machineInfo(),
    ...run,
    ratios,
  };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}
