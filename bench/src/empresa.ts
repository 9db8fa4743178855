/**
 * A real company (`empresa serve`) for the benchmarks: loopback, API on a free port, no API rate
 * limit (the benchmarks poll it), its own data dir, `admin` logged in once before any clock starts.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Child, startNode } from './hub/children.js';
import { ROOT } from './hub/run.js';

const READY_TIMEOUT_MS = 30_000;
const POLL_MS = 2;
/** The company's `admin` password (its API needs a session too); fresh data dir each run. */
const COMPANY_ADMIN_PASSWORD = 'bench-empresa-admin';

export async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Polls until `check` holds; the time (performance clock) when it first did. */
export async function pollUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return performance.now();
    if (performance.now() > deadline) throw new Error(`${what}: no ocurrió en ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export interface BenchCompany {
  child: Child;
  api: string;
  /** `Authorization` of the admin session. */
  auth: Record<string, string>;
}

export async function startBenchCompany(dataDir: string, extraArgs: string[] = []): Promise<BenchCompany> {
  const child = startNode(
    'empresa',
    path.join(ROOT, 'empresa', 'bin', 'empresa.js'),
    [
      'serve',
      ...['--host', '127.0.0.1', '--api-port', '0', '--data-dir', dataDir, '--log-pretty=false'],
      // The benchmarks poll the API every few ms.
      ...['--rate-limit', '0', '--admin-password', COMPANY_ADMIN_PASSWORD],
      ...extraArgs,
    ],
    { cwd: ROOT },
  );
  const ready = await child.waitForLine((e) => e.listo === true, READY_TIMEOUT_MS);
  const api = `http://127.0.0.1:${(ready.puertos as { api: number }).api}`;
  const session = await getJson<{ token: string }>(`${api}/api/sesion`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ usuario: 'admin', clave: COMPANY_ADMIN_PASSWORD }),
  });
  return { child, api, auth: { authorization: `Bearer ${session.token}` } };
}
