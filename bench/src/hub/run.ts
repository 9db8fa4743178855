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
import type { LoadConfig } from './types.js';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const STATION_BIN = path.join(ROOT, 'estacion', 'bin', 'estacion.js');
const CEILING = fileURLToPath(new URL('./ceiling-server.js', import.meta.url));
const READY_TIMEOUT_MS = 30_000;

export interface HubParams {
  connections: number;
  estadoIntervalMs: number;
  txPerSecond: number;
  durationS: number;
  warmupS: number;
  ceiling: boolean;
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

function loadConfig(params: HubParams, port: number): LoadConfig {
  const { connections, estadoIntervalMs, txPerSecond, durationS, warmupS } = params;
  return {
    port,
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

async function runStation(params: HubParams): Promise<Figures> {
  const dataDir = tempDir('bench-hub-');
  // The benchmark registers up to 20000 pumps, over the station's default --max-pumps.
  const ports = ['--pump-port', '0', '--company-port', '0', '--api-port', '0', '--ws-port', '0', '--max-pumps', '20000'];
  // A known admin password: a generated one would be printed on stderr (and counted as noise).
  ports.push('--admin-password', 'bench-estacion-admin');
  // The load generator registers up to 20000 pumps as fast as it can and treats a deferral as a
  // failure: no admission limit here (bench recuperacion measures it).
  ports.push('--registration-rate', '0');
  // The "listening" line is logged at info; the hub logs nothing at info per message, only per connection.
  const args = [
    '--host',
    '127.0.0.1',
    ...ports,
    '--data-dir',
    dataDir,
    '--log-level',
    'info',
    '--log-pretty=false',
  ];
  const station = startNode('estacion', STATION_BIN, args, { cwd: ROOT });
  try {
    const ready = await station.waitForLine((e) => e.escuchando === 'surtidores', READY_TIMEOUT_MS);
    const m = await measure(station, loadConfig(params, Number(ready.puerto)));
    const exit = await station.stop();
    return { ...figures('estacion', m, station, exit, params.connections), dataDirBytes: dirBytes(dataDir) };
  } finally {
    await station.stop(2000);
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
function problemsOf(f: Figures, params: HubParams): string[] {
  const who = f.target;
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
  if (f.exit.code !== 0 && f.exit.signal !== 'SIGTERM')
    out.push(`${who}: terminó con ${f.exit.signal ?? f.exit.code}`);
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
