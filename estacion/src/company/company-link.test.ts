import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, MAX_VERSION, MAX_VERSION_JUMP } from '@combustible/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { stationConfigSchema } from '../config.js';
import { CHEAP_SCRYPT, createHarness, duplexPair, type Harness, TestPump } from '../hub/test-harness.js';
import { startStation } from '../station.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { CompanyLink, type CompanyLinkOptions } from './company-link.js';

let h: Harness;
let link: CompanyLink;

async function setup(options: Partial<CompanyLinkOptions> = {}) {
  h = await createHarness();
  link = new CompanyLink({
    service: h.service,
    estacion: { id: 'est-7', nombre: 'Estación Siete' },
    log: h.log,
    clock: h.clock,
    audit: h.audit,
    options,
  });
}

/** The company's end of a connection. */
function company(): TestPump {
  const [server, client] = duplexPair();
  link.handle(server, '10.0.0.1');
  return new TestPump(client);
}

afterEach(async () => {
  await link.close();
  await h.close();
});

const precios = { precio_93: 1300, precio_95: 1360, precio_97: 1410, precio_diesel: 1130 };
const update = (version: number, p = precios) => ({
  tipo: 'actualizacion_precios',
  version,
  precios: p,
  timestamp: '2026-01-15T14:00:00Z',
});

/** An ISO instant `ms` after the harness clock's now. */
const dentroDe = (ms: number) => new Date(h.clock.now() + ms).toISOString();

describe('company link (station side): scheduled prices', () => {
  it('keeps a scheduled version, acks it, and puts it in force at its instant by the station clock', async () => {
    await setup();
    const pump = await h.register(1);
    const c = company();
    const vigencia = dentroDe(2000);
    c.send({ ...update(3), vigencia });
    expect(await c.next('precios_recibidos')).toEqual({ tipo: 'precios_recibidos', version: 3 });
    expect(h.service.prices.current.version).toBe(0);
    expect(h.service.prices.programada).toMatchObject({ version: 3, precios, vigencia });
    expect(await h.store.latestPriceVersions(1)).toMatchObject([{ version: 3, vigencia }]);
    h.clock.advance(1999);
    expect(h.service.prices.current.version).toBe(0);
    expect(pump.all('actualizacion_precios')).toEqual([]);
    h.clock.advance(1);
    expect(h.service.prices.current).toMatchObject({ version: 3, precios });
    expect(h.service.prices.programada).toBeNull();
    expect(await pump.next('actualizacion_precios')).toMatchObject({ version: 3, precios });
    // A new connection hears of no scheduled version any more.
    expect(await company().next('estacion_info')).toMatchObject({ version_precios: 3 });
  });

  it('refuses a vigencia implausibly far ahead (more than 90 days and a day) like any update that breaks the rule', async () => {
    await setup();
    const c = company();
    c.send({ ...update(3), vigencia: dentroDe(92 * 24 * 3_600_000) });
    expect(await c.next('error')).toMatchObject({
      codigo: 'VERSION_INVALIDA',
      detalles: [{ campo: 'vigencia' }],
    });
    expect(h.service.prices.programada).toBeNull();
    c.send({ ...update(3), vigencia: dentroDe(90 * 24 * 3_600_000) });
    expect(await c.next('precios_recibidos')).toMatchObject({ version: 3 });
    expect(h.service.prices.programada?.version).toBe(3);
  });

  it('tells the company of its scheduled version in estacion_info', async () => {
    await setup();
    const c = company();
    c.send({ ...update(3), vigencia: dentroDe(60_000) });
    await c.next('precios_recibidos');
    expect(await company().next('estacion_info')).toMatchObject({ version_precios: 0, version_programada: 3 });
  });

  it('applies a vigencia already past at once (as a station that does not know the field would)', async () => {
    await setup();
    const c = company();
    c.send({ ...update(3), vigencia: dentroDe(-1000) });
    expect(await c.next('precios_recibidos')).toMatchObject({ version: 3 });
    expect(h.service.prices.current.version).toBe(3);
    expect(h.service.prices.programada).toBeNull();
  });

  it('drops a scheduled version superseded by a newer one in force at once, and keeps it against an older one', async () => {
    await setup();
    const c = company();
    c.send({ ...update(3), vigencia: dentroDe(5000) });
    c.send(update(2, { ...precios, precio_93: 1302 }));
    expect(await c.next('precios_recibidos')).toMatchObject({ version: 3 });
    expect(await c.next('precios_recibidos')).toMatchObject({ version: 3 });
    expect(h.service.prices.current.version).toBe(2);
    expect(h.service.prices.programada?.version).toBe(3);
    c.send(update(4, { ...precios, precio_93: 1304 }));
    expect(await c.next('precios_recibidos')).toMatchObject({ version: 4 });
    expect(h.service.prices.programada).toBeNull();
    expect((await h.store.latestPriceVersions(5)).map((v) => v.version)).toEqual([4, 2, 0]);
    h.clock.advance(5000);
    expect(h.service.prices.current).toMatchObject({ version: 4, precios: { precio_93: 1304 } });
  });

  it('cancels a scheduled version (durably), and says when it was already applied or unknown', async () => {
    await setup();
    const c = company();
    c.send({ ...update(3), vigencia: dentroDe(5000) });
    await c.next('precios_recibidos');
    c.send({ tipo: 'cancelacion_precios', version: 3, timestamp: '2026-01-15T14:00:00Z' });
    expect(await c.next('cancelacion_recibida')).toEqual({
      tipo: 'cancelacion_recibida',
      version: 3,
      resultado: 'cancelada',
      version_precios: 0,
    });
    expect(await h.store.latestPriceVersions(5)).toMatchObject([{ version: 0 }]);
    h.clock.advance(5000);
    expect(h.service.prices.current.version).toBe(0);

    c.send({ ...update(4), vigencia: dentroDe(1000) });
    await c.next('precios_recibidos');
    h.clock.advance(1000); // the station's clock is ahead: it took effect before the cancellation came
    c.send({ tipo: 'cancelacion_precios', version: 4, timestamp: '2026-01-15T14:00:00Z' });
    expect(await c.next('cancelacion_recibida')).toMatchObject({ resultado: 'ya_aplicada', version_precios: 4 });
    c.send({ tipo: 'cancelacion_precios', version: 9, timestamp: '2026-01-15T14:00:00Z' });
    expect(await c.next('cancelacion_recibida')).toMatchObject({ resultado: 'desconocida', version_precios: 4 });
    await h.audit.flush();
    const { items } = await h.audit.list({ limit: 10, skip: 0 });
    expect(items.filter((e) => e.accion === 'precios.cancelar').map((e) => e.resultado)).toEqual(['ok', 'error', 'ok']);
  });

  it('keeps a scheduled version across a restart and puts it in force at its time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'estacion-programada-'));
    try {
      await setup();
      await h.close();
      await link.close();
      h = await createHarness({}, {}, undefined, new SqliteStore({ dataDir: dir }));
      link = new CompanyLink({ service: h.service, estacion: { id: 'e', nombre: 'E' }, log: h.log, clock: h.clock });
      const c = company();
      c.send({ ...update(3), vigencia: dentroDe(3000) });
      await c.next('precios_recibidos');
      await link.close();
      await h.close();
      h = await createHarness({}, {}, undefined, new SqliteStore({ dataDir: dir }));
      link = new CompanyLink({ service: h.service, estacion: { id: 'e', nombre: 'E' }, log: h.log, clock: h.clock });
      expect(h.service.prices.current.version).toBe(0);
      expect(h.service.prices.programada?.version).toBe(3);
      const pump = await h.register(1);
      h.clock.advance(3000);
      expect(h.service.prices.current.version).toBe(3);
      expect(await pump.next('actualizacion_precios')).toMatchObject({ version: 3 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('company link (station side)', () => {
  it('speaks first with estacion_info', async () => {
    await setup();
    const c = company();
    expect(await c.next('estacion_info')).toEqual({
      tipo: 'estacion_info',
      id_estacion: 'est-7',
      nombre: 'Estación Siete',
      version_precios: 0,
      // (ext, issue 15) The station forwards reports: nothing journaled yet.
      ultimo_seq: 0,
    });
  });

  it('applies a newer version, answers with the version held, and pushes it to available pumps', async () => {
    await setup();
    const pump = await h.register(1);
    const c = company();
    c.send(update(3));
    expect(await c.next('precios_recibidos')).toEqual({ tipo: 'precios_recibidos', version: 3 });
    expect(h.service.prices.current).toMatchObject({ version: 3, precios, origen: 'empresa' });
    expect(await pump.next('actualizacion_precios')).toMatchObject({ version: 3, precios });
  });

  it('ignores stale, repeated and out-of-order versions and never regresses', async () => {
    await setup();
    const c = company();
    c.send(update(5));
    expect(await c.next('precios_recibidos')).toMatchObject({ version: 5 });
    c.send(update(5, { ...precios, precio_93: 1301 }));
    c.send(update(4, { ...precios, precio_93: 1302 }));
    expect(await c.next('precios_recibidos')).toMatchObject({ version: 5 });
    expect(await c.next('precios_recibidos')).toMatchObject({ version: 5 });
    expect(h.service.prices.current.precios.precio_93).toBe(1300);
    const [stored] = await h.store.latestPriceVersions(1);
    expect(stored).toMatchObject({ version: 5, precios });
  });

  it('answers ping with pong and bad lines with errors, never a partial price set', async () => {
    await setup();
    const c = company();
    c.send({ tipo: 'ping' });
    expect(await c.next('pong')).toHaveProperty('timestamp');
    c.send('{nope');
    expect(await c.next('error')).toMatchObject({ codigo: 'JSON_INVALIDO' });
    c.send({
      tipo: 'actualizacion_precios',
      version: 9,
      precios: { precio_93: 1300 },
      timestamp: '2026-01-15T14:00:00Z',
    });
    expect(await c.next('error')).toMatchObject({ codigo: 'MENSAJE_INVALIDO' });
    c.send({
      tipo: 'actualizacion_precios',
      version: 9,
      precios: { ...precios, precio_95: -5 },
      timestamp: '2026-01-15T14:00:00Z',
    });
    expect(await c.next('error')).toMatchObject({ codigo: 'MENSAJE_INVALIDO' });
    expect(h.service.prices.current.version).toBe(0);
    c.send({ tipo: 'registro', id_surtidor: 1 });
    expect(await c.next('error')).toMatchObject({ codigo: 'TIPO_DESCONOCIDO' });
  });

  it('accepts any of several tokens (a rotation with an overlap), and refuses one removed', async () => {
    await setup({ token: ['vieja', 'nueva'] });
    for (const token of ['vieja', 'nueva']) {
      const c = company();
      c.send({ tipo: 'autenticacion', empresa: 'Copec', token });
      c.send({ tipo: 'ping', timestamp: '2026-01-15T14:00:00.000Z' });
      expect(await c.next('pong')).toMatchObject({ tipo: 'pong' });
      c.stream.end();
      await c.whenClosed;
    }
    await link.close();
    await h.close();
    await setup({ token: ['nueva'] });
    const removed = company();
    removed.send({ tipo: 'autenticacion', empresa: 'Copec', token: 'vieja' });
    expect(await removed.next('error')).toMatchObject({ codigo: 'AUTENTICACION_FALLIDA' });
    await removed.whenClosed;
  });

  it('requires the token when one is configured', async () => {
    await setup({ token: 'clave' });
    const wrong = company();
    await wrong.next('estacion_info');
    wrong.send({ tipo: 'autenticacion', empresa: 'Copec', token: 'otra' });
    expect(await wrong.next('error')).toMatchObject({ codigo: 'AUTENTICACION_FALLIDA' });
    await wrong.whenClosed;

    const skipping = company();
    skipping.send(update(2));
    expect(await skipping.next('error')).toMatchObject({ codigo: 'AUTENTICACION_FALLIDA' });
    await skipping.whenClosed;
    expect(h.service.prices.current.version).toBe(0);

    const good = company();
    good.send({ tipo: 'autenticacion', empresa: 'Copec', token: 'clave' });
    good.send(update(2));
    expect(await good.next('precios_recibidos')).toMatchObject({ version: 2 });

    // Both refusals are on record as `empresa`, and the prices it then changed too.
    await h.audit.flush();
    const { items } = await h.audit.list({ limit: 10, skip: 0 });
    expect(
      items.map((r) => [r.usuario, r.ip, r.accion, r.resultado, r.detalles?.motivo ?? r.detalles?.version]),
    ).toEqual([
      ['empresa', '10.0.0.1', 'precios.cambiar', 'ok', 2],
      ['empresa', '10.0.0.1', 'empresa.autenticacion', 'denegado', '"actualizacion_precios" antes de "autenticacion"'],
      ['empresa', '10.0.0.1', 'empresa.autenticacion', 'denegado', 'token inválido'],
    ]);
    expect(items[2]?.detalles).toEqual({ codigo: 'AUTENTICACION_FALLIDA', motivo: 'token inválido', empresa: 'Copec' });
    expect(JSON.stringify(items)).not.toContain('otra');
  });

  it('closes a connection that never authenticates, and an idle one', async () => {
    await setup({ token: 'clave', authTimeoutMs: 1000, idleTimeoutMs: 60_000 });
    const silent = company();
    h.clock.advance(1000);
    expect(await silent.next('error')).toMatchObject({ codigo: 'AUTENTICACION_FALLIDA' });
    await silent.whenClosed;
    await h.audit.flush();
    expect(
      (await h.audit.list({ accion: 'empresa.', limit: 10, skip: 0 })).items.map((r) => r.detalles?.motivo),
    ).toEqual(['no llegó "autenticacion" a tiempo']);

    const idle = company();
    idle.send({ tipo: 'autenticacion', empresa: 'Copec', token: 'clave' });
    idle.send({ tipo: 'ping' });
    await idle.next('pong');
    h.clock.advance(80_000);
    await idle.whenClosed;
  });
});

describe('the prices rule at the station', () => {
  it('refuses an update whose version or prices break the rule: an error naming the field, prices kept, alert, audit', async () => {
    await setup();
    const c = company();
    c.send(update(3));
    expect(await c.next('precios_recibidos')).toEqual({ tipo: 'precios_recibidos', version: 3 });

    const refused: [ReturnType<typeof update>, string, string][] = [
      [update(2 ** 53 - 1), 'VERSION_INVALIDA', 'version'],
      [update(MAX_VERSION + 1), 'VERSION_INVALIDA', 'version'],
      [update(3 + MAX_VERSION_JUMP + 1), 'VERSION_INVALIDA', 'version'],
      [update(4, { ...precios, precio_95: 99 }), 'PRECIO_FUERA_DE_RANGO', 'precios.precio_95'],
      [update(4, { ...precios, precio_diesel: 100_001 }), 'PRECIO_FUERA_DE_RANGO', 'precios.precio_diesel'],
    ];
    for (const [message, codigo, campo] of refused) {
      c.send(message);
      const error = await c.next('error');
      expect(error).toMatchObject({ codigo, detalles: [expect.objectContaining({ campo })] });
    }
    expect(c.all('precios_recibidos')).toHaveLength(1);
    expect(h.service.prices.current).toMatchObject({ version: 3, precios });
    expect((await h.store.latestPriceVersions(1))[0]).toMatchObject({ version: 3, precios });

    await h.service.settled();
    const [alerta] = await h.store.listAlerts({ abiertas: true, limit: 10 });
    expect(alerta).toMatchObject({ codigo: 'PRECIOS_RECHAZADOS', id_surtidor: null, resuelta: null });
    await h.audit.flush();
    const { items } = await h.audit.list({ accion: 'precios.rechazar', limit: 10, skip: 0 });
    expect(items.map((r) => [r.usuario, r.resultado, r.detalles?.codigo])).toContainEqual([
      'empresa',
      'denegado',
      'VERSION_INVALIDA',
    ]);
    expect(items.map((r) => r.detalles?.codigo)).toContain('PRECIO_FUERA_DE_RANGO');

    // The next update that follows the rule is applied and closes the alert.
    c.send(update(4, { ...precios, precio_95: 1370 }));
    expect(await c.next('precios_recibidos')).toMatchObject({ version: 4 });
    await h.service.settled();
    expect(await h.store.listAlerts({ abiertas: true, limit: 10 })).toEqual([]);
  });

  it('a station that holds only its defaults (version 0) takes a company with a long history, up to MAX_VERSION', async () => {
    await setup();
    const c = company();
    c.send(update(MAX_VERSION + 1));
    expect(await c.next('error')).toMatchObject({ codigo: 'VERSION_INVALIDA' });
    c.send(update(150_000));
    expect(await c.next('precios_recibidos')).toMatchObject({ version: 150_000 });
  });

  it('starts and answers on prices an older build stored absurd: estacion_info and /health carry a plausible version', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'estacion-absurda-'));
    try {
      const old = new SqliteStore({ dataDir });
      await old.setup();
      const at = '2024-01-15T08:00:00.000Z';
      await old.savePriceVersion({ version: 5, precios, actualizado: at, origen: 'empresa' });
      await old.savePriceVersion({ version: 2 ** 53 - 1, precios, actualizado: at, origen: 'empresa' });
      await old.savePriceVersion({ version: 2 ** 60, precios, actualizado: at, origen: 'empresa' });
      await old.savePriceVersion({
        version: 7,
        precios: { ...precios, precio_93: 3 },
        actualizado: at,
        origen: 'empresa',
      });
      await old.close();

      const config = stationConfigSchema.parse({
        host: '127.0.0.1',
        pumpPort: 0,
        companyPort: 0,
        apiPort: 0,
        wsPort: 0,
        dataDir,
        adminPassword: 'clave-admin-prueba',
      });
      const log = createLogger({ name: 'test', level: 'silent' });
      const s = await startStation(config, { log, authOptions: { scryptCost: CHEAP_SCRYPT } });
      try {
        const socket = await new Promise<net.Socket>((resolve, reject) => {
          const k = net.connect({ port: s.ports.company, host: '127.0.0.1' }, () => resolve(k));
          k.once('error', reject);
        });
        const c = new TestPump(socket);
        expect(await c.next('estacion_info')).toMatchObject({ version_precios: 5 });
        const health = await fetch(`http://127.0.0.1:${s.ports.api}/health`);
        expect(health.status).toBe(200);
        expect(await health.json()).toMatchObject({ version_precios: 5 });
        // And the company's next version is taken as usual.
        c.send(update(6));
        expect(await c.next('precios_recibidos')).toMatchObject({ version: 6 });
        socket.destroy();
      } finally {
        await s.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
