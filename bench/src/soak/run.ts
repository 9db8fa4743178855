/**
 * `bench soak`: a real station under a real-speed fleet — the surtidor simulator itself, the
 * closest thing to real pumps (sales, live state, heartbeats at their real pace) — for minutes,
 * sampled every interval: the station's RSS and CPU from /proc, its heap and event-loop delay
 * from its own Prometheus metrics. What it answers: does anything grow or slow down with time?
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startObservedStation, sumOf } from '../estacion.js';
import { type Child, removeTempDir, startNode, tempDir } from '../hub/children.js';
import { cpuPercent, type ProcSample, sampleProc } from '../hub/proc-stats.js';
import { ROOT } from '../hub/run.js';

const SURTIDOR_BIN = path.join(ROOT, 'surtidor', 'bin', 'surtidor.js');
/** Above this a surtidor process (one thread) is close to its own limit: the fleet would slow down. */
const SURTIDOR_CPU_LIMIT = 80;

export interface SoakParams {
  minutes: number;
  pumps: number;
  /** Surtidor processes sharing the pumps. */
  processes: number;
  intervalS: number;
  warmupS: number;
  registerTimeoutS: number;
}

export interface SoakSample {
  /** Seconds since the measurement started (all pumps registered). */
  t: number;
  rssMiB: number | null;
  heapMiB: number | null;
  /** Event-loop delay p99 over the interval (prom-client resets it on every scrape). */
  eventLoopP99Ms: number | null;
  eventLoopMaxMs: number | null;
  /** Station CPU over the interval, % of one core. */
  cpuPct: number | null;
  /** Sales stored so far (estacion_transacciones_total). */
  ventas: number | null;
  conexiones: number | null;
  /** All surtidor processes together. */
  surtidorCpuPct: number | null;
  surtidorRssMiB: number | null;
}

export interface SoakSummary {
  registerS: number | null;
  rssAfterWarmupMiB: number | null;
  rssEndMiB: number | null;
  /** (end − after warm-up) / after warm-up, %. */
  rssDriftPct: number | null;
  /** Least-squares slope of RSS after the warm-up, MiB per minute. */
  rssSlopeMiBPerMin: number | null;
  heapAfterWarmupMiB: number | null;
  heapEndMiB: number | null;
  heapDriftPct: number | null;
  eventLoopP99MedianMs: number | null;
  eventLoopP99MaxMs: number | null;
  cpuMeanPct: number | null;
  ventasPerS: number | null;
  surtidorCpuMaxPct: number | null;
}

export interface SoakRun {
  params: SoakParams;
  samples: SoakSample[];
  summary: SoakSummary;
  problems: string[];
}

const MiB = (bytes: number | undefined | null) => (bytes === undefined || bytes === null ? null : bytes / 2 ** 20);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : (s[Math.floor((s.length - 1) / 2)] ?? null);
};
const drift = (from: number | null | undefined, to: number | null | undefined) =>
  from === null || from === undefined || to === null || to === undefined || from === 0
    ? null
    : ((to - from) / from) * 100;

function slope(points: { x: number; y: number }[]): number | null {
  if (points.length < 2) return null;
  const mx = points.reduce((a, p) => a + p.x, 0) / points.length;
  const my = points.reduce((a, p) => a + p.y, 0) / points.length;
  const sxx = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return sxx === 0 ? null : points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0) / sxx;
}

/** Figures of the whole run; the warm-up samples only count for the "after warm-up" reference. */
export function summarize(samples: SoakSample[], params: SoakParams, registerS: number | null): SoakSummary {
  const after = samples.filter((s) => s.t >= params.warmupS);
  const first = after[0];
  const last = samples.at(-1);
  const known = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
  const p99s = known(after.map((s) => s.eventLoopP99Ms));
  const cpus = known(after.map((s) => s.cpuPct));
  const rss = after.flatMap((s) => (s.rssMiB === null ? [] : [{ x: s.t / 60, y: s.rssMiB }]));
  const sold = first && last && first.ventas !== null && last.ventas !== null && last.t > first.t;
  return {
    registerS,
    rssAfterWarmupMiB: first?.rssMiB ?? null,
    rssEndMiB: last?.rssMiB ?? null,
    rssDriftPct: drift(first?.rssMiB, last?.rssMiB),
    rssSlopeMiBPerMin: slope(rss),
    heapAfterWarmupMiB: first?.heapMiB ?? null,
    heapEndMiB: last?.heapMiB ?? null,
    heapDriftPct: drift(first?.heapMiB, last?.heapMiB),
    eventLoopP99MedianMs: median(p99s),
    eventLoopP99MaxMs: p99s.length > 0 ? Math.max(...p99s) : null,
    cpuMeanPct: cpus.length > 0 ? cpus.reduce((a, b) => a + b, 0) / cpus.length : null,
    ventasPerS: sold ? ((last.ventas ?? 0) - (first.ventas ?? 0)) / (last.t - first.t) : null,
    surtidorCpuMaxPct: (() => {
      const xs = known(after.map((s) => s.surtidorCpuPct));
      return xs.length > 0 ? Math.max(...xs) : null;
    })(),
  };
}

function startFleet(pumps: number, processes: number, pumpPort: number): { children: Child[]; dirs: string[] } {
  const children: Child[] = [];
  const dirs: string[] = [];
  const per = Math.ceil(pumps / processes);
  for (let p = 0; p < processes; p++) {
    const first = p * per + 1;
    const count = Math.min(per, pumps - p * per);
    if (count <= 0) break;
    const outbox = tempDir('bench-soak-outbox-');
    dirs.push(outbox);
    children.push(
      startNode(
        `surtidor ${p + 1}`,
        SURTIDOR_BIN,
        [
          ...['--estacion', `127.0.0.1:${pumpPort}`, '--count', String(count), '--first-id', String(first)],
          ...['--outbox-dir', outbox, '--no-table', '--log-pretty=false', '--stats-interval', '60'],
          ...['--shutdown-timeout', '2', '--confirm-wait', '5'],
        ],
        { cwd: ROOT },
      ),
    );
  }
  return { children, dirs };
}

export async function runSoak(params: SoakParams, progress: (line: string) => void): Promise<SoakRun> {
  const station = await startObservedStation({ maxPumps: params.pumps });
  const pid = station.child.proc.pid;
  const fleet = startFleet(params.pumps, params.processes, station.pumpPort);
  const problems: string[] = [];
  try {
    const started = performance.now();
    let registerS: number | null = null;
    try {
      await Promise.all(
        fleet.children.map((c) =>
          c.waitForLine((e) => e.msg === 'todos los surtidores registrados', params.registerTimeoutS * 1000),
        ),
      );
      registerS = (performance.now() - started) / 1000;
      progress(
        `  ${params.pumps} surtidores registrados en ${registerS.toFixed(1)} s; midiendo ${params.minutes} min, una muestra cada ${params.intervalS} s…`,
      );
    } catch (err) {
      problems.push(`no se registraron todos los surtidores: ${err instanceof Error ? err.message : String(err)}`);
      progress(`  AVISO: ${problems.at(-1)}; se mide igual`);
    }
    // This first scrape also resets the event-loop histogram: each later one reports its interval.
    const first = await station.metrics();
    const t0 = performance.now();
    let prev: ProcSample = sampleProc(pid);
    let prevFleet: ProcSample[] = fleet.children.map((c) => sampleProc(c.proc.pid));
    // t = 0: memory as the fleet starts selling; rates need an interval, so they start at the next.
    const samples: SoakSample[] = [
      {
        t: 0,
        rssMiB: prev.rssKiB === null ? null : prev.rssKiB / 1024,
        heapMiB: MiB(first.get('estacion_nodejs_heap_size_used_bytes')),
        eventLoopP99Ms: null,
        eventLoopMaxMs: null,
        cpuPct: null,
        ventas: sumOf(first, 'estacion_transacciones_total'),
        conexiones: first.get('estacion_conexiones_surtidores') ?? null,
        surtidorCpuPct: null,
        surtidorRssMiB: null,
      },
    ];
    const total = params.minutes * 60;
    for (let k = 1; k * params.intervalS <= total + 1e-9; k++) {
      // Sleep to the k-th mark, not for a fixed time: the scrape's own duration does not pile up.
      await sleep(Math.max(0, t0 + k * params.intervalS * 1000 - performance.now()));
      if (station.child.proc.exitCode !== null) throw new Error(`la estación terminó (${station.child.proc.exitCode})`);
      const now = sampleProc(pid);
      const fleetNow = fleet.children.map((c) => sampleProc(c.proc.pid));
      let m: Map<string, number> | null = null;
      try {
        m = await station.metrics();
      } catch {
        m = null;
      }
      const fleetCpu = fleetNow.map((s, i) => {
        const before = prevFleet[i];
        return before ? cpuPercent(before, s) : null;
      });
      const sample: SoakSample = {
        t: Math.round((now.at - t0) / 100) / 10,
        rssMiB: now.rssKiB === null ? null : now.rssKiB / 1024,
        heapMiB: MiB(m?.get('estacion_nodejs_heap_size_used_bytes')),
        eventLoopP99Ms: m?.has('estacion_nodejs_eventloop_lag_p99_seconds')
          ? (m.get('estacion_nodejs_eventloop_lag_p99_seconds') ?? 0) * 1000
          : null,
        eventLoopMaxMs: m?.has('estacion_nodejs_eventloop_lag_max_seconds')
          ? (m.get('estacion_nodejs_eventloop_lag_max_seconds') ?? 0) * 1000
          : null,
        cpuPct: cpuPercent(prev, now),
        ventas: m ? sumOf(m, 'estacion_transacciones_total') : null,
        conexiones: m?.get('estacion_conexiones_surtidores') ?? null,
        surtidorCpuPct: fleetCpu.some((c) => c === null) ? null : fleetCpu.reduce<number>((a, b) => a + (b ?? 0), 0),
        surtidorRssMiB: fleetNow.some((s) => s.rssKiB === null)
          ? null
          : fleetNow.reduce((a, s) => a + (s.rssKiB ?? 0), 0) / 1024,
      };
      samples.push(sample);
      prev = now;
      prevFleet = fleetNow;
      const fmt = (v: number | null, d: number) => (v === null ? 'n/d' : v.toFixed(d));
      const clock = `${Math.floor(sample.t / 60)}:${String(Math.round(sample.t % 60)).padStart(2, '0')}`;
      progress(
        `  ${clock}: RSS ${fmt(sample.rssMiB, 1)} MiB, heap ${fmt(sample.heapMiB, 1)} MiB, ` +
          `bucle p99 ${fmt(sample.eventLoopP99Ms, 1)} ms, CPU ${fmt(sample.cpuPct, 0)} %, ` +
          `${fmt(sample.conexiones, 0)} conexiones, ${fmt(sample.ventas, 0)} ventas; surtidores CPU ${fmt(sample.surtidorCpuPct, 0)} %`,
      );
      for (const [i, c] of fleetCpu.entries()) {
        if (c !== null && c > SURTIDOR_CPU_LIMIT && !problems.some((p) => p.startsWith(`surtidor ${i + 1}:`)))
          problems.push(
            `surtidor ${i + 1}: ${c.toFixed(0)} % de CPU: el simulador, no la estación, pudo frenar la flota (use más --procesos)`,
          );
      }
    }
    const summary = summarize(samples, params, registerS);
    const low = samples.filter((s) => s.t >= params.warmupS && s.conexiones !== null && s.conexiones < params.pumps);
    if (low.length > 0)
      problems.push(
        `conexiones por debajo de ${params.pumps} en ${low.length} muestras (mínimo ${Math.min(...low.map((s) => s.conexiones ?? 0))})`,
      );
    const logs = station.child.logs;
    if (logs.errors > 0)
      problems.push(`la estación registró ${logs.errors} errores: ${logs.samples.slice(0, 3).join(' | ')}`);
    return { params, samples, summary, problems };
  } finally {
    await Promise.all(fleet.children.map((c) => c.stop(15_000)));
    await station.stop();
    for (const dir of fleet.dirs) removeTempDir(dir);
  }
}
