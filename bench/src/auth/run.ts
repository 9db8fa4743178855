/**
 * What authentication costs per request: one Fastify app with the real auth plugin, SQLite auth
 * store and audit log, and two routes that differ only in their access rule (public, and
 * `lectura`). The same request is timed without credentials on the public route (the baseline),
 * and with a session token, an API token and the session cookie on the protected one: in-process
 * (inject, CPU only) and over HTTP on loopback with keep-alive.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  AuditLog,
  AuthService,
  authRouteTable,
  COMMON_API_ERRORS,
  createApiApp,
  migrateAuthSqlite,
  registerAuth,
  STATION_ROLES,
  type StationRole,
  SqliteAuthStore,
} from '@combustible/server';
import { systemClock } from '@combustible/shared';
import Database from 'better-sqlite3';
import pino from 'pino';

export interface AuthBenchParams {
  injectRequests: number;
  httpRequests: number;
  concurrency: number;
}

export interface VariantResult {
  variante: string;
  inject_us_por_solicitud: number;
  http_solicitudes_s: number;
  http_p50_ms: number;
  http_p99_ms: number;
  /** Extra µs per request over the public baseline (inject). */
  costo_us: number;
  /** inject time / baseline inject time. */
  ratio_inject: number;
  /** baseline req/s / this req/s. */
  ratio_http: number;
}

const PRECIOS = { version: 7, precios: { precio_93: 1290, precio_95: 1350, precio_97: 1420, precio_diesel: 1100 } };

async function buildBenchApp(dataDir: string) {
  const db = new Database(`${dataDir}/auth-bench.db`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  migrateAuthSqlite(db);
  const store = new SqliteAuthStore(db);
  const audit = new AuditLog(store, systemClock);
  const auth = new AuthService(store, STATION_ROLES, audit, systemClock);
  const app = await createApiApp({
    log: pino({ level: 'silent' }),
    title: 'bench',
    description: 'bench',
    tags: [],
    errors: COMMON_API_ERRORS,
    rateLimitPerMinute: 0,
  });
  await registerAuth(app, {
    auth,
    table: {
      ...authRouteTable<StationRole>('admin', 'lectura'),
      'GET /api/publica': 'publico',
      'GET /api/privada': 'lectura',
    },
  });
  app.get('/api/publica', async () => PRECIOS);
  app.get('/api/privada', async () => PRECIOS);
  await auth.bootstrapAdmin('clave-de-bench-1');
  const { token: sesion } = await auth.login('admin', 'clave-de-bench-1', '127.0.0.1');
  const { token: api } = await auth.createToken(
    { usuario: 'admin', rol: 'admin', ip: null },
    { nombre: 'bench', rol: 'lectura' },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, sesion, api, close: async () => void (await app.close(), db.close()) };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function httpLoad(
  port: number,
  path: string,
  headers: Record<string, string>,
  total: number,
  concurrency: number,
) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let next = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const t0 = performance.now();
      const req = http.get({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode} en ${path}`));
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - t0);
          resolve();
        });
      });
      req.on('error', reject);
    });
  const worker = async () => {
    while (next++ < total) await one();
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { perSecond: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

export async function runAuthBench(params: AuthBenchParams, dataDir: string, progress: (line: string) => void) {
  const bench = await buildBenchApp(dataDir);
  const port = (bench.app.server.address() as AddressInfo).port;
  const variants: { variante: string; url: string; headers: Record<string, string> }[] = [
    { variante: 'sin autenticación (ruta pública)', url: '/api/publica', headers: {} },
    { variante: 'token de sesión (Bearer)', url: '/api/privada', headers: { authorization: `Bearer ${bench.sesion}` } },
    { variante: 'token de API (Bearer)', url: '/api/privada', headers: { authorization: `Bearer ${bench.api}` } },
    { variante: 'cookie de sesión', url: '/api/privada', headers: { cookie: `sesion=${bench.sesion}` } },
  ];
  // Interleaved rounds, median per variant: no variant pays the JIT warm-up or a noisy moment alone.
  const rounds = 5;
  const samples = variants.map(() => ({ inject: [] as number[], http: [] as Awaited<ReturnType<typeof httpLoad>>[] }));
  try {
    progress('  calentando…');
    for (const v of variants) {
      for (let i = 0; i < 3000; i++) await bench.app.inject({ url: v.url, headers: v.headers });
      await httpLoad(port, v.url, v.headers, 3000, params.concurrency);
    }
    for (let round = 1; round <= rounds; round++) {
      progress(`  ronda ${round} de ${rounds}`);
      for (const [i, v] of variants.entries()) {
        const n = Math.ceil(params.injectRequests / rounds);
        const t0 = performance.now();
        for (let k = 0; k < n; k++) {
          const res = await bench.app.inject({ url: v.url, headers: v.headers });
          if (res.statusCode !== 200) throw new Error(`${v.variante}: HTTP ${res.statusCode}`);
        }
        samples[i]?.inject.push(((performance.now() - t0) * 1000) / n);
        samples[i]?.http.push(
          await httpLoad(port, v.url, v.headers, Math.ceil(params.httpRequests / rounds), params.concurrency),
        );
      }
    }
  } finally {
    await bench.close();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const raw = variants.map((v, i) => {
    const s = samples[i] as (typeof samples)[number];
    return {
      variante: v.variante,
      inject_us_por_solicitud: median(s.inject),
      http_solicitudes_s: median(s.http.map((h) => h.perSecond)),
      http_p50_ms: median(s.http.map((h) => h.p50)),
      http_p99_ms: median(s.http.map((h) => h.p99)),
    };
  });
  const base = raw[0] as (typeof raw)[number];
  return raw.map((r) => ({
    ...r,
    costo_us: r.inject_us_por_solicitud - base.inject_us_por_solicitud,
    ratio_inject: r.inject_us_por_solicitud / base.inject_us_por_solicitud,
    ratio_http: base.http_solicitudes_s / r.http_solicitudes_s,
  }));
}
