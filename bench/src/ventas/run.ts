/**
 * `bench ventas`: durable sales at saturation. The station (SQLite store, WAL + synchronous=FULL)
 * takes sales over TCP from N pumps that each keep a few sales unconfirmed, so the station is never
 * idle waiting for work; a sale is confirmed only after its group commit. Then the rows it stored
 * are inserted again with raw better-sqlite3 (same schema, pragmas, statement, number of commits)
 * as the floor, and every confirmed sale is checked to be in the file. With `profile`, the station
 * runs under `node --cpu-prof` and the window's samples say where each µs of a sale goes.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Child, type ChildLogs, type ExitInfo, removeTempDir, tempDir } from '../hub/children.js';
import { driveGenerator } from '../hub/generator.js';
import { cpuPercent, type ProcSample, sampleProc } from '../hub/proc-stats.js';
import { startStation, stationArgs } from '../hub/run.js';
import { stationLogin } from '../estacion.js';
import { type CpuProfile, type ProfileSummary, summarizeProfile } from './profile-summary.js';
import { insertRaw, type RawResult, readStoredRows } from './raw-sqlite.js';
import type { SaleLoadConfig, SaleLoadResult } from './types.js';

const GENERATOR = fileURLToPath(new URL('./sale-generator.js', import.meta.url));
const READY_TIMEOUT_MS = 30_000;

export interface VentasParams {
  connections: number;
  inFlight: number;
  durationS: number;
  warmupS: number;
  profile: boolean;
}

/** The station's group commit as its /metrics saw it over the whole run. */
export interface CommitStats {
  commits: number;
  rows: number;
  meanBatch: number;
  meanCommitMs: number;
}

export interface VentasRun {
  params: VentasParams;
  load: SaleLoadResult;
  /** Confirmed sales per second in the window. */
  salesPerS: number;
  /** Station CPU over the window, % of one core. */
  cpuPct: number | null;
  /** Station CPU µs per confirmed sale in the window. */
  cpuUsPerSale: number | null;
  rss: { before: number | null; end: number | null; peak: number | null };
  commit: CommitStats | null;
  raw: RawResult | null;
  /** Confirmed sales per second ÷ raw rows per second. */
  ratioToRaw: number | null;
  durability: { stored: number; confirmed: number; missing: number; checked: boolean };
  profile: (ProfileSummary & { file: string }) | null;
  logs: ChildLogs;
  exit: ExitInfo;
  problems: string[];
}

const monoUs = () => Number(process.hrtime.bigint() / 1000n);

async function commitStats(apiPort: number, token: string): Promise<CommitStats | null> {
  const res = await fetch(`http://127.0.0.1:${apiPort}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) return null;
  const text = await res.text();
  const value = (name: string) => {
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    return m?.[1] === undefined ? null : Number(m[1]);
  };
  const commits = value('estacion_commit_lote_transacciones_count');
  const rows = value('estacion_commit_lote_transacciones_sum');
  const seconds = value('estacion_commit_segundos_sum');
  if (commits === null || rows === null || commits === 0) return null;
  return { commits, rows, meanBatch: rows / commits, meanCommitMs: ((seconds ?? 0) * 1000) / commits };
}

/** The sale generator against `station`; samples the station's CPU and the profile's clock at the window's ends. */
function drive(station: Child, cfg: SaleLoadConfig, onRegistered: () => Promise<void>) {
  const samples: { windowStart?: ProcSample; windowEnd?: ProcSample; fromUs?: number; toUs?: number } = {};
  const pid = station.proc.pid;
  const result = driveGenerator<SaleLoadResult>(station, GENERATOR, cfg, {
    onRegistered,
    onWindowStart: () => {
      samples.fromUs = monoUs();
      samples.windowStart = sampleProc(pid);
    },
    onWindowEnd: () => {
      samples.toUs = monoUs();
      samples.windowEnd = sampleProc(pid);
    },
  });
  return { samples, result };
}

/** Every sale confirmed is in the file: ids are tag-0 … tag-(sent-1), less those never confirmed. */
function checkDurability(rows: Record<string, unknown>[], load: SaleLoadResult) {
  const stored = new Set<string>();
  for (const r of rows) stored.add(String(r.id_transaccion));
  const checked = load.unconfirmed === load.unconfirmedIds.length;
  const unconfirmed = new Set(load.unconfirmedIds);
  let missing = 0;
  if (checked) {
    for (let k = 0; k < load.sent; k++) {
      const id = `${load.tag}-${k}`;
      if (!unconfirmed.has(id) && !stored.has(id)) missing += 1;
    }
  }
  return { stored: stored.size, confirmed: load.confirmed, missing, checked };
}

function findProfile(dir: string): string | null {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  return file ? path.join(dir, file) : null;
}

export async function runVentas(params: VentasParams, progress: (line: string) => void): Promise<VentasRun> {
  const dataDir = tempDir('bench-ventas-');
  // Not a temp dir of the run: the profile stays for a closer look (its path is in the results).
  const profDir = mkdtempSync(path.join(os.tmpdir(), 'bench-ventas-perfil-'));
  const rawDir = tempDir('bench-ventas-raw-');
  // The benchmark station's flags (no admission limit: the generator registers every pump at once).
  const args = [...stationArgs(dataDir), '--max-pumps', '20000'];
  const nodeArgs = params.profile ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
  progress(
    `estación${params.profile ? ' (con --cpu-prof)' : ''}: ${params.connections} surtidores, ${params.inFlight} ventas en vuelo cada uno, ` +
      `${params.warmupS} s de calentamiento + ${params.durationS} s medidos…`,
  );
  const removeDirs = () => {
    removeTempDir(dataDir);
    removeTempDir(rawDir);
  };
  const { station, port } = await startStation(args, nodeArgs).catch((err: unknown) => {
    removeDirs();
    throw err;
  });
  try {
    const api = await station.waitForLine((e) => e.escuchando === 'api', READY_TIMEOUT_MS);
    const before = sampleProc(station.proc.pid);
    const cfg: SaleLoadConfig = {
      port,
      connections: params.connections,
      inFlight: params.inFlight,
      warmupS: params.warmupS,
      durationS: params.durationS,
      batchSize: 100,
      registerTimeoutMs: 15_000,
      drainMs: 10_000,
    };
    let token = '';
    const { samples, result } = drive(station, cfg, async () => {
      token = await stationLogin(Number(api.puerto));
      progress('surtidores registrados; enviando ventas…');
    });
    const load = await result;
    const commit = await commitStats(Number(api.puerto), token).catch(() => null);
    const end = sampleProc(station.proc.pid);
    const exit = await station.stop();
    const { windowStart, windowEnd, fromUs, toUs } = samples;
    const windowS = fromUs !== undefined && toUs !== undefined ? (toUs - fromUs) / 1e6 : load.windowS;
    const salesPerS = load.confirmedInWindow / load.windowS;
    const cpuPct = windowStart && windowEnd ? cpuPercent(windowStart, windowEnd) : null;
    const salesInWindow = salesPerS * windowS;
    progress('verificando que cada venta confirmada esté en el archivo…');
    const rows = readStoredRows(dataDir);
    const durability = checkDurability(rows, load);
    let raw: RawResult | null = null;
    if (commit) {
      progress(`línea base: ${rows.length} filas con better-sqlite3 directo en ${commit.commits} commits…`);
      raw = insertRaw(rows, commit.commits, rawDir);
    }
    let profile: VentasRun['profile'] = null;
    const profFile = params.profile ? findProfile(profDir) : null;
    if (profFile) {
      progress('resumiendo el perfil de CPU…');
      const cpuProfile = JSON.parse(readFileSync(profFile, 'utf8')) as CpuProfile;
      profile = {
        file: profFile,
        ...summarizeProfile(cpuProfile, {
          sales: Math.round(salesInWindow),
          ...(fromUs === undefined ? {} : { fromUs }),
          ...(toUs === undefined ? {} : { toUs }),
        }),
      };
    }
    const run: VentasRun = {
      params,
      load,
      salesPerS,
      cpuPct,
      cpuUsPerSale: cpuPct === null || salesPerS === 0 ? null : ((cpuPct / 100) * 1e6) / salesPerS,
      rss: { before: before.rssKiB, end: end.rssKiB, peak: end.peakRssKiB },
      commit,
      raw,
      ratioToRaw: raw ? salesPerS / raw.rowsPerS : null,
      durability,
      profile,
      logs: station.logs,
      exit,
      problems: [],
    };
    run.problems = problemsOf(run);
    return run;
  } finally {
    await station.stop(2000);
    removeDirs();
  }
}

function problemsOf(r: VentasRun): string[] {
  const out: string[] = [];
  const { load } = r;
  if (!r.durability.checked) out.push(`no se pudo verificar la durabilidad (${load.unconfirmed} sin confirmar)`);
  if (r.durability.missing > 0) out.push(`${r.durability.missing} ventas confirmadas NO están en el archivo`);
  if (load.unconfirmed > 0) out.push(`${load.unconfirmed} ventas sin confirmar tras el vaciado`);
  if (load.duplicates > 0) out.push(`${load.duplicates} confirmaciones "duplicada"`);
  if (load.connectionsLost > 0) out.push(`${load.connectionsLost} conexiones perdidas`);
  for (const [codigo, n] of Object.entries(load.errors)) out.push(`${n} × error ${codigo}`);
  if (r.exit.code !== 0 && r.exit.signal !== 'SIGTERM')
    out.push(`la estación terminó con ${r.exit.signal ?? r.exit.code}`);
  if (load.generatorCpuPct > 90)
    out.push(`el generador usó ${load.generatorCpuPct.toFixed(0)} % de CPU: pudo ser él el límite`);
  return out;
}
