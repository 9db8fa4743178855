/**
 * `bench surtidor`: one surtidor process with N simulated pumps against a real station. Measures
 * the surtidor process (CPU, RSS), what its pumps do (sales/s, lines/s, confirmations) and whether
 * it keeps up (every pump connected, the shared tick on time, confirmations keeping pace).
 */
import path from 'node:path';
import { type Child, type ExitInfo, removeTempDir, startNode, tempDir } from '../hub/children.js';
import { cpuPercent, type ProcSample, sampleProc } from '../hub/proc-stats.js';
import { ROOT, STATION_BIN, stationArgs } from '../hub/run.js';

const SURTIDOR_BIN = path.join(ROOT, 'surtidor', 'bin', 'surtidor.js');

export interface SurtidorParams {
  pumps: number;
  speed: number;
  meanIntervalS: number;
  warmupS: number;
  durationS: number;
  registerTimeoutS: number;
}

type Json = Record<string, unknown>;

interface Resumen {
  conectados: number;
  despachando: number;
  ventas: number;
  confirmadas: number;
  pendientes: number;
  reconexiones: number;
  enviadas: number;
  errores: Record<string, number>;
}
interface Tick {
  media_ms: number;
  max_ms: number;
  retraso_max_ms: number;
}

export interface SurtidorFigures {
  params: SurtidorParams;
  /** Time from start until every pump was registered (ms), null when they never all were. */
  registerMs: number | null;
  windowS: number;
  cpuPct: number | null;
  rssMiB: { start: number | null; end: number | null; peak: number | null };
  rssPerPumpKiB: number | null;
  ventasPerS: number;
  confirmadasPerS: number;
  lineasPerS: number;
  conectadosMin: number;
  despachandoMedio: number;
  reconexionesEnVentana: number;
  pendientesFin: number;
  tick: { mediaMs: number; maxMs: number; retrasoMaxMs: number };
  estacionCpuPct: number | null;
  errores: Record<string, number>;
  final: { code: number | null; signal: string | null; pendientes: number | null };
  problems: string[];
  sustained: boolean;
}

const MiB = (kib: number | null) => (kib === null ? null : Math.round((kib / 1024) * 10) / 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function problemsOf(f: Omit<SurtidorFigures, 'problems' | 'sustained'>): string[] {
  const out: string[] = [];
  const n = f.params.pumps;
  if (f.registerMs === null) out.push(`no se registraron los ${n} surtidores`);
  if (f.conectadosMin < n) out.push(`conectados bajó a ${f.conectadosMin} de ${n}`);
  if (f.reconexionesEnVentana > 0) out.push(`${f.reconexionesEnVentana} reconexiones en la ventana`);
  if (f.tick.retrasoMaxMs > 250) out.push(`el tick común se atrasó hasta ${f.tick.retrasoMaxMs} ms`);
  if (f.cpuPct !== null && f.cpuPct > 90) out.push(`CPU del surtidor ${f.cpuPct.toFixed(0)} % de un núcleo`);
  if (f.confirmadasPerS < f.ventasPerS * 0.9) {
    out.push(`confirmaciones ${f.confirmadasPerS.toFixed(1)}/s no siguen a las ventas ${f.ventasPerS.toFixed(1)}/s`);
  }
  for (const [codigo, k] of Object.entries(f.errores)) out.push(`${k} × error ${codigo} de la estación`);
  if (f.final.code !== 0) out.push(`el surtidor terminó con ${f.final.signal ?? f.final.code}`);
  return out;
}

export async function runSurtidor(params: SurtidorParams, progress: (line: string) => void): Promise<SurtidorFigures> {
  const dataDir = tempDir('bench-surtidor-estacion-');
  const outboxDir = tempDir('bench-surtidor-outbox-');
  const station = startNode(
    'estacion',
    STATION_BIN,
    // The benchmarks' station flags, its admission as it is (the simulator honours a deferral), and
    // up to 20000 pumps, over the station's default --max-pumps.
    [...stationArgs(dataDir, 0, { admission: true }), '--max-pumps', '20000'],
    { cwd: ROOT },
  );
  let pumps: Child | undefined;
  try {
    const ready = await station.waitForLine((e) => e.escuchando === 'surtidores', 30_000);
    const stationPid = station.proc.pid;
    const started = performance.now();
    pumps = startNode(
      'surtidor',
      SURTIDOR_BIN,
      [
        ...['--estacion', `127.0.0.1:${Number(ready.puerto)}`, '--count', String(params.pumps)],
        ...['--speed', String(params.speed), '--mean-interval', String(params.meanIntervalS)],
        ...['--outbox-dir', outboxDir, '--stats-interval', '1', '--no-table', '--log-pretty=false'],
        ...['--shutdown-timeout', '2', '--confirm-wait', '5'],
      ],
      { cwd: ROOT },
    );
    const pid = pumps.proc.pid;
    const resumenes: { at: number; r: Resumen; tick: Tick }[] = [];
    let final: Json | undefined;
    pumps.onLine((e) => {
      if (e.msg === 'resumen') resumenes.push({ at: performance.now(), r: e.resumen as Resumen, tick: e.tick as Tick });
      if (e.msg === 'resumen final') final = e.resumen as Json;
    });
    let registerMs: number | null = null;
    try {
      await pumps.waitForLine((e) => e.msg === 'todos los surtidores registrados', params.registerTimeoutS * 1000);
      registerMs = performance.now() - started;
    } catch {
      registerMs = null;
    }
    progress(
      `  ${params.pumps} surtidores: registrados en ${registerMs === null ? 'n/d' : `${(registerMs / 1000).toFixed(1)} s`}; ${params.warmupS} s de calentamiento + ${params.durationS} s medidos…`,
    );
    await sleep(params.warmupS * 1000);
    const first = resumenes.length;
    const startSample: ProcSample = sampleProc(pid);
    const stationStart = sampleProc(stationPid);
    let peak = startSample.rssKiB;
    for (let s = 0; s < params.durationS; s++) {
      await sleep(1000);
      const now = sampleProc(pid);
      if (now.rssKiB !== null && (peak === null || now.rssKiB > peak)) peak = now.rssKiB;
    }
    const endSample = sampleProc(pid);
    const stationEnd = sampleProc(stationPid);
    const window = resumenes.slice(first);
    const a = resumenes[first - 1] ?? resumenes[first];
    const b = resumenes.at(-1);
    const span = a && b && b.at > a.at ? (b.at - a.at) / 1000 : 1;
    const delta = (k: 'ventas' | 'confirmadas' | 'enviadas') => (a && b ? (b.r[k] - a.r[k]) / span : 0);
    const exit: ExitInfo = await pumps.stop(30_000);
    for (let i = 0; i < 20 && final === undefined; i++) await sleep(50);
    const figures = {
      params,
      registerMs,
      windowS: span,
      cpuPct: cpuPercent(startSample, endSample),
      rssMiB: { start: MiB(startSample.rssKiB), end: MiB(endSample.rssKiB), peak: MiB(peak) },
      rssPerPumpKiB: endSample.rssKiB === null ? null : Math.round((endSample.rssKiB / params.pumps) * 10) / 10,
      ventasPerS: delta('ventas'),
      confirmadasPerS: delta('confirmadas'),
      lineasPerS: delta('enviadas'),
      conectadosMin: window.length > 0 ? Math.min(...window.map((w) => w.r.conectados)) : 0,
      despachandoMedio: window.length > 0 ? window.reduce((sum, w) => sum + w.r.despachando, 0) / window.length : 0,
      reconexionesEnVentana: a && b ? b.r.reconexiones - a.r.reconexiones : 0,
      pendientesFin: b?.r.pendientes ?? 0,
      tick: {
        mediaMs: window.length > 0 ? window.reduce((s, w) => s + w.tick.media_ms, 0) / window.length : 0,
        maxMs: Math.max(0, ...window.map((w) => w.tick.max_ms)),
        retrasoMaxMs: Math.max(0, ...window.map((w) => w.tick.retraso_max_ms)),
      },
      estacionCpuPct: cpuPercent(stationStart, stationEnd),
      errores: b?.r.errores ?? {},
      final: {
        code: exit.code,
        signal: exit.signal,
        pendientes: typeof final?.pendientes === 'number' ? final.pendientes : null,
      },
    };
    const problems = problemsOf(figures);
    return { ...figures, problems, sustained: problems.length === 0 };
  } finally {
    await pumps?.stop(5000);
    await station.stop(10_000);
    removeTempDir(dataDir);
    removeTempDir(outboxDir);
  }
}
