/**
 * `bench precios`: company + S stations (real processes) + S×N pumps that follow prices. Each round
 * does one `PUT /api/precios` and measures, from just before the request:
 *   - pumps: until every pump has sent `precios_aplicados` for the new version (seen at the pumps);
 *   - station API: until every station's GET /api/precios shows every pump at that version (polled);
 *   - company: until GET /api/estaciones shows every station acknowledging it (polled).
 */
import { performance } from 'node:perf_hooks';
import { getJson, pollUntil, startBenchCompany } from '../empresa.js';
import { type Child, removeTempDir, startNode, tempDir } from '../hub/children.js';
import { ROOT, STATION_BIN, stationArgs } from '../hub/run.js';
import { stationLogin } from '../estacion.js';
import { summarize } from '../hub/stats.js';
import type { LatencySummary } from '../hub/types.js';
import { FakePump } from './fake-pumps.js';

const READY_TIMEOUT_MS = 30_000;
const ROUND_TIMEOUT_MS = 20_000;

export interface PreciosParams {
  stations: number;
  pumpsPerStation: number;
  rounds: number;
  warmup: number;
}

export interface Round {
  version: number;
  /** ms from just before the PUT. */
  put: number;
  pumps: number;
  stationApi: number;
  company: number;
}

export interface PreciosRun {
  params: PreciosParams;
  rounds: Round[];
  summary: {
    put: LatencySummary | null;
    pumps: LatencySummary | null;
    stationApi: LatencySummary | null;
    company: LatencySummary | null;
  };
  problems: string[];
}

export async function runPrecios(params: PreciosParams, progress: (line: string) => void): Promise<PreciosRun> {
  const children: Child[] = [];
  const dirs: string[] = [];
  const pumps: FakePump[] = [];
  const problems: string[] = [];
  try {
    const stations: { apiPort: number; pumpPort: number; companyPort: number; auth: Record<string, string> }[] = [];
    for (let i = 1; i <= params.stations; i++) {
      const dir = tempDir('bench-precios-estacion-');
      dirs.push(dir);
      // The benchmarks' station flags (ephemeral ports, known admin password, no admission limit)
      // with its own id, and up to 5000 pumps per station, over the default --max-pumps.
      const args = [...stationArgs(dir), '--id', `estacion-${i}`, '--max-pumps', '20000'];
      const child = startNode(`estacion-${i}`, STATION_BIN, args, { cwd: ROOT });
      children.push(child);
      const ready = await child.waitForLine((e) => e.listo === true, READY_TIMEOUT_MS);
      const ports = ready.puertos as { pump: number; company: number; api: number };
      // The station API is read with an admin session (logged in once, before the clock starts).
      const token = await stationLogin(ports.api);
      stations.push({
        apiPort: ports.api,
        pumpPort: ports.pump,
        companyPort: ports.company,
        auth: { authorization: `Bearer ${token}` },
      });
    }
    const companyDir = tempDir('bench-precios-empresa-');
    dirs.push(companyDir);
    const {
      child: company,
      api,
      auth: companyAuth,
    } = await startBenchCompany(
      companyDir,
      stations.flatMap((s) => ['--estacion', `127.0.0.1:${s.companyPort}`]),
    );
    children.push(company);
    progress(`empresa en ${api}, ${stations.length} estaciones`);

    for (const [i, s] of stations.entries()) {
      const first = i * 1000 + 1;
      const list = await Promise.all(
        Array.from({ length: params.pumpsPerStation }, (_, k) => FakePump.connect(s.pumpPort, first + k)),
      );
      pumps.push(...list);
    }
    progress(`${pumps.length} surtidores registrados`);

    type Estacion = { version_confirmada: number | null };
    type PreciosEstacion = { version: number; surtidores: { version_precios: number | null }[] };
    const companyAt = (v: number) => async () => {
      // Lists are pages (default 50): a bench run has fewer than 1000 stations.
      const list = await getJson<Estacion[]>(`${api}/api/estaciones?limit=1000`, { headers: companyAuth });
      return list.length === stations.length && list.every((e) => (e.version_confirmada ?? 0) >= v);
    };
    const stationsAt = (v: number) => async () => {
      const all = await Promise.all(
        stations.map((s) =>
          getJson<PreciosEstacion>(`http://127.0.0.1:${s.apiPort}/api/precios?limit=1000`, { headers: s.auth }),
        ),
      );
      return all.every(
        (r) =>
          r.surtidores.length === params.pumpsPerStation && r.surtidores.every((p) => (p.version_precios ?? 0) >= v),
      );
    };
    // Everyone on version 1 before the clock starts.
    await pollUntil('estaciones en la versión 1', companyAt(1), READY_TIMEOUT_MS);
    await Promise.all(pumps.map((p) => p.reaches(1, READY_TIMEOUT_MS)));
    await pollUntil('surtidores en la versión 1', stationsAt(1), READY_TIMEOUT_MS);

    const rounds: Round[] = [];
    for (let r = 0; r < params.warmup + params.rounds; r++) {
      const t0 = performance.now();
      const body = JSON.stringify({ precio_95: 1400 + r });
      const put = await getJson<{ version: number }>(`${api}/api/precios`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...companyAuth },
        body,
      });
      const tPut = performance.now();
      const v = put.version;
      const [tCompany, tApi] = await Promise.all([
        pollUntil(`empresa: confirmaciones de la versión ${v}`, companyAt(v), ROUND_TIMEOUT_MS),
        pollUntil(`estaciones: surtidores en la versión ${v}`, stationsAt(v), ROUND_TIMEOUT_MS),
        Promise.all(pumps.map((p) => p.reaches(v, ROUND_TIMEOUT_MS))),
      ]);
      const tPumps = Math.max(...pumps.map((p) => p.ackedAt.get(v) ?? Number.NaN));
      const round: Round = {
        version: v,
        put: tPut - t0,
        pumps: tPumps - t0,
        stationApi: tApi - t0,
        company: tCompany - t0,
      };
      if (r < params.warmup) {
        progress(`calentamiento: versión ${v} en ${round.pumps.toFixed(1)} ms`);
        continue;
      }
      rounds.push(round);
      progress(
        `ronda ${rounds.length}: versión ${v}, todos los surtidores ${round.pumps.toFixed(1)} ms, ` +
          `API de estaciones ${round.stationApi.toFixed(1)} ms, empresa ${round.company.toFixed(1)} ms`,
      );
      // Let the stations' write-behind and the pumps settle between rounds.
      await new Promise((res) => setTimeout(res, 200));
    }
    for (const c of children) {
      if (c.logs.errors > 0)
        problems.push(`${c.name}: ${c.logs.errors} errores en el log (${c.logs.samples.join('; ')})`);
    }
    return {
      params,
      rounds,
      summary: {
        put: summarize(rounds.map((x) => x.put)),
        pumps: summarize(rounds.map((x) => x.pumps)),
        stationApi: summarize(rounds.map((x) => x.stationApi)),
        company: summarize(rounds.map((x) => x.company)),
      },
      problems,
    };
  } finally {
    for (const p of pumps) p.close();
    await Promise.all(children.reverse().map((c) => c.stop(5000)));
    for (const d of dirs) removeTempDir(d);
  }
}
