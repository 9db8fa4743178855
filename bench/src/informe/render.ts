/**
 * The README's "Benchmarks" section, generated from bench/results/: for each benchmark its latest
 * result — every figure, the command that produced it, the machine and the date. A pure function
 * of the result files (no clock, no machine, no directory order), so a test can check that the
 * README still says what the committed results say.
 *
 * Results written before a field existed are still shown: a missing command is rebuilt from the
 * recorded parameters where the benchmark's flags map onto them one to one, a missing machine is
 * said to be missing, and a benchmark this file does not know gets its numbers listed as they are.
 */
import { AUTH_HEAD, authCells } from '../auth/report.js';
import type { VariantResult } from '../auth/run.js';
import { escenarioLinea, fugasCells, veredicto } from '../fugas/report.js';
import type { ResultadoEscenario } from '../fugas/run.js';
import { figuresCells, fmt, type TableCells } from '../hub/report.js';
import type { Figures as HubFigures } from '../hub/run.js';
import type { LatencySummary } from '../hub/types.js';
import { type ParesDoc, paresHeader, paresTable, PER_MESSAGE, saturationLines, TARGET_LABEL } from '../pares/report.js';
import { cargaCsv, csvCells } from '../csv/report.js';
import type { CsvRun } from '../csv/run.js';
import { cargaDe, playaCells } from '../playa/report.js';
import type { PlayaRun } from '../playa/run.js';
import { preciosRows } from '../precios/command.js';
import type { PreciosRun } from '../precios/run.js';
import { recuperacionCells, recuperacionHeader } from '../recuperacion/report.js';
import { redCells, redLines } from '../red/report.js';
import type { RedRun } from '../red/run.js';
import type { RecuperacionFigures } from '../recuperacion/run.js';
import { type SoakDoc, soakHeader, soakTable } from '../soak/report.js';
import { surtidorCells } from '../surtidor/report.js';
import type { SurtidorFigures } from '../surtidor/run.js';
import { ingestCells, stormCells } from '../tls/report.js';
import type { TlsRun } from '../tls/run.js';
import { markdownTable } from '../table.js';
import { profileCells, ventasCells, ventasHeader } from '../ventas/report.js';
import type { VentasRun } from '../ventas/run.js';

export const BEGIN = '<!-- bench:inicio -->';
export const END = '<!-- bench:fin -->';

/** A file under bench/results/: its name and, for JSON, its text. */
export interface ResultFile {
  name: string;
  text?: string;
}

type Json = Record<string, unknown>;
interface Machine {
  cpus?: number;
  model?: string;
  totalmemBytes?: number;
  node?: string;
}
interface Doc extends Json {
  benchmark: string;
  at?: string;
  command?: string;
  machine?: Machine;
  params?: Json;
  problems?: string[];
}

/** Known benchmarks first, in this order (the comparison and the long run lead); others after, by name. */
const ORDER = [
  'pares',
  'soak',
  'hub',
  'ventas',
  'recuperacion',
  'tls',
  'surtidor',
  'precios',
  'auth',
  'playa',
  'fugas',
  'csv',
  'red',
];

const TITLES: Record<string, string> = {
  pares: 'pares: the station beside a minimal Node server, mosquitto and aedes',
  soak: 'soak: a real-speed fleet for minutes',
  hub: 'hub: N pumps on the station versus the minimal server',
  ventas: 'ventas: durable sales at saturation versus raw better-sqlite3',
  recuperacion: 'recuperacion: N pumps back after the station is killed and restarted',
  tls: 'tls: what TLS costs the station, and a reconnect storm of TLS pumps',
  surtidor: 'surtidor: pumps one simulator process sustains',
  precios: 'precios: price propagation company → stations → pumps',
  auth: 'auth: what authentication costs per REST request',
  playa: 'playa: one command for the whole forecourt, against a minimal server writing the same line',
  fugas: 'fugas: the leak detector over simulated months (detection rate, days to detect, false alarms)',
  csv: 'csv: CSV export of 1,000,000 sales',
  red: 'red: one company and thousands of fleet stations, against a raw write loop on the same sockets',
};

/** `--name value` for a recorded number or string parameter; nothing when it is absent. */
const flag = (name: string, value: unknown) =>
  typeof value === 'number' || typeof value === 'string' ? [`--${name}`, String(value)] : [];

/** For results saved before `command` was recorded: the flags that reproduce their parameters. */
/** The hub load's flags (LoadParams), which `hub` and `tls` share. */
const loadFlags = (p: Json) => [
  ...flag('connections', p.connections),
  ...flag('estado-interval-ms', p.estadoIntervalMs),
  ...flag('tx-per-second', p.txPerSecond),
  ...flag('duration', p.durationS),
  ...flag('warmup', p.warmupS),
];

const COMMAND_FROM_PARAMS: Record<string, (p: Json) => string[]> = {
  hub: (p) => [...loadFlags(p), ...(p.ceiling === false ? ['--no-ceiling'] : [])],
  tls: (p) => [...loadFlags(p), ...flag('storm', p.storm), ...(p.mutual === true ? ['--mutual'] : [])],
  ventas: (p) => [
    ...flag('surtidores', p.connections),
    ...flag('en-vuelo', p.inFlight),
    ...flag('duracion', p.durationS),
    ...flag('calentamiento', p.warmupS),
    ...(p.profile === false ? ['--no-perfil'] : []),
  ],
  precios: (p) => [
    ...flag('stations', p.stations),
    ...flag('pumps', p.pumpsPerStation),
    ...flag('rounds', p.rounds),
    ...flag('warmup', p.warmup),
  ],
  auth: (p) => [
    ...flag('inject', p.injectRequests),
    ...flag('requests', p.httpRequests),
    ...flag('concurrency', p.concurrency),
  ],
};

function commandOf(doc: Doc): string {
  if (doc.command) return `\`${doc.command}\``;
  const rebuild = COMMAND_FROM_PARAMS[doc.benchmark];
  const args = rebuild && doc.params ? rebuild(doc.params) : [];
  return `\`${['npm run bench --', doc.benchmark, ...args].join(' ')}\` (${rebuild ? 'rebuilt from the recorded parameters' : 'options not recorded'})`;
}

function machineOf(m: Machine | undefined): string {
  if (!m?.model) return 'machine not recorded';
  const ram = m.totalmemBytes ? `, ${(m.totalmemBytes / 2 ** 30).toFixed(1)} GiB RAM` : '';
  return `${m.cpus ?? '?'} × ${m.model}${ram}, Node ${m.node ?? '?'}`;
}

const dateOf = (at: string | undefined) => (at ? `${at.slice(0, 10)} ${at.slice(11, 16)} UTC` : 'date not recorded');

const bullets = (lines: string[]) => lines.map((l) => `- ${l}`).join('\n');

/** The first two lines of a text header, as plain paragraphs (the machine line is said elsewhere). */
const firstLine = (header: string) => header.split('\n')[0] ?? '';

function hubTable(doc: Doc): TableCells {
  const estacion = doc.estacion as HubFigures;
  const techo = doc.techo as HubFigures | null;
  // As `bench hub` prints it (formatTable).
  return techo
    ? figuresCells(
        [
          { title: 'estación', f: estacion },
          { title: 'techo', f: techo },
        ],
        [{ title: 'estación/techo', num: estacion, den: techo }],
      )
    : figuresCells([{ title: 'estación', f: estacion }]);
}

function preciosTable(doc: Doc): TableCells {
  const ms = (s: LatencySummary | null, k: 'p50' | 'p90' | 'max') => fmt(s?.[k], 1);
  return {
    header: ['p50 ms', 'p90 ms', 'máx ms'],
    rows: preciosRows(doc.summary as PreciosRun['summary']).map(([label, s]) => ({
      label,
      cells: [ms(s, 'p50'), ms(s, 'p90'), ms(s, 'max')],
    })),
  };
}

function authTable(doc: Doc): TableCells {
  const rows = doc.resultados as VariantResult[];
  return { header: AUTH_HEAD, rows: rows.map((r) => ({ label: r.variante, cells: authCells(r) })) };
}

/** A benchmark this file does not know: its parameters and every number it recorded, by path. */
function genericTable(doc: Doc): TableCells {
  const rows: TableCells['rows'] = [];
  const skip = new Set(['benchmark', 'at', 'command', 'machine', 'problems']);
  const walk = (value: unknown, pathSoFar: string, depth: number) => {
    if (rows.length >= 60) return;
    if (typeof value === 'number')
      rows.push({ label: pathSoFar, cells: [Number.isInteger(value) ? String(value) : value.toFixed(2)] });
    else if (typeof value === 'boolean' || typeof value === 'string') {
      if (depth <= 2 && String(value).length <= 60) rows.push({ label: pathSoFar, cells: [String(value)] });
    } else if (value && typeof value === 'object' && depth < 4) {
      for (const [k, v] of Object.entries(value)) walk(v, pathSoFar ? `${pathSoFar}.${k}` : k, depth + 1);
    }
  };
  for (const [k, v] of Object.entries(doc)) if (!skip.has(k)) walk(v, k, 0);
  return { header: ['valor'], rows };
}

function body(doc: Doc, files: Set<string>, name: string): string[] {
  const out: string[] = [];
  switch (doc.benchmark) {
    case 'pares': {
      const d = doc as unknown as ParesDoc;
      out.push(firstLine(paresHeader(d)), '', markdownTable(paresTable(d)), '');
      if (d.fixedRate.why) out.push(`Fixed rate scaled down: ${d.fixedRate.why}.`, '');
      out.push('Which side gave way at saturation:', '', bullets(saturationLines(d)), '');
      out.push('What each server does per message:', '');
      out.push(
        bullets(
          d.results.map((r) => `${TARGET_LABEL[r.target]}: ${d.perMessage?.[r.target] ?? PER_MESSAGE[r.target]}`),
        ),
      );
      break;
    }
    case 'soak': {
      const d = doc as unknown as SoakDoc;
      out.push(firstLine(soakHeader(d)), '', markdownTable(soakTable(d)));
      const svg = name.replace(/\.json$/, '.svg');
      if (files.has(svg)) out.push('', `![${TITLES.soak}](bench/results/${svg})`);
      break;
    }
    case 'hub':
      out.push(markdownTable(hubTable(doc)));
      break;
    case 'tls': {
      const d = doc as unknown as TlsRun;
      const ingest = ingestCells(d.ingest);
      if (ingest) out.push('Ingest, the hub load with and without TLS:', '', markdownTable(ingest));
      if (d.storm)
        out.push('', `Reconnect storm, ${d.storm.pumps} TLS pumps at once:`, '', markdownTable(stormCells(d.storm)));
      break;
    }
    case 'ventas': {
      const d = doc as unknown as VentasRun;
      out.push(firstLine(ventasHeader(d)), '', markdownTable(ventasCells(d)));
      if (d.profile)
        out.push(
          '',
          `Where a sale's time goes (the station under \`--cpu-prof\`, wall time in the window): ` +
            `${fmt(d.profile.busyUsPerSale, 2)} µs busy per sale.`,
          '',
          markdownTable(profileCells(d.profile)),
        );
      break;
    }
    case 'recuperacion': {
      const runs = doc.runs as RecuperacionFigures[];
      out.push(recuperacionHeader(runs), '', markdownTable(recuperacionCells(runs), 'surtidores'));
      const problems = runs.flatMap((r) => r.problems.map((x) => `${r.params.surtidores}: ${x}`));
      if (problems.length > 0) out.push('', 'Problems recorded in this run:', '', bullets(problems));
      break;
    }
    case 'surtidor':
      out.push(markdownTable(surtidorCells(doc.runs as SurtidorFigures[]), 'surtidores'));
      break;
    case 'precios':
      out.push(markdownTable(preciosTable(doc)));
      break;
    case 'auth':
      out.push(markdownTable(authTable(doc)));
      break;
    case 'playa':
      out.push(
        'POST /api/surtidores/comando to every connected pump, which answers `comando_ejecutado` at once (raw TCP',
        'clients in their own process). Station: from the REST request to the last answer sent, and to the REST',
        'response; base: a minimal Node TCP server writing the same command line to the same sockets in one loop,',
        'from before the loop to the last answer.',
        '',
        `Machine load: ${cargaDe(doc as unknown as PlayaRun)}.`,
        '',
        markdownTable(playaCells(doc as unknown as PlayaRun)),
      );
      break;
    case 'fugas':
      out.push(
        'Each month: one 30 000 L tank of the simulator (surtidor/src/domain/tanque.ts), four nozzles, Poisson',
        'customers by hour and weekday, deliveries when low, the leak from the first hour; the station detector',
        '(estacion/src/domain/fugas.ts, docs/conciliacion.md) runs at the end of every day on the data so far.',
        'Detection: a FUGA_SOSPECHADA on any day of the month; false alarm: that alert on any day of a leak-free',
        'month. Intervals: Wilson 95 %. In `adverso`, most DIFERENCIA_INVENTARIO on leak-free months come from the',
        'injected gauge-chart error (a chart up to 1 % off scales every litre sold): a real discrepancy, which that',
        'alert is there to report.',
      );
      for (const r of doc.escenarios as ResultadoEscenario[])
        out.push(
          '',
          `${escenarioLinea(r)}.`,
          '',
          markdownTable(fugasCells(r)),
          '',
          bullets([veredicto(r, 0.76), veredicto(r, 0.38)]),
        );
      break;
    case 'csv':
      out.push(
        'The sales are seeded straight into a station SQLite file; the station (its own process) streams',
        'GET /api/transacciones?formato=csv to a fetch that reads it to the end, while its RSS is read from',
        '/proc every 50 ms. "Above the base" is the peak minus the RSS of the station on the same file after a',
        "warm-up export of 300 sales. The V8 heap figures come from the station's /metrics, read every second",
        'during the export.',
        '',
        `Machine load: ${cargaCsv(doc as unknown as CsvRun)}.`,
        '',
        markdownTable(csvCells(doc as unknown as CsvRun)),
      );
      break;
    case 'red': {
      const d = doc as unknown as RedRun;
      out.push(
        'Per size: a fresh `empresa serve` (SQLite), the station fleet (`estacion-fleet`, shard processes of',
        'up to 4000 stations), N stations registered over the API, then the company restarted on the same store',
        "(RSS per link = its RSS with every link synchronized minus a fresh company's, over N). Price times run",
        "from just before `PUT /api/precios` to each station's receipt of the new version (the fleet's clock,",
        'all measured rounds pooled); "registered all" polls GET /api/estaciones once the fleet has it everywhere.',
        'Base: a minimal Node client in its own process, connected to the same N stations, writing the same',
        '`actualizacion_precios` line to every socket in one loop. Sales: the fleet sells at the offered rate',
        'while the company is subscribed; confirmed = acknowledged after its durable write.',
        '',
        bullets(redLines(d)),
        '',
        markdownTable(redCells(d)),
      );
      break;
    }
    default:
      out.push(markdownTable(genericTable(doc)));
  }
  if (doc.problems && doc.problems.length > 0)
    out.push('', 'Problems recorded in this run:', '', bullets(doc.problems));
  return out;
}

/** The latest result of each benchmark: by its recorded date, else by its file name. */
function latest(files: ResultFile[]): { name: string; doc: Doc }[] {
  const byBenchmark = new Map<string, { name: string; doc: Doc; key: string }>();
  for (const f of files) {
    if (!f.name.endsWith('.json') || f.text === undefined) continue;
    let doc: Doc;
    try {
      doc = JSON.parse(f.text) as Doc;
    } catch {
      continue;
    }
    const benchmark = typeof doc.benchmark === 'string' ? doc.benchmark : f.name.replace(/-\d{4}-.*$/, '');
    doc.benchmark = benchmark;
    const key = `${doc.at ?? ''}\u0000${f.name}`;
    const seen = byBenchmark.get(benchmark);
    if (!seen || key > seen.key) byBenchmark.set(benchmark, { name: f.name, doc, key });
  }
  const rank = (b: string) => (ORDER.includes(b) ? ORDER.indexOf(b) : ORDER.length);
  return [...byBenchmark.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([, v]) => ({ name: v.name, doc: v.doc }));
}

/** The whole section, markers included. */
export function renderBenchmarks(files: ResultFile[]): string {
  const names = new Set(files.map((f) => f.name));
  const parts = [
    BEGIN,
    '## Benchmarks',
    '',
    'Generated by `npm run bench -- informe` from the latest result of each benchmark in',
    '[`bench/results/`](bench/results/); do not edit by hand (a test checks it matches). Figures are',
    'as the benchmark printed them; every table says which command produced it, on which machine and when.',
  ];
  for (const { name, doc } of latest(files)) {
    parts.push(
      '',
      `### ${TITLES[doc.benchmark] ?? doc.benchmark}`,
      '',
      `${commandOf(doc)} · ${dateOf(doc.at)} · ${machineOf(doc.machine)} · [${name}](bench/results/${name})`,
      '',
      ...body(doc, names, name),
    );
  }
  parts.push(END);
  return `${parts.join('\n')}\n`;
}

/** README with its section replaced (or appended when the markers are not there yet). */
export function replaceSection(readme: string, section: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start === -1 || end === -1 || end < start) return `${readme.trimEnd()}\n\n${section}`;
  const after = readme.slice(end + END.length).replace(/^\n/, '');
  return `${readme.slice(0, start)}${section}${after}`;
}

/** The section currently in the README, markers included; null when there is none. */
export function currentSection(readme: string): string | null {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  return start === -1 || end === -1 || end < start ? null : `${readme.slice(start, end + END.length)}\n`;
}
