/**
 * Invariant: no value received from a station can make the company's API or /health fail, nor
 * move the company's versions; before and after a restart on the same data.
 *
 * Property: a fake station (a real TCP server; the company dials it) answers each connection with
 * an arbitrary sequence of schema-valid link-2 messages (estacion_info, precios_recibidos, ping,
 * pong, error, with versions up to 2^53 − 1). Then every read route of the company (every GET of
 * the route table, with an admin session, `:id` for each station) and /health answer 200 and pass
 * their response schema; no station is `al_dia` on a version the company never made; nothing
 * above the newest is stored as confirmed; and the next `PUT /api/precios` takes the company's
 * next version. The company is then restarted on the same data dir, the station connects and says
 * it all again, and the same holds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage, LineDecoder, MAX_VERSION, type StationToCompany, stationToCompany } from '@combustible/shared';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SISTEMA } from './app/company-service.js';
import type { RunningCompany } from './company.js';
import { COMPANY_ROUTES } from './http/access.js';
import { estacion, salud, versionPrecios } from './http/schemas.js';
import { ADMIN_CLAVE, bearer, login, startTestCompany } from './test-harness.js';

const RUNS = Number(process.env.FC_RUNS ?? 25);

/** A station that says the current script on every connection, then pings to know it was read. */
class ScriptedStation {
  script: StationToCompany[] = [];
  private readonly server = net.createServer((socket) => this.accept(socket));
  private readonly sockets = new Set<net.Socket>();
  private waiters: (() => void)[] = [];

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Resolves when a connection's script was answered up to its final ping (every line read). */
  nextDone(timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the company never answered the final ping')), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    const marker = '2000-01-01T00:00:00.000Z';
    let pongs = 0;
    const scriptPings = this.script.filter((m) => m.tipo === 'ping').length;
    const decoder = new LineDecoder({
      onLine: (line) => {
        const m = JSON.parse(line) as { tipo: string };
        if (m.tipo !== 'pong') return;
        // The company answers every ping in order: the last pong answers our final ping.
        pongs += 1;
        if (pongs === scriptPings + 1) for (const w of this.waiters.splice(0)) w();
      },
      onOverflow: () => socket.destroy(),
    });
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    for (const m of this.script) socket.write(encodeMessage(m));
    const finalPing: StationToCompany = { tipo: 'ping', timestamp: marker };
    socket.write(encodeMessage(finalPing));
  }
}

// ── arbitraries: schema-valid messages a station may send, versions from 0 to 2^53 − 1 ─────────

const version = fc.oneof(
  fc.integer({ min: 0, max: 5 }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  fc.constantFrom(2 ** 53 - 1, 1_000_000_000, MAX_VERSION, MAX_VERSION + 1, 2 ** 31, 2 ** 32),
);
const idEstacion = fc.stringMatching(/^[\w.-]{1,64}$/).filter((id) => !/^\.+$/.test(id));
const texto = fc.string({ minLength: 1, maxLength: 100 });
const iso = fc
  .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2999-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
const estacionInfo = fc.record({
  tipo: fc.constant('estacion_info' as const),
  id_estacion: idEstacion,
  nombre: texto,
  version_precios: version,
});
const mensaje: fc.Arbitrary<StationToCompany> = fc.oneof(
  estacionInfo,
  fc.record({ tipo: fc.constant('precios_recibidos' as const), version }),
  fc.record({ tipo: fc.constant('ping' as const), timestamp: iso }, { requiredKeys: ['tipo'] }),
  fc.record({ tipo: fc.constant('pong' as const), timestamp: iso }, { requiredKeys: ['tipo'] }),
  fc.record(
    {
      tipo: fc.constant('error' as const),
      codigo: fc.oneof(fc.constantFrom('ERROR_INTERNO', 'VERSION_INVALIDA', 'PRECIO_FUERA_DE_RANGO'), fc.string()),
      mensaje: fc.string(),
      detalles: fc.array(fc.record({ campo: fc.string(), problema: fc.string() }), { maxLength: 3 }),
    },
    { requiredKeys: ['tipo', 'codigo', 'mensaje'] },
  ),
);
const guion = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(estacionInfo, fc.array(mensaje, { maxLength: 10 })).map(([i, r]) => [i, ...r]) },
  { weight: 1, arbitrary: fc.array(mensaje, { maxLength: 10 }) },
);

// ── the reads ─────────────────────────────────────────────────────────────────────────────────

const GETS = Object.keys(COMPANY_ROUTES)
  .filter((k) => k.startsWith('GET '))
  .map((k) => k.slice(4));

/** Explicit response schemas of the price and station reads (the serializer checks every route too). */
const SCHEMAS: Record<string, z.ZodType> = {
  '/api/precios': versionPrecios,
  '/api/precios/historial': z.array(versionPrecios),
  '/api/estaciones': z.array(estacion),
  '/api/estaciones/:id': estacion,
  '/health': salud,
};

type EstacionVista = z.infer<typeof estacion>;

async function readEverything(c: RunningCompany, token: string): Promise<EstacionVista[]> {
  const headers = bearer(token);
  const list = await c.api.inject({ method: 'GET', url: '/api/estaciones', headers });
  expect(list.statusCode, list.body).toBe(200);
  const stations = list.json<EstacionVista[]>();
  for (const route of GETS) {
    const urls = route.includes(':id')
      ? stations.map((e) => route.replace(':id', encodeURIComponent(e.id_estacion)))
      : [route];
    for (const url of urls) {
      const r = await c.api.inject({ method: 'GET', url, headers });
      expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
      const schema = SCHEMAS[route];
      if (schema) expect(schema.safeParse(r.json()).success, `${url}: ${r.body}`).toBe(true);
    }
  }
  const health = await c.api.inject({ method: 'GET', url: '/health' });
  expect(health.statusCode, health.body).toBe(200);
  return stations;
}

/** The last version the script reports (estacion_info or precios_recibidos), if any. */
function lastReport(script: StationToCompany[]): number | undefined {
  const reports = script.flatMap((m) =>
    m.tipo === 'estacion_info' ? [m.version_precios] : m.tipo === 'precios_recibidos' ? [m.version] : [],
  );
  return reports.at(-1);
}

async function checkInvariants(c: RunningCompany, token: string, script: StationToCompany[]): Promise<void> {
  const newest = c.service.current.version;
  expect(newest).toBeLessThanOrEqual(MAX_VERSION);
  const stations = await readEverything(c, token);
  expect(stations).toHaveLength(1);
  for (const e of stations) {
    if (e.version_confirmada !== null) expect(e.version_confirmada).toBeLessThanOrEqual(newest);
    if (e.al_dia) expect(e).toMatchObject({ version_confirmada: newest, enlace: { anomalia: null } });
    // A station whose last word is a version above the company's newest shows the anomaly.
    const last = lastReport(script);
    if (last !== undefined && last > newest) {
      expect(e.al_dia).toBe(false);
      expect(e.enlace?.anomalia).toMatchObject({ codigo: 'VERSION_DESCONOCIDA', version_reportada: last });
    }
  }
  for (const e of await c.store.listStations()) {
    if (e.version_confirmada !== null) expect(e.version_confirmada).toBeLessThanOrEqual(newest);
  }
  // The next change takes the company's next number, whatever the station said.
  const precio_95 = c.service.current.precios.precio_95 === 1360 ? 1361 : 1360;
  const put = await c.api.inject({
    method: 'PUT',
    url: '/api/precios',
    headers: bearer(token),
    payload: { precio_95 },
  });
  expect(put.statusCode, put.body).toBe(200);
  expect(put.json()).toMatchObject({ version: newest + 1, creada: true });
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('whatever a station says on link 2', () => {
  it('every company read and /health answer 200 with their schema, before and after a restart; versions stay the company own', async () => {
    await fc.assert(
      fc.asyncProperty(guion, async (script) => {
        for (const m of script) expect(stationToCompany.safeParse(m).success).toBe(true);
        const dataDir = mkdtempSync(join(tmpdir(), 'empresa-prop-'));
        dirs.push(dataDir);
        const fake = new ScriptedStation();
        fake.script = script;
        const port = await fake.start();
        const flags = { dataDir, retryMin: 0.01, retryMax: 0.05, rateLimit: 0, pingInterval: 60 };
        let c = await startTestCompany(flags);
        try {
          const done = fake.nextDone();
          await c.service.addStation({ host: '127.0.0.1', puerto: port }, SISTEMA);
          await done;
          await c.links.settled();
          await checkInvariants(c, await login(c.api, 'admin', ADMIN_CLAVE), script);
          const version = c.service.current.version;
          await c.stop();

          const again = fake.nextDone();
          c = await startTestCompany(flags);
          await again;
          await c.links.settled();
          expect(c.service.current.version).toBe(version);
          await checkInvariants(c, await login(c.api, 'admin', ADMIN_CLAVE), script);
        } finally {
          await c.stop();
          await fake.close();
        }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});
