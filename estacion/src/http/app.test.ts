import { STATION_ROLES } from '@combustible/server';
import { describeAccessMatrix } from '@combustible/server/testing';
import type { InjectOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { STATION_ERRORS } from '../errors.js';
import { estado, type Harness, venta } from '../hub/test-harness.js';
import { STATION_ROUTES } from './access.js';
import type { Api } from './app.js';
import { type ApiHarness, createApiHarness, USUARIOS } from './test-harness.js';

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

/** inject() as a supervisor (who may do everything these tests do), unless headers say otherwise. */
function call(opts: string | InjectOptions) {
  const o = typeof opts === 'string' ? { url: opts } : opts;
  return api.inject({ ...o, headers: { ...t.as('supervisor'), ...o.headers } });
}

const json = <T = Record<string, unknown>>(r: { json(): unknown }) => r.json() as T;

describe('pumps', () => {
  it('creates, lists, reads, updates and deletes a pump', async () => {
    const created = await call({
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

    const list = json<unknown[]>(await call('/api/surtidores'));
    expect(list).toEqual([
      expect.objectContaining({
        id_surtidor: 1,
        nombre: 'Isla Norte',
        estado_conexion: 'desconectado',
        combustible_actual: '93',
      }),
    ]);

    const put = await call({
      method: 'PUT',
      url: '/api/surtidores/1',
      payload: { combustible_actual: 'diesel' },
    });
    expect(json(put)).toMatchObject({ combustible_actual: 'diesel', nombre: 'Isla Norte' });

    const detail = json(await call('/api/surtidores/1'));
    expect(detail).toMatchObject({
      id_surtidor: 1,
      estadisticas: { total_transacciones: 0, litros_totales: 0, ingresos_totales: 0 },
    });

    expect((await call({ method: 'DELETE', url: '/api/surtidores/1' })).statusCode).toBe(204);
    expect((await call('/api/surtidores/1')).statusCode).toBe(404);
  });

  it('refuses to delete a connected pump unless forced, and keeps its transactions', async () => {
    const pump = await h.register(4);
    pump.send(venta(4, { id_transaccion: 'keep' }));
    await pump.next('transaccion_confirmada');
    const refused = await call({ method: 'DELETE', url: '/api/surtidores/4' });
    expect(refused.statusCode).toBe(409);
    expect(json(refused)).toMatchObject({ error: { codigo: 'SURTIDOR_CONECTADO' } });
    expect((await call({ method: 'DELETE', url: '/api/surtidores/4?force=true' })).statusCode).toBe(204);
    await pump.whenClosed;
    expect(json<unknown[]>(await call('/api/surtidores'))).toEqual([]);
    expect(json<unknown[]>(await call('/api/transacciones'))).toHaveLength(1);
  });

  it('reports live state and the connected pumps', async () => {
    const pump = await h.register(2);
    pump.send(estado(2, 'despachando', '2026-01-15T14:00:00Z', { litros_actuales: 4.5, monto_actual: 6075 }));
    await expect.poll(() => h.service.live.get(2)?.litros_actuales).toBe(4.5);
    expect(json(await call('/api/surtidores/2/estado'))).toMatchObject({
      estado_conexion: 'conectado',
      estado_operacion: 'despachando',
      litros_actuales: 4.5,
      monto_actual: 6075,
      tipo_combustible: '95',
      precio_por_litro: 1350,
    });
    expect(
      json<{ id_surtidor: number }[]>(await call('/api/surtidores/estado/conectados')).map((s) => s.id_surtidor),
    ).toEqual([2]);
    expect(json(await call('/api/surtidores'))).toEqual([
      expect.objectContaining({ id_surtidor: 2, estado: 'despachando' }),
    ]);
  });

  it('answers 400 with the fields for invalid input and 404 for unknown ids', async () => {
    const bad = await call({
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
    expect((await call('/api/surtidores/abc')).statusCode).toBe(400);
    expect(json(await call('/api/surtidores/77'))).toMatchObject({
      error: { codigo: 'SURTIDOR_NO_ENCONTRADO' },
    });
    expect((await call('/api/nada')).statusCode).toBe(404);
    expect((await call('/api/transacciones?limit=5000')).statusCode).toBe(400);
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

    const all = await call('/api/transacciones?limit=2');
    expect(all.headers['x-total-count']).toBe('6');
    expect(json<{ id_transaccion: string }[]>(all).map((t) => t.id_transaccion)).toEqual(['a4', 'a3']);
    const page2 = json<{ id_transaccion: string }[]>(await call('/api/transacciones?limit=2&skip=2'));
    expect(page2.map((t) => t.id_transaccion)).toEqual(['a2', 'a1']);
    const byPump = await call(
      '/api/surtidores/1/transacciones?fecha_inicio=2026-01-15T11:00:00Z&fecha_fin=2026-01-15T13:00:00Z',
    );
    expect(byPump.headers['x-total-count']).toBe('3');
    const filtered = json<Record<string, unknown>[]>(
      await call('/api/transacciones?metodo_pago=tarjeta&tipo_combustible=93'),
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
    const pending = call({
      method: 'POST',
      url: '/api/surtidores/3/comando',
      payload: { comando: 'pausar', razon: 'limpieza' },
    });
    const cmd = await pump.next('comando');
    pump.send({ tipo: 'comando_ejecutado', id_surtidor: 3, id_comando: cmd.id_comando, resultado: 'ok' });
    const ok = await pending;
    expect(ok.statusCode).toBe(200);
    expect(json(ok)).toMatchObject({ id_surtidor: 3, comando: 'pausar', resultado: 'ok' });

    await call({
      method: 'POST',
      url: '/api/surtidores',
      payload: { nombre: 'Apagado', combustibles_soportados: ['95'] },
    });
    const off = await call({
      method: 'POST',
      url: '/api/surtidores/4/comando',
      payload: { comando: 'pausar', razon: 'x' },
    });
    expect(off.statusCode).toBe(409);
    expect(json(off)).toMatchObject({ error: { codigo: 'SURTIDOR_DESCONECTADO' } });

    const slow = call({
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
    expect(json(await call('/api/precios'))).toMatchObject({
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
        return json<unknown[]>(await call('/api/alertas?abiertas=true')).length;
      })
      .toBe(1);
    const stats = json<{ total: unknown; por_combustible: unknown[] }>(await call('/api/estadisticas'));
    expect(stats.total).toEqual({ transacciones: 1, litros: 10, monto: 13500 });
    expect(stats.por_combustible).toEqual([{ tipo_combustible: '95', transacciones: 1, litros: 10, monto: 13500 }]);
  });

  it('serves health, metrics and the OpenAPI document with every route', async () => {
    // Probes need no session.
    const health = await api.inject('/health');
    expect(health.statusCode).toBe(200);
    expect(json(health)).toMatchObject({
      estado: 'ok',
      almacenamiento: { tipo: 'sqlite', alcanzable: true },
    });

    const pump = await h.register(1);
    pump.send('basura');
    await pump.next('error');
    expect((await api.inject('/metrics')).statusCode).toBe(401);
    const metrics = (await call({ url: '/metrics', headers: t.as('lectura') })).body;
    expect(metrics).toContain('estacion_conexiones_surtidores');
    expect(metrics).toMatch(/estacion_lineas_invalidas_total\{codigo="JSON_INVALIDO"\} 1/);
    expect(metrics).toContain('estacion_commit_segundos_bucket');

    const doc = json<{ paths: Record<string, unknown> }>(await call('/docs/json'));
    for (const path of [
      '/api/surtidores',
      '/api/surtidores/{id}',
      '/api/surtidores/{id}/estado',
      '/api/surtidores/estado/conectados',
      '/api/surtidores/{id}/transacciones',
      '/api/surtidores/{id}/comando',
      '/api/surtidores/comando',
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
    const health = await call('/health');
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

describe('sessions and roles', () => {
  it('answers 401 without a session and 403 with too small a role, and serves the login assets', async () => {
    expect((await api.inject('/api/surtidores')).json()).toMatchObject({ error: { codigo: 'NO_AUTENTICADO' } });
    expect((await call({ url: '/api/surtidores', headers: t.as('lectura') })).statusCode).toBe(200);
    const denied = await call({
      method: 'POST',
      url: '/api/surtidores',
      headers: t.as('operador'),
      payload: { nombre: 'x', combustibles_soportados: ['95'] },
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ error: { codigo: 'SIN_PERMISO' } });
    expect((await api.inject('/comun/sesion.js')).statusCode).toBe(200);
    expect((await api.inject('/comun/sesion.css')).statusCode).toBe(200);
  });

  it('logs in with the cookie the dashboard uses and reads /api/config with it', async () => {
    const login = await api.inject({
      method: 'POST',
      url: '/api/sesion',
      payload: { usuario: USUARIOS.lectura, clave: `clave-de-${USUARIOS.lectura}` },
    });
    const cookie = login.cookies.find((c) => c.name === 'sesion');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    const config = await api.inject({ url: '/api/config', cookies: { sesion: cookie?.value ?? '' } });
    expect(config.json()).toMatchObject({ estacion: { nombre: 'Estación de prueba' }, ws_port: 4001 });
  });

  it('has a rule for every route it serves and a route for every rule', async () => {
    for (const key of Object.keys(STATION_ROUTES)) {
      const [method = '', url = ''] = key.split(' ');
      expect(api.hasRoute({ method, url }), key).toBe(true);
    }
    const doc = json<{ paths: Record<string, Record<string, { description?: string }>> }>(
      await api.inject('/docs/json'),
    );
    expect(doc.paths['/api/surtidores/{id}/comando']?.post?.description).toContain(
      'operador (supervisor si comando = detener_emergencia)',
    );
    expect(doc.paths['/api/surtidores/comando']?.post?.description).toContain(
      'operador (supervisor si comando = detener_emergencia)',
    );
    expect(doc.paths['/api/surtidores']?.post?.description).toContain('supervisor');
  });

  it('audits a command with who sent it and shows who paused the pump on its live state', async () => {
    const pump = await h.register(3);
    const pausar = call({
      method: 'POST',
      url: '/api/surtidores/3/comando',
      headers: t.as('operador'),
      payload: { comando: 'pausar', razon: 'limpieza de la isla' },
    });
    const cmd = await pump.next('comando');
    pump.send({ tipo: 'comando_ejecutado', id_surtidor: 3, id_comando: cmd.id_comando, resultado: 'ok' });
    expect((await pausar).statusCode).toBe(200);
    pump.send(estado(3, 'pausado', '2026-01-15T14:00:00Z'));
    await expect.poll(() => h.service.live.get(3)?.estado_operacion).toBe('pausado');
    const live = json(await call('/api/surtidores/3/estado'));
    expect(live).toMatchObject({
      estado_operacion: 'pausado',
      pausado_por: {
        usuario: USUARIOS.operador,
        comando: 'pausar',
        razon: 'limpieza de la isla',
        fecha: expect.any(String),
      },
    });

    const log = await call({ url: '/api/auditoria?accion=surtidor.', headers: t.as('admin') });
    expect(log.json()).toEqual([
      expect.objectContaining({
        usuario: USUARIOS.operador,
        rol: 'operador',
        ip: '127.0.0.1',
        accion: 'surtidor.comando',
        objetivo: 'surtidor:3',
        resultado: 'ok',
        detalles: { comando: 'pausar', razon: 'limpieza de la isla', resultado: 'ok', id_comando: cmd.id_comando },
      }),
    ]);

    // reanudar clears it; so does the pump reporting it runs again.
    const reanudar = call({
      method: 'POST',
      url: '/api/surtidores/3/comando',
      headers: t.as('operador'),
      payload: { comando: 'reanudar', razon: 'listo' },
    });
    const cmd2 = await pump.next('comando');
    pump.send({ tipo: 'comando_ejecutado', id_surtidor: 3, id_comando: cmd2.id_comando, resultado: 'ok' });
    await reanudar;
    expect(h.service.live.get(3)?.pausado_por).toBeNull();
  });

  it('audits a command that could not be sent, and a refused emergency stop', async () => {
    await call({
      method: 'POST',
      url: '/api/surtidores',
      payload: { nombre: 'Apagado', combustibles_soportados: ['95'] },
    });
    const off = await call({
      method: 'POST',
      url: '/api/surtidores/1/comando',
      headers: t.as('operador'),
      payload: { comando: 'pausar', razon: 'x' },
    });
    expect(off.statusCode).toBe(409);
    const stop = await call({
      method: 'POST',
      url: '/api/surtidores/1/comando',
      headers: t.as('operador'),
      payload: { comando: 'detener_emergencia', razon: 'x' },
    });
    expect(stop.statusCode).toBe(403);
    await h.audit.flush();
    const items = (await h.audit.list({ limit: 10, skip: 0 })).items.filter(
      (r) => !r.accion.startsWith('sesion.') && r.accion !== 'usuario.crear',
    );
    expect(
      items.map((r) => [r.accion, r.usuario, r.resultado, r.detalles?.codigo ?? r.detalles?.rol_necesario ?? null]),
    ).toEqual([
      ['acceso.denegado', USUARIOS.operador, 'denegado', 'supervisor'],
      ['surtidor.comando', USUARIOS.operador, 'error', 'SURTIDOR_DESCONECTADO'],
      ['surtidor.crear', USUARIOS.supervisor, 'ok', null],
    ]);
  });

  it('audits pump changes with who made them', async () => {
    await call({
      method: 'POST',
      url: '/api/surtidores',
      payload: { nombre: 'Isla', combustibles_soportados: ['95'] },
    });
    await call({ method: 'PUT', url: '/api/surtidores/1', payload: { nombre: 'Isla Norte' } });
    await call({ method: 'DELETE', url: '/api/surtidores/1' });
    const page = await h.audit.list({ accion: 'surtidor.', limit: 10, skip: 0 });
    expect(page.items.map((r) => [r.accion, r.usuario, r.objetivo, r.detalles])).toEqual([
      ['surtidor.eliminar', USUARIOS.supervisor, 'surtidor:1', { forzado: false }],
      ['surtidor.modificar', USUARIOS.supervisor, 'surtidor:1', { cambios: { nombre: 'Isla Norte' } }],
      ['surtidor.crear', USUARIOS.supervisor, 'surtidor:1', { nombre: 'Isla', combustibles_soportados: ['95'] }],
    ]);
  });
});

describeAccessMatrix('estacion', {
  table: STATION_ROUTES,
  roles: STATION_ROLES,
  async setup() {
    const x = await createApiHarness();
    return { app: x.api, tokens: x.tokens, close: () => x.close() };
  },
});
