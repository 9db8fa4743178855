/**
 * `bench pares`: the same fleet against the station, the minimal Node server (the baseline), and
 * two MQTT brokers, in three passes, each server started fresh for each pass:
 *
 * 1. saturación: the offered rate is raised step by step until a step is not kept up twice in a
 *    row; each step says which side gave way (the server stopped reading or acknowledging, or the
 *    generators fell behind their schedule) with the CPU of both sides and of the machine.
 * 2. tasa fija: one rate for all (the requested one, scaled down when some server or the
 *    generators did not sustain it in pass 1): server CPU per 10k messages, sale → ack latency.
 * 3. inactivas: connections opened up to each size and left idle; server RSS per connection.
 *
 * Passes 2 and 3 use fresh processes so neither inherits the heap of the one before.
 */
import { sampleProc } from '../hub/proc-stats.js';
import { Fleet, type Rates, type Window } from './fleet.js';
import { startTarget, type Target, type TargetName, type TargetOptions } from './targets.js';

/** Let a server settle (GC, buffers) after connecting before its RSS is read. */
const SETTLE_MS = 2000;
/** Per sweep step: how long the last acknowledgements may take before the step counts as not kept up. */
const STEP_DRAIN_MS = 1000;
const FIXED_DRAIN_MS = 5000;
/** When the requested fixed rate is not sustainable, this share of the lowest sustained rate is used. */
const FIXED_SHARE = 0.7;
/** Least main-thread CPU share (%) from which a per-CPU-second throughput is worth estimating. */
const MIN_THREAD_RUN = 20;

export interface ParesParams {
  targets: TargetName[];
  connections: number;
  generators: number;
  /** The fixed rate asked for; its estado:ventas mix is also the sweep's. */
  fixed: Rates;
  warmupS: number;
  windowS: number;
  sweep: { startPerS: number; factor: number; stepS: number; maxPerS: number };
  idle: number[];
  mosquittoBin: string | null;
}

export type Limit = 'servidor' | 'generador' | 'ambos' | 'ninguno';

export interface Step extends Window {
  keptUp: boolean;
  limit: Limit;
  reasons: string[];
}

export interface Saturation {
  steps: Step[];
  /** Highest messages/s the server took, by its own count (what was sent when it cannot count). */
  messagesPerS: number | null;
  /** No step failed on the server's side: the figure is only a lower bound. */
  lowerBound: boolean;
  /** Who gave way in the last step. */
  limit: Limit;
  /** Highest offered rate a step kept up with. */
  sustainedPerS: number;
  /** Index in `steps` of the step that gave messagesPerS. */
  peak: number;
  /**
   * messagesPerS over the share of that step the server's main thread spent on a CPU: what it
   * would take with a core of its own, were throughput proportional to CPU. On a shared machine,
   * where the measured figure depends on who else was running, this one mostly does not.
   */
  perThreadSecond: number | null;
}

export interface Fixed {
  rates: Rates;
  window: Step;
  /** Server CPU time per 10,000 messages (ms). */
  cpuMsPer10k: number | null;
  /** Generators + subscriber CPU time per 10,000 messages (ms). */
  clientCpuMsPer10k: number | null;
}

export interface IdlePoint {
  connections: number;
  connectMs: number;
  rssKiB: number | null;
  /** (RSS now − RSS before any connection) / connections. */
  rssPerConnectionKiB: number | null;
  /** (RSS now − RSS at the previous size) / connections added: the cost of one more, without fixed costs. */
  marginalKiB: number | null;
}

export interface TargetResult {
  target: TargetName;
  /** Why this server was not measured (mosquitto not installed). */
  skipped?: string;
  saturation?: Saturation;
  fixed?: Fixed;
  idle?: { beforeKiB: number | null; points: IdlePoint[] };
  /** A pass that failed, with why. */
  failures: string[];
  logs: { warnings: number; errors: number; stderrLines: number; samples: string[] };
}

export interface ParesRun {
  params: ParesParams;
  fixedRate: { requested: Rates; used: Rates; why: string | null };
  results: TargetResult[];
  problems: string[];
}

type Progress = (line: string) => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const n0 = (x: number | null | undefined) => (x === null || x === undefined ? 'n/d' : String(Math.round(x)));
const pct = (x: number | null) => (x === null ? 'n/d' : `${x.toFixed(0)} %`);

/** Whether a window was kept up with and, when not, which side gave way and why. */
export function judge(w: Window): { keptUp: boolean; limit: Limit; reasons: string[] } {
  const offered = w.offeredPerS * w.windowS;
  const server: string[] = [];
  const generator: string[] = [];
  if (w.blocked > offered * 0.01) server.push(`${n0(w.blocked)} mensajes retenidos: el servidor no leía`);
  const unacked = w.sent.ventas - w.acked;
  if (unacked > Math.max(1, w.sent.ventas * 0.05))
    server.push(`${n0(unacked)} de ${n0(w.sent.ventas)} ventas sin confirmar a tiempo`);
  if (w.processedExact && w.processedPerS !== null && w.processedPerS < w.sentPerS * 0.85)
    server.push(`procesó ${n0(w.processedPerS)}/s de ${n0(w.sentPerS)}/s enviados`);
  if (w.lost > 0) server.push(`${n0(w.lost)} mensajes para conexiones cerradas`);
  for (const [codigo, k] of Object.entries(w.errors)) server.push(`${k} × error ${codigo}`);
  if (w.notGenerated > offered * 0.01)
    generator.push(`${n0(w.notGenerated)} mensajes no generados a tiempo (generador atrasado)`);
  const limit: Limit =
    server.length > 0 && generator.length > 0
      ? 'ambos'
      : server.length > 0
        ? 'servidor'
        : generator.length > 0
          ? 'generador'
          : 'ninguno';
  return { keptUp: limit === 'ninguno', limit, reasons: [...server, ...generator] };
}

const mix = (fixed: Rates, totalPerS: number): Rates => {
  const share = fixed.ventasPerS / (fixed.estadoPerS + fixed.ventasPerS);
  return { estadoPerS: totalPerS * (1 - share), ventasPerS: totalPerS * share };
};

function describe(w: Window): string {
  const t = w.cpu.serverThread;
  const processed = w.processedPerS === null ? 'n/d' : `${w.processedExact ? '' : '~'}${n0(w.processedPerS)}/s`;
  return (
    `enviados ${n0(w.sentPerS)}/s, procesados ${processed}; CPU servidor ${pct(w.cpu.server)}` +
    (t ? ` (hilo principal: en CPU ${pct(t.run)}, esperando CPU ${pct(t.wait)})` : '') +
    `, clientes ${pct((w.cpu.generators ?? 0) + (w.cpu.subscriber ?? 0))}, máquina ${pct(w.cpu.machine)}`
  );
}

/** Starts the target and a fleet for it, runs `body`, and stops both whatever happens. */
async function withFleet<T>(
  name: TargetName,
  opts: TargetOptions,
  params: ParesParams,
  maxConnections: number,
  body: (target: Target, fleet: Fleet) => Promise<T>,
  logsOut: TargetResult['logs'],
): Promise<T> {
  const target = await startTarget(name, opts);
  let fleet: Fleet | undefined;
  try {
    fleet = await Fleet.start(target, params.generators, maxConnections);
    return await body(target, fleet);
  } finally {
    await fleet?.close();
    await target.stop();
    const l = target.logs;
    logsOut.warnings += l.warnings;
    logsOut.errors += l.errors;
    logsOut.stderrLines += l.stderrLines;
    for (const s of l.samples) if (logsOut.samples.length < 10 && !logsOut.samples.includes(s)) logsOut.samples.push(s);
  }
}

async function sweep(target: Target, fleet: Fleet, params: ParesParams, progress: Progress): Promise<Saturation> {
  await fleet.connect(params.connections);
  await sleep(500);
  const steps: Step[] = [];
  let rate = params.sweep.startPerS;
  let failures = 0;
  while (rate <= params.sweep.maxPerS) {
    const w = await fleet.run(mix(params.fixed, rate), params.sweep.stepS, STEP_DRAIN_MS);
    const step = { ...w, ...judge(w) };
    steps.push(step);
    progress(
      `    ${n0(rate)}/s${failures > 0 ? ' (otra vez)' : ''}: ${describe(w)} → ` +
        (step.keptUp ? 'sostiene' : `no sostiene (${step.limit}: ${step.reasons.join('; ')})`),
    );
    // On a shared machine one bad moment can sink a step: it must fail twice in a row to end the sweep.
    failures = step.keptUp ? 0 : failures + 1;
    if (failures >= 2) break;
    if (failures === 0) rate = Math.round(rate * params.sweep.factor);
    // Let what is still in flight land before the next step.
    await sleep(failures > 0 ? 1000 : 300);
  }
  const last = steps.at(-1);
  // The server's own count where it is exact; else what it took off the wire (sent, not held back).
  const taken = steps.map((s) =>
    s.processedExact && s.processedPerS !== null ? s.processedPerS : s.sentPerS - s.blocked / s.windowS,
  );
  const kept = steps.filter((s) => s.keptUp);
  const peak = taken.indexOf(Math.max(...taken));
  const run = steps[peak]?.cpu.serverThread?.run;
  return {
    steps,
    messagesPerS: taken[peak] ?? null,
    lowerBound: !last || last.limit === 'ninguno' || last.limit === 'generador',
    limit: last?.limit ?? 'ninguno',
    sustainedPerS: kept.length > 0 ? Math.max(...kept.map((s) => s.offeredPerS)) : 0,
    peak,
    // Below a fifth of a core the division mostly amplifies noise.
    perThreadSecond: run !== undefined && run >= MIN_THREAD_RUN ? ((taken[peak] ?? 0) * 100) / run : null,
  };
}

/** The requested fixed rate, or FIXED_SHARE of the lowest sustained one when that is lower. */
export function chooseFixed(
  requested: Rates,
  sustained: { target: TargetName; perS: number; limit: Limit }[],
): { used: Rates; why: string | null } {
  const total = requested.estadoPerS + requested.ventasPerS;
  // A server that sustained not even the first step says nothing about a usable rate.
  const lowest = sustained
    .filter((s) => s.perS > 0)
    .reduce<(typeof sustained)[number] | null>((a, b) => (a === null || b.perS < a.perS ? b : a), null);
  if (!lowest || total <= lowest.perS) return { used: requested, why: null };
  // Two significant digits: a round figure to read, whatever the measured capacity was.
  const raw = lowest.perS * FIXED_SHARE;
  const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(raw)) - 1);
  const scaled = Math.max(1, Math.floor(raw / magnitude) * magnitude);
  const used = mix(requested, scaled);
  return {
    used: { estadoPerS: Math.round(used.estadoPerS), ventasPerS: Math.round(used.ventasPerS) },
    why:
      `la tasa pedida (${n0(total)}/s) supera lo que sostuvo ${lowest.target} en el barrido ` +
      `(${n0(lowest.perS)}/s; cedió: ${lowest.limit}); se usa el ${FIXED_SHARE * 100} % de eso, la misma mezcla`,
  };
}

async function fixedRun(fleet: Fleet, params: ParesParams, rates: Rates): Promise<Fixed> {
  await fleet.connect(params.connections);
  await sleep(500);
  if (params.warmupS > 0) await fleet.run(rates, params.warmupS, STEP_DRAIN_MS);
  const w = await fleet.run(rates, params.windowS, FIXED_DRAIN_MS);
  const window = { ...w, ...judge(w) };
  const per10k = (cpuPct: number | null) =>
    cpuPct === null || w.sentPerS <= 0 ? null : (cpuPct * 100_000) / w.sentPerS;
  return {
    rates,
    window,
    cpuMsPer10k: per10k(w.cpu.server),
    clientCpuMsPer10k: per10k(w.cpu.generators === null ? null : w.cpu.generators + (w.cpu.subscriber ?? 0)),
  };
}

async function idleRun(target: Target, fleet: Fleet, sizes: number[], progress: Progress) {
  await sleep(SETTLE_MS);
  const before = sampleProc(target.pid).rssKiB;
  const points: IdlePoint[] = [];
  for (const connections of sizes) {
    const connectMs = await fleet.connect(connections);
    await sleep(SETTLE_MS);
    const rssKiB = sampleProc(target.pid).rssKiB;
    const perConnection = rssKiB !== null && before !== null ? (rssKiB - before) / connections : null;
    const previous = points.at(-1);
    const marginal =
      previous && previous.rssKiB !== null && rssKiB !== null
        ? (rssKiB - previous.rssKiB) / (connections - previous.connections)
        : null;
    points.push({
      connections,
      connectMs,
      rssKiB,
      rssPerConnectionKiB: perConnection,
      marginalKiB: marginal,
    });
    progress(
      `    ${n0(connections)} conexiones (en ${(connectMs / 1000).toFixed(1)} s): RSS ${rssKiB === null ? 'n/d' : (rssKiB / 1024).toFixed(1)} MiB, ` +
        `${perConnection === null ? 'n/d' : perConnection.toFixed(1)} KiB por conexión`,
    );
  }
  return { beforeKiB: before, points };
}

const LABEL: Record<TargetName, string> = {
  estacion: 'estación',
  techo: 'techo (servidor Node mínimo)',
  mosquitto: 'mosquitto',
  aedes: 'aedes',
};

export async function runPares(params: ParesParams, progress: Progress): Promise<ParesRun> {
  const maxIdle = Math.max(0, ...params.idle);
  const results: TargetResult[] = params.targets.map((target) => ({
    target,
    failures: [],
    logs: { warnings: 0, errors: 0, stderrLines: 0, samples: [] },
    ...(target === 'mosquitto' && !params.mosquittoBin
      ? { skipped: 'mosquitto no está instalado (ni /usr/sbin/mosquitto ni en el PATH)' }
      : {}),
  }));
  for (const r of results) if (r.skipped) progress(`${LABEL[r.target]}: omitido — ${r.skipped}`);
  const measured = results.filter((r) => !r.skipped);
  const opts = (maxConnections: number): TargetOptions => ({
    maxConnections,
    mosquittoBin: params.mosquittoBin,
  });
  const attempt = async (r: TargetResult, pass: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      r.failures.push(`${pass}: ${message}`);
      progress(`    FALLÓ: ${message}`);
    }
  };

  progress(
    `1/3 saturación: ${params.connections} conexiones, escalones de ${params.sweep.stepS} s desde ${n0(params.sweep.startPerS)}/s (×${params.sweep.factor})`,
  );
  for (const r of measured) {
    progress(`  ${LABEL[r.target]}:`);
    await attempt(r, 'saturación', async () => {
      r.saturation = await withFleet(
        r.target,
        opts(params.connections),
        params,
        params.connections,
        (t, f) => sweep(t, f, params, progress),
        r.logs,
      );
    });
  }

  const sustained = measured.flatMap((r) =>
    r.saturation ? [{ target: r.target, perS: r.saturation.sustainedPerS, limit: r.saturation.limit }] : [],
  );
  const { used, why } = chooseFixed(params.fixed, sustained);
  progress(
    `2/3 tasa fija: ${n0(used.estadoPerS)} estado/s + ${n0(used.ventasPerS)} ventas/s, ${params.warmupS} s de calentamiento + ${params.windowS} s medidos` +
      (why ? `\n    (escalada: ${why})` : ''),
  );
  for (const r of measured) {
    await attempt(r, 'tasa fija', async () => {
      r.fixed = await withFleet(
        r.target,
        opts(params.connections),
        params,
        params.connections,
        (_t, f) => fixedRun(f, params, used),
        r.logs,
      );
      const w = r.fixed.window;
      progress(
        `  ${LABEL[r.target]}: ${describe(w)}; venta → confirmación p50 ${w.latency?.p50.toFixed(2) ?? 'n/d'} ms, p99 ${w.latency?.p99.toFixed(2) ?? 'n/d'} ms` +
          (w.keptUp ? '' : ` — NO sostuvo la tasa (${w.reasons.join('; ')})`),
      );
    });
  }

  if (params.idle.length > 0) {
    progress(`3/3 conexiones inactivas: ${params.idle.map(n0).join(', ')}`);
    for (const r of measured) {
      progress(`  ${LABEL[r.target]}:`);
      await attempt(r, 'inactivas', async () => {
        r.idle = await withFleet(
          r.target,
          opts(maxIdle),
          params,
          maxIdle,
          (t, f) => idleRun(t, f, params.idle, progress),
          r.logs,
        );
      });
    }
  }

  const problems = measured.flatMap((r) => [
    ...r.failures.map((f) => `${r.target}: ${f}`),
    ...(r.fixed && !r.fixed.window.keptUp
      ? [`${r.target}: no sostuvo la tasa fija (${r.fixed.window.reasons.join('; ')})`]
      : []),
  ]);
  return { params, fixedRate: { requested: params.fixed, used, why }, results, problems };
}
