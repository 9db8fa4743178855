import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, duplexPair, type Harness, TestPump } from '../hub/test-harness.js';
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

describe('company link (station side)', () => {
  it('speaks first with estacion_info', async () => {
    await setup();
    const c = company();
    expect(await c.next('estacion_info')).toEqual({
      tipo: 'estacion_info',
      id_estacion: 'est-7',
      nombre: 'Estación Siete',
      version_precios: 0,
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
    c.send(update(5, { ...precios, precio_93: 1 }));
    c.send(update(4, { ...precios, precio_93: 2 }));
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
    expect(items.map((r) => [r.usuario, r.ip, r.accion, r.resultado, r.detalles?.motivo ?? r.detalles?.version])).toEqual([
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
    expect((await h.audit.list({ accion: 'empresa.', limit: 10, skip: 0 })).items.map((r) => r.detalles?.motivo)).toEqual([
      'no llegó "autenticacion" a tiempo',
    ]);

    const idle = company();
    idle.send({ tipo: 'autenticacion', empresa: 'Copec', token: 'clave' });
    idle.send({ tipo: 'ping' });
    await idle.next('pong');
    h.clock.advance(80_000);
    await idle.whenClosed;
  });
});
