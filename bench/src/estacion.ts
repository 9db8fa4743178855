/**
 * A real station for the benchmarks that need to look inside it while it runs (`pares`, `soak`):
 * the hub benchmark's station (stationArgs, startStation), logged in as admin so /metrics (which
 * needs a session) can be read, and its Prometheus text parsed into numbers.
 */
import { type Child, removeTempDir, tempDir } from './hub/children.js';
import { BENCH_ADMIN_PASSWORD, startStation, stationArgs } from './hub/run.js';

const READY_TIMEOUT_MS = 30_000;

export interface ObservedStation {
  child: Child;
  pumpPort: number;
  apiPort: number;
  /** Prometheus samples by `name{labels}` (labels as printed). */
  metrics(): Promise<Map<string, number>>;
  /** Stops the station and removes its data dir. */
  stop(): Promise<void>;
}

export interface StationOptions {
  /** Pumps (and, with a margin, connections) the station must accept. */
  maxPumps: number;
  /** --heartbeat-timeout: a bench holding silent connections open longer than 60 s raises it. */
  heartbeatTimeoutS?: number;
}

export async function startObservedStation(opts: StationOptions): Promise<ObservedStation> {
  const dataDir = tempDir('bench-estacion-');
  const args = [
    ...stationArgs(dataDir),
    // The defaults (1000 pumps) are below what the benchmarks connect; a few spare for retries.
    ...['--max-pumps', String(opts.maxPumps), '--max-connections', String(opts.maxPumps + 100)],
    ...(opts.heartbeatTimeoutS === undefined ? [] : ['--heartbeat-timeout', String(opts.heartbeatTimeoutS)]),
  ];
  let child: Child | undefined;
  const stop = async () => {
    await child?.stop(10_000);
    removeTempDir(dataDir);
  };
  try {
    const started = await startStation(args);
    child = started.station;
    // The API listens last: once it does, the whole station is up.
    const api = await child.waitForLine((e) => e.escuchando === 'api', READY_TIMEOUT_MS);
    const apiPort = Number(api.puerto);
    const token = await stationLogin(apiPort);
    return { child, pumpPort: started.port, apiPort, metrics: () => scrape(apiPort, token), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Logs in as the benchmark station's admin (for /metrics); returns the session token. */
export async function stationLogin(apiPort: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${apiPort}/api/sesion`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ usuario: 'admin', clave: BENCH_ADMIN_PASSWORD }),
  });
  if (!res.ok) throw new Error(`estación: login de admin respondió ${res.status}`);
  const { token } = (await res.json()) as { token?: unknown };
  if (typeof token !== 'string') throw new Error('estación: login sin token');
  return token;
}

async function scrape(apiPort: number, token: string): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${apiPort}/metrics`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!res.ok) throw new Error(`estación: /metrics respondió ${res.status}`);
  return parsePrometheus(await res.text());
}

/** `name{labels} value` lines of the Prometheus text format; comments and NaN are skipped. */
export function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    const value = Number(line.slice(cut + 1));
    if (cut > 0 && Number.isFinite(value)) out.set(line.slice(0, cut), value);
  }
  return out;
}

/** Sum of every sample of `name` whatever its labels (e.g. messages of every `tipo`). */
export function sumOf(samples: Map<string, number>, name: string): number {
  let total = 0;
  for (const [key, value] of samples) if (key === name || key.startsWith(`${name}{`)) total += value;
  return total;
}
