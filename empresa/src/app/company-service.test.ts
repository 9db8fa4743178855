import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor, EventoAuditoria } from '@combustible/server';
import { createLogger, FakeClock, PRECIOS_POR_DEFECTO, systemClock } from '@combustible/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { versionInicial } from '../domain/price-book.js';
import { CompanyError } from '../errors.js';
import type { CompanyStore } from '../store/port.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { unaEstacion } from '../store/test-builders.js';
import { CompanyService, idProvisional, REGISTRY_RESYNC_POLLS } from './company-service.js';
import { CompanyBus } from './events.js';

const log = createLogger({ name: 'test', level: 'silent' });
/** Who acts, as the API would pass it (a session's user). */
const quien = (usuario: string): Actor => ({ usuario, rol: 'precios', ip: '127.0.0.1' });
const admin: Actor = { usuario: 'admin', rol: 'admin', ip: '127.0.0.1' };
const dirs: string[] = [];
const stores: CompanyStore[] = [];

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'empresa-svc-'));
  dirs.push(d);
  return d;
}

async function service(
  dataDir = ':memory:',
  bus = new CompanyBus(),
  audit?: EventoAuditoria[],
): Promise<CompanyService> {
  const store = new SqliteStore({ dataDir });
  stores.push(store);
  await store.setup();
  const sink = audit && { append: async (e: EventoAuditoria) => audit.push(e) };
  const s = new CompanyService(store, bus, systemClock, log, undefined, sink);
  await s.init();
  return s;
}

const info = (o: { id_estacion?: string; nombre?: string; version_precios?: number } = {}) => ({
  tipo: 'estacion_info' as const,
  id_estacion: o.id_estacion ?? 'estacion-9',
  nombre: o.nombre ?? 'Nueve',
  version_precios: o.version_precios ?? 0,
});

describe('CompanyService prices', () => {
  it('creates version 1 with the seed prices on an empty store, once', async () => {
    const dir = tempDir();
    const first = await service(dir);
    expect(first.current).toMatchObject({ version: 1, precios: PRECIOS_POR_DEFECTO, autor: 'sistema' });
    await first.changePrices({ precio_95: 1360 }, quien('ana'));
    await stores[0]?.close();
    const again = await service(dir);
    expect(again.current).toMatchObject({ version: 2, precios: { precio_95: 1360 } });
    expect((await again.history(10)).map((v) => v.version)).toEqual([2, 1]);
  });

  it('makes a new version per change, announces it, and none when nothing changes', async () => {
    const bus = new CompanyBus();
    const announced: number[] = [];
    bus.on('precios', (v) => announced.push(v.version));
    const s = await service(':memory:', bus);
    const r = await s.changePrices({ precio_93: 1300, precio_diesel: 1130 }, quien('ana'));
    expect(r).toMatchObject({ creada: true, version: { version: 2, autor: 'ana' } });
    expect(r.version.cambios.map((c) => c.campo)).toEqual(['precio_93', 'precio_diesel']);
    expect(await s.changePrices({ precio_93: 1300 }, quien('beto'))).toMatchObject({
      creada: false,
      version: { version: 2 },
    });
    expect(announced).toEqual([2]);
  });

  it('gives concurrent changes distinct, increasing versions', async () => {
    const s = await service();
    const results = await Promise.all(
      [1301, 1302, 1303, 1304].map((p) => s.changePrices({ precio_93: p }, quien('x'))),
    );
    expect(results.map((r) => r.version.version)).toEqual([2, 3, 4, 5]);
    expect(s.current.precios.precio_93).toBe(1304);
  });

  it('retries with a new number when another company process took the version', async () => {
    const dir = tempDir();
    const a = await service(dir);
    const b = await service(dir);
    expect((await a.changePrices({ precio_97: 1500 }, quien('a'))).version.version).toBe(2);
    const r = await b.changePrices({ precio_97: 1510 }, quien('b')); // b still believed version 1 was newest
    expect(r.version).toMatchObject({ version: 3, precios: { precio_97: 1510 } });
    expect(r.version.cambios).toEqual([{ campo: 'precio_97', anterior: 1500, nuevo: 1510 }]);
  });

  it('never derives its next version from what a station reports (info or ack, 2^53 − 1 or 10^9)', async () => {
    const s = await service();
    const e = await s.addStation({ id_estacion: 'e1', host: 'h', puerto: 1 }, admin);
    await s.stationInfo(e.id_estacion, info({ id_estacion: 'e1', version_precios: 2 ** 53 - 1 }));
    await s.stationAck('e1', 1_000_000_000);
    await s.stationAck('e1', 2 ** 53 - 1);
    expect((await s.changePrices({ precio_95: 1400 }, quien('x'))).version.version).toBe(2);
    // Nothing implausible was stored as confirmed either.
    expect(s.getStation('e1')?.version_confirmada).toBeNull();
    expect((await s.store.getStation('e1'))?.version_confirmada).toBeNull();
  });

  it('refuses a price outside the rule with VALIDACION naming the field, and creates nothing', async () => {
    const s = await service();
    const err = await s.changePrices({ precio_95: 99 }, quien('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CompanyError);
    expect(err).toMatchObject({
      code: 'VALIDACION',
      detalles: [{ campo: 'precio_95', problema: expect.stringMatching(/100/) }],
    });
    expect(s.current.version).toBe(1);
    expect((await s.history(10)).map((v) => v.version)).toEqual([1]);
  });

  it('starts on data an older build left absurd: versions above MAX_VERSION and confirmations above the newest are not believed', async () => {
    const dir = tempDir();
    const old = new SqliteStore({ dataDir: dir });
    await old.setup();
    await old.appendPriceVersion(versionInicial('2026-01-01T00:00:00.000Z'));
    // What the old "number past the station" rule could write: a version a station made it jump to.
    await old.appendPriceVersion({ ...versionInicial('2026-01-02T00:00:00.000Z'), version: 2 ** 53 - 1, autor: 'ana' });
    await old.insertStation(unaEstacion({ id_estacion: 'e1', version_confirmada: 2 ** 53 - 1 }));
    await old.insertStation(unaEstacion({ id_estacion: 'e2', host: 'otra', version_confirmada: 1 }));
    await old.close();
    const s = await service(dir);
    expect(s.current.version).toBe(1);
    expect(s.getStation('e1')?.version_confirmada).toBeNull();
    expect((await s.store.getStation('e1'))?.version_confirmada).toBeNull();
    expect(s.getStation('e2')?.version_confirmada).toBe(1);
    expect((await s.history(10)).map((v) => v.version)).toEqual([1]);
    expect((await s.changePrices({ precio_95: 1400 }, quien('x'))).version.version).toBe(2);
  });

  it('tells an anomaly once: a warning and an audit entry, not one per report', async () => {
    const audit: EventoAuditoria[] = [];
    const s = await service(':memory:', new CompanyBus(), audit);
    await s.addStation({ id_estacion: 'e1', host: '10.0.0.9', puerto: 5001 }, admin);
    const anomalia = {
      codigo: 'VERSION_DESCONOCIDA' as const,
      version_reportada: 2 ** 53 - 1,
      version_empresa: 1,
      desde: '2026-01-15T14:30:00.000Z',
    };
    for (let i = 0; i < 5; i++) await s.stationAnomaly('e1', anomalia);
    await s.stationAnomaly('e1', null);
    await s.stationAnomaly('e1', anomalia);
    await s.stationAnomaly('nadie', anomalia);
    const entries = audit.filter((a) => a.accion === 'estacion.anomalia');
    expect(entries).toEqual([
      {
        usuario: 'estacion:e1',
        rol: null,
        ip: '10.0.0.9',
        accion: 'estacion.anomalia',
        objetivo: 'estacion:e1',
        resultado: 'error',
        detalles: { codigo: 'VERSION_DESCONOCIDA', version_reportada: 2 ** 53 - 1, version_empresa: 1 },
      },
    ]);
  });
});

describe('CompanyService stations', () => {
  it('registers by address with a provisional id and adopts the id and name the station tells', async () => {
    const bus = new CompanyBus();
    const renames: string[] = [];
    bus.on('estacion_actualizada', ({ id_anterior, estacion }) =>
      renames.push(`${id_anterior}→${estacion.id_estacion}`),
    );
    const s = await service(':memory:', bus);
    const e = await s.ensureStation('127.0.0.1', 5001);
    expect(e).toMatchObject({
      id_estacion: '127.0.0.1-5001',
      nombre: '127.0.0.1-5001',
      id_provisional: true,
    });
    expect(await s.ensureStation('127.0.0.1', 5001)).toBe(e); // already there
    expect(await s.stationInfo(e.id_estacion, info())).toBe('estacion-9');
    expect(s.getStation('estacion-9')).toMatchObject({
      nombre: 'Nueve',
      id_provisional: false,
      puerto: 5001,
    });
    expect(s.getStation('127.0.0.1-5001')).toBeUndefined();
    expect(await s.store.getStation('estacion-9')).toMatchObject({ nombre: 'Nueve' });
    expect(renames).toEqual(['127.0.0.1-5001→estacion-9']);
    // Once identified, a different id told later does not rename it again.
    expect(await s.stationInfo('estacion-9', info({ id_estacion: 'otra' }))).toBe('estacion-9');
  });

  it('registers a tls:// start-up station with TLS, switches one registered without it, and never switches TLS off', async () => {
    const audit: EventoAuditoria[] = [];
    const s = await service(':memory:', new CompanyBus(), audit);
    expect(await s.ensureStation('estacion', 5001, { tls: true })).toMatchObject({ tls: true });
    // A deployment that registered the station in the clear and now starts with tls://.
    await s.ensureStation('vieja', 5001);
    expect(await s.ensureStation('vieja', 5001, { tls: true })).toMatchObject({ id_estacion: 'vieja-5001', tls: true });
    // An entry without tls:// leaves TLS on: a start-up flag never lowers the protection.
    expect(await s.ensureStation('vieja', 5001)).toMatchObject({ tls: true });
    expect(await s.ensureStation('estacion', 5001)).toMatchObject({ tls: true });
    expect(audit.map((a) => [a.usuario, a.accion, a.objetivo])).toEqual([
      ['sistema', 'estacion.crear', 'estacion:estacion-5001'],
      ['sistema', 'estacion.crear', 'estacion:vieja-5001'],
      ['sistema', 'estacion.modificar', 'estacion:vieja-5001'],
    ]);
  });

  it('keeps a name given at registration and keeps the provisional id when the told one is taken', async () => {
    const s = await service();
    await s.addStation({ id_estacion: 'estacion-9', host: 'a', puerto: 1 }, admin);
    const named = await s.addStation({ host: 'b', puerto: 2, nombre: 'Norte' }, admin);
    expect(await s.stationInfo(named.id_estacion, info())).toBe('b-2');
    const other = await s.addStation({ host: 'c', puerto: 3, nombre: 'Sur' }, admin);
    expect(await s.stationInfo(other.id_estacion, info({ id_estacion: 'estacion-10' }))).toBe('estacion-10');
    expect(s.getStation('estacion-10')?.nombre).toBe('Sur');
  });

  it('refuses duplicate ids and addresses and unknown stations with stable codes', async () => {
    const s = await service();
    await s.addStation({ id_estacion: 'e1', host: 'h', puerto: 1 }, admin);
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: CompanyError) => e.code,
      );
    expect(await code(s.addStation({ id_estacion: 'e1', host: 'h', puerto: 2 }, admin))).toBe('ESTACION_DUPLICADA');
    expect(await code(s.addStation({ host: 'h', puerto: 1 }, admin))).toBe('ESTACION_DUPLICADA');
    expect(await code(s.updateStation('nadie', { nombre: 'x' }, admin))).toBe('ESTACION_NO_ENCONTRADA');
    expect(await code(s.removeStation('nadie', admin))).toBe('ESTACION_NO_ENCONTRADA');
    await s.addStation({ id_estacion: 'e2', host: 'h', puerto: 2 }, admin);
    expect(await code(s.updateStation('e2', { puerto: 1 }, admin))).toBe('ESTACION_DUPLICADA');
  });

  it('records acknowledgements without ever lowering them', async () => {
    const s = await service();
    for (const p of [1301, 1302, 1303]) await s.changePrices({ precio_93: p }, quien('x'));
    await s.addStation({ id_estacion: 'e1', host: 'h', puerto: 1 }, admin);
    for (const v of [2, 4, 3, 4, 1]) await s.stationAck('e1', v);
    expect(s.getStation('e1')?.version_confirmada).toBe(4);
    expect((await s.store.getStation('e1'))?.version_confirmada).toBe(4);
    await s.stationAck('nadie', 5); // a station removed meanwhile: ignored
  });

  it('audits each change with the actor passed in, refusals too; link updates are not audited', async () => {
    const audit: EventoAuditoria[] = [];
    const s = await service(':memory:', new CompanyBus(), audit);
    await s.changePrices({ precio_93: 1300 }, quien('ana'));
    await s.changePrices({ precio_93: 1300 }, quien('ana')); // no change: nothing to audit
    const e = await s.ensureStation('127.0.0.1', 5001);
    await s.stationInfo(e.id_estacion, info());
    await s.stationAck('estacion-9', 2);
    await s.addStation({ id_estacion: 'estacion-9', host: 'x', puerto: 1 }, admin).catch(() => undefined);
    await s.updateStation('estacion-9', { nombre: 'Nueve bis' }, admin);
    await s.removeStation('estacion-9', admin);
    expect(audit.map((a) => [a.usuario, a.accion, a.objetivo, a.resultado])).toEqual([
      ['ana', 'precios.cambiar', 'precios', 'ok'],
      ['sistema', 'estacion.crear', 'estacion:127.0.0.1-5001', 'ok'],
      ['admin', 'estacion.crear', 'estacion:estacion-9', 'error'],
      ['admin', 'estacion.modificar', 'estacion:estacion-9', 'ok'],
      ['admin', 'estacion.eliminar', 'estacion:estacion-9', 'ok'],
    ]);
    expect(audit[0]).toMatchObject({
      rol: 'precios',
      ip: '127.0.0.1',
      detalles: { version: 2, cambios: [{ campo: 'precio_93', anterior: 1290, nuevo: 1300 }] },
    });
    expect(s.current.autor).toBe('ana');
  });

  it('keeps a change made when the audit log cannot be written, and logs the failure', async () => {
    const store = new SqliteStore({ dataDir: ':memory:' });
    stores.push(store);
    await store.setup();
    const failing = { append: () => Promise.reject(new Error('disco lleno')) };
    const s = new CompanyService(store, new CompanyBus(), systemClock, log, undefined, failing);
    await s.init();
    expect(await s.changePrices({ precio_95: 1400 }, quien('ana'))).toMatchObject({ creada: true });
    expect((await store.latestPriceVersion())?.version).toBe(2);
  });

  it('makes provisional ids that fit the id_estacion rules', () => {
    expect(idProvisional('::1', 5001)).toBe('--1-5001');
    expect(idProvisional('estacion.local', 5001)).toBe('estacion.local-5001');
    expect(new CompanyError('VALIDACION', 'x').status).toBe(400);
  });
});

describe('CompanyService scheduled prices and limits', () => {
  async function fake(dataDir = ':memory:', clock = new FakeClock(), bus = new CompanyBus()) {
    const audit: EventoAuditoria[] = [];
    const store = new SqliteStore({ dataDir });
    stores.push(store);
    await store.setup();
    const s = new CompanyService(store, bus, clock, log, undefined, { append: async (e) => audit.push(e) });
    await s.init();
    return { s, clock, audit, bus };
  }
  const enHoras = (clock: FakeClock, h: number) => new Date(clock.now() + h * 3_600_000).toISOString();

  it('schedules a version: announced at once, in force only at its vigencia by the company clock', async () => {
    const bus = new CompanyBus();
    const announced: number[] = [];
    bus.on('precios', (v) => announced.push(v.version));
    const { s, clock, audit } = await fake(':memory:', new FakeClock(), bus);
    const vigencia = enHoras(clock, 3);
    const r = await s.changePrices({ precio_95: 1400 }, quien('ana'), vigencia);
    expect(r.version).toMatchObject({ version: 2, vigencia, cancelada: null });
    expect(announced).toEqual([2]);
    expect(s.current.version).toBe(2); // what the stations are sent
    expect(s.vigente.version).toBe(1);
    expect(s.programada?.version).toBe(2);
    expect(audit.at(-1)).toMatchObject({ accion: 'precios.cambiar', detalles: { version: 2, vigencia } });
    clock.advance(3 * 3_600_000);
    expect(s.vigente).toMatchObject({ version: 2, precios: { precio_95: 1400 } });
    expect(s.programada).toBeNull();
  });

  it('refuses a vigencia in the past or beyond 90 days, and another version while one is scheduled', async () => {
    const { s, clock } = await fake();
    await expect(s.changePrices({ precio_95: 1400 }, quien('ana'), enHoras(clock, -1))).rejects.toMatchObject({
      code: 'VALIDACION',
      detalles: [{ campo: 'vigencia' }],
    });
    await expect(s.changePrices({ precio_95: 1400 }, quien('ana'), enHoras(clock, 91 * 24))).rejects.toMatchObject({
      code: 'VALIDACION',
    });
    await s.changePrices({ precio_95: 1400 }, quien('ana'), enHoras(clock, 1));
    await expect(s.changePrices({ precio_93: 1300 }, quien('ana'))).rejects.toMatchObject({
      code: 'PRECIOS_PROGRAMADOS_PENDIENTES',
    });
  });

  it('cancels the scheduled version: announced, audited, numbers never reused, kept after a restart', async () => {
    const dir = tempDir();
    const clock = new FakeClock();
    const bus = new CompanyBus();
    const cancelled: number[] = [];
    bus.on('cancelacion', (v) => cancelled.push(v.version));
    const { s, audit } = await fake(dir, clock, bus);
    await s.changePrices({ precio_95: 1400 }, quien('ana'), enHoras(clock, 2));
    const c = await s.cancelScheduled(quien('beto'));
    expect(c).toMatchObject({ version: 2, cancelada: new Date(clock.now()).toISOString() });
    expect(cancelled).toEqual([2]);
    expect(audit.at(-1)).toMatchObject({ usuario: 'beto', accion: 'precios.cancelar', resultado: 'ok' });
    expect(s.current.version).toBe(1);
    expect(s.ultimaCreada).toBe(2);
    await expect(s.cancelScheduled(quien('beto'))).rejects.toMatchObject({ code: 'SIN_PRECIOS_PROGRAMADOS' });
    const next = await s.changePrices({ precio_95: 1410 }, quien('ana'));
    expect(next.version).toMatchObject({ version: 3, cambios: [{ campo: 'precio_95', anterior: 1350, nuevo: 1410 }] });
    await stores[0]?.close();
    const again = await fake(dir, clock);
    expect(again.s.current.version).toBe(3);
    expect(again.s.ultimaCreada).toBe(3);
  });

  it('after a restart, a scheduled version is still scheduled and the version in force is the one before', async () => {
    const dir = tempDir();
    const clock = new FakeClock();
    const { s } = await fake(dir, clock);
    await s.changePrices({ precio_93: 1300 }, quien('ana'));
    await s.changePrices({ precio_95: 1400 }, quien('ana'), enHoras(clock, 2));
    await stores[0]?.close();
    const again = await fake(dir, clock);
    expect(again.s.programada?.version).toBe(3);
    expect(again.s.vigente.version).toBe(2);
    await expect(again.s.cancelScheduled(quien('ana'))).resolves.toMatchObject({ version: 3 });
    expect(again.s.current.version).toBe(2);
  });

  it('refuses a price outside the limits with a message naming fuel, value and limit, and audits it', async () => {
    const { s, audit } = await fake();
    const err = await s.changePrices({ precio_93: 12900 }, quien('ana')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CompanyError);
    expect(err).toMatchObject({
      code: 'PRECIO_FUERA_DE_LIMITES',
      message: 'precio_93 12900 sube 900% desde 1290 (máximo 20% por cambio)',
    });
    expect(audit.at(-1)).toMatchObject({ accion: 'precios.cambiar', resultado: 'denegado' });
    expect(s.current.version).toBe(1);
  });

  it('keeps the limits an admin sets (audited), and refuses impossible ones', async () => {
    const dir = tempDir();
    const clock = new FakeClock();
    const { s, audit } = await fake(dir, clock);
    const uno = { minimo: 1000, maximo: 1500, cambio_max_pct: 50 };
    const limites = { precio_93: uno, precio_95: uno, precio_97: uno, precio_diesel: uno };
    await s.setLimits(limites, admin);
    expect(audit.at(-1)).toMatchObject({ accion: 'precios.limites', resultado: 'ok' });
    await expect(s.changePrices({ precio_93: 1600 }, quien('ana'))).rejects.toMatchObject({
      message: 'precio_93 1600 supera el máximo de 1500',
    });
    await expect(
      s.setLimits({ ...limites, precio_97: { minimo: 2000, maximo: 1000, cambio_max_pct: 5 } }, admin),
    ).rejects.toMatchObject({ code: 'VALIDACION', detalles: [{ campo: 'precio_97' }] });
    await stores[0]?.close();
    const again = await fake(dir, clock);
    expect(again.s.limites).toMatchObject({ limites, autor: 'admin' });
  });
});

describe('CompanyService.refresh (replicas on one store)', () => {
  /** Two services on one SQLite file, as two `empresa serve` processes; the events `b` publishes. */
  async function pair() {
    const dir = tempDir();
    const a = await service(dir);
    const busB = new CompanyBus();
    const events: string[] = [];
    busB.on('precios', (v) => events.push(`precios ${v.version}`));
    busB.on('cancelacion', (v) => events.push(`cancelacion ${v.version}`));
    busB.on('estacion_agregada', (e) => events.push(`agregada ${e.id_estacion}`));
    busB.on('estacion_actualizada', ({ id_anterior, estacion }) =>
      events.push(`actualizada ${id_anterior} ${estacion.nombre}`),
    );
    busB.on('estacion_eliminada', ({ id_estacion }) => events.push(`eliminada ${id_estacion}`));
    const b = await service(dir, busB);
    return { a, b, events };
  }

  it('announces a price version made by another process once, as a local change would', async () => {
    const { a, b, events } = await pair();
    await b.refresh();
    expect(events).toEqual([]);
    await a.changePrices({ precio_95: 1360 }, quien('ana'));
    await b.refresh();
    await b.refresh();
    expect(events).toEqual(['precios 2']);
    expect(b.current).toMatchObject({ version: 2, precios: { precio_95: 1360 } });
    // b can go on from there: its next version is 3.
    expect((await b.changePrices({ precio_93: 1300 }, quien('beto'))).version.version).toBe(3);
  });

  it('announces a cancellation made by another process, and takes new limits', async () => {
    const { a, b, events } = await pair();
    const vigencia = new Date(Date.now() + 3_600_000).toISOString();
    await a.changePrices({ precio_95: 1360 }, quien('ana'), vigencia);
    await b.refresh();
    expect(b.programada?.version).toBe(2);
    await a.cancelScheduled(quien('ana'));
    await b.refresh();
    expect(events).toEqual(['precios 2', 'cancelacion 2']);
    expect(b.programada).toBeNull();
    expect(b.current.version).toBe(1);
    const uno = { minimo: 600, maximo: 2500, cambio_max_pct: 15 };
    await a.setLimits({ precio_93: uno, precio_95: uno, precio_97: uno, precio_diesel: uno }, admin);
    await b.refresh();
    expect(b.limites.limites.precio_93).toEqual(uno);
  });

  it('follows stations added, changed and removed through another process', async () => {
    const { a, b, events } = await pair();
    await a.addStation({ id_estacion: 'n', nombre: 'Norte', host: '127.0.0.1', puerto: 7001 }, admin);
    await a.addStation({ id_estacion: 's', nombre: 'Sur', host: '127.0.0.1', puerto: 7002 }, admin);
    await b.refresh();
    expect(b.listStations().map((e) => e.id_estacion)).toEqual(['n', 's']);
    await a.updateStation('n', { nombre: 'Norte 2' }, admin);
    await a.removeStation('s', admin);
    await b.refresh();
    await b.refresh();
    expect(events).toEqual(['agregada n', 'agregada s', 'actualizada n Norte 2', 'eliminada s']);
    expect(b.getStation('n')?.nombre).toBe('Norte 2');
    // Acks recorded by another replica's links move no stamp: b reads them on its periodic full read.
    await a.stationAck('n', 1);
    await b.refresh();
    expect(b.getStation('n')?.version_confirmada).toBeNull();
    for (let i = 0; i < REGISTRY_RESYNC_POLLS; i++) await b.refresh();
    expect(b.getStation('n')?.version_confirmada).toBe(1);
    expect(events).toHaveLength(4);
  });

  it('does not announce its own changes again', async () => {
    const { b, events } = await pair();
    await b.addStation({ id_estacion: 'n', host: '127.0.0.1', puerto: 7001 }, admin);
    await b.changePrices({ precio_95: 1360 }, quien('ana'));
    events.length = 0;
    await b.refresh();
    expect(events).toEqual([]);
  });
});

describe('CompanyService.ensureStation with replicas', () => {
  it('takes the record another process registered at that address meanwhile instead of failing', async () => {
    const dir = tempDir();
    const a = await service(dir);
    const b = await service(dir);
    await a.ensureStation('127.0.0.1', 7001);
    // b has not refreshed: it does not know the station yet.
    expect(b.findByAddress('127.0.0.1', 7001)).toBeUndefined();
    const e = await b.ensureStation('127.0.0.1', 7001);
    expect(e.id_estacion).toBe(idProvisional('127.0.0.1', 7001));
    expect(b.listStations()).toHaveLength(1);
  });
});
