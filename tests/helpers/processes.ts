/** Starts the real service binaries as child processes and waits for them to be ready. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const binPath = (name: 'estacion' | 'empresa' | 'surtidor') => path.join(ROOT, name, 'bin', `${name}.js`);

export type LogEvent = Record<string, unknown> & { msg?: string };

export interface ServiceProcess {
  proc: ChildProcess;
  /** Every JSON log event printed so far. */
  logs: LogEvent[];
  /** Every line printed on stderr so far (a CLI's refusal, a crash). */
  stderr: string[];
  /** Resolves with the first log event (past or future) matching `match`. */
  waitForLog(match: (e: LogEvent) => boolean, timeoutMs?: number): Promise<LogEvent>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Like `exited`, once stdout and stderr are closed too (every line is in `logs` / `stderr`). */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startProcess(name: 'estacion' | 'empresa' | 'surtidor', args: string[]): ServiceProcess {
  const proc = spawn(process.execPath, [binPath(name), ...args, '--log-pretty=false'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  const logs: LogEvent[] = [];
  let listeners: ((e: LogEvent) => void)[] = [];
  const stderr: string[] = [];
  createInterface({ input: proc.stdout }).on('line', (line) => {
    let event: LogEvent;
    try {
      event = JSON.parse(line) as LogEvent;
    } catch {
      event = { msg: line };
    }
    logs.push(event);
    for (const l of listeners) l(event);
  });
  createInterface({ input: proc.stderr }).on('line', (line) => stderr.push(line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('close', (code, signal) => resolve({ code, signal })),
  );
  const waitForLog = (match: (e: LogEvent) => boolean, timeoutMs = 15_000) => {
    const found = logs.find(match);
    if (found) return Promise.resolve(found);
    return new Promise<LogEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners = listeners.filter((l) => l !== listener);
        reject(new Error(`${name}: no matching log within ${timeoutMs} ms. stderr:\n${stderr.join('\n')}`));
      }, timeoutMs);
      const listener = (e: LogEvent) => {
        if (!match(e)) return;
        clearTimeout(timer);
        listeners = listeners.filter((l) => l !== listener);
        resolve(e);
      };
      listeners.push(listener);
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${signal ?? code}) before the expected log. stderr:\n${stderr.join('\n')}`));
      });
    });
  };
  return {
    proc,
    logs,
    stderr,
    waitForLog,
    exited,
    closed,
    stop: (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** The `admin` password test stations start with (`--admin-password`), unless told otherwise. */
export const STATION_ADMIN_PASSWORD = 'clave-admin-estacion';

export interface StationProcess extends ServiceProcess {
  pumpPort: number;
  companyPort: number;
  apiPort: number;
  wsPort: number;
  dataDir: string;
  /** `http://127.0.0.1:<apiPort>` */
  api: string;
  /** Logs in through `POST /api/sesion` (admin by default); the session token. */
  login(usuario?: string, clave?: string): Promise<string>;
  /** fetch() on the station API with an admin session (logged in on first use) as a bearer token. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** GET or send JSON to the station API as admin; throws unless 2xx. */
  request<T = Record<string, unknown>>(path: string, method?: string, body?: unknown): Promise<T>;
}

/**
 * Starts `estacion` on free ports with its own data dir (or the given one), ready to take pumps,
 * with `admin`'s password STATION_ADMIN_PASSWORD on the first start (unless `flags` set another).
 */
export async function startStationProcess(
  opts: { dataDir?: string; flags?: Record<string, string>; args?: string[] } = {},
): Promise<StationProcess> {
  const dataDir = opts.dataDir ?? tempDir('estacion-');
  const flags: Record<string, string> = {
    host: '127.0.0.1',
    'pump-port': '0',
    'company-port': '0',
    'api-port': '0',
    'ws-port': '0',
    'data-dir': dataDir,
    'admin-password': STATION_ADMIN_PASSWORD,
    ...opts.flags,
  };
  const p = startProcess('estacion', [
    // An empty value leaves the flag out (`'admin-password': ''`: the station generates one).
    ...Object.entries(flags).flatMap(([k, v]) => (v === '' ? [] : [`--${k}`, v])),
    ...(opts.args ?? []),
  ]);
  const ready = await p.waitForLog((e) => e.listo === true);
  const ports = ready.puertos as { pump: number; company: number; api: number; ws: number };
  const api = `http://127.0.0.1:${ports.api}`;
  const login = (usuario = 'admin', clave = flags['admin-password'] ?? STATION_ADMIN_PASSWORD) =>
    stationLogin(api, usuario, clave);
  let admin: Promise<string> | undefined;
  const authorized = async (path: string, init: RequestInit = {}) => {
    admin ??= login();
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${await admin}`);
    return fetch(new URL(path, api), { ...init, headers });
  };
  return {
    ...p,
    pumpPort: ports.pump,
    companyPort: ports.company,
    apiPort: ports.api,
    wsPort: ports.ws,
    dataDir,
    api,
    login,
    fetch: authorized,
    async request<T>(path: string, method = 'GET', body?: unknown): Promise<T> {
      const res = await authorized(path, {
        method,
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
  };
}

/** Runs a CLI command of a service (`estacion usuarios list ...`) to the end, with `input` on stdin. */
export function runCli(
  name: 'estacion' | 'empresa' | 'surtidor',
  args: string[],
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [binPath(name), ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  proc.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  proc.stdin.end(input ?? '');
  return new Promise((resolve) =>
    proc.once('close', (code) => resolve({ code, stdout: stdout.trimEnd(), stderr: stderr.trimEnd() })),
  );
}

/** Logs in on a station's API; the session token. */
export async function stationLogin(api: string, usuario: string, clave: string): Promise<string> {
  const res = await fetch(new URL('/api/sesion', api), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ usuario, clave }),
  });
  if (!res.ok) throw new Error(`login ${usuario}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

const temps: string[] = [];
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

/**
 * A `surtidor` process with `count` simulated pumps at a station's pump port, each with its own
 * outbox: selling every `meanInterval` seconds (simulated) at `speed` × real time, or, with a long
 * interval, pumps that only register and follow prices. Resolves once the fleet is ready.
 */
export async function startPumps(
  pumpPort: number,
  { count, meanInterval, speed }: { count: number; meanInterval: number; speed?: number },
): Promise<ServiceProcess> {
  const pumps = startProcess('surtidor', [
    ...['--estacion', `127.0.0.1:${pumpPort}`, '--count', String(count)],
    ...['--outbox-dir', tempDir('surtidor-'), '--mean-interval', String(meanInterval)],
    ...(speed === undefined ? [] : ['--speed', String(speed)]),
    '--no-table',
  ]);
  try {
    await pumps.waitForLog((e) => e.listo === true);
  } catch (err) {
    await pumps.stop('SIGKILL');
    throw err;
  }
  return pumps;
}
