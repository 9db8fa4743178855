/**
 * (issue 15) The company side of reports upstream on one link, against a fake station over real
 * TCP, with the real intake (group commit) and a real SQLite store in memory: subscription, ack
 * only after the durable write, contiguity, rejected reports still acknowledged, repeats and
 * conflicts, the window, a failed write.
 */
import { createLogger, type Reporte, type StationToCompany, systemClock } from '@combustible/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { CompanyBus } from '../app/events.js';
import { ReportIngest } from '../app/report-ingest.js';
import { versionInicial } from '../domain/price-book.js';
import type { ReporteEntrante } from '../domain/reports.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { unaVentaReportada } from '../store/test-builders.js';
import { StationLink } from './station-link.js';
import { FakeStation } from './test-harness.js';

const log = createLogger({ name: 'test', level: 'silent' });
const cleanup: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A store in memory whose report writes can be held (gate) or made to fail. */
async function gatedStore() {
  const store = new SqliteStore({ dataDir: ':memory:' });
  await store.setup();
  cleanup.push(() => store.close());
  let gate: Promise<void> | null = null;
  let fail: Error | null = null;
  const calls: ReporteEntrante[][] = [];
  const waiters: (() => void)[] = [];
  const save = store.saveReports.bind(store);
  store.saveReports = async (lote, opciones) => {
    calls.push([...lote]);
    for (const w of waiters.splice(0)) w();
    if (gate) await gate;
    if (fail) throw fail;
    return save(lote, opciones);
  };
  return {
    store,
    calls,
    /** Holds every write until the function returned is called. */
    hold(): () => void {
      let open!: () => void;
      gate = new Promise((r) => {
        open = r;
      });
      return () => {
        gate = null;
        open();
      };
    },
    failWith(err: Error | null) {
      fail = err;
    },
    /** Resolves at the next write that starts. */
    nextWrite(): Promise<void> {
      return new Promise((r) => waiters.push(r));
    },
  };
}

async function setup(o: { ultimoSeq?: number; ventana?: number; maxPendientes?: number } = {}) {
  const s = await FakeStation.start({
    id: 'e1',
    version: 1,
    ...(o.ultimoSeq === undefined ? {} : { ultimoSeq: o.ultimoSeq }),
  });
  cleanup.push(() => s.close());
  const g = await gatedStore();
  const ingest = new ReportIngest(g.store, new CompanyBus(), systemClock, log, {
    maxPendientes: o.maxPendientes ?? 1000,
    maxApartados: 100,
  });
  const newest = versionInicial('2026-01-15T14:30:00.000Z');
  const l = new StationLink({
    id: 'e1',
    host: '127.0.0.1',
    puerto: s.port,
    newest: () => newest,
    empresa: { nombre: 'Empresa de prueba' },
    log,
    reportes: ingest,
    options: {
      reportesVentana: o.ventana ?? 50,
      pingIntervalMs: 60_000,
      pingTimeoutMs: 60_000,
      handshakeTimeoutMs: 2000,
      backoff: { baseMs: 20, maxMs: 50 },
    },
  });
  // As the link manager does once the registry work of the handshake is done.
  l.on('info', () => l.subscribeReports());
  cleanup.push(() => l.close());
  l.start();
  return { s, l, ingest, ...g };
}

const venta = (seq: number, datos: Record<string, unknown> = unaVentaReportada()): Reporte => ({
  tipo: 'reporte',
  seq,
  clase: 'venta',
  datos,
});

/** Station side: sends a ping and waits for the company's pong (everything sent before is processed). */
async function roundTrip(s: FakeStation): Promise<void> {
  const pong = new Promise<void>((resolve) => {
    const sockets = [...s.sockets];
    const onData = (chunk: Buffer) => {
      if (chunk.toString().includes('"pong"')) {
        for (const k of sockets) k.off('data', onData);
        resolve();
      }
    };
    for (const k of sockets) k.on('data', onData);
  });
  s.write({ tipo: 'ping' });
  await pong;
}

/** Everything the company wrote to the station of a tipo, in order (the fake records them). */
const acks = (s: FakeStation) => s.of('reportes_recibidos').map((m) => m.hasta_seq);

describe('StationLink reports upstream', () => {
  it('subscribes with its window only a station that tells ultimo_seq', async () => {
    const con = await setup({ ultimoSeq: 12, ventana: 30 });
    expect(await con.s.next((m) => m.tipo === 'suscripcion_reportes')).toEqual({
      tipo: 'suscripcion_reportes',
      ventana: 30,
    });
    expect(con.l.ultimoSeqEstacion).toBe(12);

    const sin = await setup({});
    await new Promise((r) => sin.l.once('info', r));
    await roundTrip(sin.s);
    expect(sin.s.of('suscripcion_reportes')).toEqual([]);
    expect(sin.l.ultimoSeqEstacion).toBeNull();
    // A reporte without a subscription is a bad line, never stored.
    sin.s.write(venta(1));
    const err = await sin.s.next((m) => m.tipo === 'error');
    expect(err).toMatchObject({ codigo: 'MENSAJE_INVALIDO' });
    expect(await sin.store.countSales({})).toBe(0);
  });

  it('acknowledges cumulatively, and only once the write is durable', async () => {
    const t = await setup({ ultimoSeq: 3 });
    await t.s.next((m) => m.tipo === 'suscripcion_reportes');
    const release = t.hold();
    const writing = t.nextWrite();
    t.s.write(`${[1, 2, 3].map((n) => JSON.stringify(venta(n))).join('\n')}\n`);
    await writing;
    await roundTrip(t.s);
    expect(acks(t.s)).toEqual([]); // written, not yet durable: nothing acknowledged
    const ack = t.s.next((m) => m.tipo === 'reportes_recibidos');
    release();
    expect(await ack).toEqual({ tipo: 'reportes_recibidos', hasta_seq: 3 });
    expect(await t.store.countSales({ id_estacion: 'e1' })).toBe(3);
    expect(await t.store.listReportStates()).toMatchObject([{ id_estacion: 'e1', ultimo_seq: 3 }]);
    // One durable write for the three, one ack for the three.
    expect(t.calls.map((c) => c.length)).toEqual([3]);
    expect(acks(t.s)).toEqual([3]);
  });

  it('takes a gap (a journal position the station does not use) and acknowledges past it', async () => {
    const t = await setup({ ultimoSeq: 9 });
    await t.s.next((m) => m.tipo === 'suscripcion_reportes');
    t.s.write(venta(5));
    t.s.write(venta(7)); // 6 is not in the station's journal
    expect(await t.s.next((m) => m.tipo === 'reportes_recibidos' && m.hasta_seq === 7)).toBeTruthy();
    expect(await t.store.countSales({})).toBe(2);
    expect(t.s.of('error')).toEqual([]);
  });

  it('drops the connection on a repeat or a step back and takes the resend from the cursor', async () => {
    const t = await setup({ ultimoSeq: 9 });
    await t.s.next((m) => m.tipo === 'suscripcion_reportes');
    t.s.write(venta(5));
    expect(await t.s.next((m) => m.tipo === 'reportes_recibidos')).toMatchObject({ hasta_seq: 5 });
    const reconnected = t.s.nextConnection();
    t.s.write(venta(5, unaVentaReportada({ id_transaccion: 'otra' }))); // the same position again
    expect(await t.s.next((m) => m.tipo === 'error')).toMatchObject({
      codigo: 'MENSAJE_INVALIDO',
      detalles: [{ campo: 'seq', problema: expect.stringContaining('mayor que 5') }],
    });
    await reconnected;
    await t.s.next((m) => m.tipo === 'suscripcion_reportes');
    // The new connection starts wherever the station's cursor is.
    t.s.write(venta(6));
    t.s.write(venta(7));
    expect(await t.s.next((m) => m.tipo === 'reportes_recibidos' && m.hasta_seq === 7)).toBeTruthy();
    expect(await t.store.countSales({})).toBe(3);
  });

  it('keeps rejected reports apart and still acknowledges them, in order with the valid ones', async () => {
    const t = await setup({ ultimoSeq: 4 });
    await t.s.next((m) => m.tipo === 'suscripcion_reportes');
    const lines: StationToCompany[] = [
      { tipo: 'reporte', seq: 1, clase: 'tanque', datos: { nivel: 3 } },
      venta(2, { id_transaccion: 'x' }),
      venta(3, unaVentaReportada({ fecha_inicio: '1999-12-31T00:00:00Z' })),
      venta(4),
    ];
    for (const m of lines) t.s.write(m);
    expect(await t.s.next((m) => m.tipo === 'reportes_recibidos' && m.hasta_seq === 4)).toBeTruthy();
    expect(await t.store.countSales({})).toBe(1);
    const apartados = await t.store.listSetAside('e1', 10);
    expect(apartados.map((a) => [a.seq, a.clase, a.codigo])).toEqual([
      [3, 'venta', 'DATOS_IMPLAUSIBLES'],
      [2, 'venta', 'DATOS_INVALIDOS'],
      [1, 'tanque', 'CLASE_DESCONOCIDA'],
    ]);
    expect(t.s.of('error')).toEqual([]); // not a wire error: the report was taken
  });

  it('stores a resent sale once and keeps one with other content under the same id as a conflict', async () => {
    const t = await setup({ ultimoSeq: 3 });
    await t.s.next((m) => m.tipo === 'suscripcion_reportes');
    const v = unaVentaReportada({ id_transaccion: 'misma' });
    t.s.write(venta(1, v));
    t.s.write(venta(2, { ...v }));
    t.s.write(venta(3, { ...v, litros: 20, monto_total: 25800 }));
    expect(await t.s.next((m) => m.tipo === 'reportes_recibidos' && m.hasta_seq === 3)).toBeTruthy();
    expect(await t.store.listSales({}, { limit: 10, skip: 0 })).toMatchObject([{ seq: 1, litros: v.litros }]);
    expect(await t.store.listSetAside('e1', 10)).toMatchObject([{ tipo: 'conflicto', seq: 3, datos: { litros: 20 } }]);
    expect(await t.store.listReportStates()).toEqual([
      { id_estacion: 'e1', ultimo_seq: 3, rechazados: 0, conflictos: 1 },
    ]);
  });

  it('drops a station that sends more than its window unacknowledged', async () => {
    const t = await setup({ ultimoSeq: 5, ventana: 2 });
    await t.s.next((m) => m.tipo === 'suscripcion_reportes');
    const release = t.hold();
    const writing = t.nextWrite();
    t.s.write(`${[1, 2, 3].map((n) => JSON.stringify(venta(n))).join('\n')}\n`);
    expect(await t.s.next((m) => m.tipo === 'error')).toMatchObject({ codigo: 'LIMITE_EXCEDIDO' });
    await writing;
    release();
    await t.ingest.flushed();
    // The two within the window are stored; nothing is acknowledged on the dropped connection.
    expect(await t.store.countSales({})).toBe(2);
    expect(acks(t.s)).toEqual([]);
  });

  it('acknowledges nothing when the write fails, answers ERROR_INTERNO and drops the connection', async () => {
    const t = await setup({ ultimoSeq: 1 });
    await t.s.next((m) => m.tipo === 'suscripcion_reportes');
    t.failWith(new Error('disco lleno'));
    const reconnected = t.s.nextConnection();
    t.s.write(venta(1));
    expect(await t.s.next((m) => m.tipo === 'error')).toMatchObject({ codigo: 'ERROR_INTERNO' });
    await reconnected;
    t.failWith(null);
    await t.s.next((m) => m.tipo === 'suscripcion_reportes');
    t.s.write(venta(1));
    expect(await t.s.next((m) => m.tipo === 'reportes_recibidos')).toMatchObject({ hasta_seq: 1 });
    expect(acks(t.s)).toEqual([1]);
  });

  it('stops reading while the intake is full and reads again once it drains', async () => {
    const t = await setup({ ultimoSeq: 3, maxPendientes: 2 });
    await t.s.next((m) => m.tipo === 'suscripcion_reportes');
    const release = t.hold();
    const writing = t.nextWrite();
    const paused = new Promise<void>((resolve) => {
      const whenDrained = t.ingest.whenDrained.bind(t.ingest);
      t.ingest.whenDrained = (resume) => {
        whenDrained(resume);
        resolve();
      };
    });
    t.s.write(venta(1));
    await writing; // the first write holds one report
    t.s.write(venta(2));
    t.s.write(venta(3)); // two waiting: the intake is full, the link stops reading
    await paused;
    expect(t.ingest.pausas).toBe(1);
    expect(t.ingest.saturated).toBe(true);
    release();
    expect(await t.s.next((m) => m.tipo === 'reportes_recibidos' && m.hasta_seq === 3)).toBeTruthy();
    await roundTrip(t.s); // reading again: the ping is answered
  });
});
