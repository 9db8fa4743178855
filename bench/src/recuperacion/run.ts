/**
 * `bench recuperacion`: N real simulated pumps (the `surtidor` binary, one or more processes)
 * registered at a real station; the station is stopped (SIGKILL by default, or SIGTERM) and
 * started again on the same port and data dir. Measured from the station's own log: when each pump
 * registered again ("surtidor registrado", pino's `time`), how many per second, how many
 * `registro` were deferred by its admission (its "admisión de registros" lines) and its CPU; from
 * the pumps' side: the refusals they got, by code.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Child, removeTempDir, startNode, tempDir } from '../hub/children.js';
import { cpuPercent, type ProcSample, sampleProc } from '../hub/proc-stats.js';
import { ROOT, STATION_BIN, stationArgs } from '../hub/run.js';

const SURTIDOR_BIN = path.join(ROOT, 'surtidor', 'bin', 'surtidor.js');
const READY_TIMEOUT_MS = 60_000;

type Json = Record<string, unknown>;
export type StopSignal = 'SIGKILL' | 'SIGTERM';

export interface RecuperacionParams {
  surtidores: number;
  /** Simulator processes the pumps are split over. */
  procesos: number;
  signal: StopSignal;
  /** Seconds between "all registered" and the restart. */
  asentamientoS: number;
  /** Seconds between the old station's exit and starting the new one (0: at once). */
  pausaS: number;
  /** Seconds to wait for every pump to come back. */
  timeoutS: number;
  /** `--mean-interval` of the simulators (simulated seconds between customers of one pump). */
  meanIntervalS: number;
  /** More flags for the station (e.g. `--registration-rate 500`), passed as they are. */
  estacionArgs: string[];
  /** More flags for every simulator process. */
  surtidorArgs: string[];
}

/** TCP counters of the whole machine that explain a connection waiting a second (a SYN retransmit). */
const TCP_COUNTERS = ['ListenOverflows', 'TCPSYNChallenge', 'TCPSynRetrans', 'TCPTimeouts'] as const;
type TcpCounters = Record<(typeof TCP_COUNTERS)[number], number>;

/** Reads TcpExt counters from /proc/net/netstat (Linux), or null. */
function tcpCounters(): TcpCounters | null {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    const i = lines.findIndex((l) => l.startsWith('TcpExt:'));
    const names = lines[i]?.split(' ') ?? [];
    const values = lines[i + 1]?.split(' ') ?? [];
    const out = {} as TcpCounters;
    for (const name of TCP_COUNTERS) out[name] = Number(values[names.indexOf(name)] ?? NaN);
    return TCP_COUNTERS.every((n) => Number.isFinite(out[n])) ? out : null;
  } catch {
    return null;
  }
}

/** The limit of `target` seconds this issue set for a fleet size, if any. */
export function targetSeconds(n: number): number | null {
  if (n <= 1000) return 5;
  if (n <= 10_000) return 15;
  return null;
}

export interface RecuperacionFigures {
  params: RecuperacionParams;
  /** From starting the simulators until the station had every pump (ms). */
  registroInicialMs: number | null;
  /** From the stop signal until the old station exited (ms). */
  paradaMs: number;
  /** From the stop signal until the new station listened on the pump port (ms). */
  caidaMs: number;
  /** From the stop signal until every pump was registered again (ms): the figure of the issue. */
  todosMs: number | null;
  /** From the new station listening until every pump was registered again (ms). */
  todosDesdeEscuchaMs: number | null;
  /** Each pump's return, from the stop signal (ms). */
  retorno: { p50: number | null; p90: number | null; p99: number | null; primero: number | null };
  registrados: number;
  /** `registro` accepted by the new station, counting a pump twice if it registered twice. */
  registrosTotales: number;
  /** Registrations per second in 1 s bins from the moment the new station listened. */
  porSegundo: number[];
  /** The same in 100 ms bins. */
  por100ms: number[];
  /**
   * The station's admission second by second (its log lines), `t` in s from when it listened:
   * admitted and deferred in that second, pumps holding a slot at its end.
   */
  admisionPorSegundo: { t: number; admitidos: number; diferidos: number; en_espera: number }[];
  picoPorSegundo: number;
  /** The station's admission: its configuration as logged, and what it admitted and deferred. */
  admision: { tasa: number | null; rafaga: number | null; admitidos: number | null; diferidos: number | null };
  /** `registro_rechazado` the pumps got during the recovery, by code (their own counters). */
  rechazosSurtidores: Record<string, number>;
  /** Station CPU from its start until every pump was back: mean and the busiest second (% of one core). */
  cpuEstacion: { media: number | null; picoSegundo: number | null };
  /** Simulator processes' CPU over the same span (% of one core, summed). */
  cpuSurtidores: number | null;
  /** The worst lateness of a simulator process's shared tick during the recovery (ms). */
  retrasoTickSurtidoresMs: number;
  /**
   * The new station's responsiveness while the pumps came back: GET /health (public), one at a
   * time every 100 ms from when its API listened until every pump was back (ms).
   */
  health: { muestras: number; p50: number | null; p99: number | null; max: number | null };
  /**
   * How busy the (shared) machine was over the recovery: the load average at the end, and the
   * share of time some task waited for a CPU (/proc/pressure/cpu "some"), in %.
   */
  maquina: { carga1m: number; esperaCpuPct: number | null; tcp: TcpCounters | null };
  logsEstacion: { warnings: number; errors: number; stderrLines: number; samples: string[] };
  target: number | null;
  problems: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Linux pressure stall information: µs during which some runnable task waited for a CPU, since
 * boot (null where /proc/pressure is unavailable). The machine is shared: this says how much.
 */
function cpuStallUs(): number | null {
  try {
    const m = /^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return m?.[1] ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? null;
}

/** What a station's log says about pump registrations. */
class RegistrationWatch {
  readonly firstAt = new Map<number, number>();
  total = 0;
  admitted: number | null = null;
  deferred: number | null = null;
  rate: number | null = null;
  burst: number | null = null;
  /** The admission's once-a-second lines: when, admitted, deferred, waiting (pumps holding a slot). */
  readonly seconds: { t: number; admitidos: number; diferidos: number; en_espera: number }[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];

  constructor(station: Child) {
    station.onLine((e) => {
      if (e.msg === 'surtidor registrado' && typeof e.id_surtidor === 'number' && typeof e.time === 'number') {
        this.total += 1;
        if (!this.firstAt.has(e.id_surtidor)) {
          this.firstAt.set(e.id_surtidor, e.time);
          this.waiters = this.waiters.filter((w) => {
            if (this.firstAt.size < w.n) return true;
            w.resolve();
            return false;
          });
        }
      }
      const adm = e.admision as Json | undefined;
      if (adm && typeof adm === 'object') {
        if (typeof adm.admitidos_total === 'number') this.admitted = adm.admitidos_total;
        if (typeof adm.diferidos_total === 'number') this.deferred = adm.diferidos_total;
        if (typeof adm.tasa === 'number') this.rate = adm.tasa;
        if (typeof adm.rafaga === 'number') this.burst = adm.rafaga;
        if (typeof adm.diferidos === 'number' && typeof e.time === 'number') {
          this.seconds.push({
            t: e.time,
            admitidos: Number(adm.admitidos),
            diferidos: adm.diferidos,
            en_espera: Number(adm.en_espera),
          });
        }
      }
    });
  }

  /** Resolves once `n` distinct pumps registered; false after `timeoutMs`. */
  until(n: number, timeoutMs: number): Promise<boolean> {
    if (this.firstAt.size >= n) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter = {
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      this.waiters.push(waiter);
    });
  }
}

/** The pumps' own counters, from each process's latest "resumen" line. */
class FleetWatch {
  private readonly latest = new Map<Child, Json>();
  /** The worst lateness of a simulator's shared tick since `resetTick()` (ms). */
  tickLagMaxMs = 0;

  constructor(readonly procs: Child[]) {
    for (const p of procs) {
      p.onLine((e) => {
        if (e.msg === 'resumen' && typeof e.resumen === 'object' && e.resumen !== null)
          this.latest.set(p, e.resumen as Json);
        const lag = (e.tick as { retraso_max_ms?: unknown } | undefined)?.retraso_max_ms;
        if (typeof lag === 'number' && lag > this.tickLagMaxMs) this.tickLagMaxMs = lag;
      });
    }
  }

  resetTick(): void {
    this.tickLagMaxMs = 0;
  }

  rechazos(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.latest.values()) {
      for (const [code, n] of Object.entries((r.rechazos as Record<string, number> | undefined) ?? {})) {
        out[code] = (out[code] ?? 0) + n;
      }
    }
    return out;
  }
}

/** The benchmarks' station flags with the station's own admission (what this benchmark measures). */
function recoveryStationArgs(params: RecuperacionParams, dataDir: string, pumpPort: number): string[] {
  return [
    ...stationArgs(dataDir, pumpPort, { admission: true }),
    // Every pump of the run is a new id at the first start.
    ...['--max-pumps', String(Math.max(1000, params.surtidores + 1000))],
    ...params.estacionArgs,
  ];
}

function startStation(params: RecuperacionParams, dataDir: string, pumpPort: number): Child {
  return startNode('estacion', STATION_BIN, recoveryStationArgs(params, dataDir, pumpPort), { cwd: ROOT });
}

export async function runRecuperacion(
  params: RecuperacionParams,
  progress: (line: string) => void,
): Promise<RecuperacionFigures> {
  const n = params.surtidores;
  const dataDir = tempDir('bench-recuperacion-estacion-');
  const outboxDirs = Array.from({ length: params.procesos }, () => tempDir('bench-recuperacion-outbox-'));
  let first: Child | undefined = startStation(params, dataDir, 0);
  let second: Child | undefined;
  const fleets: Child[] = [];
  try {
    const firstWatch = new RegistrationWatch(first);
    const ready = await first.waitForLine((e) => e.escuchando === 'surtidores', READY_TIMEOUT_MS);
    const port = Number(ready.puerto);
    await first.waitForLine((e) => e.msg === 'estación lista', READY_TIMEOUT_MS);
    const per = Math.ceil(n / params.procesos);
    const startedAt = Date.now();
    for (let i = 0; i < params.procesos; i++) {
      const count = Math.min(per, n - i * per);
      if (count <= 0) break;
      fleets.push(
        startNode(
          `surtidor-${i + 1}`,
          SURTIDOR_BIN,
          [
            ...['--estacion', `127.0.0.1:${port}`, '--count', String(count), '--first-id', String(1 + i * per)],
            ...['--mean-interval', String(params.meanIntervalS), '--outbox-dir', outboxDirs[i] as string],
            ...['--stats-interval', '1', '--no-table', '--log-pretty=false'],
            ...['--shutdown-timeout', '1', '--confirm-wait', '2'],
            ...params.surtidorArgs,
          ],
          { cwd: ROOT },
        ),
      );
    }
    const fleetWatch = new FleetWatch(fleets);
    progress(`  ${n} surtidores en ${fleets.length} proceso(s) hacia 127.0.0.1:${port}; esperando que se registren…`);
    const initialOk = await firstWatch.until(n, 180_000);
    const registroInicialMs = initialOk ? Math.max(...firstWatch.firstAt.values()) - startedAt : null;
    if (!initialOk) throw new Error(`solo ${firstWatch.firstAt.size} de ${n} surtidores se registraron al inicio`);
    progress(
      `  registrados en ${((registroInicialMs ?? 0) / 1000).toFixed(1)} s; ${params.asentamientoS} s de asentamiento antes de reiniciar…`,
    );
    await sleep(params.asentamientoS * 1000);
    const rechazosAntes = fleetWatch.rechazos();
    fleetWatch.resetTick();

    // The restart: same port, same data dir.
    progress(`  ${params.signal} a la estación y arranque de una nueva en el mismo puerto…`);
    const stallStart = cpuStallUs();
    const tcpStart = tcpCounters();
    const stopAt = Date.now();
    const old: Child = first;
    old.proc.kill(params.signal);
    const exit = await Promise.race([old.exited, sleep(60_000).then(() => null)]);
    if (exit === null) old.proc.kill('SIGKILL');
    await old.exited;
    const paradaMs = Date.now() - stopAt;
    first = undefined;
    if (params.pausaS > 0) {
      progress(`  estación caída: ${params.pausaS} s antes de arrancarla otra vez…`);
      await sleep(params.pausaS * 1000);
    }
    const fleetPids = fleets.map((f) => f.proc.pid);
    const fleetStart = fleetPids.map((pid) => sampleProc(pid));
    const restarted = startStation(params, dataDir, port);
    second = restarted;
    const watch = new RegistrationWatch(restarted);
    const pid = restarted.proc.pid;
    const samples: ProcSample[] = [sampleProc(pid)];
    const sampler = setInterval(() => samples.push(sampleProc(pid)), 250);
    let todosOk = false;
    let readyAt = stopAt;
    const healthMs: number[] = [];
    let probing = true;
    const probe = (async () => {
      const api = await restarted.waitForLine((e) => e.escuchando === 'api', READY_TIMEOUT_MS).catch(() => null);
      while (probing && api) {
        const t0 = performance.now();
        try {
          const res = await fetch(`http://127.0.0.1:${Number(api.puerto)}/health`, {
            signal: AbortSignal.timeout(10_000),
          });
          await res.arrayBuffer();
          healthMs.push(performance.now() - t0);
        } catch {
          healthMs.push(10_000);
        }
        await sleep(100);
      }
    })();
    try {
      const listening = await restarted.waitForLine((e) => e.escuchando === 'surtidores', READY_TIMEOUT_MS);
      readyAt = typeof listening.time === 'number' ? listening.time : Date.now();
      progress(
        `  la nueva estación escucha a los ${((readyAt - stopAt) / 1000).toFixed(2)} s; esperando a los ${n} surtidores…`,
      );
      todosOk = await watch.until(n, params.timeoutS * 1000);
    } finally {
      clearInterval(sampler);
      probing = false;
    }
    await probe;
    healthMs.sort((a, b) => a - b);
    const endSample = sampleProc(pid);
    samples.push(endSample);
    const stallEnd = cpuStallUs();
    const tcpEnd = tcpCounters();
    const spanMs = Date.now() - stopAt;
    const fleetEnd = fleetPids.map((p) => sampleProc(p));
    // The admission's last summary line comes within a second of its last decision.
    await sleep(1500);
    const rechazosDespues = fleetWatch.rechazos();

    const returns = [...watch.firstAt.values()].map((t) => t - stopAt).sort((a, b) => a - b);
    const todosMs = todosOk ? (returns.at(-1) ?? null) : null;
    const bins: number[] = [];
    for (const t of watch.firstAt.values()) {
      const i = Math.max(0, Math.floor((t - readyAt) / 1000));
      while (bins.length <= i) bins.push(0);
      bins[i] = (bins[i] ?? 0) + 1;
    }
    const fine: number[] = [];
    for (const t of watch.firstAt.values()) {
      const i = Math.max(0, Math.floor((t - readyAt) / 100));
      while (fine.length <= i) fine.push(0);
      fine[i] = (fine[i] ?? 0) + 1;
    }
    let picoSegundo: number | null = null;
    for (let i = 0, j = 0; i < samples.length; i++) {
      const a = samples[i] as ProcSample;
      while (j < samples.length && (samples[j] as ProcSample).at - a.at < 1000) j++;
      const b = samples[j];
      if (!b) break;
      const pct = cpuPercent(a, b);
      if (pct !== null && (picoSegundo === null || pct > picoSegundo)) picoSegundo = pct;
    }
    const cpuSum = fleetStart.reduce<number | null>((sum, s, k) => {
      const pct = cpuPercent(s, fleetEnd[k] as ProcSample);
      return sum === null || pct === null ? null : sum + pct;
    }, 0);
    const rechazosSurtidores: Record<string, number> = {};
    for (const [code, k] of Object.entries(rechazosDespues)) {
      const d = k - (rechazosAntes[code] ?? 0);
      if (d > 0) rechazosSurtidores[code] = d;
    }
    const target = targetSeconds(n);
    const figures: Omit<RecuperacionFigures, 'problems'> = {
      params,
      registroInicialMs,
      paradaMs,
      caidaMs: readyAt - stopAt,
      todosMs,
      todosDesdeEscuchaMs: todosMs === null ? null : todosMs - (readyAt - stopAt),
      retorno: {
        p50: percentile(returns, 50),
        p90: percentile(returns, 90),
        p99: percentile(returns, 99),
        primero: returns[0] ?? null,
      },
      registrados: watch.firstAt.size,
      registrosTotales: watch.total,
      porSegundo: bins,
      por100ms: fine,
      admisionPorSegundo: watch.seconds.map((x) => ({ ...x, t: Math.round((x.t - readyAt) / 100) / 10 })),
      picoPorSegundo: Math.max(0, ...bins),
      admision: {
        tasa: watch.rate,
        rafaga: watch.burst,
        // Every registration went through the admission (the service's refusals come before it),
        // also those after the admission's last summary line.
        admitidos: watch.rate === null ? null : Math.max(watch.total, watch.admitted ?? 0),
        diferidos: watch.deferred ?? (watch.rate === null ? null : 0),
      },
      rechazosSurtidores,
      cpuEstacion: { media: cpuPercent(samples[0] as ProcSample, endSample), picoSegundo },
      cpuSurtidores: cpuSum,
      retrasoTickSurtidoresMs: fleetWatch.tickLagMaxMs,
      maquina: {
        carga1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
        esperaCpuPct:
          stallStart === null || stallEnd === null
            ? null
            : Math.round(((stallEnd - stallStart) / 1000 / spanMs) * 1000) / 10,
        // Deltas over the recovery, for the whole machine.
        tcp:
          tcpStart === null || tcpEnd === null
            ? null
            : (Object.fromEntries(TCP_COUNTERS.map((n) => [n, tcpEnd[n] - tcpStart[n]])) as TcpCounters),
      },
      health: {
        muestras: healthMs.length,
        p50: percentile(healthMs, 50),
        p99: percentile(healthMs, 99),
        max: healthMs.at(-1) ?? null,
      },
      logsEstacion: restarted.logs,
      target,
    };
    const problems: string[] = [];
    if (todosMs === null)
      problems.push(`solo ${watch.firstAt.size} de ${n} surtidores volvieron en ${params.timeoutS} s`);
    else if (target !== null && todosMs - params.pausaS * 1000 > target * 1000)
      problems.push(
        `volvieron todos en ${(todosMs / 1000).toFixed(1)} s${params.pausaS > 0 ? ` (${params.pausaS} s de pausa impuesta)` : ''}: más que el objetivo de ${target} s`,
      );
    for (const [code, k] of Object.entries(rechazosSurtidores))
      if (code !== 'SOBRECARGA') problems.push(`${k} × registro_rechazado ${code}`);
    if (restarted.logs.errors > 0) problems.push(`${restarted.logs.errors} errores en el log de la estación`);
    return { ...figures, problems };
  } finally {
    await Promise.all(fleets.map((f) => f.stop(15_000)));
    await Promise.all([first?.stop(5000), second?.stop(10_000)]);
    removeTempDir(dataDir);
    for (const d of outboxDirs) removeTempDir(d);
  }
}
