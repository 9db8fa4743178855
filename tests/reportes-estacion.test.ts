/**
 * Issue 15, the station side of reports upstream, against a real `estacion` process and a fake
 * company on real sockets: a week of stored sales (20,000, seeded into the store) catches up in
 * order, rate-limited, while a price update sent mid-stream is applied and acknowledged; a cut
 * mid-stream resumes with no gap (repeats only after the cursor); a kill -9 mid-stream resumes
 * from the durable cursor. Only events are awaited; timeouts only guard against a hang.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../estacion/src/store/sqlite-store.js';
import { unaTransaccion } from '../estacion/src/store/test-builders.js';
import { type Json, LineClient } from './helpers/line-client.js';
import { removeTempDirs, type StationProcess, startStationProcess, tempDir } from './helpers/processes.js';

const procs: StationProcess[] = [];
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop('SIGKILL')));
});
afterAll(removeTempDirs);

const SALES = 20_000;
const VENTANA = 400;
/** The fake company acknowledges every this many reports (and the last one). */
const ACK_EVERY = 50;

async function seededDataDir(): Promise<string> {
  const dataDir = tempDir('estacion-reportes-');
  const store = new SqliteStore({ dataDir });
  await store.setup();
  const week = Date.parse('2026-01-08T00:00:00Z');
  for (let from = 0; from < SALES; from += 5000) {
    const batch = Array.from({ length: 5000 }, (_, i) => {
      const n = from + i;
      const fin = new Date(week + n * 30_000).toISOString();
      return unaTransaccion({ id_transaccion: `S-${n + 1}`, id_surtidor: 1 + (n % 8), fecha_fin: fin, recibida: fin });
    });
    await store.insertTransactions(batch, from + 1);
  }
  await store.close();
  return dataDir;
}

/** A company connection that subscribes and acknowledges as it reads; remembers what it got. */
class FakeCompany {
  readonly seqs: number[] = [];
  readonly otros: Json[] = [];
  lastAck = 0;
  /** The highest ack known durable: the station sent past it + the window (it freed the window). */
  ackDurable = 0;
  private readonly acks: number[] = [];
  private constructor(
    readonly c: LineClient,
    readonly info: Json,
  ) {}

  static async connect(port: number): Promise<FakeCompany> {
    const c = await LineClient.connect(port);
    const info = await c.next('estacion_info');
    c.send({ tipo: 'suscripcion_reportes', ventana: VENTANA });
    return new FakeCompany(c, info);
  }

  /** Reads until `done()`, acknowledging every ACK_EVERY reports and the last sale. */
  async readUntil(done: () => boolean): Promise<void> {
    while (!done()) {
      const m = await this.c.next(() => true, 30_000);
      if (m.tipo !== 'reporte') {
        this.otros.push(m);
        continue;
      }
      const seq = m.seq as number;
      expect(m.clase).toBe('venta');
      expect((m.datos as Json).id_transaccion).toBe(`S-${seq}`);
      this.seqs.push(seq);
      for (const a of this.acks) if (seq > a + VENTANA) this.ackDurable = Math.max(this.ackDurable, a);
      if (seq % ACK_EVERY === 0 || seq === SALES) {
        this.c.send({ tipo: 'reportes_recibidos', hasta_seq: seq });
        this.lastAck = seq;
        this.acks.push(seq);
      }
    }
  }

  get last(): number {
    return this.seqs.at(-1) ?? 0;
  }
}

/** Strictly increasing, each one after the previous. */
const inOrder = (seqs: number[]) => seqs.every((s, i) => i === 0 || s > (seqs[i - 1] as number));

describe('reports upstream from a real station', () => {
  it(
    'a week of sales catches up in order, rate-limited, with a price update acked mid-stream; cut and kill -9 resume with no gap',
    { timeout: 180_000 },
    async () => {
      const dataDir = await seededDataDir();
      const flags = { 'reportes-por-seg': '8000', 'reportes-ventana-max': String(VENTANA) };
      const station = await startStationProcess({ dataDir, flags });
      procs.push(station);

      // 1. Catch-up starts from 1; a price update mid-stream is applied and acknowledged.
      const first = await FakeCompany.connect(station.companyPort);
      expect(first.info).toMatchObject({ ultimo_seq: SALES });
      await first.readUntil(() => first.last >= 3000);
      first.c.send({
        tipo: 'actualizacion_precios',
        version: 2,
        precios: { precio_93: 1300, precio_95: 1360, precio_97: 1410, precio_diesel: 1130 },
        timestamp: '2026-01-15T14:00:00Z',
      });
      await first.readUntil(() => first.otros.some((m) => m.tipo === 'precios_recibidos'));
      expect(first.otros.find((m) => m.tipo === 'precios_recibidos')).toEqual({
        tipo: 'precios_recibidos',
        version: 2,
      });
      // Acknowledged while the backlog was streaming, well before its end.
      expect(first.last).toBeLessThan(SALES);
      await first.readUntil(() => first.last >= 8000 + 17);
      expect(first.seqs).toEqual(Array.from({ length: first.seqs.length }, (_, i) => i + 1));

      // 2. Cut mid-stream (the last reports unacknowledged): the next connection repeats only
      // what came after the cursor, and leaves no gap.
      first.c.socket.destroy();
      const second = await FakeCompany.connect(station.companyPort);
      await second.readUntil(() => second.seqs.length > 0);
      const resumed = second.seqs[0] as number;
      expect(resumed).toBeGreaterThan(first.ackDurable);
      expect(resumed).toBeLessThanOrEqual(first.lastAck + 1);
      await second.readUntil(() => second.last >= 14_000);
      expect(inOrder(second.seqs)).toBe(true);
      expect(second.seqs).toEqual(Array.from({ length: second.seqs.length }, (_, i) => i + resumed));

      // 3. kill -9 mid-stream: a new process resumes from the durable cursor.
      expect(await station.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
      const again = await startStationProcess({
        dataDir,
        // A lower rate: its burst (a tenth of a second's worth, 100) is below the window, so the
        // stream must wait on the rate.
        flags: { ...flags, 'company-port': String(station.companyPort), 'reportes-por-seg': '1000' },
      });
      procs.push(again);
      const third = await FakeCompany.connect(again.companyPort);
      expect(third.info).toMatchObject({ ultimo_seq: SALES, version_precios: 2 });
      await third.readUntil(() => third.seqs.length > 0);
      const restarted = third.seqs[0] as number;
      expect(restarted).toBeGreaterThan(second.ackDurable);
      expect(restarted).toBeLessThanOrEqual(second.lastAck + 1);
      await third.readUntil(() => third.last >= SALES);
      expect(third.seqs).toEqual(Array.from({ length: third.seqs.length }, (_, i) => i + restarted));
      await third.c.next(() => true, 500).catch(() => undefined);

      // Every sale arrived, in order on each connection, nothing after the last.
      const all = new Set([...first.seqs, ...second.seqs, ...third.seqs]);
      expect(all.size).toBe(SALES);
      const metrics = await (await again.fetch('/metrics')).text();
      const waits = /^estacion_reportes_esperas_limite_total (\d+)/m.exec(metrics);
      expect(Number(waits?.[1])).toBeGreaterThan(0);
      expect(metrics).toMatch(/^estacion_reportes_pendientes 0$/m);
      third.c.socket.destroy();
    },
  );

  it('sends nothing to an old company that never subscribes', { timeout: 60_000 }, async () => {
    const dataDir = tempDir('estacion-reportes-viejo-');
    const store = new SqliteStore({ dataDir });
    await store.setup();
    await store.insertTransactions([unaTransaccion({ id_transaccion: 'S-1' })], 1);
    await store.close();
    const station = await startStationProcess({ dataDir });
    procs.push(station);
    const c = await LineClient.connect(station.companyPort);
    expect(await c.next('estacion_info')).toMatchObject({ ultimo_seq: 1 });
    // An old company only pings and sends prices.
    c.send({ tipo: 'ping' });
    await c.next('pong');
    c.send({
      tipo: 'actualizacion_precios',
      version: 1,
      precios: { precio_93: 1300, precio_95: 1360, precio_97: 1410, precio_diesel: 1130 },
      timestamp: '2026-01-15T14:00:00Z',
    });
    await c.next('precios_recibidos');
    c.send({ tipo: 'ping' });
    await c.next('pong');
    expect(c.received.filter((m) => m.tipo === 'reporte')).toEqual([]);
    c.socket.destroy();
  });
});
