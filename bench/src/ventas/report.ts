/** Prints the sales benchmark as a table and saves it as JSON under bench/results/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { machineInfo } from '../hub/report.js';
import { ROOT } from '../hub/run.js';
import { formatSummary } from './profile-summary.js';
import type { VentasRun } from './run.js';

const fmt = (v: number | null | undefined, digits: number) =>
  v === null || v === undefined || !Number.isFinite(v) ? 'n/d' : v.toFixed(digits);

export function formatTable(run: VentasRun): string {
  const { params, load, raw, commit } = run;
  const m = machineInfo();
  const rows: [string, string][] = [
    ['ventas confirmadas/s', fmt(run.salesPerS, 0)],
    ['latencia venta → confirmación p50 (ms)', fmt(load.latency?.p50, 2)],
    ['latencia p90 (ms)', fmt(load.latency?.p90, 2)],
    ['latencia p99 (ms)', fmt(load.latency?.p99, 2)],
    ['latencia máx (ms)', fmt(load.latency?.max, 2)],
    ['CPU estación (% de 1 núcleo)', fmt(run.cpuPct, 1)],
    ['CPU estación por venta (µs)', fmt(run.cpuUsPerSale, 2)],
    ['commits (toda la corrida)', fmt(commit?.commits, 0)],
    ['ventas por commit (media)', fmt(commit?.meanBatch, 1)],
    ['duración media de un commit (ms)', fmt(commit?.meanCommitMs, 3)],
    ['better-sqlite3 directo: filas/s', fmt(raw?.rowsPerS, 0)],
    ['better-sqlite3 directo: µs por fila', fmt(raw?.usPerRow, 2)],
    ['estación / better-sqlite3 directo', fmt(run.ratioToRaw, 3)],
    ['ventas confirmadas (total)', fmt(load.confirmed, 0)],
    ['filas en el archivo', fmt(run.durability.stored, 0)],
    ['confirmadas que faltan en el archivo', run.durability.checked ? fmt(run.durability.missing, 0) : 'n/d'],
    [
      'RSS final / pico (MiB)',
      `${fmt(run.rss.end === null ? null : run.rss.end / 1024, 1)} / ${fmt(run.rss.peak === null ? null : run.rss.peak / 1024, 1)}`,
    ],
    ['CPU generador (%)', fmt(load.generatorCpuPct, 1)],
  ];
  const head = [
    `Ventas durables: ${params.connections} surtidores × ${params.inFlight} ventas en vuelo, ` +
      `${params.warmupS} s de calentamiento + ${params.durationS} s medidos; SQLite WAL, synchronous=${raw?.pragmas.synchronous === 2 ? 'FULL' : String(raw?.pragmas.synchronous ?? 'n/d')}`,
    `Máquina: ${m.cpus} × ${m.model}, Node ${m.node}`,
    '',
  ];
  const lines = rows.map(([label, value]) => `${label.padEnd(42)}${value.padStart(14)}`);
  const extra: string[] = [];
  if (run.profile) extra.push('', formatSummary(run.profile), `perfil completo: ${run.profile.file}`);
  const logs = run.logs;
  if (logs.warnings + logs.errors + logs.stderrLines > 0) {
    extra.push(
      '',
      `log de la estación: ${logs.warnings} warn, ${logs.errors} error, ${logs.stderrLines} líneas en stderr`,
    );
    for (const s of logs.samples) extra.push(`  ${s}`);
  }
  return [...head, ...lines, ...extra].join('\n');
}

/** Writes bench/results/ventas-<timestamp>.json and returns its path. */
export function saveJson(run: VentasRun, at: Date): string {
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `ventas-${at.toISOString().replace(/:/g, '-')}.json`);
  const { load, ...rest } = run;
  // The ids never confirmed are a diagnosis, not a figure: only how many.
  const { unconfirmedIds: _ids, ...loadFigures } = load;
  const doc = { benchmark: 'ventas', at: at.toISOString(), machine: machineInfo(), ...rest, load: loadFigures };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}
