/**
 * (ext) Prepaid authorization over real TCP against a whole station in this process: a capable
 * pump in prepago taken through authorize → dispense → sale, and a seed pump that must see exactly
 * what it always saw (no `configuracion`, no authorization traffic, its sales stored and confirmed
 * as before) while the station runs another pump in prepago.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningStation } from '../estacion/src/station.js';
import { startTestStation, TEST_ADMIN_CLAVE } from '../estacion/src/test-harness.js';
import { type Json, LineClient } from './helpers/line-client.js';

const running: RunningStation[] = [];
const clients: LineClient[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(running.splice(0).map((s) => s.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function station(
  dir?: string,
  flags: Record<string, unknown> = {},
): Promise<{
  s: RunningStation;
  api: (path: string, method?: string, body?: unknown) => Promise<{ status: number; body: Json }>;
}> {
  const dataDir = dir ?? mkdtempSync(join(tmpdir(), 'estacion-autorizacion-'));
  if (dir === undefined) dirs.push(dataDir);
  const { s } = await startTestStation({ dataDir, flags });
  running.push(s);
  const { token } = await s.auth.login('admin', TEST_ADMIN_CLAVE, null);
  const api = async (path: string, method = 'GET', body?: unknown) => {
    const r = await fetch(`http://127.0.0.1:${s.ports.api}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, body: (r.status === 204 ? {} : await r.json()) as Json };
  };
  return { s, api };
}

async function pump(port: number): Promise<LineClient> {
  const c = await LineClient.connect(port);
  clients.push(c);
  return c;
}

// The seed's own messages (shared/seeds/001, PROTOCOL.md): no ext field anywhere.
const SEED_REGISTRO = {
  tipo: 'registro',
  id_surtidor: 1,
  nombre: 'Surtidor Norte 1',
  combustibles_soportados: ['93', '95', '97', 'diesel'],
  version: '1.0',
};
const SEED_ESTADO = {
  tipo: 'estado',
  id_surtidor: 1,
  estado_operacion: 'despachando',
  litros_actuales: 15.5,
  monto_actual: 20925,
  tipo_combustible: '95',
  timestamp: '2024-01-15T14:30:00',
};
const SEED_VENTA = {
  tipo: 'transaccion_completada',
  id_surtidor: 1,
  tipo_combustible: '95',
  litros: 30.5,
  precio_por_litro: 1350,
  monto_total: 41175,
  metodo_pago: 'tarjeta',
  fecha_inicio: '2024-01-15T14:25:00',
  fecha_fin: '2024-01-15T14:30:00',
};

/** A capable pump (id 2) registered and switched to prepago by a supervisor, now waiting. */
async function capablePump(s: RunningStation, api: Awaited<ReturnType<typeof station>>['api']): Promise<LineClient> {
  const p = await pump(s.ports.pump);
  p.send({ ...SEED_REGISTRO, id_surtidor: 2, nombre: 'Isla prepago', capacidades: ['autorizacion'] });
  expect(await p.next('registro_confirmado')).toMatchObject({ modo_autorizacion: 'postpago' });
  expect((await api('/api/surtidores/2', 'PUT', { modo_autorizacion: 'prepago' })).status).toBe(200);
  expect(await p.next('configuracion')).toEqual({
    tipo: 'configuracion',
    id_surtidor: 2,
    modo_autorizacion: 'prepago',
  });
  return p;
}

const estadoDe = (id: number, estado_operacion: string, extra: Json = {}): Json => ({
  ...SEED_ESTADO,
  id_surtidor: id,
  estado_operacion,
  timestamp: new Date().toISOString(),
  ...extra,
});

describe('prepaid authorization over TCP', () => {
  it('authorizes a waiting pump, which dispenses under it; the sale completes it with the refund', async () => {
    const { s, api } = await station();
    const p = await capablePump(s, api);
    p.send(estadoDe(2, 'esperando_autorizacion'));
    await expect.poll(async () => (await api('/api/surtidores/2')).body.estado).toBe('esperando_autorizacion');
    const issued = await api('/api/surtidores/2/autorizacion', 'POST', { limite: { tipo: 'monto', valor: 10_000 } });
    expect(issued.status).toBe(201);
    const id = issued.body.id_autorizacion as string;
    const cmd = await p.next((m) => m.tipo === 'comando' && m.comando === 'autorizar');
    expect(cmd).toMatchObject({ id_autorizacion: id, limite: { tipo: 'monto', valor: 10_000 } });
    // What is left of --authorization-timeout (120 s) when it is sent.
    expect(cmd.vence_en_ms).toBeLessThanOrEqual(120_000);
    expect(cmd.vence_en_ms).toBeGreaterThan(100_000);
    p.send({ tipo: 'comando_ejecutado', id_surtidor: 2, id_comando: cmd.id_comando, resultado: 'ok' });
    p.send(estadoDe(2, 'autorizado', { id_autorizacion: id }));
    p.send(estadoDe(2, 'despachando', { id_autorizacion: id }));
    await expect
      .poll(async () => (await api('/api/autorizaciones?estado=despachando')).body)
      .toMatchObject([{ id_autorizacion: id }]);
    p.send({
      ...SEED_VENTA,
      id_surtidor: 2,
      id_transaccion: 'pre-1',
      litros: 7,
      monto_total: 9450,
      id_autorizacion: id,
    });
    expect(await p.next('transaccion_confirmada')).toEqual({
      tipo: 'transaccion_confirmada',
      id_transaccion: 'pre-1',
      duplicada: false,
    });
    await expect
      .poll(async () => (await api('/api/autorizaciones?id_surtidor=2')).body)
      .toMatchObject([{ id_autorizacion: id, estado: 'completada', id_transaccion: 'pre-1', reembolso: 550 }]);
    expect((await api('/api/transacciones/2/pre-1')).body).toMatchObject({
      id_autorizacion: id,
      reembolso: 550,
      observaciones: [],
    });
    const metrics = await s.metrics.registry.metrics();
    expect(metrics).toMatch(/^estacion_autorizaciones_abiertas 0$/m);
    expect(metrics).toMatch(/^estacion_autorizaciones_total\{estado="completada"\} 1$/m);
  });

  it('with --autorizacion-automatica the station authorizes a waiting pump itself (full tank), once stored, and again when the pump still waits', async () => {
    const { s, api } = await station(undefined, { autorizacionAutomatica: true });
    const p = await capablePump(s, api);
    p.send(estadoDe(2, 'esperando_autorizacion'));
    const cmd = await p.next((m) => m.tipo === 'comando' && m.comando === 'autorizar');
    expect(cmd).toMatchObject({ limite: { tipo: 'lleno' } });
    const id = cmd.id_autorizacion as string;
    // Sent only once durable: the stored record is there, issued by the station itself.
    expect((await api('/api/autorizaciones?id_surtidor=2')).body).toMatchObject([
      { id_autorizacion: id, estado: 'emitida', usuario: 'automatica', limite: { tipo: 'lleno' } },
    ]);
    expect(p.received.filter((m) => m.comando === 'autorizar')).toHaveLength(1);
    // The pump says it still waits (its answer, or the command, was lost): the same one goes again.
    p.send(estadoDe(2, 'esperando_autorizacion'));
    const again = await p.next((m) => m.tipo === 'comando' && m.comando === 'autorizar' && m !== cmd);
    expect(again).toMatchObject({ id_autorizacion: id, limite: { tipo: 'lleno' } });
    expect((await api('/api/autorizaciones?id_surtidor=2')).body).toHaveLength(1);
  });

  it('a seed pump registers, gets prices, and its sales are stored and confirmed exactly as before, with no authorization traffic', async () => {
    const { s, api } = await station();
    const seed = await pump(s.ports.pump);
    seed.send(SEED_REGISTRO);
    const confirmado = await seed.next('registro_confirmado');
    expect(Object.keys(confirmado).sort()).toEqual(['id_surtidor', 'mensaje', 'precios', 'tipo', 'version_precios']);
    expect(confirmado).toMatchObject({
      id_surtidor: 1,
      precios: { precio_93: 1290, precio_95: 1350, precio_97: 1400, precio_diesel: 1120 },
      version_precios: 0,
    });
    // It cannot be put in prepago while connected.
    const put = await api('/api/surtidores/1', 'PUT', { modo_autorizacion: 'prepago' });
    expect(put.status).toBe(409);
    expect(put.body).toMatchObject({ error: { codigo: 'AUTORIZACION_NO_SOPORTADA' } });

    // Meanwhile another pump runs in prepago, authorized and cancelled.
    const other = await capablePump(s, api);
    other.send(estadoDe(2, 'esperando_autorizacion'));
    await expect.poll(async () => (await api('/api/surtidores/2')).body.estado).toBe('esperando_autorizacion');
    expect((await api('/api/surtidores/2/autorizacion', 'POST', { limite: { tipo: 'lleno' } })).status).toBe(201);
    expect((await api('/api/surtidores/2/autorizacion', 'DELETE')).status).toBe(200);
    await other.next((m) => m.tipo === 'comando' && m.comando === 'cancelar_autorizacion');

    seed.send(SEED_ESTADO);
    seed.send({ ...SEED_ESTADO, estado_operacion: 'disponible' });
    seed.send(SEED_VENTA);
    const confirmada = await seed.next('transaccion_confirmada');
    expect(confirmada).toEqual({
      tipo: 'transaccion_confirmada',
      id_transaccion: expect.stringMatching(/^h-/),
      duplicada: false,
    });
    seed.send(SEED_VENTA);
    expect(await seed.next('transaccion_confirmada')).toEqual({ ...confirmada, duplicada: true });
    const stored = (await api(`/api/transacciones/1/${confirmada.id_transaccion as string}`)).body;
    expect(stored).toMatchObject({ litros: 30.5, monto_total: 41175, id_autorizacion: null, reembolso: null });
    expect((stored.observaciones as string[]).filter((o) => /AUTORIZACION/.test(o))).toEqual([]);
    // What the seed pump got, all of it: nothing it would not understand.
    expect(new Set(seed.received.map((m) => m.tipo))).toEqual(
      new Set(['registro_confirmado', 'transaccion_confirmada']),
    );
    expect((await api('/api/alertas?abiertas=true')).body).not.toContainEqual(
      expect.objectContaining({ codigo: 'VENTA_SIN_AUTORIZACION' }),
    );
  });

  it('an open authorization survives a restart: held again, it can still be cancelled', async () => {
    const first = await station();
    const p = await capablePump(first.s, first.api);
    p.send(estadoDe(2, 'esperando_autorizacion'));
    await expect.poll(async () => (await first.api('/api/surtidores/2')).body.estado).toBe('esperando_autorizacion');
    const issued = await first.api('/api/surtidores/2/autorizacion', 'POST', { limite: { tipo: 'litros', valor: 20 } });
    expect(issued.status).toBe(201);
    await p.close();
    const dataDir = first.s.config.dataDir;
    await first.s.stop();
    running.splice(running.indexOf(first.s), 1);

    const again = await station(dataDir);
    expect(again.s.service.authorizations.openFor(2)).toEqual(issued.body);
    expect((await again.api('/api/autorizaciones?estado=emitida')).body).toEqual([issued.body]);
    expect((await again.api('/api/surtidores/2')).body).toMatchObject({ modo_autorizacion: 'prepago' });
    const cancelled = await again.api('/api/surtidores/2/autorizacion', 'DELETE');
    expect(cancelled.body).toMatchObject({ id_autorizacion: issued.body.id_autorizacion, estado: 'cancelada' });
  });
});
