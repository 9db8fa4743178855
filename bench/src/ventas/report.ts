/** Prints the sales benchmark as a table and saves it as JSON under bench/results/. */
import { fmt, logLines, machineLine, ratio, type TableCells, writeResult } from '../hub/report.js';
import { textTable } from '../table.js';
import { formatSummary, type ProfileSummary } from './profile-summary.js';
import type { VentasRun } from './run.js';

/** The first line of the table: the load and the store. */
export function ventasHeader({ params, raw }: VentasRun): string {
  const synchronous = raw?.pragmas.synchronous === 2 ? 'FULL' : String(raw?.pragmas.synchronous ?? 'n/d');
  return (
    `Ventas durables: ${params.connections} surtidores × ${params.inFlight} ventas en vuelo, ` +
    `${params.warmupS} s de calentamiento + ${params.durationS} s medidos; SQLite WAL, synchronous=${synchronous}`
  );
}

/** µs of CPU per row of the raw insert (its CPU share × its wall time per row). */
const rawCpuUsPerRow = (run: VentasRun) => (run.raw ? (run.raw.cpuPct / 100) * run.raw.usPerRow : null);
const mib = (kib: number | null) => (kib === null ? null : kib / 1024);

/**
 * The station beside the floor measured in the same run (the rows it stored, inserted again with
 * raw better-sqlite3 in as many commits), as the terminal and the README show it.
 */
export function ventasCells(run: VentasRun): TableCells {
  const { load, raw, commit, durability, rss } = run;
  const row = (label: string, station: string, floor = '', ratioCell = '') => ({
    label,
    cells: [station, floor, ratioCell],
  });
  return {
    header: ['estación', 'better-sqlite3 directo', 'estación/directo'],
    rows: [
      row(
        'ventas confirmadas/s (directo: filas/s)',
        fmt(run.salesPerS, 0),
        fmt(raw?.rowsPerS, 0),
        fmt(run.ratioToRaw, 3),
      ),
      row(
        'CPU por venta (µs)',
        fmt(run.cpuUsPerSale, 2),
        fmt(rawCpuUsPerRow(run), 2),
        fmt(ratio(run.cpuUsPerSale, rawCpuUsPerRow(run)), 2),
      ),
      row('CPU (% de 1 núcleo)', fmt(run.cpuPct, 1), fmt(raw?.cpuPct, 1)),
      row('commits (toda la corrida)', fmt(commit?.commits, 0), fmt(raw?.commits, 0)),
      row('ventas por commit (media)', fmt(commit?.meanBatch, 1), fmt(raw?.meanBatch, 1)),
      row('duración media de un commit (ms)', fmt(commit?.meanCommitMs, 3)),
      row('latencia venta → confirmación p50 (ms)', fmt(load.latency?.p50, 2)),
      row('latencia p90 (ms)', fmt(load.latency?.p90, 2)),
      row('latencia p99 (ms)', fmt(load.latency?.p99, 2)),
      row('latencia máx (ms)', fmt(load.latency?.max, 2)),
      row('ventas confirmadas (total)', fmt(load.confirmed, 0)),
      row('filas en el archivo', fmt(durability.stored, 0), fmt(raw?.rows, 0)),
      row('confirmadas que faltan en el archivo', durability.checked ? fmt(durability.missing, 0) : 'n/d'),
      row('RSS final / pico (MiB)', `${fmt(mib(rss.end), 1)} / ${fmt(mib(rss.peak), 1)}`),
      row('CPU generador (%)', fmt(load.generatorCpuPct, 1)),
    ],
  };
}

/** Where a sale's time goes: the profile's buckets of at least `minPct` % of the window, the rest summed. */
export function profileCells(p: ProfileSummary, minPct = 1): TableCells {
  const shown = p.buckets.filter((b) => b.pct >= minPct);
  const rest = p.buckets.filter((b) => b.pct < minPct);
  const sum = (k: 'usPerSale' | 'pct') => rest.reduce((a, b) => a + (b[k] ?? 0), 0);
  const rows = shown.map((b) => ({ label: b.bucket, cells: [fmt(b.usPerSale, 2), fmt(b.pct, 1)] }));
  if (rest.length > 0)
    rows.push({
      label: `otros (${rest.length}, < ${minPct} % cada uno)`,
      cells: [fmt(sum('usPerSale'), 2), fmt(sum('pct'), 1)],
    });
  return { header: ['µs/venta', '% tiempo'], rows };
}

export function formatTable(run: VentasRun): string {
  const head = [ventasHeader(run), machineLine(), ''];
  const extra: string[] = [];
  if (run.profile) extra.push('', formatSummary(run.profile), `perfil completo: ${run.profile.file}`);
  const logs = logLines('la estación', run.logs);
  if (logs.length > 0) extra.push('', ...logs);
  return [...head, textTable(ventasCells(run)), ...extra].join('\n');
}

/** Writes bench/results/ventas-<timestamp>.json and returns its path. */
export function saveJson(run: VentasRun, at: Date): string {
  const { load, ...rest } = run;
  // The ids never confirmed are a diagnosis, not a figure: only how many.
  const { unconfirmedIds: _ids, ...loadFigures } = load;
  return writeResult('ventas', at, { ...rest, load: loadFigures });
}
