/**
 * Issue 10, "Size": the WebSocket snapshot is bounded whatever the station holds, and it is built
 * once for the clients that connect within a short interval (not once per client).
 */
import type { AddressInfo } from 'node:net';
import { CLI_ACTOR } from '@combustible/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createHarness, estado, type Harness, venta } from '../hub/test-harness.js';
import { unaAlerta, unaTransaccion } from '../store/test-builders.js';
import { type Bridge, buildBridge } from './bridge.js';
import { ACCIONES_PANEL } from './acciones.js';

type Event = { tipo: string; datos: Record<string, unknown> };

let h: Harness;
let bridge: Bridge;
let token: string;
const sockets: WebSocket[] = [];

async function setup(maxClients = 200) {
  h = await createHarness();
  await h.auth.createUser(CLI_ACTOR, { nombre: 'luis', rol: 'lectura', clave: 'clave-de-luis' });
  token = (await h.auth.login('luis', 'clave-de-luis', '127.0.0.1')).token;
  // The bridge's clock is the harness's fake one: the snapshot's 1 s lifetime only passes when a test says so.
  bridge = await buildBridge({
    service: h.service,
    bus: h.bus,
    store: h.store,
    log: h.log,
    clock: h.clock,
    flushIntervalMs: 20,
    auth: h.auth,
    audit: h.audit,
    maxClients,
  });
  await bridge.listen({ host: '127.0.0.1', port: 0 });
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await bridge.close();
  await h.close();
  vi.restoreAllMocks();
});

/** Connects and resolves with the first message (the snapshot), raw and parsed. */
function snapshotOfNewClient(): Promise<{ text: string; event: Event }> {
  const port = (bridge.server.address() as AddressInfo).port;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { authorization: `Bearer ${token}` } });
  sockets.push(ws);
  return new Promise((resolve, reject) => {
    ws.once('message', (data: Buffer) => {
      const text = String(data);
      resolve({ text, event: JSON.parse(text) as Event });
    });
    ws.once('error', reject);
  });
}

/** The store and audit reads a snapshot build makes, counted. */
function spyReads() {
  return {
    transacciones: vi.spyOn(h.store, 'listTransactions'),
    alertas: vi.spyOn(h.store, 'listAlerts'),
    auditoria: vi.spyOn(h.audit, 'list'),
  };
}

describe('WebSocket snapshot', () => {
  it('is built once for 1,000 clients that connect at once', { timeout: 60_000 }, async () => {
    await setup(1000);
    await h.register(1);
    const pump = await h.register(2);
    pump.send(venta(2, { id_transaccion: 'v1' }));
    await pump.next('transaccion_confirmada');
    const reads = spyReads();

    const snaps = await Promise.all(Array.from({ length: 1000 }, () => snapshotOfNewClient()));
    expect(snaps.every((s) => s.event.tipo === 'snapshot')).toBe(true);
    expect(new Set(snaps.map((s) => s.text)).size).toBe(1);
    expect(snaps[0]?.event.datos.transacciones).toEqual([expect.objectContaining({ id_transaccion: 'v1' })]);
    const counts = {
      transacciones: reads.transacciones.mock.calls.length,
      alertas: reads.alertas.mock.calls.length,
      auditoria: reads.auditoria.mock.calls.length,
    };
    console.log(`snapshot: 1000 clientes → lecturas del almacén ${JSON.stringify(counts)}`);
    expect(counts.transacciones).toBe(1);
    expect(counts.alertas).toBe(1);
    // One read per kind of operator action (surtidor., precios., empresa., autorizacion.).
    expect(counts.auditoria).toBeLessThanOrEqual(ACCIONES_PANEL.length);
  });

  it('is built again after an event, and after its second of life', async () => {
    await setup();
    const pump = await h.register(1);
    const reads = spyReads();
    await snapshotOfNewClient();
    await snapshotOfNewClient();
    expect(reads.transacciones).toHaveBeenCalledTimes(1);

    // A sale: the next client must see it, so the cached snapshot is not reused.
    pump.send(venta(1, { id_transaccion: 'nueva' }));
    await pump.next('transaccion_confirmada');
    const after = await snapshotOfNewClient();
    expect(after.event.datos.transacciones).toEqual([expect.objectContaining({ id_transaccion: 'nueva' })]);
    expect(reads.transacciones).toHaveBeenCalledTimes(2);

    await snapshotOfNewClient();
    expect(reads.transacciones).toHaveBeenCalledTimes(2);
    h.clock.advance(1001);
    await snapshotOfNewClient();
    expect(reads.transacciones).toHaveBeenCalledTimes(3);
  });

  it('is kept through `estado` events: the pumps that reported since follow it with their current state', async () => {
    await setup();
    const pump = await h.register(1);
    const first = await snapshotOfNewClient();
    const reads = spyReads();
    pump.send(estado(1, 'despachando', '2026-01-15T14:00:00Z', { litros_actuales: 5 }));
    await expect.poll(() => h.service.live.get(1)?.litros_actuales).toBe(5);

    const port = (bridge.server.address() as AddressInfo).port;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { authorization: `Bearer ${token}` } });
    sockets.push(ws);
    const events: { tipo: string; text: string; datos: Record<string, unknown> }[] = [];
    ws.on('message', (data: Buffer) => {
      const e = JSON.parse(String(data)) as Event;
      events.push({ tipo: e.tipo, text: String(data), datos: e.datos });
    });
    await expect.poll(() => events.map((e) => e.tipo)).toEqual(['snapshot', 'estado']);
    // The same text as the first client's (nothing read again), then the pump as it is now.
    expect(events[0]?.text).toBe(first.text);
    expect(events[1]?.datos).toMatchObject({ id_surtidor: 1, estado_operacion: 'despachando', litros_actuales: 5 });
    expect(reads.transacciones).not.toHaveBeenCalled();
  });

  it(
    'stays bounded with 5,000 pumps, 5,000 open alerts, 5,000 sales and 200 actions',
    { timeout: 60_000 },
    async () => {
      await setup();
      for (let i = 0; i < 5000; i++)
        await h.service.createPump({ nombre: `Surtidor ${i + 1}`, combustibles_soportados: ['95'] });
      await h.store.insertTransactions(
        Array.from({ length: 5000 }, (_, i) => unaTransaccion({ id_surtidor: (i % 5000) + 1 })),
      );
      for (let i = 0; i < 5000; i++) await h.store.raiseAlert(unaAlerta({ clave: `K${i}` }));
      for (let i = 0; i < 200; i++)
        await h.audit.append({
          usuario: 'ana',
          rol: 'operador',
          ip: null,
          accion: 'surtidor.comando',
          objetivo: `surtidor:${i}`,
          resultado: 'ok',
          detalles: null,
        });
      for (const id of [7, 8, 9]) await h.register(id);

      const { text, event } = await snapshotOfNewClient();
      const datos = event.datos as {
        surtidores: { id_surtidor: number }[];
        totales: { surtidores: number; conectados: number; alertas_abiertas: number };
        transacciones: unknown[];
        alertas: unknown[];
        acciones: unknown[];
      };
      console.log(`snapshot con 5000 surtidores: ${text.length} bytes`);
      expect(datos.surtidores.map((s) => s.id_surtidor)).toEqual([7, 8, 9]);
      expect(datos.totales).toEqual({ surtidores: 5000, conectados: 3, alertas_abiertas: 5000 });
      expect(datos.transacciones).toHaveLength(50);
      expect(datos.alertas).toHaveLength(50);
      expect(datos.acciones).toHaveLength(20);
      expect(text.length).toBeLessThan(128 * 1024);
    },
  );
});
