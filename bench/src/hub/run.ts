/**
 * `bench hub`: the station's pump hub under N connected pumps, then the same load against the
 * ceiling server, and how the two compare. Every child process is stopped and the temp data dir
 * removed whatever happens.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Child, type ChildLogs, type ExitInfo, removeTempDir, startNode, tempDir } from './children.js';
import { type Measured, measure } from './measure.js';
import { cpuPercent } from './proc-stats.js';
import type { LoadConfig, TlsClientConfig } from './types.js';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const STATION_BIN = path.join(ROOT, 'estacion', 'bin', 'estacion.js');
const CEILING = fileURLToPath(new URL('./ceiling-server.js', import.meta.url));
const READY_TIMEOUT_MS = 30_000;

/** The load the simulated pumps put on a server. */
export interface LoadParams {
  connections: number;
  estadoIntervalMs: number;
  txPerSecond: number;
  durationS: number;
  warmupS: number;
}

export interface HubParams extends LoadParams {
  ceiling: boolean;
}

/** How the station under load is started (flags added to the defaults) and how pumps reach it. */
export interface StationVariant {
  args: string[];
  tls?: TlsClientConfig;
}

export interface Figures extends Measured {
  target: 'estacion' | 'techo';
  sentPerS: number;
  confirmationsPerS: number;
  /** Server CPU over the window, % of one core. */
  cpuPct: number | null;
  rssPerConnectionKiB: number | null;
  logs: ChildLogs;
  exit: ExitInfo;
  dataDirBytes?: number;
  /** Lines the ceiling counted (whole run). */
  linesCounted?: number;
}

export interface HubRun {
  params: HubParams;
  estacion: Figures;
  techo: Figures | null;
  problems: string[];
}

function loadConfig(params: LoadParams, port: number, tls?: TlsClientConfig): LoadConfig {
  const { connections, estadoIntervalMs, txPerSecond, durationS, warmupS } = params;
  return {
    port,
    ...(tls ? { tls } : {}),
    connections,
    estadoIntervalMs,
    txPerSecond,
    durationS,
    warmupS,
    batchSize: 100,
    registerTimeoutMs: 15_000,
    drainMs: 5000,
  };
}

function figures(target: Figures['target'], m: Measured, server: Child, exit: ExitInfo, n: number): Figures {
  const { load, samples } = m;
  const { before, connected } = samples;
  return {
    target,
    ...m,
    sentPerS: load.sent.total / load.windowS,
    confirmationsPerS: load.confirmations / load.windowS,
    cpuPct: cpuPercent(samples.windowStart, samples.windowEnd),
    rssPerConnectionKiB:
      before.rssKiB !== null && connected.rssKiB !== null ? (connected.rssKiB - before.rssKiB) / n : null,
    logs: server.logs,
    exit,
  };
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(full) : statSync(full).size;
  }
  return total;
}

/** The admin password of every benchmark station (a benchmark that reads /metrics logs in with it). */
export const BENCH_ADMIN_PASSWORD = 'bench-estacion-admin';

/**
 * The flags of every benchmark station: loopback, the given pump port (0: any), the other ports
 * ephemeral, its own data dir, JSON logs at info. The "listening" line is logged at info; the hub
 * logs nothing at info per message, only per connection. `admission`: keep the station's own
 * registration admission (bench recuperacion measures it); without it, no admission limit.
 */
export function stationArgs(dataDir: string, pumpPort = 0, { admission: keep = false } = {}): string[] {
  const ports = ['--pump-port', String(pumpPort), '--company-port', '0', '--api-port', '0', '--ws-port', '0'];
  // A known admin password: a generated one would be printed on stderr (and counted as noise).
  const admin = ['--admin-password', BENCH_ADMIN_PASSWORD];
  // The load generators register thousands of pumps as fast as they can and count a deferral as a
  // failure: no admission limit there.
  const admission = keep ? [] : ['--registration-rate', '0'];
  const logs = ['--log-level', 'info', '--log-pretty=false'];
  return ['--host', '127.0.0.1', ...ports, ...admin, ...admission, '--data-dir', dataDir, ...logs];
}

/** Starts the station (Node run with `nodeArgs`, e.g. --cpu-prof) and resolves once its pump port listens. */
export async function startStation(args: string[], nodeArgs: string[] = []): Promise<{ station: Child; port: number }> {
  const station = startNode('estacion', STATION_BIN, args, { cwd: ROOT, nodeArgs });
  try {
    const ready = await station.waitForLine((e) => e.escuchando === 'surtidores', READY_TIMEOUT_MS);
    return { station, port: Number(ready.puerto) };
  } catch (err) {
    await station.stop(2000);
    throw err;
  }
}

/** The hub load against a fresh station started with `variant`'s flags. */
export async function runStation(params: LoadParams, variant: StationVariant = { args: [] }): Promise<Figures> {
  const dataDir = tempDir('bench-hub-');
  try {
    // The benchmark registers up to 20000 pumps, over the station's default --max-pumps.
    const args = [...stationArgs(dataDir), '--max-pumps', '20000', ...variant.args];
    const { station, port } = await startStation(args);
    try {
      const m = await measure(station, loadConfig(params, port, variant.tls));
      const exit = await station.stop();
      return { ...figures('estacion', m, station, exit, params.connections), dataDirBytes: dirBytes(dataDir) };
    } finally {
      await station.stop(2000);
    }
  } finally {
    removeTempDir(dataDir);
  }
}

function ceilingLines(ceiling: Child): Promise<number | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 2000);
    ceiling.proc.once('message', (m: { lines?: number }) => {
      clearTimeout(timer);
      resolve(m.lines);
    });
    if (ceiling.proc.connected) ceiling.proc.send({ type: 'stats' });
  });
}

async function runCeiling(params: HubParams): Promise<Figures> {
  const ceiling = startNode('techo', CEILING, [], { cwd: ROOT, ipc: true });
  try {
    const ready = await ceiling.waitForLine((e) => e.escuchando === 'techo', READY_TIMEOUT_MS);
    const m = await measure(ceiling, loadConfig(params, Number(ready.puerto)));
    const linesCounted = await ceilingLines(ceiling);
    const exit = await ceiling.stop();
    return {
      ...figures('techo', m, ceiling, exit, params.connections),
      ...(linesCounted === undefined ? {} : { linesCounted }),
    };
  } finally {
    await ceiling.stop(2000);
  }
}

/** What makes the run a failure: the server did not take the whole load cleanly. */
export function problemsOf(f: Figures, params: LoadParams, who: string = f.target): string[] {
  const { load } = f;
  const out: string[] = [];
  const expectedPerS = params.connections * (1000 / params.estadoIntervalMs) + params.txPerSecond;
  if (f.sentPerS < expectedPerS * 0.95)
    out.push(`${who}: se enviaron ${f.sentPerS.toFixed(0)} líneas/s de ${expectedPerS.toFixed(0)} pedidas`);
  const txPerS = load.sent.transaccion / load.windowS;
  if (f.confirmationsPerS < txPerS * 0.95)
    out.push(`${who}: ${f.confirmationsPerS.toFixed(1)} confirmaciones/s para ${txPerS.toFixed(1)} tx/s`);
  if (load.unconfirmed > 0) out.push(`${who}: ${load.unconfirmed} transacciones sin confirmar`);
  if (load.connectionsLost > 0) out.push(`${who}: ${load.connectionsLost} conexiones perdidas`);
  if (load.skipped > 0) out.push(`${who}: ${load.skipped} líneas no enviadas (conexión cerrada)`);
  if (load.duplicates > 0) out.push(`${who}: ${load.duplicates} confirmaciones "duplicada"`);
  for (const [codigo, n] of Object.entries(load.errors)) out.push(`${who}: ${n} × error ${codigo}`);
  if (f.exit.code !== 0 && f.exit.signal !== 'SIGTERM') out.push(`${who}: terminó con ${f.exit.signal ?? f.exit.code}`);
  return out;
}

export async function runHub(params: HubParams, progress: (line: string) => void): Promise<HubRun> {
  progress(
    `estación: ${params.connections} conexiones, ${params.warmupS} s de calentamiento + ${params.durationS} s medidos…`,
  );
  const estacion = await runStation(params);
  let techo: Figures | null = null;
  if (params.ceiling) {
    progress('techo (servidor TCP mínimo): la misma carga…');
    techo = await runCeiling(params);
  }
  const problems = [...problemsOf(estacion, params), ...(techo ? problemsOf(techo, params) : [])];
  return { params, estacion, techo, problems };
}
