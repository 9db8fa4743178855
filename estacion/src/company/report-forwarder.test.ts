/**
 * (ext, issue 15) Reports upstream on the company link, on a fake clock: the window, the rate, the
 * acknowledgement rules, resuming from the durable cursor, socket backpressure, and a company that
 * never subscribes.
 */
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventoAuditoria } from '@combustible/server';
import type { AuditSink } from '../app/audit-sink.js';
import { createHarness, duplexPair, type Harness, type Json, TestPump } from '../hub/test-harness.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { unaTransaccion } from '../store/test-builders.js';
import { CompanyLink, type CompanyLinkOptions } from './company-link.js';
import type { ReportMetrics } from './report-forwarder.js';

let h: Harness;
let link: CompanyLink;
const audited: EventoAuditoria[] = [];
const counts = { sent: 0, acked: 0, waits: 0 };
const metrics: ReportMetrics = {
  reportSent: () => counts.sent++,
  reportsAcked: (n) => (counts.acked += n),
  reportRateLimited: () => counts.waits++,
};

/** A station whose store holds `sales` sales (journal positions 1…sales) before it starts. */
async function setup(sales: number, options: Partial<CompanyLinkOptions> = {}) {
  const store = new SqliteStore({ dataDir: ':memory:' });
  await store.setup();
  const batch = Array.from({ length: sales }, (_, i) => unaTransaccion({ id_transaccion: `V-${i + 1}` }));
  if (sales > 0) await store.insertTransactions(batch, 1);
  h = await createHarness({}, {}, undefined, store);
  audited.length = 0;
  Object.assign(counts, { sent: 0, acked: 0, waits: 0 });
  const audit: AuditSink = { record: (e) => audited.push(e) };
  link = new CompanyLink({
    service: h.service,
    estacion: { id: 'est-7', nombre: 'Estación Siete' },
    log: h.log,
    clock: h.clock,
    audit,
    reportMetrics: metrics,
    options: { reportesPorSeg: 100_000, ...options },
  });
}

function company(stream?: [Duplex, Duplex]): TestPump {
  const [server, client] = stream ?? duplexPair();
  link.handle(server, '10.0.0.1');
  return new TestPump(client);
}

afterEach(async () => {
  await link.close();
  await h.close();
});

/** Lets the store reads and the sends they start run (SQLite answers within the same turn). */
const settle = () => new Promise<void>((r) => setImmediate(r));
const seqs = (c: TestPump) => c.all('reporte').map((m) => m.seq);

async function untilReports(c: TestPump, n: number): Promise<void> {
  while (c.all('reporte').length < n) await c.next('reporte').then(() => settle());
}

describe('reports upstream: station side', () => {
  it('announces ultimo_seq and sends nothing to a company that never subscribes', async () => {
    await setup(5);
    const c = company();
    expect(await c.next('estacion_info')).toMatchObject({ ultimo_seq: 5 });
    c.send({ tipo: 'ping' });
    await c.next('pong');
    h.clock.advance(60_000);
    await settle();
    expect(c.all('reporte')).toEqual([]);
    expect(counts.sent).toBe(0);
  });

  it('sends from the cursor in seq order, at most the window unacknowledged, more as acks come', async () => {
    await setup(10);
    const c = company();
    c.send({ tipo: 'suscripcion_reportes', ventana: 3 });
    await untilReports(c, 3);
    await settle();
    expect(seqs(c)).toEqual([1, 2, 3]);
    expect(c.all('reporte')[0]).toMatchObject({ tipo: 'reporte', clase: 'venta', datos: { id_transaccion: 'V-1' } });
    c.send({ tipo: 'reportes_recibidos', hasta_seq: 2 });
    await untilReports(c, 5);
    await settle();
    expect(seqs(c)).toEqual([1, 2, 3, 4, 5]);
    expect(await h.store.reportCursor()).toBe(2);
    expect(counts).toMatchObject({ sent: 5, acked: 2 });
  });

  it('caps the window at --reportes-ventana-max whatever the company asks', async () => {
    await setup(10, { reportesVentanaMax: 2 });
    const c = company();
    c.send({ tipo: 'suscripcion_reportes', ventana: 1000 });
    await untilReports(c, 2);
    await settle();
    expect(seqs(c)).toEqual([1, 2]);
  });

  it('sends at most --reportes-por-seg: the rest waits for the clock', async () => {
    await setup(30, { reportesPorSeg: 10 });
    const c = company();
    c.send({ tipo: 'suscripcion_reportes', ventana: 100 });
    // A burst of one tenth of a second's worth (1), then one every 100 ms.
    await untilReports(c, 1);
    await settle();
    expect(seqs(c)).toEqual([1]);
    expect(counts.waits).toBe(1);
    h.clock.advance(100);
    await settle();
    expect(seqs(c)).toEqual([1, 2]);
    h.clock.advance(1000);
    await settle();
    expect(seqs(c)).toHaveLength(12);
    expect(seqs(c)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('refuses an ack past what was sent: error, audited, the cursor stays', async () => {
    await setup(10);
    const c = company();
    c.send({ tipo: 'suscripcion_reportes', ventana: 3 });
    await untilReports(c, 3);
    c.send({ tipo: 'reportes_recibidos', hasta_seq: 2 });
    await untilReports(c, 5);
    c.send({ tipo: 'reportes_recibidos', hasta_seq: 9 });
    expect(await c.next('error')).toMatchObject({ codigo: 'MENSAJE_INVALIDO' });
    expect(await h.store.reportCursor()).toBe(2);
    expect(h.service.journal.cursor).toBe(2);
    expect(audited).toEqual([
      expect.objectContaining({
        accion: 'reportes.acusar',
        resultado: 'denegado',
        detalles: expect.objectContaining({ hasta_seq: 9, enviado: 5, cursor: 2 }) as Json,
      }),
    ]);
    // An ack below the cursor changes nothing and is no error.
    c.send({ tipo: 'reportes_recibidos', hasta_seq: 1 });
    c.send({ tipo: 'ping' });
    await c.next('pong');
    await settle();
    expect(c.all('error')).toHaveLength(1);
    expect(await h.store.reportCursor()).toBe(2);
  });

  it('resumes on a new connection from the durable cursor: repeats only after it', async () => {
    await setup(6);
    const first = company();
    first.send({ tipo: 'suscripcion_reportes', ventana: 4 });
    await untilReports(first, 4);
    first.send({ tipo: 'reportes_recibidos', hasta_seq: 3 });
    await untilReports(first, 6);
    first.stream.destroy();
    await settle();
    const second = company();
    expect(await second.next('estacion_info')).toMatchObject({ ultimo_seq: 6 });
    second.send({ tipo: 'suscripcion_reportes', ventana: 10 });
    await untilReports(second, 3);
    await settle();
    expect(seqs(second)).toEqual([4, 5, 6]);
  });

  it('forwards what is stored while subscribed: a new sale, a warning alert, a pump registering', async () => {
    await setup(0);
    const c = company();
    expect(await c.next('estacion_info')).toMatchObject({ ultimo_seq: 0 });
    c.send({ tipo: 'suscripcion_reportes', ventana: 100 });
    await settle();
    const pump = await h.register(3);
    pump.send({
      tipo: 'transaccion_completada',
      id_surtidor: 3,
      id_transaccion: 'N-1',
      tipo_combustible: '93',
      litros: 10,
      precio_por_litro: 1000,
      monto_total: 10_000,
      metodo_pago: 'efectivo',
      fecha_inicio: '2026-01-15T13:59:00Z',
      fecha_fin: '2026-01-15T14:00:00Z',
      estado: 'completada',
    });
    await pump.next('transaccion_confirmada');
    h.service.raiseAlert({
      codigo: 'SURTIDOR_SIN_RESPUESTA',
      clave: 'X',
      mensaje: 'prueba',
      severidad: 'advertencia',
      id_surtidor: 3,
    });
    // Below --reportar-alertas (advertencia by default): not forwarded.
    h.service.raiseAlert({
      codigo: 'SURTIDOR_SIN_RESPUESTA',
      clave: 'Y',
      mensaje: 'info',
      severidad: 'info',
      id_surtidor: 3,
    });
    await h.service.settled();
    await untilReports(c, 3);
    await settle();
    const clases = c.all('reporte').map((m) => m.clase);
    expect(clases.sort()).toEqual(['alerta', 'surtidor', 'venta']);
    expect(seqs(c)).toEqual([...seqs(c)].sort((a, b) => (a as number) - (b as number)));
    expect(c.all('reporte').find((m) => m.clase === 'surtidor')).toMatchObject({
      datos: { id_surtidor: 3, conectado: true },
    });
    expect(c.all('reporte').find((m) => m.clase === 'alerta')).toMatchObject({ datos: { severidad: 'advertencia' } });
  });

  it('stops at a full socket buffer and waits for drain: a price ack is not queued behind the backlog', async () => {
    await setup(3000);
    // The company's end of the station's writes completes them only while not held (a peer that
    // stops reading, then reads again).
    let holding = false;
    const held: (() => void)[] = [];
    let peer!: Duplex;
    const station: Duplex = new Duplex({
      read() {},
      write(chunk: Buffer, _e, cb) {
        peer.push(chunk);
        if (holding) held.push(cb);
        else cb();
      },
    });
    peer = new Duplex({
      read() {},
      write(chunk: Buffer, _e, cb) {
        station.push(chunk);
        cb();
      },
    });
    const c = company([station, peer]);
    await c.next('estacion_info');
    holding = true;
    c.send({ tipo: 'suscripcion_reportes', ventana: 1000 });
    while (!station.writableNeedDrain) await settle();
    await settle();
    // The forwarder stopped once the buffer passed its high-water mark, far below the window.
    const stalled = counts.sent;
    expect(stalled).toBeLessThan(1000);
    expect(station.writableLength).toBeLessThan(station.writableHighWaterMark + 2048);
    c.send({
      tipo: 'actualizacion_precios',
      version: 2,
      precios: { precio_93: 1300, precio_95: 1360, precio_97: 1410, precio_diesel: 1130 },
      timestamp: '2026-01-15T14:00:00Z',
    });
    const queued = station.writableLength;
    while (station.writableLength === queued) await settle();
    expect(counts.sent).toBe(stalled);
    holding = false;
    for (const cb of held.splice(0)) cb();
    await c.next('precios_recibidos');
    // The ack came right behind what was queued, not behind the window's thousand reports.
    const at = c.received.findIndex((m) => m.tipo === 'precios_recibidos');
    expect(c.received.slice(0, at).filter((m) => m.tipo === 'reporte')).toHaveLength(stalled);
    expect(h.service.prices.current.version).toBe(2);
    station.destroy();
    peer.destroy();
  });
});
