/**
 * `bench playa`: one command for the whole forecourt. A real station with N pumps connected (raw TCP
 * clients in their own process that answer `comando_ejecutado` at once): the time from the REST
 * request (POST /api/surtidores/comando) to the last pump's answer, and to the REST response. The
 * baseline, in the same run: a minimal Node TCP server writing the same command line to the same
 * number of sockets in one loop, the same pumps answering, time until the last answer.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stationLogin } from '../estacion.js';
import { type Child, forkNode, removeTempDir, startNode, tempDir } from '../hub/children.js';
import { ROOT, STATION_BIN, stationArgs } from '../hub/run.js';
import { summarize } from '../hub/stats.js';
import type { LatencySummary } from '../hub/types.js';
import {
  type BaselineCommand,
  type BaselineMessage,
  type PumpsCommand,
  type PumpsConfig,
  type PumpsMessage,
  type PumpsRound,
  sharedNow,
} from './types.js';

const GENERATOR = fileURLToPath(new URL('./pump-generator.js', import.meta.url));
const BASELINE = fileURLToPath(new URL('./baseline-server.js', import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const ROUND_TIMEOUT_MS = 30_000;

export interface PlayaParams {
  /** Pumps connected, one run each (e.g. 50 and 1000). */
  sizes: number[];
  repetitions: number;
  /** Commands sent first and not counted. */
  warmup: number;
  /** The station under `node --cpu-prof` (profiles kept in a temp dir, path in the result). */
  profile: boolean;
}

/** The targets: time to the last answer, p50, by pumps connected. */
export const TARGET_MS: Record<number, number> = { 50: 100, 1000: 500 };

export interface SizeResult {
  pumps: number;
  registerMs: number;
  estacion: {
    /** REST request → last pump's `comando_ejecutado` sent (ms). */
    lastAnswerMs: LatencySummary | null;
    /** REST request → response received (ms). */
    responseMs: LatencySummary | null;
    /** The station's own `ms` in the answer (first send → answer). */
    stationMs: LatencySummary | null;
    /** Pumps reported ejecutado, over the counted repetitions. */
    ejecutados: number;
    esperados: number;
  };
  base: { lastAnswerMs: LatencySummary | null };
  /** p50 of the station's time to the last answer ÷ the baseline's. */
  ratio: number | null;
  targetMs: number | null;
  profile: string | null;
}

export interface PlayaRun {
  params: PlayaParams;
  sizes: SizeResult[];
  /** The machine's 1-minute load average at the start and the end (the machine is shared: read the ratio). */
  loadavg: { start: number; end: number };
  problems: string[];
}

/** Resolves with the child's next IPC message that `match` accepts. */
function nextMessage<T>(child: Child, match: (m: T) => boolean, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.proc.off('message', onMessage);
      reject(new Error(`${child.name}: sin ${what} en ${ROUND_TIMEOUT_MS} ms`));
    }, ROUND_TIMEOUT_MS);
    const onMessage = (m: T) => {
      const fatal = m as { type?: string; message?: string };
      if (fatal.type === 'fatal') {
        clearTimeout(timer);
        child.proc.off('message', onMessage);
        reject(new Error(`${child.name}: ${fatal.message}`));
      } else if (match(m)) {
        clearTimeout(timer);
        child.proc.off('message', onMessage);
        resolve(m);
      }
    };
    child.proc.on('message', onMessage);
  });
}

/** The pumps, connected and registered to `port`. */
async function connectPumps(port: number, pumps: number): Promise<{ gen: Child; registerMs: number }> {
  const cfg: PumpsConfig = { port, pumps, batchSize: 100, registerTimeoutMs: 15_000 };
  const gen = forkNode('surtidores', GENERATOR, [JSON.stringify(cfg)]);
  const registered = nextMessage<PumpsMessage>(gen, (m) => m.type === 'registered', 'registro de los surtidores');
  try {
    const m = (await registered) as Extract<PumpsMessage, { type: 'registered' }>;
    return { gen, registerMs: m.ms };
  } catch (err) {
    await gen.stop(1000);
    throw err;
  }
}

function roundOf(gen: Child): Promise<PumpsRound> {
  const next = nextMessage<PumpsMessage>(gen, (m) => m.type === 'round', 'ronda');
  gen.proc.send({ type: 'round' } satisfies PumpsCommand);
  return next as Promise<PumpsRound>;
}

async function runStation(params: PlayaParams, pumps: number, problems: string[]) {
  const dataDir = tempDir('bench-playa-');
  const profDir = params.profile ? mkdtempSync(path.join(os.tmpdir(), 'bench-playa-perfil-')) : null;
  const args = [
    ...stationArgs(dataDir),
    ...['--max-pumps', String(Math.max(1000, pumps)), '--max-connections', String(pumps + 100)],
  ];
  const nodeArgs = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
  const station = startNode('estacion', STATION_BIN, args, { cwd: ROOT, nodeArgs });
  let gen: Child | undefined;
  try {
    const ready = await station.waitForLine((e) => e.escuchando === 'surtidores', READY_TIMEOUT_MS);
    const api = await station.waitForLine((e) => e.escuchando === 'api', READY_TIMEOUT_MS);
    const apiPort = Number(api.puerto);
    const token = await stationLogin(apiPort);
    const connected = await connectPumps(Number(ready.puerto), pumps);
    gen = connected.gen;
    const lastAnswer: number[] = [];
    const response: number[] = [];
    const stationMs: number[] = [];
    let ejecutados = 0;
    for (let i = 0; i < params.warmup + params.repetitions; i++) {
      const counted = i >= params.warmup;
      await roundOf(gen);
      const comando = i % 2 === 0 ? 'pausar' : 'reanudar';
      const t0 = sharedNow();
      const res = await fetch(`http://127.0.0.1:${apiPort}/api/surtidores/comando`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ comando, razon: 'bench playa' }),
      });
      const body = (await res.json()) as { ms?: number; totales?: { ejecutado?: number } };
      const t1 = sharedNow();
      const round = await roundOf(gen);
      if (!res.ok) {
        problems.push(`estación ${pumps}: respuesta ${res.status} ${JSON.stringify(body)}`);
        continue;
      }
      const ok = body.totales?.ejecutado ?? 0;
      if (ok !== pumps) problems.push(`estación ${pumps}: ${ok} de ${pumps} surtidores ejecutaron (${comando})`);
      if (!counted) continue;
      ejecutados += ok;
      response.push(t1 - t0);
      if (typeof body.ms === 'number') stationMs.push(body.ms);
      if (round.lastAnswerAt !== null) lastAnswer.push(round.lastAnswerAt - t0);
    }
    await gen.stop(1000);
    const exit = await station.stop();
    if (exit.code !== 0 && exit.signal !== 'SIGTERM')
      problems.push(`estación ${pumps}: terminó con ${exit.signal ?? exit.code}`);
    if (station.logs.errors > 0) problems.push(`estación ${pumps}: ${station.logs.errors} errores en el log`);
    return {
      registerMs: connected.registerMs,
      estacion: {
        lastAnswerMs: summarize(lastAnswer),
        responseMs: summarize(response),
        stationMs: summarize(stationMs),
        ejecutados,
        esperados: pumps * params.repetitions,
      },
      profile: profDir,
    };
  } finally {
    await gen?.stop(1000);
    await station.stop(2000);
    removeTempDir(dataDir);
  }
}

async function runBaseline(params: PlayaParams, pumps: number): Promise<LatencySummary | null> {
  const base = startNode('base', BASELINE, [], { cwd: ROOT, ipc: true });
  let gen: Child | undefined;
  try {
    const ready = await base.waitForLine((e) => e.escuchando === 'base', READY_TIMEOUT_MS);
    gen = (await connectPumps(Number(ready.puerto), pumps)).gen;
    const times: number[] = [];
    for (let i = 0; i < params.warmup + params.repetitions; i++) {
      const comando = i % 2 === 0 ? 'pausar' : 'reanudar';
      const line = `${JSON.stringify({ tipo: 'comando', comando, razon: 'bench playa', id_comando: `base-${i}` })}\n`;
      const fired = nextMessage<BaselineMessage>(base, (m) => m.type === 'fired', 'respuestas');
      base.proc.send({ type: 'fire', expected: pumps, line } satisfies BaselineCommand);
      const m = await fired;
      if (i >= params.warmup) times.push(m.ms);
    }
    return summarize(times);
  } finally {
    await gen?.stop(1000);
    await base.stop(2000);
  }
}

export async function runPlaya(params: PlayaParams, progress: (line: string) => void): Promise<PlayaRun> {
  const problems: string[] = [];
  const sizes: SizeResult[] = [];
  const loadStart = os.loadavg()[0] ?? 0;
  for (const pumps of params.sizes) {
    progress(
      `estación${params.profile ? ' (con --cpu-prof)' : ''}: ${pumps} surtidores, ${params.warmup} + ${params.repetitions} comandos…`,
    );
    const st = await runStation(params, pumps, problems);
    progress(`base (servidor TCP mínimo): ${pumps} surtidores, los mismos comandos…`);
    const base = await runBaseline(params, pumps);
    const targetMs = TARGET_MS[pumps] ?? null;
    const p50 = st.estacion.lastAnswerMs?.p50;
    const ratio = p50 !== undefined && base ? p50 / base.p50 : null;
    if (targetMs !== null && p50 !== undefined && p50 >= targetMs)
      problems.push(`estación ${pumps}: última respuesta p50 ${p50.toFixed(1)} ms, objetivo < ${targetMs} ms`);
    sizes.push({ pumps, ...st, base: { lastAnswerMs: base }, ratio, targetMs });
  }
  return { params, sizes, loadavg: { start: loadStart, end: os.loadavg()[0] ?? 0 }, problems };
}
