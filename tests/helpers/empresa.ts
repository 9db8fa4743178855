/** Helpers for the cross-service tests of the company: its process, its API, and pumps that follow prices. */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { LineDecoder } from '@combustible/shared';
import {
  binPath,
  ROOT,
  type ServiceProcess,
  type StationProcess,
  startProcess,
  startStationProcess,
  tempDir,
} from './processes.js';

/** The `admin` password the test companies start with (`--admin-password`). */
export const TEST_ADMIN_PASSWORD = 'clave-admin-de-prueba';

export interface CompanyProcess extends ServiceProcess {
  apiPort: number;
  dataDir: string;
  api: string;
  /** A session token of `admin`, logged in at start. */
  token: string;
  /** GET or send JSON to the company API, as `admin`. */
  request<T = Record<string, unknown>>(path: string, method?: string, body?: unknown): Promise<T>;
  /** Logs in through the API; the session token. */
  login(usuario: string, clave: string): Promise<string>;
}

export async function jsonRequest<T>(
  base: string,
  path: string,
  method = 'GET',
  body?: unknown,
  token?: string,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(new URL(path, base), {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function loginAt(api: string, usuario: string, clave: string): Promise<string> {
  const r = await jsonRequest<{ token: string }>(api, '/api/sesion', 'POST', { usuario, clave });
  return r.token;
}

/**
 * Starts `empresa serve` on a free API port with its own data dir (or the given one), with
 * `admin`'s password TEST_ADMIN_PASSWORD on the first start, and logs `admin` in.
 */
export async function startCompanyProcess(
  opts: { dataDir?: string; flags?: Record<string, string>; estaciones?: string[] } = {},
): Promise<CompanyProcess> {
  const dataDir = opts.dataDir ?? tempDir('empresa-');
  const flags: Record<string, string> = {
    host: '127.0.0.1',
    'api-port': '0',
    'data-dir': dataDir,
    'retry-min': '0.05',
    'retry-max': '0.5',
    // The tests poll the API.
    'rate-limit': '0',
    'admin-password': TEST_ADMIN_PASSWORD,
    ...opts.flags,
  };
  const args = [
    'serve',
    ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v]),
    ...(opts.estaciones ?? []).flatMap((e) => ['--estacion', e]),
  ];
  const p = startProcess('empresa', args);
  const ready = await p.waitForLog((e) => e.listo === true);
  const apiPort = (ready.puertos as { api: number }).api;
  const api = `http://127.0.0.1:${apiPort}`;
  const token = await loginAt(api, 'admin', flags['admin-password'] ?? TEST_ADMIN_PASSWORD);
  return {
    ...p,
    apiPort,
    dataDir,
    api,
    token,
    request: (path, method, body) => jsonRequest(api, path, method, body, token),
    login: (usuario, clave) => loginAt(api, usuario, clave),
  };
}

/**
 * Starters for a test file: a station named by its id and a company, each recorded in `into` (the
 * file's afterEach stops them).
 */
export function processStarters(into: ServiceProcess[]) {
  return {
    station: async (id: string, opts: Parameters<typeof startStationProcess>[0] = {}): Promise<StationProcess> => {
      const s = await startStationProcess({ ...opts, flags: { id, nombre: `Estación ${id}`, ...opts.flags } });
      into.push(s);
      return s;
    },
    company: async (opts: Parameters<typeof startCompanyProcess>[0] = {}): Promise<CompanyProcess> => {
      const c = await startCompanyProcess(opts);
      into.push(c);
      return c;
    },
  };
}

/** The station's company-link port (from its start-up log). */
export function companyPortOf(station: StationProcess): number {
  const e = station.logs.find((l) => l.escuchando === 'empresa');
  if (typeof e?.puerto !== 'number') throw new Error('the station did not log its company port');
  return e.puerto;
}

/** `127.0.0.1:<company port>` of a station, as `--estacion` takes it. */
export const stationAddress = (station: StationProcess) => `127.0.0.1:${companyPortOf(station)}`;

/**
 * Runs the `empresa` CLI to completion; `input` is piped to its stdin, `env` is added to the
 * environment (give each test its own XDG_CONFIG_HOME: `empresa login` saves the session there).
 */
export function runCompanyCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [binPath('empresa'), ...args], {
      cwd: ROOT,
      // Never the developer's own session file or token: a fresh config folder unless given.
      env: { ...process.env, XDG_CONFIG_HOME: tempDir('empresa-cli-config-'), EMPRESA_API_TOKEN: '', ...opts.env },
    });
    proc.stdin.end(opts.input ?? '');
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A pump that follows prices like a real one: registers, then answers every
 * `actualizacion_precios` with `precios_aplicados`. `version` is the version it sells at.
 */
export class FollowingPump {
  version: number | null = null;
  readonly versionsSeen: number[] = [];
  readonly closed: Promise<void>;
  private waiters: { version: number; resolve: () => void }[] = [];
  private registered: (() => void) | undefined;

  private constructor(
    readonly id: number,
    readonly socket: net.Socket,
  ) {
    const decoder = new LineDecoder(
      {
        onLine: (line) => this.onMessage(JSON.parse(line) as Record<string, unknown>),
        onOverflow: () => socket.destroy(),
      },
      { maxLineBytes: 1024 * 1024 },
    );
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async connect(port: number, id: number, timeoutMs = 10_000): Promise<FollowingPump> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
    const pump = new FollowingPump(id, socket);
    const registered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pump ${id}: no registro_confirmado`)), timeoutMs);
      pump.registered = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    pump.send({
      tipo: 'registro',
      id_surtidor: id,
      nombre: `Surtidor ${id}`,
      combustibles_soportados: ['93', '95', '97', 'diesel'],
      version: '1.0',
    });
    await registered;
    return pump;
  }

  /** Resolves once the pump sells at `version` or newer. */
  reaches(version: number, timeoutMs = 10_000): Promise<void> {
    if (this.version !== null && this.version >= version) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`pump ${this.id} never reached version ${version} (at ${this.version})`)),
        timeoutMs,
      );
      this.waiters.push({
        version,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  close(): Promise<void> {
    this.socket.end();
    return this.closed;
  }

  private send(m: Record<string, unknown>): void {
    if (!this.socket.destroyed) this.socket.write(`${JSON.stringify(m)}\n`);
  }

  private onMessage(m: Record<string, unknown>): void {
    if (m.tipo === 'registro_confirmado') {
      this.apply(m.version_precios as number);
      this.registered?.();
    } else if (m.tipo === 'actualizacion_precios') {
      const version = m.version as number;
      this.send({ tipo: 'precios_aplicados', id_surtidor: this.id, version });
      this.apply(version);
    } else if (m.tipo === 'solicitud_estado') {
      this.send({
        tipo: 'estado',
        id_surtidor: this.id,
        estado_operacion: 'disponible',
        litros_actuales: 0,
        monto_actual: 0,
        tipo_combustible: '95',
        timestamp: new Date().toISOString(),
      });
    }
  }

  private apply(version: number): void {
    this.versionsSeen.push(version);
    this.version = Math.max(this.version ?? version, version);
    const v = this.version;
    const due = this.waiters.filter((w) => v >= w.version);
    this.waiters = this.waiters.filter((w) => v < w.version);
    for (const w of due) w.resolve();
  }
}

/**
 * Polls `check` (an HTTP read: there is no event to wait on across processes) until it returns a
 * value, or fails with the last value seen.
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== null && v !== false) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface EstacionVista {
  id_estacion: string;
  host: string;
  puerto: number;
  conectada: boolean;
  version_confirmada: number | null;
  al_dia: boolean;
  ultimo_error: string | null;
  enlace: { estado: string } | null;
}

/** The versions each pump of a station sells at, from the station API (`surtidores` is a page: up to 1000). */
export async function pumpVersions(station: StationProcess): Promise<(number | null)[]> {
  const r = await station.request<{ version: number; surtidores: { version_precios: number | null }[] }>(
    '/api/precios?limit=1000',
  );
  return r.surtidores.map((s) => s.version_precios);
}

/** The station's own price version, from its API. */
export async function stationVersion(station: StationProcess): Promise<number> {
  const r = await station.request<{ version: number }>('/api/precios');
  return r.version;
}
