/**
 * (ext) Prepaid authorization through the API: the pump's mode, issuing, cancelling and listing
 * authorizations, the pump traffic that follows, the sale checks, the refund and expiry. Pumps are
 * in-memory (the hub harness); the TCP path is in tests/autorizacion.test.ts.
 */
import type { StationRole } from '@combustible/server';
import type { InjectOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Autorizacion } from '../domain/types.js';
import { estado, type Harness, type Json, type TestPump, venta } from '../hub/test-harness.js';
import type { Api } from './app.js';
import { type ApiHarness, createApiHarness } from './test-harness.js';

let t: ApiHarness;
let h: Harness;
let api: Api;

beforeEach(async () => {
  t = await createApiHarness({ commandTimeoutMs: 2000 });
  ({ h, api } = t);
});
afterEach(async () => {
  await t.close();
});

function call(opts: string | InjectOptions, rol: StationRole = 'supervisor') {
  const o = typeof opts === 'string' ? { url: opts } : opts;
  return api.inject({ ...o, headers: { ...t.as(rol), ...o.headers } });
}
const json = <T = Json>(r: { json(): unknown }) => r.json() as T;
const now = () => new Date(h.clock.now()).toISOString();

const CAPAZ = { capacidades: ['autorizacion'] };

/** A capable pump, registered and set to prepago; it reports `esperando_autorizacion`. */
async function prepagoPump(id: number): Promise<TestPump> {
  const pump = await h.register(id, CAPAZ);
  const put = await call({ method: 'PUT', url: `/api/surtidores/${id}`, payload: { modo_autorizacion: 'prepago' } });
  expect(put.statusCode).toBe(200);
  expect(await pump.next('configuracion')).toEqual({
    tipo: 'configuracion',
    id_surtidor: id,
    modo_autorizacion: 'prepago',
  });
  pump.send(estado(id, 'esperando_autorizacion', now()));
  await waitFor(() => h.service.live.get(id)?.estado_operacion === 'esperando_autorizacion');
  return pump;
}

/** Until the condition holds, turn by turn (the pump's lines are read on later turns). */
async function waitFor(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((r) => setImmediate(r));
}

const autorizar = (id: number, payload: Json, rol: StationRole = 'operador') =>
  call({ method: 'POST', url: `/api/surtidores/${id}/autorizacion`, payload }, rol);

describe('modo_autorizacion', () => {
  it('is postpago by default, shown on the pump, and set with PUT (audited)', async () => {
    await h.register(1, CAPAZ);
    expect(json(await call('/api/surtidores/1'))).toMatchObject({ modo_autorizacion: 'postpago' });
    const put = await call({ method: 'PUT', url: '/api/surtidores/1', payload: { modo_autorizacion: 'prepago' } });
    expect(json(put)).toMatchObject({ modo_autorizacion: 'prepago' });
    expect(json<Json[]>(await call('/api/surtidores'))[0]).toMatchObject({ modo_autorizacion: 'prepago' });
    expect((await h.store.getPump(1))?.modo_autorizacion).toBe('prepago');
    const log = await h.auth.audit.list({ accion: 'surtidor.modificar', limit: 10, skip: 0 });
    expect(log.items[0]).toMatchObject({ resultado: 'ok', detalles: { cambios: { modo_autorizacion: 'prepago' } } });
  });

  it('refuses prepago for a connected pump without the capacity (409), audited; allows it when disconnected', async () => {
    const seed = await h.register(2);
    const put = await call({ method: 'PUT', url: '/api/surtidores/2', payload: { modo_autorizacion: 'prepago' } });
    expect(put.statusCode).toBe(409);
    expect(json(put)).toMatchObject({ error: { codigo: 'AUTORIZACION_NO_SOPORTADA' } });
    expect(h.service.pump(2)?.modo_autorizacion).toBe('postpago');
    const log = await h.auth.audit.list({ accion: 'surtidor.modificar', limit: 10, skip: 0 });
    expect(log.items[0]).toMatchObject({ resultado: 'error', detalles: { codigo: 'AUTORIZACION_NO_SOPORTADA' } });
    expect(seed.all('configuracion')).toEqual([]);
    // A pre-configured pump (not connected) may be set to prepago.
    const created = json<{ id_surtidor: number }>(
      await call({
        method: 'POST',
        url: '/api/surtidores',
        payload: { nombre: 'Isla', combustibles_soportados: ['95'], modo_autorizacion: 'prepago' },
      }),
    );
    expect(h.service.pump(created.id_surtidor)?.modo_autorizacion).toBe('prepago');
  });

  it('is told to a capable pump in registro_confirmado, never to a seed pump', async () => {
    const capaz = await h.register(3, CAPAZ);
    expect(capaz.all('registro_confirmado')[0]).toMatchObject({ modo_autorizacion: 'postpago' });
    const seed = await h.register(4);
    expect(seed.all('registro_confirmado')[0]).not.toHaveProperty('modo_autorizacion');
    await call({ method: 'PUT', url: '/api/surtidores/3', payload: { modo_autorizacion: 'prepago' } });
    await capaz.next('configuracion');
    // The same mode again sends nothing more.
    await call({ method: 'PUT', url: '/api/surtidores/3', payload: { modo_autorizacion: 'prepago', nombre: 'otro' } });
    await call({ method: 'PUT', url: '/api/surtidores/3', payload: { modo_autorizacion: 'postpago' } });
    expect((await capaz.next('configuracion')).modo_autorizacion).toBe('postpago');
    expect(capaz.all('configuracion')).toHaveLength(2);
  });
});

describe('POST /api/surtidores/:id/autorizacion', () => {
  it('issues (201), stores, audits and sends autorizar with the preset; the pump answers ok', async () => {
    const pump = await prepagoPump(1);
    const r = await autorizar(1, { limite: { tipo: 'monto', valor: 10_000 }, combustibles: ['95'] });
    expect(r.statusCode).toBe(201);
    const a = json<Autorizacion>(r);
    expect(a).toMatchObject({
      id_surtidor: 1,
      estado: 'emitida',
      limite: { tipo: 'monto', valor: 10_000 },
      combustibles: ['95'],
      monto_prepagado: 10_000,
      usuario: 'ana',
      vence: new Date(h.clock.now() + 120_000).toISOString(),
    });
    expect(await h.store.getAuthorization(a.id_autorizacion)).toEqual(a);
    const cmd = await pump.next('comando');
    expect(cmd).toMatchObject({
      comando: 'autorizar',
      id_autorizacion: a.id_autorizacion,
      limite: { tipo: 'monto', valor: 10_000 },
      combustibles: ['95'],
      vence_en_ms: 120_000,
    });
    pump.send({ tipo: 'comando_ejecutado', id_surtidor: 1, id_comando: cmd.id_comando, resultado: 'ok' });
    const log = await h.auth.audit.list({ accion: 'autorizacion.emitir', limit: 10, skip: 0 });
    expect(log.items[0]).toMatchObject({ usuario: 'ana', objetivo: 'surtidor:1' });
    expect(json<Autorizacion[]>(await call('/api/autorizaciones?estado=emitida', 'lectura'))).toEqual([a]);
  });

  it('a litres preset on one fuel is priced; lleno is not', async () => {
    await prepagoPump(1);
    const litros = json<Autorizacion>(
      await autorizar(1, { limite: { tipo: 'litros', valor: 20 }, combustibles: ['95'] }),
    );
    expect(litros.monto_prepagado).toBe(20 * 1350);
    await prepagoPump(2);
    const lleno = json<Autorizacion>(await autorizar(2, { limite: { tipo: 'lleno' } }));
    expect(lleno).toMatchObject({ monto_prepagado: null, combustibles: null });
  });

  it('refuses with a stable code: unknown, disconnected, postpago, not capable, busy, open already, fuel not sold', async () => {
    const body = { limite: { tipo: 'monto', valor: 5000 } };
    const code = async (id: number, payload: Json = body) => {
      const r = await autorizar(id, payload);
      return [r.statusCode, json<{ error: { codigo: string } }>(r).error.codigo];
    };
    expect(await code(9)).toEqual([404, 'SURTIDOR_NO_ENCONTRADO']);
    await call({
      method: 'POST',
      url: '/api/surtidores',
      payload: { nombre: 'Lejos', combustibles_soportados: ['95'], modo_autorizacion: 'prepago' },
    });
    expect(await code(1)).toEqual([409, 'SURTIDOR_DESCONECTADO']);
    await h.register(2, CAPAZ);
    expect(await code(2)).toEqual([409, 'SURTIDOR_NO_PREPAGO']);
    // Configured prepago while away, then connected without the capacity (a seed pump).
    await h.register(1);
    expect(await code(1)).toEqual([409, 'AUTORIZACION_NO_SOPORTADA']);
    const pump = await prepagoPump(3);
    pump.send(estado(3, 'despachando', now()));
    await waitFor(() => h.service.live.get(3)?.estado_operacion === 'despachando');
    expect(await code(3)).toEqual([409, 'SURTIDOR_OCUPADO']);
    await prepagoPump(4);
    expect(await code(4, { limite: { tipo: 'lleno' }, combustibles: ['diesel'] })).toEqual([
      400,
      'COMBUSTIBLE_NO_DISPONIBLE',
    ]);
    expect((await autorizar(4, body)).statusCode).toBe(201);
    expect(await code(4)).toEqual([409, 'AUTORIZACION_ABIERTA']);
  });

  it('validates the body (400 VALIDACION)', async () => {
    await prepagoPump(1);
    for (const payload of [
      {},
      { limite: { tipo: 'monto', valor: 10.5 } },
      { limite: { tipo: 'monto', valor: 0 } },
      { limite: { tipo: 'litros', valor: -1 } },
      { limite: { tipo: 'gratis' } },
      { limite: { tipo: 'lleno' }, combustibles: [] },
      { limite: { tipo: 'lleno' }, combustibles: ['95', '95'] },
      { limite: { tipo: 'lleno' }, combustibles: ['gas'] },
    ]) {
      const r = await autorizar(1, payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(json<{ error: { codigo: string } }>(r).error.codigo).toBe('VALIDACION');
    }
  });

  it('is for operators: lectura gets 403', async () => {
    await prepagoPump(1);
    expect((await autorizar(1, { limite: { tipo: 'lleno' } }, 'lectura')).statusCode).toBe(403);
    expect((await call({ method: 'DELETE', url: '/api/surtidores/1/autorizacion' }, 'lectura')).statusCode).toBe(403);
    expect((await call('/api/autorizaciones', 'lectura')).statusCode).toBe(200);
  });

  it('is rechazada when the pump answers an error', async () => {
    const pump = await prepagoPump(1);
    const a = json<Autorizacion>(await autorizar(1, { limite: { tipo: 'lleno' } }));
    const cmd = await pump.next('comando');
    pump.send({ tipo: 'comando_ejecutado', id_surtidor: 1, id_comando: cmd.id_comando, resultado: 'manguera colgada' });
    await waitFor(() => h.service.authorizations.openCount === 0);
    await h.service.settled();
    expect(await h.store.getAuthorization(a.id_autorizacion)).toMatchObject({
      estado: 'rechazada',
      motivo: 'el surtidor respondió: manguera colgada',
    });
  });

  it('429 AUTORIZACIONES_EXCEDIDAS past --max-open-authorizations', async () => {
    await t.close();
    t = await createApiHarness({ commandTimeoutMs: 2000 }, undefined, {
      authorizations: { timeoutMs: 120_000, maxOpen: 1 },
    });
    ({ h, api } = t);
    await prepagoPump(1);
    await prepagoPump(2);
    expect((await autorizar(1, { limite: { tipo: 'lleno' } })).statusCode).toBe(201);
    const r = await autorizar(2, { limite: { tipo: 'lleno' } });
    expect(r.statusCode).toBe(429);
    expect(json<{ error: { codigo: string } }>(r).error.codigo).toBe('AUTORIZACIONES_EXCEDIDAS');
  });
});

describe('DELETE /api/surtidores/:id/autorizacion', () => {
  it('cancels while not dispensing and sends cancelar_autorizacion; 404 with none, 409 while dispensing unless disconnected', async () => {
    const pump = await prepagoPump(1);
    expect(json(await call({ method: 'DELETE', url: '/api/surtidores/1/autorizacion' }, 'operador'))).toMatchObject({
      error: { codigo: 'AUTORIZACION_NO_ENCONTRADA' },
    });
    const a = json<Autorizacion>(await autorizar(1, { limite: { tipo: 'lleno' } }));
    await pump.next('comando');
    const del = await call({ method: 'DELETE', url: '/api/surtidores/1/autorizacion' }, 'operador');
    expect(del.statusCode).toBe(200);
    expect(json(del)).toMatchObject({
      id_autorizacion: a.id_autorizacion,
      estado: 'cancelada',
      motivo: 'cancelada por ana',
    });
    const cancel = await pump.next('comando');
    expect(cancel).toMatchObject({ comando: 'cancelar_autorizacion', id_autorizacion: a.id_autorizacion });
    expect((await h.store.getAuthorization(a.id_autorizacion))?.estado).toBe('cancelada');
    const log = await h.auth.audit.list({ accion: 'autorizacion.cancelar', limit: 10, skip: 0 });
    expect(log.items).toHaveLength(1);

    const b = json<Autorizacion>(await autorizar(1, { limite: { tipo: 'lleno' } }));
    pump.send(estado(1, 'despachando', now(), { id_autorizacion: b.id_autorizacion }));
    await waitFor(() => h.service.authorizations.openFor(1)?.estado === 'despachando');
    const busy = await call({ method: 'DELETE', url: '/api/surtidores/1/autorizacion' }, 'operador');
    expect(busy.statusCode).toBe(409);
    expect(json(busy)).toMatchObject({ error: { codigo: 'AUTORIZACION_EN_CURSO' } });
    // Gone in mid-sale: it may be cancelled then (else it would hold the pump for ever).
    pump.stream.destroy();
    await waitFor(() => !h.hub.isConnected(1));
    const gone = await call({ method: 'DELETE', url: '/api/surtidores/1/autorizacion' }, 'operador');
    expect(gone.statusCode).toBe(200);
    expect(json(gone)).toMatchObject({ id_autorizacion: b.id_autorizacion, estado: 'cancelada' });
  });
});

describe('expiry', () => {
  it('an authorization whose dispensing does not start within the timeout expires and is withdrawn', async () => {
    await t.close();
    t = await createApiHarness({ commandTimeoutMs: 2000 }, undefined, {
      authorizations: { timeoutMs: 30_000, maxOpen: 10 },
    });
    ({ h, api } = t);
    const pump = await prepagoPump(1);
    const a = json<Autorizacion>(await autorizar(1, { limite: { tipo: 'lleno' } }));
    const cmd = await pump.next('comando');
    pump.send({ tipo: 'comando_ejecutado', id_surtidor: 1, id_comando: cmd.id_comando, resultado: 'ok' });
    h.clock.advance(29_999);
    expect(h.service.authorizations.openCount).toBe(1);
    h.clock.advance(1);
    const cancel = await pump.next('comando');
    expect(cancel).toMatchObject({ comando: 'cancelar_autorizacion', id_autorizacion: a.id_autorizacion });
    await h.service.settled();
    expect(await h.store.getAuthorization(a.id_autorizacion)).toMatchObject({ estado: 'expirada' });
    expect(h.service.authorizations.openCount).toBe(0);
  });
});

describe('sales under an authorization', () => {
  async function dispensed(pump: TestPump, id: number, extra: Json) {
    pump.send(venta(id, extra));
    return pump.next('transaccion_confirmada');
  }

  it('completes it, links the sale and records the refund on both', async () => {
    const pump = await prepagoPump(1);
    const a = json<Autorizacion>(await autorizar(1, { limite: { tipo: 'monto', valor: 10_000 } }));
    pump.send(estado(1, 'despachando', now(), { id_autorizacion: a.id_autorizacion }));
    const ok = await dispensed(pump, 1, {
      id_transaccion: 'V-1',
      litros: 5,
      monto_total: 6_750,
      id_autorizacion: a.id_autorizacion,
    });
    expect(ok).toMatchObject({ id_transaccion: 'V-1', duplicada: false });
    await h.service.settled();
    const stored = await h.store.getAuthorization(a.id_autorizacion);
    expect(stored).toMatchObject({ estado: 'completada', id_transaccion: 'V-1', reembolso: 3_250 });
    const tx = json(await call('/api/transacciones/1/V-1', 'lectura'));
    expect(tx).toMatchObject({ id_autorizacion: a.id_autorizacion, reembolso: 3_250, observaciones: [] });
    expect(json<Autorizacion[]>(await call('/api/autorizaciones?id_surtidor=1', 'lectura'))[0]).toEqual(stored);
  });

  it('stores every odd sale with an observation and an alert, never refusing it', async () => {
    const pump = await prepagoPump(1);
    const a = json<Autorizacion>(
      await autorizar(1, { limite: { tipo: 'monto', valor: 10_000 }, combustibles: ['93'] }),
    );
    // Over the limit and of a fuel not authorized.
    await dispensed(pump, 1, {
      id_transaccion: 'V-1',
      litros: 10,
      monto_total: 13_500,
      id_autorizacion: a.id_autorizacion,
    });
    // The same authorization again, under another sale.
    await dispensed(pump, 1, { id_transaccion: 'V-2', id_autorizacion: a.id_autorizacion });
    // One nobody issued.
    await dispensed(pump, 1, { id_transaccion: 'V-3', id_autorizacion: 'A-falsa' });
    // None at all, from a pump in prepago.
    await dispensed(pump, 1, { id_transaccion: 'V-4' });
    await h.service.settled();
    const obs = async (id: string) =>
      json<{ observaciones: string[] }>(await call(`/api/transacciones/1/${id}`)).observaciones.map(
        (o) => o.split(':')[0],
      );
    expect(await obs('V-1')).toEqual(['AUTORIZACION_EXCEDIDA', 'COMBUSTIBLE_NO_AUTORIZADO']);
    expect(await obs('V-2')).toEqual(['AUTORIZACION_REUTILIZADA']);
    expect(await obs('V-3')).toEqual(['AUTORIZACION_DESCONOCIDA']);
    expect(await obs('V-4')).toEqual(['VENTA_SIN_AUTORIZACION']);
    const alertas = json<{ codigo: string }[]>(await call('/api/alertas?abiertas=true'));
    expect(alertas.map((x) => x.codigo).sort()).toEqual([
      'AUTORIZACION_DESCONOCIDA',
      'AUTORIZACION_EXCEDIDA',
      'AUTORIZACION_REUTILIZADA',
      'COMBUSTIBLE_NO_AUTORIZADO',
      'VENTA_SIN_AUTORIZACION',
    ]);
    expect(await h.store.getAuthorization(a.id_autorizacion)).toMatchObject({
      estado: 'completada',
      id_transaccion: 'V-1',
      reembolso: 0,
    });
  });

  it('a reuse is noticed from the store too (an authorization closed long ago, not in memory)', async () => {
    const pump = await prepagoPump(1);
    await h.store.saveAuthorization({
      id_autorizacion: 'A-vieja',
      id_surtidor: 1,
      estado: 'completada',
      limite: { tipo: 'lleno' },
      combustibles: null,
      monto_prepagado: null,
      usuario: 'ana',
      creada: '2026-01-01T00:00:00.000Z',
      vence: '2026-01-01T00:02:00.000Z',
      actualizada: '2026-01-01T00:01:00.000Z',
      id_transaccion: 'V-antigua',
      reembolso: null,
      motivo: null,
    });
    await dispensed(pump, 1, { id_transaccion: 'V-9', id_autorizacion: 'A-vieja' });
    const tx = json<{ observaciones: string[] }>(await call('/api/transacciones/1/V-9'));
    expect(tx.observaciones).toEqual([expect.stringMatching(/^AUTORIZACION_REUTILIZADA: .*V-antigua/)]);
  });
});
