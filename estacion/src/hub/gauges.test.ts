/** (ext) Tank gauges on the pump port: registration, readings, refusals, deliveries and alerts. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../store/sqlite-store.js';
import { TANQUES_DEMO } from '../app/tank-service.js';
import { alturaPorLitros, litrosPorAltura } from '../domain/tanks.js';
import type { Descarga } from '../domain/tanks.js';
import type { HubMetrics } from './pump-hub.js';
import { createHarness, type Harness, type Json, registro, type TestPump, venta } from './test-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const CHART = TANQUES_DEMO[0]?.calibracion ?? [];
/** Height (to 0.1 mm) at which the demo chart holds `litros`. */
const alturaDe = (litros: number) => Math.round(alturaPorLitros(CHART, litros) * 10) / 10;

function registroMedidor(id: number, extra: Json = {}): Json {
  return {
    tipo: 'registro_medidor',
    id_medidor: id,
    nombre: `Consola ${id}`,
    version: '1.0',
    tanques: [1, 2, 3, 4],
    ...extra,
  };
}

/** A reading consistent with the demo chart at this height. */
function lectura(idTanque: number, alturaMm: number, extra: Json = {}): Json {
  const litros = Math.round(litrosPorAltura(CHART, alturaMm) ?? 0);
  return {
    tipo: 'lectura_tanque',
    id_medidor: 1,
    id_tanque: idTanque,
    timestamp: new Date(h.clock.now()).toISOString(),
    altura_producto_mm: alturaMm,
    altura_agua_mm: 5,
    temperatura_c: 18,
    litros,
    litros_15c: litros,
    ...extra,
  };
}

async function withDemoTanks(refused: string[] = []): Promise<void> {
  const metrics: HubMetrics = {
    message() {},
    badLine() {},
    connections() {},
    registrationRefused: (codigo) => void refused.push(codigo),
  };
  h = await createHarness({ pumpToken: undefined }, {}, () => metrics);
  for (const t of TANQUES_DEMO) await h.tanks.create(t);
}

async function gauge(id = 1, extra: Json = {}): Promise<TestPump> {
  const g = h.connect();
  g.send(registroMedidor(id, extra));
  await g.next('medidor_confirmado');
  return g;
}

/** Sends a reading and waits until the station has handled it (a heartbeat-free round trip: a bad line after it). */
async function roundTrip(g: TestPump): Promise<void> {
  g.send('{"tipo":"nada"}');
  await g.next('error');
}

describe('gauges on the pump port', () => {
  it('registers a gauge, stores its readings and makes the last one live state', async () => {
    await withDemoTanks();
    const g = await gauge();
    g.send(lectura(1, 1200));
    g.send(lectura(2, 800));
    await roundTrip(g);
    expect(g.all('error').map((e) => e.codigo)).toEqual(['TIPO_DESCONOCIDO']);
    await h.tanks.settled();
    const page = await h.store.listReadings({ id_tanque: 1, limit: 10, skip: 0 });
    expect(page.total).toBe(1);
    expect(page.items[0]).toMatchObject({
      id_medidor: 1,
      altura_producto_mm: 1200,
      observaciones: [],
      conservar: true,
    });
    expect(h.tanks.get(2)?.ultima_lectura).toMatchObject({ altura_producto_mm: 800 });
  });

  it('refuses readings for unknown tanks and impossible heights with an error, storing nothing, and keeps the connection', async () => {
    await withDemoTanks();
    const g = await gauge(1, { tanques: [1, 2, 9] });
    g.send(lectura(9, 1000));
    g.send(lectura(3, 1000));
    g.send(lectura(1, 2600));
    g.send(lectura(1, 100, { altura_agua_mm: 200 }));
    g.send(lectura(1, 1000, { litros: 25_000 }));
    await roundTrip(g);
    expect(g.all('error').map((e) => e.codigo)).toEqual([
      'TANQUE_DESCONOCIDO',
      'TANQUE_DESCONOCIDO',
      'LECTURA_IMPLAUSIBLE',
      'LECTURA_IMPLAUSIBLE',
      'TIPO_DESCONOCIDO',
    ]);
    expect(g.closed).toBe(false);
    await h.tanks.settled();
    const stored = await h.store.listReadings({ id_tanque: 1, limit: 10, skip: 0 });
    // Litres far from the chart: kept, with its observation.
    expect(stored.items.map((l) => l.observaciones[0]?.split(':')[0])).toEqual(['LITROS_INCONSISTENTES']);
  });

  it('keeps pumps and gauges apart: order, ids and message kinds', async () => {
    await withDemoTanks();
    const early = h.connect();
    early.send(lectura(1, 1000));
    expect((await early.next('error')).codigo).toBe('NO_REGISTRADO');
    const pump = await h.register(7);
    pump.send(registroMedidor(1));
    expect((await pump.next('error')).codigo).toBe('ID_NO_COINCIDE');
    const g = await gauge();
    g.send(lectura(1, 1000, { id_medidor: 2 }));
    g.send(venta(7));
    g.send(registro(8));
    await roundTrip(g);
    expect(g.all('error').map((e) => e.codigo)).toEqual([
      'ID_NO_COINCIDE',
      'ID_NO_COINCIDE',
      'ID_NO_COINCIDE',
      'TIPO_DESCONOCIDO',
    ]);
    expect(await h.store.listTransactions({ limit: 10, skip: 0 })).toMatchObject({ total: 0 });
  });

  it('needs the shared pump token when one is set', async () => {
    const refused: string[] = [];
    const metrics: HubMetrics = {
      message() {},
      badLine() {},
      connections() {},
      registrationRefused: (c) => void refused.push(c),
    };
    h = await createHarness({ pumpToken: 'secreto-de-la-playa' }, {}, () => metrics);
    const bad = h.connect();
    bad.send(registroMedidor(1));
    expect((await bad.next('registro_rechazado')).codigo).toBe('AUTENTICACION_FALLIDA');
    await bad.whenClosed;
    expect(refused).toEqual(['AUTENTICACION_FALLIDA']);
    const good = h.connect();
    good.send(registroMedidor(1, { token: 'secreto-de-la-playa' }));
    await good.next('medidor_confirmado');
  });

  it('refuses a new gauge past --max-medidores, and lets a known one come back', async () => {
    const refused: string[] = [];
    await withDemoTanks(refused);
    const limit = 64;
    for (let id = 1; id <= limit; id++) await gauge(id);
    const extra = h.connect();
    extra.send(registroMedidor(limit + 1));
    const answer = await extra.next('registro_rechazado');
    expect(answer.codigo).toBe('LIMITE_EXCEDIDO');
    expect(refused).toEqual(['LIMITE_EXCEDIDO']);
    // Gauge 1 again: its old connection is replaced.
    await gauge(1);
  });
});

describe('live state and retention', () => {
  it('sends the tanque event at most once a second per tank, the newest reading last', async () => {
    await withDemoTanks();
    const eventos: { id: number; mm: number | undefined }[] = [];
    h.bus.on('tanque', (t) => eventos.push({ id: t.id_tanque, mm: t.ultima_lectura?.altura_producto_mm }));
    const g = await gauge();
    for (const mm of [1000, 1001, 1002]) g.send(lectura(1, mm));
    g.send(lectura(2, 500));
    await roundTrip(g);
    expect(eventos).toEqual([
      { id: 1, mm: 1000 },
      { id: 2, mm: 500 },
    ]);
    h.clock.advance(999);
    expect(eventos).toHaveLength(2);
    h.clock.advance(1);
    expect(eventos.at(-1)).toEqual({ id: 1, mm: 1002 });
    expect(eventos).toHaveLength(3);
  });

  it('marks the first reading of each tank in each hour to be kept past --lecturas-dias, and prunes the rest', async () => {
    await withDemoTanks();
    const g = await gauge();
    g.send(lectura(1, 1000));
    g.send(lectura(1, 1001));
    g.send(lectura(2, 1000));
    await roundTrip(g);
    // An hour later (the silent gauge was closed meanwhile: it comes back).
    h.clock.advance(3_600_000);
    const again = await gauge();
    again.send(lectura(1, 1002));
    await roundTrip(again);
    await h.tanks.settled();
    const marks = async (id: number) =>
      (await h.store.listReadings({ id_tanque: id, limit: 10, skip: 0 })).items.map(
        (l) => `${l.altura_producto_mm}:${l.conservar}`,
      );
    expect(await marks(1)).toEqual(['1002:true', '1001:false', '1000:true']);
    expect(await marks(2)).toEqual(['1000:true']);
    // 36 days later the hourly pruning (--lecturas-dias 35) takes the raw ones; the marked ones stay.
    h.clock.sleep(36 * 86_400_000);
    await expect.poll(() => marks(1)).toEqual(['1002:true', '1000:true']);
    expect(await h.tanks.prune()).toBe(0);
  });
});

describe('across a restart', () => {
  it("keeps the tanks, each one's last reading and which hour was already kept", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tanques-'));
    try {
      h = await createHarness({}, {}, undefined, new SqliteStore({ dataDir: dir }));
      for (const t of TANQUES_DEMO) await h.tanks.create(t);
      const g = await gauge();
      g.send(lectura(1, 1234));
      await roundTrip(g);
      await h.close();
      h = await createHarness({}, {}, undefined, new SqliteStore({ dataDir: dir }));
      expect(h.tanks.all().map((t) => t.id_tanque)).toEqual([1, 2, 3, 4]);
      expect(h.tanks.get(1)?.ultima_lectura).toMatchObject({ altura_producto_mm: 1234, conservar: true });
      const again = await gauge();
      again.send(lectura(1, 1235));
      await roundTrip(again);
      await h.tanks.settled();
      const items = (await h.store.listReadings({ id_tanque: 1, limit: 10, skip: 0 })).items;
      expect(items.map((l) => l.conservar)).toEqual([false, true]);
    } finally {
      await h.close();
      h = await createHarness();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('deliveries and alerts from the readings', () => {
  it('detects a delivery while a pump sells from the tank, stores it and announces it', async () => {
    await withDemoTanks();
    const descargas: Descarga[] = [];
    h.bus.on('descarga', (d) => descargas.push(d));
    const g = await gauge();
    let litros = 12_000;
    // 20 min of sales, a 10 000 L delivery over 15 min, then 20 min more: a reading every 10 s.
    for (let step = 0; step < 330; step++) {
      litros -= 3;
      if (step >= 120 && step < 210) litros += 10_000 / 90;
      g.send(lectura(1, alturaDe(litros)));
      h.clock.advance(10_000);
      if (step % 50 === 0) await roundTrip(g);
    }
    await roundTrip(g);
    await h.tanks.settled();
    expect(descargas).toHaveLength(1);
    const [d] = descargas;
    expect(d?.id_tanque).toBe(1);
    expect(Math.abs((d?.litros ?? 0) - 10_000)).toBeLessThan(400);
    expect(await h.store.listDeliveries({ limit: 10, skip: 0 })).toMatchObject({ total: 1 });
  });

  it('raises low level and a silent probe as alerts, resolved by the next good reading', async () => {
    await withDemoTanks();
    const g = await gauge();
    for (let i = 0; i < 5; i++) {
      g.send(lectura(1, alturaDe(2000)));
      h.clock.advance(10_000);
    }
    await roundTrip(g);
    await h.service.settled();
    const open = async () => (await h.store.listAlerts({ abiertas: true, limit: 10 })).map((a) => a.codigo).sort();
    expect(await open()).toEqual(['TANQUE_NIVEL_BAJO']);
    // Silent for more than 5 intervals: the watch reports it on its next look.
    h.clock.advance(60_000);
    await h.service.settled();
    expect(await open()).toEqual(['TANQUE_NIVEL_BAJO', 'TANQUE_SIN_LECTURAS']);
    g.send(lectura(1, alturaDe(2000)));
    await roundTrip(g);
    await h.service.settled();
    expect(await open()).toEqual(['TANQUE_NIVEL_BAJO']);
  });

  it("counts a pump's sales against the tank of its fuel", async () => {
    await withDemoTanks();
    const pump = await h.register(3);
    expect(h.tanks.tankOf(3, '95')).toBe(2);
    pump.send(venta(3, { id_transaccion: 'V-1', litros: 40, monto_total: 54_000 }));
    await pump.next('transaccion_confirmada');
    await h.service.settled();
    expect(h.tanks.salesRate(2)).toBeGreaterThan(0);
    expect(h.tanks.salesRate(1)).toBe(0);
  });
});
