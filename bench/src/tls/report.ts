/** Prints the tls benchmark as two tables (ingest, storm) and saves it as JSON under bench/results/. */
import {
  type Cell,
  cpuPerLineUs,
  figuresCells,
  fmt,
  logLines,
  loadHead,
  ratio,
  type TableCells,
  tableLines,
  writeResult,
} from '../hub/report.js';
import type { Figures } from '../hub/run.js';
import { total } from '../hub/stats.js';
import type { IngestRun, TlsRun } from './run.js';
import { REGISTER_TIMEOUT_MS, type StormPhase, type StormRun } from './storm.js';

const MiB = (kib: number | null) => (kib === null ? null : kib / 1024);
const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);

/** Each ingest variant's figures, and each TLS one over plain TCP (also the README's, see informe/). */
export function ingestCells(ingest: IngestRun[]): TableCells | null {
  const [plain, ...secure] = ingest;
  if (!plain) return null;
  return figuresCells(
    ingest.map((r) => ({ title: r.title, f: r.figures })),
    secure.map((r) => ({ title: `${r.title.replace(/^TLS /, '')}/sin TLS`, num: r.figures, den: plain.figures })),
  );
}

function ingestTable(ingest: IngestRun[]): string[] {
  const cells = ingestCells(ingest);
  return cells ? tableLines(cells.header, cells.rows) : [];
}

interface StormRow {
  label: string;
  value: (p: StormPhase) => Cell | string;
  digits?: number;
}

const STORM_ROWS: StormRow[] = [
  { label: 'registrados', value: (p) => `${p.result.registered}/${p.result.pumps}` },
  { label: 'todos registrados (s)', value: (p) => seconds(p.result.allRegisteredMs), digits: 2 },
  { label: 'la mitad registrada (s)', value: (p) => seconds(p.result.halfRegisteredMs), digits: 2 },
  { label: 'pico de registros/s (1 s)', value: (p) => p.result.peakPerS, digits: 0 },
  { label: 'CPU estación (% de 1 núcleo)', value: (p) => p.stationCpuPct, digits: 1 },
  { label: 'CPU estación por registro (ms)', value: (p) => p.stationCpuPerPumpMs, digits: 2 },
  { label: 'RSS estación al final (MiB)', value: (p) => MiB(p.stationRssKiB), digits: 1 },
  { label: 'intentos', value: (p) => p.result.attempts, digits: 0 },
  { label: 'intentos fallidos', value: (p) => total(p.result.failures), digits: 0 },
  { label: 'rechazos con reintentar_ms', value: (p) => p.result.retryAfter.count, digits: 0 },
  { label: 'desbordes de cola (sistema)', value: (p) => p.listenOverflows, digits: 0 },
  { label: 'tickets TLS ofrecidos', value: (p) => p.result.offeredSessions, digits: 0 },
  { label: 'sesiones TLS reanudadas', value: (p) => p.result.resumed, digits: 0 },
  { label: 'generador: abrir todo (s)', value: (p) => seconds(p.result.dialMs), digits: 2 },
  { label: 'CPU generador (%)', value: (p) => p.result.generatorCpuPct, digits: 1 },
  { label: 'detener la estación (ms)', value: (p) => p.restart?.stopMs, digits: 0 },
  { label: 'arrancar la estación (ms)', value: (p) => p.restart?.startMs, digits: 0 },
];

function stormCell(p: StormPhase, row: StormRow): string {
  const v = row.value(p);
  if (typeof v === 'string') return v;
  return v === undefined ? '' : fmt(v, row.digits ?? 0);
}

/** Whether TLS sessions were resumed where they could be, in words. */
function resumptionLines(storm: StormRun): string[] {
  const byCause = (cause: StormPhase['cause']) => storm.phases.find((p) => p.cause === cause && p.offerSession);
  const restart = byCause('reinicio');
  const cut = byCause('corte');
  const lines: string[] = [];
  if (cut)
    lines.push(
      `reanudación de sesión TLS tras un corte: ${cut.result.resumed} de ${cut.result.registered} ` +
        '(la estación emite tickets TLS 1.3, como todo servidor Node; el generador los ofrece al reconectar, ' +
        'el simulador surtidor no)',
    );
  if (restart)
    lines.push(
      `reanudación tras reiniciar la estación: ${restart.result.resumed} de ${restart.result.registered}` +
        (restart.result.resumed === 0
          ? ' — no: cada arranque genera claves de ticket nuevas (no se guardan), los tickets anteriores no sirven'
          : ''),
    );
  return lines;
}

function failureLines(storm: StormRun): string[] {
  return storm.phases
    .filter((p) => total(p.result.failures) > 0)
    .map(
      (p) =>
        `  ${p.name}: ${Object.entries(p.result.failures)
          .sort((a, b) => b[1] - a[1])
          .map(([kind, n]) => `${n} × ${kind}`)
          .join(', ')}`,
    );
}

/** One column per storm phase (also the README's, see informe/). */
export function stormCells(storm: StormRun): TableCells {
  return {
    header: storm.phases.map((p) => p.name),
    rows: STORM_ROWS.map((row) => ({ label: row.label, cells: storm.phases.map((p) => stormCell(p, row)) })),
  };
}

function stormSection(storm: StormRun): string[] {
  const cells = stormCells(storm);
  const table = tableLines(cells.header, cells.rows);
  const failures = failureLines(storm);
  return [
    `Tormenta de reconexión: ${storm.pumps} surtidores TLS (certificado de servidor, sin certificado de cliente), todos a la vez;`,
    'cada uno reintenta con espera exponencial y jitter, nunca antes de reintentar_ms, y abandona un intento ' +
      `sin registro_confirmado a los ${REGISTER_TIMEOUT_MS / 1000} s`,
    'inicial: surtidores nuevos, estación recién iniciada · reinicio: SIGTERM y arranque en el mismo puerto y datos · ' +
      'corte: los surtidores cierran sus conexiones y reconectan (corte+reanuda: ofreciendo su ticket TLS)',
    'desbordes de cola: conexiones que el núcleo descartó por la cola de escucha llena (ListenOverflows, toda la máquina)',
    '',
    ...table,
    '',
    ...resumptionLines(storm),
    ...(failures.length > 0 ? ['intentos fallidos por causa:', ...failures] : []),
    ...storm.stationLogs.flatMap((logs, i) => logLines(`la estación (arranque ${i + 1})`, logs)),
  ];
}

export function formatTls(run: TlsRun): string {
  const { params, ingest, storm } = run;
  const head = loadHead('Ingesta', params);
  const logs = ingest.flatMap((r) => logLines(`la estación (${r.title})`, r.figures.logs));
  return [...head, ...ingestTable(ingest), ...logs, ...(storm ? ['', ...stormSection(storm)] : [])].join('\n');
}

function ratios(f: Figures, plain: Figures) {
  return {
    lineasPorS: ratio(f.sentPerS, plain.sentPerS),
    cpu: ratio(f.cpuPct, plain.cpuPct),
    cpuPorLinea: ratio(cpuPerLineUs(f), cpuPerLineUs(plain)),
    rssPorConexion: ratio(f.rssPerConnectionKiB, plain.rssPerConnectionKiB),
    latenciaP99: ratio(f.load.latency?.p99, plain.load.latency?.p99),
  };
}

/** Writes bench/results/tls-<timestamp>.json and returns its path. */
export function saveTlsJson(run: TlsRun, at: Date): string {
  const plain = run.ingest.find((r) => r.key === 'tcp')?.figures;
  const vsPlain = plain
    ? Object.fromEntries(run.ingest.filter((r) => r.key !== 'tcp').map((r) => [r.key, ratios(r.figures, plain)]))
    : {};
  return writeResult('tls', at, { ...run, ratiosFrenteASinTls: vsPlain });
}
