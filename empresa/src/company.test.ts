/** The composed company: store, links and API together, against fake stations on loopback ports. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@combustible/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningCompany, startCompany } from './company.js';
import { companyConfigSchema } from './config.js';
import type { EstadoEstacion } from './domain/types.js';
import { FakeStation } from './links/test-harness.js';
import { ADMIN_CLAVE, bearer, CHEAP_SCRYPT, login } from './test-harness.js';

const log = createLogger({ name: 'test', level: 'silent' });
const authOptions = { scryptCost: CHEAP_SCRYPT };
const companies: RunningCompany[] = [];
const stations: FakeStation[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(companies.splice(0).map((c) => c.stop()));
  await Promise.all(stations.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function station(o: Parameters<typeof FakeStation.start>[0] = {}): Promise<FakeStation> {
  const s = await FakeStation.start(o);
  stations.push(s);
  return s;
}

async function company(flags: Record<string, unknown> = {}): Promise<RunningCompany> {
  const dataDir = mkdtempSync(join(tmpdir(), 'empresa-co-'));
  dirs.push(dataDir);
  const config = companyConfigSchema.parse({
    host: '127.0.0.1',
    apiPort: 0,
    dataDir,
    retryMin: 0.02,
    retryMax: 0.1,
    adminPassword: ADMIN_CLAVE,
    ...flags,
  });
  const c = await startCompany(config, { log, authOptions });
  companies.push(c);
  return c;
}

const sessions = new WeakMap<RunningCompany, Promise<string>>();
/** An API request as `admin` (logged in once per company). */
async function inject(
  c: RunningCompany,
  opts: { method?: 'GET' | 'PUT' | 'POST' | 'DELETE'; url: string; payload?: object },
) {
  if (!sessions.has(c)) sessions.set(c, login(c.api, 'admin', ADMIN_CLAVE));
  const token = await (sessions.get(c) as Promise<string>);
  return c.api.inject({ ...opts, headers: bearer(token) });
}

/** Resolves once every station's link status matches. */
function allLinks(c: RunningCompany, match: (s: EstadoEstacion) => boolean, timeoutMs = 5000): Promise<void> {
  const ok = () =>
    c.service.listStations().every((e) => {
      const s = c.links.status(e.id_estacion);
      return s !== undefined && match(s);
    });
  if (ok()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      c.bus.off('enlace', listener);
      reject(new Error('links never matched'));
    }, timeoutMs);
    const listener = () => {
      if (!ok()) return;
      clearTimeout(timer);
      c.bus.off('enlace', listener);
      resolve();
    };
    c.bus.on('enlace', listener);
  });
}

const synced = (version: number) => (s: EstadoEstacion) =>
  s.estado === 'sincronizado' && s.version_confirmada === version;

describe('a station that reports a version the company never made', () => {
  it("is an anomaly on its link in the API, never al día, and the next version is still the company's own", async () => {
    const loca = await station({ id: 'loca', version: 2 ** 53 - 1 });
    const buena = await station({ id: 'buena' });
    const c = await company({ estacion: [`127.0.0.1:${loca.port}`, `127.0.0.1:${buena.port}`] });
    await allLinks(c, (s) => s.anomalia !== null || s.estado === 'sincronizado');
    await c.links.settled();
    const r = await inject(c, { url: '/api/estaciones/loca' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      al_dia: false,
      version_confirmada: null,
      enlace: {
        anomalia: {
          codigo: 'VERSION_DESCONOCIDA',
          version_reportada: 2 ** 53 - 1,
          version_empresa: 1,
          desde: expect.any(String),
        },
        version_informada: 2 ** 53 - 1,
      },
    });
    expect((await inject(c, { url: '/api/estaciones/buena' })).json()).toMatchObject({
      al_dia: true,
      enlace: { anomalia: null },
    });
    const health = await c.api.inject({ url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ version_precios: 1, estaciones: { total: 2, al_dia: 1 } });
    expect((await inject(c, { url: '/metrics' })).body).toMatch(/^empresa_estaciones_sincronizadas 1$/m);

    const put = await inject(c, { method: 'PUT', url: '/api/precios', payload: { precio_95: 1360 } });
    expect(put.json()).toMatchObject({ version: 2, creada: true });
    await allLinks(c, (s) => s.anomalia !== null || synced(2)(s));
    expect(buena.version).toBe(2);
    expect(loca.of('actualizacion_precios').map((m) => m.version)).toContain(2); // still sent the company's newest
    expect(loca.version).toBe(2 ** 53 - 1);
    await c.links.settled();
    expect((await c.store.getStation('loca'))?.version_confirmada).toBeNull();
    const audit = await c.audit.list({ accion: 'estacion.anomalia', limit: 10, skip: 0 });
    expect(audit.items.map((a) => [a.usuario, a.resultado, a.detalles?.version_reportada])).toEqual([
      ['estacion:loca', 'error', 2 ** 53 - 1],
    ]);
  });
});

describe('startCompany', () => {
  it('registers --estacion stations, adopts their ids, syncs them and pushes every change', async () => {
    const a = await station({ id: 'norte', nombre: 'Norte' });
    const b = await station({ id: 'sur', nombre: 'Sur' });
    const c = await company({ estacion: [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`].map(String) });
    await allLinks(c, synced(1));
    await c.links.settled();
    expect(c.service.listStations().map((e) => [e.id_estacion, e.nombre])).toEqual([
      ['norte', 'Norte'],
      ['sur', 'Sur'],
    ]);
    const r = await inject(c, { method: 'PUT', url: '/api/precios', payload: { precio_95: 1360 } });
    expect(r.statusCode).toBe(200);
    await allLinks(c, synced(2));
    expect([a.version, b.version]).toEqual([2, 2]);
    await c.links.settled();
    expect((await c.store.getStation('norte'))?.version_confirmada).toBe(2);
  });

  it('opens, re-points and closes links as stations are added, moved and removed', async () => {
    const a = await station({ id: 'a' });
    const b = await station({ id: 'b', version: 1 });
    const c = await company();
    expect(c.links.size).toBe(0);
    const created = await inject(c, {
      method: 'POST',
      url: '/api/estaciones',
      payload: { id_estacion: 'x', host: '127.0.0.1', puerto: a.port },
    });
    expect(created.statusCode).toBe(201);
    await allLinks(c, synced(1));
    const moved = b.nextConnection();
    const put = await inject(c, { method: 'PUT', url: '/api/estaciones/x', payload: { puerto: b.port } });
    expect(put.json()).toMatchObject({ id_estacion: 'x', puerto: b.port });
    await moved;
    await allLinks(c, (s) => s.id_informado === 'b' && s.estado === 'sincronizado');
    const closed = new Promise((r) => b.once('closed', () => r(undefined)));
    expect((await inject(c, { method: 'DELETE', url: '/api/estaciones/x' })).statusCode).toBe(204);
    await closed;
    expect(c.links.size).toBe(0);
  });

  it('restarts without resending or regressing: same version, nothing sent to stations that hold it', async () => {
    const a = await station({ id: 'a' });
    const first = await company({ estacion: [`127.0.0.1:${a.port}`] });
    await first.service.changePrices({ precio_97: 1450 }, { usuario: 'ana', rol: 'precios', ip: null });
    await allLinks(first, synced(2));
    const dataDir = first.config.dataDir;
    await first.stop();
    companies.splice(companies.indexOf(first), 1);
    const sentBefore = a.of('actualizacion_precios').length;

    const config = companyConfigSchema.parse({ ...first.config, estacion: [`127.0.0.1:${a.port}`], dataDir });
    const second = await startCompany(config, { log, authOptions });
    companies.push(second);
    const reconnected = a.connections;
    await allLinks(second, (s) => s.estado === 'sincronizado');
    expect(a.connections).toBeGreaterThanOrEqual(reconnected);
    expect(second.service.current).toMatchObject({ version: 2, precios: { precio_97: 1450 } });
    expect(a.of('actualizacion_precios')).toHaveLength(sentBefore);
    expect(second.service.listStations().map((e) => e.id_estacion)).toEqual(['a']);
  });

  it('serves health, metrics, the OpenAPI document and the staff page', async () => {
    const a = await station({ id: 'a' });
    const c = await company({ estacion: [`127.0.0.1:${a.port}`], nombre: 'Combustibles del Sur' });
    await allLinks(c, synced(1));
    const health = await c.api.inject('/health');
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({
      estado: 'ok',
      empresa: { nombre: 'Combustibles del Sur' },
      almacenamiento: { tipo: 'sqlite', alcanzable: true },
      version_precios: 1,
      estaciones: { total: 1, conectadas: 1, al_dia: 1 },
    });
    const metrics = (await inject(c, { url: '/metrics' })).body;
    expect(metrics).toMatch(/^empresa_version_precios 1$/m);
    expect(metrics).toMatch(/^empresa_estaciones_conectadas 1$/m);
    const doc = (await c.api.inject('/docs/json')).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/precios', '/api/precios/historial', '/api/estaciones', '/api/estaciones/{id}']),
    );
    const page = await c.api.inject('/');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<html lang="es">');
    expect((await c.api.inject('/app.js')).statusCode).toBe(200);
  });

  it('reports 503 on /health when the store is gone', async () => {
    const c = await company();
    await c.store.close();
    const health = await c.api.inject('/health');
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ estado: 'degradado', almacenamiento: { alcanzable: false } });
  });
});

describe('first start', () => {
  /** A logger writing JSON lines into `lines`, as the service's real one does to stdout. */
  function memoryLog(lines: string[]) {
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    return createLogger({ name: 'test', level: 'trace', destination });
  }

  it('creates admin with --admin-password once; later starts leave the users alone', async () => {
    const c = await company({ adminPassword: 'mi-clave-secreta' });
    expect(c.adminInicial).toEqual({ usuario: 'admin', clave: 'mi-clave-secreta', generada: false });
    expect(await login(c.api, 'admin', 'mi-clave-secreta')).toMatch(/^ses_/);
    const dataDir = c.config.dataDir;
    await c.stop();
    companies.splice(companies.indexOf(c), 1);
    const again = await company({ dataDir, adminPassword: 'otra-clave-distinta' });
    expect(again.adminInicial).toBeNull();
    expect(
      (
        await again.api.inject({
          method: 'POST',
          url: '/api/sesion',
          payload: { usuario: 'admin', clave: 'otra-clave-distinta' },
        })
      ).statusCode,
    ).toBe(401);
    expect(await login(again.api, 'admin', 'mi-clave-secreta')).toMatch(/^ses_/);
  });

  it('generates the password when none is given, and never logs it', async () => {
    const lines: string[] = [];
    const dataDir = mkdtempSync(join(tmpdir(), 'empresa-co-'));
    dirs.push(dataDir);
    const config = companyConfigSchema.parse({ host: '127.0.0.1', apiPort: 0, dataDir });
    const c = await startCompany(config, { log: memoryLog(lines), authOptions });
    companies.push(c);
    const admin = c.adminInicial;
    expect(admin).toMatchObject({ usuario: 'admin', generada: true });
    expect(admin?.clave).toMatch(/^[\w-]{24}$/);
    await login(c.api, 'admin', admin?.clave ?? '');
    await c.audit.flush();
    const log = lines.join('');
    expect(log).toContain('primer arranque: usuario admin creado');
    expect(log).not.toContain(admin?.clave);
    const [created] = (await c.audit.list({ accion: 'usuario.crear', limit: 1, skip: 0 })).items;
    expect(created).toMatchObject({
      usuario: 'sistema',
      objetivo: 'usuario:admin',
      detalles: { clave_generada: true },
    });
    expect(JSON.stringify(created)).not.toContain(admin?.clave);
  });

  it('lasts a session --session-ttl hours', async () => {
    const c = await company({ sessionTtl: 2 });
    const res = await c.api.inject({
      method: 'POST',
      url: '/api/sesion',
      payload: { usuario: 'admin', clave: ADMIN_CLAVE },
    });
    const hours = (Date.parse(res.json<{ expira: string }>().expira) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(1.9);
    expect(hours).toBeLessThanOrEqual(2);
  });
});

describe('--allowed-networks', () => {
  const codigo = (r: { json(): unknown }) => (r.json() as { error: { codigo: string; mensaje: string } }).error;

  it('refuses to register or move a station outside the networks, with 400 DIRECCION_NO_PERMITIDA', async () => {
    const a = await station({ id: 'a' });
    const c = await company(); // default: loopback only
    const outside = await inject(c, { method: 'POST', url: '/api/estaciones', payload: { host: '10.0.0.7' } });
    expect(outside.statusCode).toBe(400);
    expect(codigo(outside)).toMatchObject({
      codigo: 'DIRECCION_NO_PERMITIDA',
      mensaje: expect.stringContaining('--allowed-networks'),
    });
    expect(c.service.listStations()).toEqual([]);
    const inside = await inject(c, {
      method: 'POST',
      url: '/api/estaciones',
      payload: { id_estacion: 'a', host: '127.0.0.1', puerto: a.port },
    });
    expect(inside.statusCode).toBe(201);
    const moved = await inject(c, { method: 'PUT', url: '/api/estaciones/a', payload: { host: '169.254.169.254' } });
    expect([moved.statusCode, codigo(moved).codigo]).toEqual([400, 'DIRECCION_NO_PERMITIDA']);
    expect(c.service.getStation('a')?.host).toBe('127.0.0.1');
    const metrics = (await inject(c, { url: '/metrics' })).body;
    expect(metrics).toMatch(/empresa_destinos_rechazados_total\{origen="registro"\} 2/);
    await c.audit.flush();
    const refusals = await c.audit.list({ accion: 'estacion.', resultado: 'denegado', limit: 10, skip: 0 });
    expect(refusals.items.map((r) => [r.usuario, r.accion, r.detalles?.codigo])).toEqual([
      ['admin', 'estacion.modificar', 'DIRECCION_NO_PERMITIDA'],
      ['admin', 'estacion.crear', 'DIRECCION_NO_PERMITIDA'],
    ]);
  });

  it('refuses to start with an --estacion outside the networks', async () => {
    await expect(company({ estacion: ['10.0.0.7:5001'] })).rejects.toMatchObject({
      code: 'DIRECCION_NO_PERMITIDA',
    });
  });

  it('never dials a stored station that is outside, and shows why in its status', async () => {
    const a = await station({ id: 'a' });
    const first = await company({ estacion: [`127.0.0.1:${a.port}`] });
    await allLinks(first, synced(1));
    const dataDir = first.config.dataDir;
    await first.stop();
    companies.splice(companies.indexOf(first), 1);
    const before = a.connections;

    const c = await company({ dataDir, allowedNetworks: ['10.0.0.0/8'] });
    await allLinks(c, (s) => s.ultimo_error?.includes('DIRECCION_NO_PERMITIDA') === true);
    expect(c.links.status('a')).toMatchObject({
      conectada: false,
      ultimo_error: expect.stringContaining('10.0.0.0/8'),
    });
    expect(a.connections).toBe(before);
    const metrics = (await inject(c, { url: '/metrics' })).body;
    expect(metrics).toMatch(/empresa_destinos_rechazados_total\{origen="enlace"\} [1-9]/);
  });
});
