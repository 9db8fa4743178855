import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StationMetrics } from '../app/metrics.js';
import { STATION_ERRORS } from '../errors.js';
import { createHarness, estado, type Harness, venta } from '../hub/test-harness.js';
import { type Api, buildApi } from './app.js';

let h: Harness;
let api: Api;

beforeEach(async () => {
  h = await createHarness({ commandTimeoutMs: 2000 }, {}, (bus) => new StationMetrics(bus));
  api = await buildApi({
    service: h.service,
    hub: h.hub,
    store: h.store,
    metrics: h.metrics as StationMetrics,
    log: h.log,
    estacion: { id: 'est-1', nombre: 'Estación de prueba' },
    wsPort: 4001,
    webRoots: [],
  });
});
afterEach(async () => {
  await api.close();
  await h.close();
});

const json = <T = Record<string, unknown>>(r: { json(): unknown }) => r.json() as T;

describe('pumps', () => {
  it('creates, lists, reads, updates and deletes a pump', async () => {
    const created = await api.inject({
      method: 'POST',
      url: '/api/surtidores',
      payload: { nombre: 'Isla Norte', combustibles_soportados: ['93', 'diesel'] },
    });
    expect(created.statusCode).toBe(201);
    const { id_surtidor } = json<{ id_surtidor: number }>(created);
    expect(id_surtidor).toBe(1);
    expect(json(created)).toMatchObject({
      estado: 'desconectado',
      combustible_actual: '93',
      ultima_conexion: null,
    });

    const list = json<unknown[]>(await api.inject('/api/surtidores'));
    expect(list).toEqual([
      expect.objectContaining({
        id_surtidor: 1,
        nombre: 'Isla Norte',
        estado_conexion: 'desconectado',
        combustible_actual: '93',
      }),
    ]);

    const put = await api.inject({
      method: 'PUT',
      url: '/api/surtidores/1',
      payload: { combustible_actual: 'diesel' },
    });
    expect(json(put)).toMatchObject({ combustible_actual: 'diesel', nombre: 'Isla Norte' });

    const detail = json(await api.inject('/api/surtidores/1'));
    expect(detail).toMatchObject({
      id_surtidor: 1,
      estadisticas: { total_transacciones: 0, litros_totales: 0, ingresos_totales: 0 },
    });

    expect((await api.inject({ method: 'DELETE', url: '/api/surtidores/1' })).statusCode).toBe(204);
    expect((await api.inject('/api/surtidores/1')).statusCode).toBe(404);
  });

  it('refuses to delete a connected pump unless forced, and keeps its transactions', async () => {
    const pump = await h.register(4);
    pump.send(venta(4, { id_transaccion: 'keep' }));
    await pump.next('transaccion_confirmada');
    const refused = await api.inject({ method: 'DELETE', url: '/api/surtidores/4' });
    expect(refused.statusCode).toBe(409);
    expect(json(refused)).toMatchObject({ error: { codigo: 'SURTIDOR_CONECTADO' } });
    expect((await api.inject({ method: 'DELETE', url: '/api/surtidores/4?force=true' })).statusCode).toBe(
      204,
    );
    await pump.whenClosed;
    expect(json<unknown[]>(await api.inject('/api/surtidores'))).toEqual([]);
    expect(json<unknown[]>(await api.inject('/api/transacciones'))).toHaveLength(1);
  });

  it('reports live state and the connected pumps', async () => {
    const pump = await h.register(2);
    pump.send(estado(2, 'despachando', '2026-01-15T14:00:00Z', { litros_actuales: 4.5, monto_actual: 6075 }));
    await expect.poll(() => h.service.live.get(2)?.litros_actuales).toBe(4.5);
    expect(json(await api.inject('/api/surtidores/2/estado'))).toMatchObject({
      estado_conexion: 'conectado',
      estado_operacion: 'despachando',
      litros_actuales: 4.5,
      monto_actual: 6075,
      tipo_combustible: '95',
      precio_por_litro: 1350,
    });
    expect(
      json<{ id_surtidor: number }[]>(await api.inject('/api/surtidores/estado/conectados')).map(
        (s) => s.id_surtidor,
      ),
    ).toEqual([2]);
    expect(json(await api.inject('/api/surtidores'))).toEqual([
      expect.objectContaining({ id_surtidor: 2, estado: 'despachando' }),
    ]);
  });

  it('answers 400 with the fields for invalid input and 404 for unknown ids', async () => {
    const bad = await api.inject({
      method: 'POST',
      url: '/api/surtidores',
      payload: { nombre: '', combustibles_soportados: ['98'] },
    });
    expect(bad.statusCode).toBe(400);
    const body = json<{ error: { codigo: string; detalles: { campo: string }[] } }>(bad);
    expect(body.error.codigo).toBe('VALIDACION');
    expect(body.error.detalles.map((d) => d.campo)).toEqual(
      expect.arrayContaining(['nombre', 'combustibles_soportados.0']),
    );
    expect((await api.inject('/api/surtidores/abc')).statusCode).toBe(400);
    expect(json(await api.inject('/api/surtidores/77'))).toMatchObject({
      error: { codigo: 'SURTIDOR_NO_ENCONTRADO' },
    });
    expect((await api.inject('/api/nada')).statusCode).toBe(404);
    expect((await api.inject('/api/transacciones?limit=5000')).statusCode).toBe(400);
  });
});

describe('transactions', () => {
  it('lists newest first with filters, paging and x-total-count', async () => {
    const pump = await h.register(1);
    const other = await h.register(2);
    for (let i = 0; i < 5; i++) {
      pump.send(
        venta(1, {
          id_transaccion: `a${i}`,
          fecha_fin: `2026-01-15T1${i}:00:00Z`,
          fecha_inicio: `2026-01-15T0${i}:00:00Z`,
        }),
      );
      await pump.next('transaccion_confirmada');
    }
    other.send(
      venta(2, {
        id_transaccion: 'b0',
        fecha_fin: '2026-01-15T09:00:00Z',
        fecha_inicio: '2026-01-15T08:59:00Z',
        metodo_pago: 'tarjeta',
        tipo_combustible: '93',
        precio_por_litro: 1290,
        monto_total: 12900,
      }),
    );
    await other.next('transaccion_confirmada');

    const all = await api.inject('/api/transacciones?limit=2');
    expect(all.headers['x-total-count']).toBe('6');
    expect(json<{ id_transaccion: string }[]>(all).map((t) => t.id_transaccion)).toEqual(['a4', 'a3']);
    const page2 = json<{ id_transaccion: string }[]>(await api.inject('/api/transacciones?limit=2&skip=2'));
    expect(page2.map((t) => t.id_transaccion)).toEqual(['a2', 'a1']);
    const byPump = await api.inject(
      '/api/surtidores/1/transacciones?fecha_inicio=2026-01-15T11:00:00Z&fecha_fin=2026-01-15T13:00:00Z',
    );
    expect(byPump.headers['x-total-count']).toBe('3');
    const filtered = json<Record<string, unknown>[]>(
      await api.inject('/api/transacciones?metodo_pago=tarjeta&tipo_combustible=93'),
    );
    expect(filtered).toEqual([
      expect.objectContaining({
        id_transaccion: 'b0',
        id_surtidor: 2,
        secuencia: null,
        version_precios: null,
        observaciones: [],
      }),
    ]);
  });
});

describe('commands', () => {
  it('returns the pump answer, 409 when disconnected, 504 on timeout', async () => {
    const pump = await h.register(3);
    const pending = api.inject({
      method: 'POST',
      url: '/api/surtidores/3/comando',
      payload: { comando: 'pausar', razon: 'limpieza' },
    });
    const cmd = await pump.next('comando');
    pump.send({ tipo: 'comando_ejecutado', id_surtidor: 3, id_comando: cmd.id_comando, resultado: 'ok' });
    const ok = await pending;
    expect(ok.statusCode).toBe(200);
    expect(json(ok)).toMatchObject({ id_surtidor: 3, comando: 'pausar', resultado: 'ok' });

    await api.inject({
      method: 'POST',
      url: '/api/surtidores',
      payload: { nombre: 'Apagado', combustibles_soportados: ['95'] },
    });
    const off = await api.inject({
      method: 'POST',
      url: '/api/surtidores/4/comando',
      payload: { comando: 'pausar', razon: 'x' },
    });
    expect(off.statusCode).toBe(409);
    expect(json(off)).toMatchObject({ error: { codigo: 'SURTIDOR_DESCONECTADO' } });

    const slow = api.inject({
      method: 'POST',
      url: '/api/surtidores/3/comando',
      payload: { comando: 'reanudar', razon: 'x' },
    });
    await pump.next('comando');
    h.clock.advance(2000);
    const timeout = await slow;
    expect(timeout.statusCode).toBe(504);
    expect(json(timeout)).toMatchObject({ error: { codigo: 'COMANDO_TIMEOUT' } });
  });
});

describe('prices, alerts, stats, health, metrics, docs', () => {
  it('shows the prices and the version each pump sells at', async () => {
    const pump = await h.register(1);
    await h.service.applyPrices(
      2,
      { precio_93: 1300, precio_95: 1360, precio_97: 1410, precio_diesel: 1130 },
      'empresa',
    );
    await pump.next('actualizacion_precios');
    pump.send({ tipo: 'precios_aplicados', id_surtidor: 1, version: 2 });
    await expect.poll(() => h.service.live.get(1)?.version_precios).toBe(2);
    expect(json(await api.inject('/api/precios'))).toMatchObject({
      version: 2,
      precios: { precio_95: 1360 },
      surtidores: [{ id_surtidor: 1, version_precios: 2 }],
    });
  });

  it('lists alerts and sales statistics', async () => {
    const pump = await h.register(1);
    pump.send({
      tipo: 'error',
      id_surtidor: 1,
      codigo: 'ERROR_DESPACHO',
      mensaje: 'sensor',
      timestamp: '2026-01-15T14:00:00Z',
    });
    pump.send(venta(1, { id_transaccion: 's1' }));
    await pump.next('transaccion_confirmada');
    await expect
      .poll(async () => {
        await h.service.settled();
        return json<unknown[]>(await api.inject('/api/alertas?abiertas=true')).length;
      })
      .toBe(1);
    const stats = json<{ total: unknown; por_combustible: unknown[] }>(await api.inject('/api/estadisticas'));
    expect(stats.total).toEqual({ transacciones: 1, litros: 10, monto: 13500 });
    expect(stats.por_combustible).toEqual([
      { tipo_combustible: '95', transacciones: 1, litros: 10, monto: 13500 },
    ]);
  });

  it('serves health, metrics and the OpenAPI document with every route', async () => {
    const health = await api.inject('/health');
    expect(health.statusCode).toBe(200);
    expect(json(health)).toMatchObject({
      estado: 'ok',
      almacenamiento: { tipo: 'sqlite', alcanzable: true },
    });

    const pump = await h.register(1);
    pump.send('basura');
    await pump.next('error');
    const metrics = (await api.inject('/metrics')).body;
    expect(metrics).toContain('estacion_conexiones_surtidores');
    expect(metrics).toMatch(/estacion_lineas_invalidas_total\{codigo="JSON_INVALIDO"\} 1/);
    expect(metrics).toContain('estacion_commit_segundos_bucket');

    const doc = json<{ paths: Record<string, unknown> }>(await api.inject('/docs/json'));
    for (const path of [
      '/api/surtidores',
      '/api/surtidores/{id}',
      '/api/surtidores/{id}/estado',
      '/api/surtidores/estado/conectados',
      '/api/surtidores/{id}/transacciones',
      '/api/surtidores/{id}/comando',
      '/api/transacciones',
      '/api/precios',
      '/api/alertas',
      '/api/estadisticas',
      '/health',
      '/metrics',
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
  });

  it('reports 503 when the store is unreachable', async () => {
    const spy = vi.spyOn(h.store, 'ping').mockRejectedValueOnce(new Error('down'));
    const health = await api.inject('/health');
    expect(health.statusCode).toBe(503);
    expect(json(health)).toMatchObject({
      estado: 'degradado',
      almacenamiento: { alcanzable: false, error: 'down' },
    });
    spy.mockRestore();
  });
});

it('documents every station error code', async () => {
  const { readFile } = await import('node:fs/promises');
  const doc = await readFile(new URL('../../../docs/api.md', import.meta.url), 'utf8');
  for (const code of Object.keys(STATION_ERRORS)) expect(doc, code).toContain(code);
});
