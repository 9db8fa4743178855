/**
 * The REST APIs of the station and the company under hostile requests, driven by their own OpenAPI
 * documents (/docs/json; seeded, FUZZ_SEED replays a run): for every route and method, hostile
 * path parameters, query strings and JSON bodies, with an admin session. No answer is a 5xx, every
 * 4xx has the one error shape with a code of the service's registry that its docs list, and the
 * process stays healthy with bounded memory; afterwards every read route still answers 200.
 *
 * Each route's requests come from their own address on 127.0.0.0/8, so the per-address rate limit
 * and login lockout (tested elsewhere) do not stand between the fuzzer and the code behind them.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { COMPANY_ERRORS } from '../empresa/src/errors.js';
import { COMPANY_ROUTES } from '../empresa/src/http/access.js';
import { STATION_ERRORS } from '../estacion/src/errors.js';
import { TANQUES_DEMO } from '../estacion/src/app/tank-service.js';
import { STATION_ROUTES } from '../estacion/src/http/access.js';
import { startCompanyProcess, TEST_ADMIN_PASSWORD } from './helpers/empresa.js';
import { LineClient } from './helpers/line-client.js';
import { fuzzSeed, replay, Rng } from './helpers/hostile.js';
import { type FuzzRequest, type Operation, operations, requestsFor } from './helpers/openapi-fuzz.js';
import { documentedCodes, getJson, getRoutes, loginFrom, MiB, mib, rawRequest, sampleRss } from './helpers/probes.js';
import {
  removeTempDirs,
  STATION_ADMIN_PASSWORD,
  type ServiceProcess,
  startStationProcess,
} from './helpers/processes.js';

const FILE = 'tests/fuzz-api.test.ts';
const SEED = fuzzSeed(20_260_310);
const PER_ROUTE = 30;
const PER_HASHING_ROUTE = 12;
const BODY_LIMIT = 64 * 1024;
const RSS_BOUND = 400 * MiB;
const PARALLEL = 4;

const processes: ServiceProcess[] = [];
afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
});
afterAll(removeTempDirs);

/** A source address of its own for route number `i` (127.0.1.1, 127.0.1.2, ...). */
const addressFor = (i: number) => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;

interface Target {
  name: string;
  api: string;
  proc: ServiceProcess;
  clave: string;
  registry: Record<string, unknown>;
  documented: Set<string>;
  routes: Record<string, unknown>;
  /** Values of path parameters that exist, so some requests reach past the 404. */
  known: Record<string, string[]>;
  /** Path parameters for the read check afterwards (things the fuzz does not touch). */
  reads: Record<string, string>;
}

/** What is wrong with one answer, or null. */
function judge(t: Target, req: FuzzRequest, status: number, text: string, contentType: string): string | null {
  const what = `${t.name} ${req.method} ${req.path.slice(0, 160)} [${req.note}] → ${status} ${text.slice(0, 300)}`;
  if (status >= 500) return what;
  if (status < 400) return status >= 300 ? what : null;
  if (!contentType.includes('json')) return `${what} (not JSON: ${contentType})`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `${what} (broken JSON)`;
  }
  const e = (body as { error?: { codigo?: unknown; mensaje?: unknown } }).error;
  if (!e || typeof e.codigo !== 'string' || typeof e.mensaje !== 'string') return `${what} (not the error shape)`;
  if (!Object.hasOwn(t.registry, e.codigo)) return `${what} (code not in the registry)`;
  if (!t.documented.has(e.codigo)) return `${what} (code not documented)`;
  return null;
}

async function fuzzService(
  t: Target,
  seed: number,
): Promise<{ problems: string[]; requests: number; ms: number; statuses: Record<number, number> }> {
  const doc = JSON.parse((await rawRequest(t.api, { method: 'GET', path: '/docs/json' })).text) as Parameters<
    typeof operations
  >[0];
  const ops = operations(doc);
  expect(ops.length).toBeGreaterThan(10);
  // Every route of the access table is in the document (and so gets fuzzed).
  const documented = new Set(ops.map((o) => `${o.method} ${o.path.replace(/\{(\w+)\}/g, ':$1')}`));
  expect(Object.keys(t.routes).filter((r) => !documented.has(r))).toEqual([]);

  let token = await loginFrom(t.api, 'admin', t.clave);
  const rng = new Rng(seed);
  const problems: string[] = [];
  const statuses: Record<number, number> = {};
  let requests = 0;
  const started = Date.now();
  const queue = ops.map((op, i) => ({ op, i }));
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { op, i } = next;
      const localAddress = addressFor(i);
      // Routes that hash a password (scrypt, on purpose slow) get fewer requests; a logout needs a fresh login each.
      const reqs = requestsFor(op, rng.fork(i), isLogout(op) ? 8 : hashes(op) ? PER_HASHING_ROUTE : PER_ROUTE, {
        maxBodyBytes: BODY_LIMIT,
        known: t.known,
        // Never the fuzzer's own account: its name in a path, or a login as it.
        avoid: (param, value) =>
          (param === 'nombre' && /^admin$/i.test(value.trim())) ||
          (param === 'body' && op.path.startsWith('/api/sesion') && /admin/i.test(value)),
      });
      for (const req of reqs) {
        // Logging out must end a session of its own.
        const bearer = isLogout(op) ? await loginFrom(t.api, 'admin', t.clave, localAddress) : token;
        let res;
        try {
          res = await rawRequest(t.api, {
            method: req.method,
            path: req.path,
            headers: { ...req.headers, authorization: `Bearer ${bearer}` },
            ...(req.body === undefined ? {} : { body: req.body }),
            localAddress,
          });
        } catch (err) {
          problems.push(`${t.name} ${req.method} ${req.path.slice(0, 160)} [${req.note}]: ${(err as Error).message}`);
          continue;
        }
        requests++;
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const p = judge(t, req, res.status, res.text, String(res.headers['content-type'] ?? ''));
        if (p) problems.push(p);
        if (res.status === 401 && res.text.includes('NO_AUTENTICADO') && !isLogout(op)) {
          problems.push(`${t.name} ${req.method} ${req.path.slice(0, 160)} [${req.note}]: the admin session was lost`);
          token = await loginFrom(t.api, 'admin', t.clave);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return { problems, requests, ms: Date.now() - started, statuses };
}

const isLogout = (op: Operation) => op.method === 'DELETE' && op.path === '/api/sesion';
const hashes = (op: Operation) =>
  (op.method === 'POST' && op.path === '/api/sesion') ||
  (op.method === 'PUT' && op.path === '/api/sesion/clave') ||
  (op.method !== 'GET' && op.method !== 'DELETE' && op.path.startsWith('/api/usuarios'));

async function readsAnswer(t: Target, token: string): Promise<string[]> {
  const failing: string[] = [];
  const paths = getRoutes(t.routes, (p) => t.reads[p] ?? p);
  for (const path of paths) {
    const r = await getJson(t.api, path, token);
    if (r.status !== 200) failing.push(`${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  }
  return failing;
}

function errorLogs(p: ServiceProcess): string {
  return p.logs
    .filter((e) => Number(e.level) >= 50)
    .slice(-3)
    .map((e) => JSON.stringify(e).slice(0, 1200))
    .join('\n');
}

describe(`REST API fuzz from the OpenAPI documents, seed ${SEED}`, () => {
  it(`station: ${PER_ROUTE} hostile requests per route and method (${PER_HASHING_ROUTE} where a password is hashed): no 5xx, every 4xx documented`, async () => {
    const s = await startStationProcess();
    processes.push(s);
    const token = await s.login();
    // Things that exist: pumps (created through the API), a sale, a user and a token. The fuzz
    // aims at the first pump; the second, with the sale, is for the reads afterwards.
    const pump = await s.request<{ id_surtidor: number }>('/api/surtidores', 'POST', {
      nombre: 'Fuzz',
      combustibles_soportados: ['93', '95'],
    });
    const other = await s.request<{ id_surtidor: number }>('/api/surtidores', 'POST', {
      nombre: 'Lecturas',
      combustibles_soportados: ['93', '95'],
    });
    const nc = await LineClient.connect(s.pumpPort);
    nc.send({
      tipo: 'registro',
      id_surtidor: other.id_surtidor,
      nombre: 'Lecturas',
      combustibles_soportados: ['93', '95'],
      version: '1.0',
    });
    await nc.next('registro_confirmado');
    nc.send({
      tipo: 'transaccion_completada',
      id_surtidor: other.id_surtidor,
      id_transaccion: 'fz-1',
      tipo_combustible: '95',
      litros: 10,
      precio_por_litro: 1350,
      monto_total: 13500,
      metodo_pago: 'efectivo',
      fecha_inicio: new Date(Date.now() - 120_000).toISOString(),
      fecha_fin: new Date(Date.now() - 60_000).toISOString(),
    });
    await nc.next('transaccion_confirmada');
    await nc.close();
    await s.request('/api/usuarios', 'POST', { nombre: 'fz-user', rol: 'lectura', clave: 'clave-fz-user' });
    const tok = await s.request<{ id: string }>('/api/tokens', 'POST', { nombre: 'fz-token', rol: 'lectura' });
    // (ext) Tanks with the ids of both pumps: the fuzz reaches past the 404, the reads afterwards find theirs.
    for (const id of [pump.id_surtidor, other.id_surtidor])
      await s.request('/api/tanques', 'POST', { ...TANQUES_DEMO[0], id_tanque: Number(id) });
    // A close over the sale, for the reads of a close.
    const cierre = await s.request<{ id_cierre: string }>('/api/cierres', 'POST', {
      desde: new Date(Date.now() - 3_600_000).toISOString(),
      hasta: new Date(Date.now()).toISOString(),
    });
    const t: Target = {
      name: 'estacion',
      api: s.api,
      proc: s,
      clave: STATION_ADMIN_PASSWORD,
      registry: STATION_ERRORS,
      documented: documentedCodes('docs/api.md', /^## Errors/),
      routes: STATION_ROUTES,
      known: {
        id: [String(pump.id_surtidor), tok.id],
        id_surtidor: [String(pump.id_surtidor)],
        id_transaccion: ['fz-1'],
        nombre: ['fz-user'],
        id_cierre: [cierre.id_cierre],
      },
      reads: {
        id: String(other.id_surtidor),
        id_surtidor: String(other.id_surtidor),
        id_transaccion: 'fz-1',
        id_cierre: cierre.id_cierre,
      },
    };
    const rss = sampleRss(s.proc.pid as number);
    const r = await fuzzService(t, SEED);
    const mem = rss.stop();
    console.log(
      `fuzz-api estacion seed ${SEED}: ${r.requests} requests in ${r.ms} ms, statuses ${JSON.stringify(r.statuses)}; RSS ${mib(mem.before)} → peak ${mib(mem.peak)} → ${mib(mem.after)}`,
    );
    expect.soft(r.problems.slice(0, 25), `${replay(SEED, FILE)}\n${errorLogs(s)}`).toEqual([]);
    expect(mem.peak).toBeLessThan(RSS_BOUND);
    expect((await getJson(s.api, '/health', token)).status).toBe(200);
    const fresh = await loginFrom(s.api, 'admin', STATION_ADMIN_PASSWORD);
    expect.soft(await readsAnswer(t, fresh), errorLogs(s)).toEqual([]);
  }, 120_000);

  it(`company: ${PER_ROUTE} hostile requests per route and method (${PER_HASHING_ROUTE} where a password is hashed): no 5xx, every 4xx documented`, async () => {
    // Stations the fuzz registers must never be dialled on loopback, where other tests' stations
    // listen: this company may dial only TEST-NET-1 (unroutable; its dials just fail).
    const c = await startCompanyProcess({ flags: { 'allowed-networks': '192.0.2.0/24' } });
    processes.push(c);
    await c.request('/api/estaciones', 'POST', { host: '192.0.2.1', puerto: 9, id_estacion: 'fz-est' });
    await c.request('/api/estaciones', 'POST', { host: '192.0.2.1', puerto: 10, id_estacion: 'lecturas' });
    await c.request('/api/usuarios', 'POST', { nombre: 'fz-user', rol: 'lectura', clave: 'clave-fz-user' });
    const tok = await c.request<{ id: string }>('/api/tokens', 'POST', { nombre: 'fz-token', rol: 'lectura' });
    const t: Target = {
      name: 'empresa',
      api: c.api,
      proc: c,
      clave: TEST_ADMIN_PASSWORD,
      registry: COMPANY_ERRORS,
      documented: documentedCodes('docs/empresa.md', /^## REST API/),
      routes: COMPANY_ROUTES,
      known: { id: ['fz-est', tok.id], nombre: ['fz-user'] },
      reads: { id: 'lecturas' },
    };
    const rss = sampleRss(c.proc.pid as number);
    const r = await fuzzService(t, SEED ^ 0x3c3c);
    const mem = rss.stop();
    console.log(
      `fuzz-api empresa seed ${SEED}: ${r.requests} requests in ${r.ms} ms, statuses ${JSON.stringify(r.statuses)}; RSS ${mib(mem.before)} → peak ${mib(mem.peak)} → ${mib(mem.after)}`,
    );
    expect.soft(r.problems.slice(0, 25), `${replay(SEED, FILE)}\n${errorLogs(c)}`).toEqual([]);
    expect(mem.peak).toBeLessThan(RSS_BOUND);
    expect((await getJson(c.api, '/health', c.token)).status).toBe(200);
    const fresh = await loginFrom(c.api, 'admin', TEST_ADMIN_PASSWORD);
    expect.soft(await readsAnswer(t, fresh), errorLogs(c)).toEqual([]);
  }, 120_000);
});
