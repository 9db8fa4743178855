/** (ext) Tanks through the API: CRUD with validation and audit, a pump's tanks, readings and deliveries. */
import type { StationRole } from '@combustible/server';
import type { InjectOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TANQUES_DEMO } from '../app/tank-service.js';
import type { Json } from '../hub/test-harness.js';
import { unaDescarga, unaLectura } from '../store/test-builders.js';
import { registros } from './csv-test-support.js';
import { type ApiHarness, createApiHarness } from './test-harness.js';

let t: ApiHarness;
beforeEach(async () => {
  t = await createApiHarness();
});
afterEach(async () => {
  await t.close();
});

function call(opts: string | InjectOptions, rol: StationRole = 'supervisor') {
  const o = typeof opts === 'string' ? { url: opts } : opts;
  return t.api.inject({ ...o, headers: { ...t.as(rol), ...o.headers } });
}
const json = <T = Json>(r: { json(): unknown }) => r.json() as T;
const DEMO = TANQUES_DEMO[0] as (typeof TANQUES_DEMO)[number];

describe('/api/tanques', () => {
  it('creates, lists, reads, updates and deletes a tank, audited', async () => {
    const created = await call({ method: 'POST', url: '/api/tanques', payload: DEMO });
    expect(created.statusCode).toBe(201);
    expect(json(created)).toMatchObject({ id_tanque: 1, combustible: '93', ultima_lectura: null });
    const list = await call('/api/tanques', 'lectura');
    expect(list.headers['x-total-count']).toBe('1');
    expect(json<Json[]>(list).map((x) => x.id_tanque)).toEqual([1]);
    const put = await call({
      method: 'PUT',
      url: '/api/tanques/1',
      payload: { nombre: 'Súper', nivel_bajo_litros: 5000 },
    });
    expect(json(put)).toMatchObject({ nombre: 'Súper', nivel_bajo_litros: 5000 });
    expect((await call('/api/tanques/1', 'lectura')).statusCode).toBe(200);
    expect((await call({ method: 'DELETE', url: '/api/tanques/1' })).statusCode).toBe(204);
    expect(json(await call('/api/tanques/1'))).toMatchObject({ error: { codigo: 'TANQUE_NO_ENCONTRADO' } });
    const acciones = (await t.h.audit.list({ limit: 20, skip: 0 })).items.map((e) => `${e.accion}:${e.resultado}`);
    expect(acciones).toEqual(expect.arrayContaining(['tanque.crear:ok', 'tanque.modificar:ok', 'tanque.eliminar:ok']));
  });

  it('refuses an implausible chart, a repeated id and bad input, auditing the refusals', async () => {
    const bad = await call({
      method: 'POST',
      url: '/api/tanques',
      payload: {
        ...DEMO,
        calibracion: [
          { altura_mm: 0, litros: 0 },
          { altura_mm: 100, litros: 50 },
          { altura_mm: 90, litros: 40 },
        ],
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(json(bad)).toMatchObject({ error: { codigo: 'CALIBRACION_INVALIDA' } });
    const tooMany = await call({
      method: 'POST',
      url: '/api/tanques',
      payload: { ...DEMO, calibracion: Array.from({ length: 1001 }, (_, i) => ({ altura_mm: i, litros: i * 30 })) },
    });
    expect(json(tooMany)).toMatchObject({ error: { codigo: 'VALIDACION' } });
    expect((await call({ method: 'POST', url: '/api/tanques', payload: DEMO })).statusCode).toBe(201);
    const again = await call({ method: 'POST', url: '/api/tanques', payload: DEMO });
    expect(again.statusCode).toBe(409);
    expect(json(again)).toMatchObject({ error: { codigo: 'TANQUE_EXISTE' } });
    const low = await call({ method: 'PUT', url: '/api/tanques/1', payload: { nivel_bajo_litros: 40_000 } });
    expect(json(low)).toMatchObject({ error: { codigo: 'CALIBRACION_INVALIDA' } });
    const acciones = (await t.h.audit.list({ limit: 20, skip: 0 })).items.map((e) => `${e.accion}:${e.resultado}`);
    expect(acciones.filter((a) => a.endsWith(':error'))).toEqual([
      'tanque.modificar:error',
      'tanque.crear:error',
      'tanque.crear:error',
    ]);
  });

  it("sets a pump's tanks only to existing tanks of each fuel, and routes its sales by them", async () => {
    for (const tk of TANQUES_DEMO) await call({ method: 'POST', url: '/api/tanques', payload: tk });
    await call({ method: 'POST', url: '/api/tanques', payload: { ...DEMO, id_tanque: 5, nombre: 'Otro 93' } });
    const pump = json(
      await call({
        method: 'POST',
        url: '/api/surtidores',
        payload: { nombre: 'S', combustibles_soportados: ['93', '95'] },
      }),
    );
    const id = pump.id_surtidor as number;
    // Two tanks of 93 and none configured: no tank.
    expect(t.h.tanks.tankOf(id, '93')).toBeNull();
    const wrong = await call({
      method: 'PUT',
      url: `/api/surtidores/${id}`,
      payload: { configuracion: { tanques: { '93': 2 } } },
    });
    expect(wrong.statusCode).toBe(400);
    expect(json(wrong)).toMatchObject({ error: { codigo: 'TANQUE_NO_COINCIDE' } });
    const ok = await call({
      method: 'PUT',
      url: `/api/surtidores/${id}`,
      payload: { configuracion: { tanques: { '93': 5 } } },
    });
    expect(json(ok)).toMatchObject({ configuracion: { tanques: { '93': 5 } } });
    expect(t.h.tanks.tankOf(id, '93')).toBe(5);
    expect(t.h.tanks.tankOf(id, '95')).toBe(2);
  });

  it('lists readings within bounds, paged, and deliveries by tank', async () => {
    await call({ method: 'POST', url: '/api/tanques', payload: DEMO });
    await t.h.store.insertReadings([
      unaLectura({ recibida: '2026-01-15T10:00:00.000Z' }),
      unaLectura({ recibida: '2026-01-15T11:00:00.000Z' }),
      unaLectura({ recibida: '2026-01-15T12:00:00.000Z' }),
    ]);
    const r = await call('/api/tanques/1/lecturas?desde=2026-01-15T10:30:00Z&limit=1', 'lectura');
    expect(r.headers['x-total-count']).toBe('2');
    expect(json<Json[]>(r).map((l) => l.recibida)).toEqual(['2026-01-15T12:00:00.000Z']);
    expect((await call('/api/tanques/1/lecturas?limit=1001', 'lectura')).statusCode).toBe(400);
    expect((await call('/api/tanques/9/lecturas', 'lectura')).statusCode).toBe(404);
    await t.h.store.saveDelivery(unaDescarga({ id_tanque: 1 }));
    await t.h.store.saveDelivery(unaDescarga({ id_tanque: 2 }));
    const d = await call('/api/descargas?id_tanque=1', 'lectura');
    expect(d.headers['x-total-count']).toBe('1');
  });

  it('answers readings and deliveries as CSV (?formato=csv or Accept: text/csv), unpaged, with the same filters', async () => {
    await call({ method: 'POST', url: '/api/tanques', payload: DEMO });
    await t.h.store.insertReadings([
      unaLectura({ recibida: '2026-01-15T10:00:00.000Z', litros: 9000.5 }),
      unaLectura({ recibida: '2026-01-15T11:00:00.000Z', observaciones: ['LITROS_INCONSISTENTES: x'] }),
      unaLectura({ recibida: '2026-01-15T12:00:00.000Z' }),
      unaLectura({ id_tanque: 2, recibida: '2026-01-15T12:00:00.000Z' }),
    ]);
    const csv = await call(
      '/api/tanques/1/lecturas?desde=2026-01-15T10:00:00Z&hasta=2026-01-15T11:00:00Z&formato=csv&limit=1',
      'lectura',
    );
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(registros(csv.body).map((l) => [l.recibida, l.litros, l.observaciones])).toEqual([
      ['2026-01-15T11:00:00.000Z', '9000', 'LITROS_INCONSISTENTES: x'],
      ['2026-01-15T10:00:00.000Z', '9000,5', ''],
    ]);
    const accept = await call({ url: '/api/tanques/1/lecturas', headers: { accept: 'text/csv' } }, 'lectura');
    expect(registros(accept.body)).toHaveLength(3);
    expect((await call('/api/tanques/9/lecturas?formato=csv', 'lectura')).statusCode).toBe(404);

    await t.h.store.saveDelivery(unaDescarga({ id: 'D-1', id_tanque: 1, litros: 10_250.5 }));
    await t.h.store.saveDelivery(unaDescarga({ id: 'D-2', id_tanque: 2 }));
    const d = await call('/api/descargas?id_tanque=1&formato=csv', 'lectura');
    expect(registros(d.body).map((x) => [x.id, x.id_tanque, x.litros])).toEqual([['D-1', '1', '10250,5']]);
    const todas = await call({ url: '/api/descargas', headers: { accept: 'text/csv' } }, 'lectura');
    expect(
      registros(todas.body)
        .map((x) => x.id)
        .sort(),
    ).toEqual(['D-1', 'D-2']);
  });
});
