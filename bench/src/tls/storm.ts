/**
 * The reconnect storm: N pumps over TLS (server certificate only) against one station, and four
 * storms, each timed from the order until every pump is registered again:
 *   1. inicial: N new pumps connect at once to a fresh station (each one is created);
 *   2. reinicio: the station is stopped (SIGTERM), started again on the same port and data dir,
 *      and all pumps reconnect at once, offering their TLS session tickets;
 *   3. corte: the pumps drop their connections (a network cut) and reconnect at once with full
 *      handshakes;
 *   4. corte+reanuda: the same, offering the tickets of the live station (resumption).
 * The station's CPU is read from /proc over each storm; the generator reports the rest.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type Child, type ChildLogs, type ExitInfo, forkNode, removeTempDir, tempDir } from '../hub/children.js';
import { ask } from '../hub/ipc.js';
import { cpuPercent, listenOverflows, sampleProc } from '../hub/proc-stats.js';
import { startStation, stationArgs } from '../hub/run.js';
import { type DevCertificates, stationTlsArgs } from './certs.js';
import type { StormCommand, StormConfig, StormMessage, StormResult } from './types.js';

const STORM_GENERATOR = fileURLToPath(new URL('./storm-generator.js', import.meta.url));
/** A storm that has not registered every pump by then is given up (and reported as a failure). */
const DEADLINE_MS = 120_000;
/** What the pump simulator waits for `registro_confirmado` (its --registration-timeout, 15 s). */
export const REGISTER_TIMEOUT_MS = 15_000;

export interface StormParams {
  pumps: number;
  certs: DevCertificates;
}

type Cause = 'nuevos' | 'reinicio' | 'corte';

interface PhaseSpec {
  /** A table column: short. */
  name: string;
  cause: Cause;
  offerSession: boolean;
}

const PHASES: PhaseSpec[] = [
  { name: 'inicial', cause: 'nuevos', offerSession: false },
  { name: 'reinicio', cause: 'reinicio', offerSession: true },
  { name: 'corte', cause: 'corte', offerSession: false },
  { name: 'corte+reanuda', cause: 'corte', offerSession: true },
];

export interface RestartInfo {
  /** SIGTERM until the old station exited (ms). */
  stopMs: number;
  exit: ExitInfo;
  /** Connections the pumps saw closed by the stop, and those still open 20 s later. */
  lost: number;
  stillOpen: number;
  /** Start of the new station until its pump port listened (ms). */
  startMs: number;
}

export interface StormPhase extends PhaseSpec {
  result: StormResult;
  /** The station's CPU from the order to the last registration, % of one core. */
  stationCpuPct: number | null;
  /** The same in CPU time per pump registered (ms). */
  stationCpuPerPumpMs: number | null;
  stationRssKiB: number | null;
  /** Connections the kernel dropped on full listen queues meanwhile (whole machine). */
  listenOverflows: number | null;
  restart?: RestartInfo;
}

export interface StormRun {
  pumps: number;
  phases: StormPhase[];
  /** What each station process printed at warn and above (one entry per start). */
  stationLogs: ChildLogs[];
  problems: string[];
}

interface Running {
  station: Child;
  port: number;
}

function stormStationArgs(params: StormParams, dataDir: string, port: number): string[] {
  return [
    ...stationArgs(dataDir, port),
    ...stationTlsArgs(params.certs, false),
    '--max-pumps',
    String(params.pumps),
    // After a cut the new connections may arrive before the station has read the old ones' close.
    '--max-connections',
    String(Math.max(20_000, 2 * params.pumps)),
    // The storm's pumps are silent once registered (real ones send a heartbeat every 30 s): without
    // this the station would close them as timed out between storms.
    '--heartbeat-timeout',
    '600',
  ];
}

/** Resolves with the generator's answer; rejects as soon as the station dies. */
function stormOnce(running: Running, generator: Child, spec: PhaseSpec): Promise<StormResult> {
  const command: StormCommand = {
    type: 'storm',
    port: running.port,
    offerSession: spec.offerSession,
    cut: spec.cause === 'corte',
  };
  const answer = ask<Extract<StormMessage, { type: 'storm-result' }>>(
    generator,
    command,
    'storm-result',
    // The last attempts may start just before the deadline and take their whole timeout.
    DEADLINE_MS + REGISTER_TIMEOUT_MS + 15_000,
  );
  const died = running.station.exited.then(({ code, signal }) => {
    throw new Error(`la estación terminó (${signal ?? code}) durante "${spec.name}"`);
  });
  return Promise.race([answer.then((m) => m.result), died]);
}

async function timePhase(
  running: Running,
  generator: Child,
  spec: PhaseSpec,
  progress: (line: string) => void,
): Promise<StormPhase> {
  const pid = running.station.proc.pid;
  const onProgress = (m: StormMessage) => {
    if (m.type !== 'progress') return;
    progress(
      `    ${(m.elapsedMs / 1000).toFixed(0)} s: ${m.registered} registrados, ${m.attempts} intentos, ${m.failed} fallidos`,
    );
  };
  generator.proc.on('message', onProgress);
  try {
    const before = { proc: sampleProc(pid), overflows: listenOverflows() };
    const result = await stormOnce(running, generator, spec);
    const after = { proc: sampleProc(pid), overflows: listenOverflows() };
    const cpuMs = after.proc.cpuMs !== null && before.proc.cpuMs !== null ? after.proc.cpuMs - before.proc.cpuMs : null;
    return {
      ...spec,
      result,
      stationCpuPct: cpuPercent(before.proc, after.proc),
      stationCpuPerPumpMs: cpuMs !== null && result.registered > 0 ? cpuMs / result.registered : null,
      stationRssKiB: after.proc.rssKiB,
      listenOverflows:
        before.overflows !== null && after.overflows !== null ? after.overflows - before.overflows : null,
    };
  } finally {
    generator.proc.off('message', onProgress);
  }
}

/** SIGTERM, wait for the pumps to see their connections closed, start again on the same port. */
async function restart(
  old: Running,
  generator: Child,
  args: (port: number) => string[],
): Promise<{ running: Running; restart: RestartInfo }> {
  const t0 = performance.now();
  const exit = await old.station.stop();
  const stopMs = performance.now() - t0;
  const closed = await ask<Extract<StormMessage, { type: 'closed' }>>(
    generator,
    { type: 'wait-closed' },
    'closed',
    30_000,
  );
  const t1 = performance.now();
  const running = await startStation(args(old.port));
  const startMs = performance.now() - t1;
  if (running.port !== old.port) throw new Error(`la estación volvió en el puerto ${running.port}, no en ${old.port}`);
  return { running, restart: { stopMs, exit, lost: closed.lost, stillOpen: closed.stillOpen, startMs } };
}

function problemsOf(phases: StormPhase[]): string[] {
  const out: string[] = [];
  for (const p of phases) {
    const { registered, pumps } = p.result;
    if (registered < pumps)
      out.push(`tormenta "${p.name}": ${registered} de ${pumps} surtidores registrados en ${DEADLINE_MS / 1000} s`);
    const r = p.restart;
    if (r && r.stillOpen > 0)
      out.push(`tormenta "${p.name}": ${r.stillOpen} conexiones siguieron abiertas tras detener la estación`);
    if (r && r.exit.code !== 0 && r.exit.signal !== 'SIGTERM')
      out.push(`tormenta "${p.name}": la estación terminó con ${r.exit.signal ?? r.exit.code} al detenerla`);
  }
  return out;
}

export async function runStorm(params: StormParams, progress: (line: string) => void): Promise<StormRun> {
  const dataDir = tempDir('bench-tls-storm-');
  const args = (port: number) => stormStationArgs(params, dataDir, port);
  const config: StormConfig = {
    pumps: params.pumps,
    tls: { caFile: params.certs.ca },
    registerTimeoutMs: REGISTER_TIMEOUT_MS,
    deadlineMs: DEADLINE_MS,
  };
  const generator = forkNode('generador de la tormenta', STORM_GENERATOR, [JSON.stringify(config)]);
  const stations: Child[] = [];
  try {
    await ask(generator, null, 'ready', 30_000);
    let running = await startStation(args(0));
    stations.push(running.station);
    const phases: StormPhase[] = [];
    for (const spec of PHASES) {
      let restarted: RestartInfo | undefined;
      if (spec.cause === 'reinicio') {
        progress(`  reiniciando la estación (SIGTERM) con ${params.pumps} surtidores conectados…`);
        ({ running, restart: restarted } = await restart(running, generator, args));
        stations.push(running.station);
      }
      progress(`  ${spec.name}: ${params.pumps} surtidores a la vez…`);
      const phase = await timePhase(running, generator, spec, progress);
      phases.push(restarted ? { ...phase, restart: restarted } : phase);
    }
    await running.station.stop();
    return { pumps: params.pumps, phases, stationLogs: stations.map((s) => s.logs), problems: problemsOf(phases) };
  } finally {
    await generator.stop(2000);
    for (const s of stations) await s.stop(2000);
    removeTempDir(dataDir);
  }
}
