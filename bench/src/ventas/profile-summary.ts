/**
 * Where a sale's time goes: reads a V8 `.cpuprofile` (node --cpu-prof), keeps the samples inside
 * a time window, gives each sample to a bucket (JSON parsing, zod, plausibility, SQLite insert,
 * commit + fsync, ack write, events, logs, metrics…) and prints µs per sale per bucket.
 *
 * A sample goes to the bucket of the deepest frame of its stack that names one (so JSON.stringify
 * under the row builder counts as SQLite insert, a socket write under the ack as ack). Samples are
 * wall-clock: time blocked in fsync shows up under commit + fsync, time waiting for input as (idle).
 *
 *   node bench/dist/ventas/profile-summary.js <file.cpuprofile> [--ventas N] [--desde µs] [--hasta µs]
 *
 * (`--desde/--hasta`: the window in the profile's clock, CLOCK_MONOTONIC µs, as process.hrtime.)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Bucket {
  bucket: string;
  /** Wall time in the window (ms). */
  ms: number;
  usPerSale: number | null;
  pct: number;
}

export interface ProfileSummary {
  windowMs: number;
  sales: number | null;
  /** Every sample but (idle), per sale (µs). */
  busyUsPerSale: number | null;
  buckets: Bucket[];
  /** The functions with the most self time in the window. */
  top: { fn: string; ms: number; usPerSale: number | null }[];
}

type Rule = [url: RegExp, fn: RegExp | null, bucket: string];

/** Project and library frames, checked in order for one frame. */
const FRAME_RULES: Rule[] = [
  [/node_modules\/(pino|sonic-boom|thread-stream|pino-std-serializers|fast-redact)\//, null, 'registro (pino)'],
  [/node_modules\/prom-client\/|estacion\/dist\/app\/metrics\.js/, null, 'métricas (prom-client)'],
  [/node_modules\/zod\//, null, 'validación zod'],
  [/better-sqlite3\/lib\/methods\/transaction\.js/, null, 'commit + fsync (SQLite)'],
  [/better-sqlite3\/|estacion\/dist\/store\//, null, 'inserción SQLite (filas + INSERT)'],
  [/estacion\/dist\/domain\/plausibility\.js/, null, 'plausibilidad'],
  [/estacion\/dist\/ws\/|node_modules\/(ws|@fastify\/websocket)\//, null, 'eventos / puente WS'],
  [/estacion\/dist\/(tcp\/line-session|hub\/pump-session)\.js/, /^(send|flushCorked)$/, 'ack (JSON + escritura)'],
  [/shared\/dist\/protocol\/parse\.js/, /^encodeMessage$/, 'ack (JSON + escritura)'],
  [/shared\/dist\/protocol\/parse\.js/, null, 'JSON.parse'],
  [/shared\/dist\/codec\/line-decoder\.js/, null, 'framing (bytes → líneas)'],
  [/server\/dist\/store\/group-commit\.js/, null, 'group commit (cola, promesas)'],
  [/estacion\/dist\/(app|domain)\//, null, 'dominio (servicio, venta, estado)'],
  [/estacion\/dist\/(hub|tcp)\//, null, 'hub (sesión, despacho)'],
  [/node_modules\/(fastify|@fastify|avvio|light-my-request|find-my-way)\//, null, 'API HTTP'],
  [/\/(shared|server|estacion)\/dist\//, null, 'otros del proyecto'],
];

/** Node's own frames, when no project frame names a bucket (deepest first). */
const NODE_RULES: [RegExp, string][] = [
  [/^onStreamRead$/, 'red: lectura del socket'],
  [
    /^(writeGeneric|writevGeneric|_writeGeneric|_writev|handleWriteReq|afterWriteDispatched|onWriteComplete|writeUtf8String|writev)$/,
    'red: escritura del socket',
  ],
  [/^(processTicksAndRejections|runMicrotasks)$/, 'promesas / microtareas'],
  [/^(listOnTimeout|processTimers|processImmediate)$/, 'timers'],
];

const SPECIAL: Record<string, string> = {
  '(garbage collector)': 'GC',
  '(idle)': '(idle)',
  '(program)': '(program: V8/libuv fuera de JS)',
  '(root)': '(program: V8/libuv fuera de JS)',
};

function frameRule(f: CallFrame): string | null {
  if (f.url === '') return null;
  for (const [url, fn, bucket] of FRAME_RULES) {
    if (url.test(f.url) && (fn === null || fn.test(f.functionName))) return bucket;
  }
  return null;
}

export function summarizeProfile(
  profile: CpuProfile,
  opts: { sales?: number; fromUs?: number; toUs?: number; top?: number } = {},
): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const projectMemo = new Map<number, string | null>();
  const project = (id: number | undefined): string | null => {
    if (id === undefined) return null;
    const memo = projectMemo.get(id);
    if (memo !== undefined) return memo;
    const node = byId.get(id);
    const own = node ? frameRule(node.callFrame) : null;
    const result = own ?? project(parent.get(id));
    projectMemo.set(id, result);
    return result;
  };
  const bucketOf = (id: number): string => {
    const node = byId.get(id);
    const special = node ? SPECIAL[node.callFrame.functionName] : undefined;
    if (special && node?.callFrame.url === '') return special;
    const p = project(id);
    if (p !== null) return p;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const fn = byId.get(at)?.callFrame.functionName ?? '';
      for (const [re, bucket] of NODE_RULES) if (re.test(fn)) return bucket;
    }
    return 'node (otros)';
  };

  const from = opts.fromUs ?? Number.NEGATIVE_INFINITY;
  const to = opts.toUs ?? Number.POSITIVE_INFINITY;
  const perBucket = new Map<string, number>();
  const perFn = new Map<string, number>();
  let t = profile.startTime;
  let windowUs = 0;
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    t += timeDeltas[i] ?? 0;
    // A sample lasts until the next one.
    const dur = timeDeltas[i + 1] ?? 0;
    if (t < from || t >= to) continue;
    const id = samples[i] as number;
    windowUs += dur;
    const b = bucketOf(id);
    perBucket.set(b, (perBucket.get(b) ?? 0) + dur);
    const f = byId.get(id)?.callFrame;
    const name = f
      ? `${f.functionName || '(anónima)'} ${f.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}`
      : '?';
    perFn.set(name, (perFn.get(name) ?? 0) + dur);
  }
  const sales = opts.sales && opts.sales > 0 ? opts.sales : null;
  const per = (us: number) => (sales === null ? null : us / sales);
  const buckets = [...perBucket.entries()]
    .map(([bucket, us]) => ({
      bucket,
      ms: us / 1000,
      usPerSale: per(us),
      pct: windowUs > 0 ? (us / windowUs) * 100 : 0,
    }))
    .sort((a, b) => b.ms - a.ms);
  const idleUs = perBucket.get('(idle)') ?? 0;
  const top = [...perFn.entries()]
    .filter(([name]) => !name.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, opts.top ?? 25)
    .map(([fn, us]) => ({ fn, ms: us / 1000, usPerSale: per(us) }));
  return { windowMs: windowUs / 1000, sales, busyUsPerSale: per(windowUs - idleUs), buckets, top };
}

export function formatSummary(s: ProfileSummary): string {
  const lines: string[] = [];
  const num = (v: number | null, d: number) => (v === null ? 'n/d' : v.toFixed(d));
  lines.push(
    `perfil: ${(s.windowMs / 1000).toFixed(1)} s de muestras, ${s.sales ?? 'n/d'} ventas; ` +
      `ocupado (sin idle) ${num(s.busyUsPerSale, 2)} µs por venta`,
  );
  lines.push(`${'bucket'.padEnd(40)}${'µs/venta'.padStart(10)}${'% tiempo'.padStart(10)}`);
  for (const b of s.buckets)
    lines.push(`${b.bucket.padEnd(40)}${num(b.usPerSale, 2).padStart(10)}${b.pct.toFixed(1).padStart(10)}`);
  lines.push('', 'funciones con más tiempo propio:');
  for (const f of s.top) lines.push(`  ${num(f.usPerSale, 2).padStart(8)} µs/venta  ${f.fn}`);
  return lines.join('\n');
}

async function cli(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('profile-summary')
    .usage('$0 <archivo.cpuprofile> [--ventas N] [--desde µs] [--hasta µs]')
    .demandCommand(1, 1, 'indique el archivo .cpuprofile (node --cpu-prof)', 'un solo archivo .cpuprofile')
    .options({
      ventas: { type: 'number', describe: 'Ventas en la ventana (para µs por venta)' },
      desde: { type: 'number', describe: 'Inicio de la ventana (µs, reloj del perfil)' },
      hasta: { type: 'number', describe: 'Fin de la ventana (µs, reloj del perfil)' },
    })
    .strict()
    .version(false)
    .parseAsync();
  const profile = JSON.parse(readFileSync(String(argv._[0]), 'utf8')) as CpuProfile;
  const summary = summarizeProfile(profile, {
    ...(argv.ventas === undefined ? {} : { sales: argv.ventas }),
    ...(argv.desde === undefined ? {} : { fromUs: argv.desde }),
    ...(argv.hasta === undefined ? {} : { toUs: argv.hasta }),
  });
  console.log(formatSummary(summary));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await cli();
