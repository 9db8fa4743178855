/**
 * The CompanyStore contract: one suite, run by every adapter's test file (sqlite-store.test.ts,
 * mongo-store.test.ts). Each test gets a fresh store on empty data; the suite drives the lifecycle
 * (setup, close) and closes every store it opened (storeContractSuite in @combustible/server).
 */
import { type StoreContractHandle, type StoreContractOptions, storeContractSuite } from '@combustible/server/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CompanyStore } from './port.js';
import {
  entrante,
  unaAlertaReportada,
  unaEstacion,
  unaVentaReportada,
  unaVersion,
  unCierreReportado,
  unSurtidorReportado,
} from './test-builders.js';

/** The `lifecycle` tests beyond ping and close. */
function persistence(t: StoreContractHandle<CompanyStore>): void {
  it('keeps leases and live replicas when closed and reopened (another replica sees them)', async () => {
    await t.store.claimLeases(['a'], 'r1', 0, 6000);
    await t.store.announceReplica('r1', 0, 6000);
    const again = await t.reopen();
    expect(await again.claimLeases(['a'], 'r2', 1000, 7000)).toEqual([]);
    expect(await again.activeLeases(1000)).toStrictEqual([{ id_estacion: 'a', propietario: 'r1', vence: 6000 }]);
    expect(await again.liveReplicas(1000)).toEqual(['r1']);
  });

  it('keeps versions and stations when closed and reopened on the same data', async () => {
    const v = unaVersion({ version: 3, cambios: [{ campo: 'precio_93', anterior: null, nuevo: 1290 }] });
    const e = unaEstacion({ id_provisional: true, tls: true, version_confirmada: 3, ultimo_contacto: 'x' });
    expect(await t.store.appendPriceVersion(v)).toBe(true);
    expect(await t.store.insertStation(e)).toBe('insertada');
    const again = await t.reopen();
    expect(await again.latestPriceVersion()).toStrictEqual(v);
    expect(await again.listStations()).toStrictEqual([e]);
  });
}

export function describeStoreContract(
  name: string,
  makeStore: () => Promise<CompanyStore>,
  options: StoreContractOptions<CompanyStore>,
): void {
  const suite = { ...options, lifecycle: persistence };
  storeContractSuite(`CompanyStore contract: ${name}`, makeStore, suite, (t) => {
    let store: CompanyStore;
    beforeEach(() => {
      store = t.store;
    });

    describe('precios', () => {
      it('has no version on empty data', async () => {
        expect(await store.latestPriceVersion()).toBeNull();
        expect(await store.listPriceVersions({ limit: 10 })).toEqual([]);
      });

      it('appends versions and returns the highest as the latest, whatever the order of writes', async () => {
        for (const version of [2, 1, 5, 3]) {
          expect(await store.appendPriceVersion(unaVersion({ version }))).toBe(true);
        }
        expect((await store.latestPriceVersion())?.version).toBe(5);
        const all = await store.listPriceVersions({ limit: 10 });
        expect(all.map((v) => v.version)).toEqual([5, 3, 2, 1]);
      });

      it('refuses a version number that exists and keeps the first one', async () => {
        const first = unaVersion({ version: 2, autor: 'ana' });
        expect(await store.appendPriceVersion(first)).toBe(true);
        expect(await store.appendPriceVersion(unaVersion({ version: 2, autor: 'beto' }))).toBe(false);
        expect(await store.listPriceVersions({ limit: 10 })).toStrictEqual([first]);
      });

      it('pages the history newest first with limit and antes', async () => {
        for (let version = 1; version <= 6; version++) await store.appendPriceVersion(unaVersion({ version }));
        const page = await store.listPriceVersions({ limit: 2 });
        expect(page.map((v) => v.version)).toEqual([6, 5]);
        const next = await store.listPriceVersions({ limit: 3, antes: 5 });
        expect(next.map((v) => v.version)).toEqual([4, 3, 2]);
        expect(await store.listPriceVersions({ limit: 0 })).toEqual([]);
        expect(await store.countPriceVersions({})).toBe(6);
        expect(await store.countPriceVersions({ antes: 5 })).toBe(4);
        expect(await store.countPriceVersions({ antes: 1 })).toBe(0);
      });

      it('keeps a scheduled version and cancels it once, keeping the first time', async () => {
        const v = unaVersion({ version: 4, vigencia: '2026-01-16T08:00:00.000Z' });
        await store.appendPriceVersion(v);
        expect(await store.latestPriceVersion()).toStrictEqual(v);
        expect(await store.cancelPriceVersion(4, '2026-01-15T20:00:00.000Z')).toBe(true);
        expect(await store.cancelPriceVersion(4, '2026-01-15T21:00:00.000Z')).toBe(false);
        expect(await store.cancelPriceVersion(9, '2026-01-15T21:00:00.000Z')).toBe(false);
        expect(await store.listPriceVersions({ limit: 1 })).toStrictEqual([
          { ...v, cancelada: '2026-01-15T20:00:00.000Z' },
        ]);
      });

      it('has no price limits until they are saved, then the last ones saved', async () => {
        expect(await store.getPriceLimits()).toBeNull();
        const uno = { minimo: 600, maximo: 2500, cambio_max_pct: 15 };
        const limites = {
          limites: { precio_93: uno, precio_95: uno, precio_97: uno, precio_diesel: { ...uno, minimo: 700 } },
          actualizado: '2026-01-15T14:30:00.000Z',
          autor: 'admin',
        };
        await store.savePriceLimits(limites);
        await store.savePriceLimits({ ...limites, autor: 'otra' });
        expect(await store.getPriceLimits()).toStrictEqual({ ...limites, autor: 'otra' });
      });

      it('returns records with exactly the port fields', async () => {
        const v = unaVersion({ version: 1 });
        await store.appendPriceVersion({ ...v, extra: 'no' } as typeof v);
        expect(await store.latestPriceVersion()).toStrictEqual(v);
      });
    });

    describe('estaciones', () => {
      it('inserts, reads and lists by id', async () => {
        const b = unaEstacion({ id_estacion: 'b' });
        const a = unaEstacion({ id_estacion: 'a' });
        expect(await store.insertStation(b)).toBe('insertada');
        expect(await store.insertStation(a)).toBe('insertada');
        expect(await store.listStations()).toStrictEqual([a, b]);
        expect(await store.getStation('b')).toStrictEqual(b);
        expect(await store.getStation('nadie')).toBeNull();
      });

      it('keeps ids and addresses unique', async () => {
        await store.insertStation(unaEstacion({ id_estacion: 'a', host: 'h', puerto: 1 }));
        expect(await store.insertStation(unaEstacion({ id_estacion: 'a', host: 'h', puerto: 2 }))).toBe('id_duplicado');
        expect(await store.insertStation(unaEstacion({ id_estacion: 'b', host: 'h', puerto: 1 }))).toBe(
          'direccion_duplicada',
        );
        expect(await store.insertStation(unaEstacion({ id_estacion: 'c', host: 'otro', puerto: 1 }))).toBe('insertada');
        expect((await store.listStations()).map((e) => e.id_estacion)).toEqual(['a', 'c']);
      });

      it('replaces a station in place, also under a new id (a rename)', async () => {
        const a = unaEstacion({ id_estacion: 'h-1', host: 'h', puerto: 1, id_provisional: true });
        await store.insertStation(a);
        const renamed = { ...a, id_estacion: 'real', nombre: 'Real', id_provisional: false };
        expect(await store.replaceStation('h-1', renamed)).toBe('actualizada');
        expect(await store.getStation('h-1')).toBeNull();
        expect(await store.listStations()).toStrictEqual([renamed]);
        const moved = { ...renamed, puerto: 2 };
        expect(await store.replaceStation('real', moved)).toBe('actualizada');
        expect(await store.getStation('real')).toStrictEqual(moved);
      });

      it('refuses a replacement that clashes with another station, changing nothing', async () => {
        const a = unaEstacion({ id_estacion: 'a', host: 'h', puerto: 1 });
        const b = unaEstacion({ id_estacion: 'b', host: 'h', puerto: 2 });
        await store.insertStation(a);
        await store.insertStation(b);
        expect(await store.replaceStation('a', { ...a, id_estacion: 'b' })).toBe('id_duplicado');
        expect(await store.replaceStation('a', { ...a, puerto: 2 })).toBe('direccion_duplicada');
        expect(await store.replaceStation('zz', { ...a, id_estacion: 'zz' })).toBe('no_encontrada');
        expect(await store.listStations()).toStrictEqual([a, b]);
      });

      it('deletes by id', async () => {
        await store.insertStation(unaEstacion({ id_estacion: 'a' }));
        expect(await store.deleteStation('a')).toBe(true);
        expect(await store.deleteStation('a')).toBe(false);
        expect(await store.listStations()).toEqual([]);
      });

      it('records acknowledgements without ever lowering the version', async () => {
        await store.insertStation(unaEstacion({ id_estacion: 'a' }));
        expect(await store.recordAck('a', 3, 't1')).toBe(true);
        expect(await store.getStation('a')).toMatchObject({ version_confirmada: 3, ultimo_contacto: 't1' });
        await store.recordAck('a', 2, 't2'); // stale, out of order
        await store.recordAck('a', 3, 't3'); // repeated
        expect(await store.getStation('a')).toMatchObject({ version_confirmada: 3, ultimo_contacto: 't3' });
        await store.recordAck('a', 7, 't4');
        expect((await store.getStation('a'))?.version_confirmada).toBe(7);
        expect(await store.recordAck('nadie', 1, 't')).toBe(false);
      });

      it('records many acknowledgements in one write, each as recordAck would', async () => {
        await store.insertStation(unaEstacion({ id_estacion: 'a' }));
        await store.insertStation(unaEstacion({ id_estacion: 'b', puerto: 2 }));
        await store.recordAcks([]);
        await store.recordAcks([
          { id: 'a', version: 3, at: 't1' },
          { id: 'nadie', version: 1, at: 't1' }, // skipped
          { id: 'b', version: 5, at: 't1' },
          { id: 'a', version: 2, at: 't2' }, // stale, out of order: the time moves, the version does not
          { id: 'b', version: 6, at: 't3' },
        ]);
        expect(await store.getStation('a')).toMatchObject({ version_confirmada: 3, ultimo_contacto: 't2' });
        expect(await store.getStation('b')).toMatchObject({ version_confirmada: 6, ultimo_contacto: 't3' });
        expect(await store.getStation('nadie')).toBeNull();
      });

      it('records contact times', async () => {
        await store.insertStation(unaEstacion({ id_estacion: 'a' }));
        expect(await store.recordContact('a', '2026-01-15T15:00:00.000Z')).toBe(true);
        expect((await store.getStation('a'))?.ultimo_contacto).toBe('2026-01-15T15:00:00.000Z');
        expect(await store.recordContact('nadie', 't')).toBe(false);
      });
    });

    describe('reportes', () => {
      const opciones = { maxApartados: 100 };
      const venta = (id: string, seq: number, v = unaVentaReportada()) =>
        entrante(id, seq, { clase: 'venta', datos: v });
      const rechazado = (id: string, seq: number) =>
        entrante(id, seq, {
          clase: 'rechazado',
          clase_reportada: 'tanque',
          codigo: 'CLASE_DESCONOCIDA',
          motivo: 'clase "tanque" desconocida',
          datos: { nivel: 3 },
        });

      it('stores a sale once: a repeat is a no-op, a repeat with other content is a conflict kept apart', async () => {
        const v = unaVentaReportada({ id_transaccion: 't1' });
        expect(await store.saveReports([venta('e1', 1, v)], opciones)).toEqual(['nuevo']);
        expect(await store.saveReports([venta('e1', 1, v), venta('e1', 2, { ...v })], opciones)).toEqual([
          'duplicado',
          'duplicado',
        ]);
        const otra = { ...v, litros: 11, monto_total: 14190 };
        expect(await store.saveReports([venta('e1', 3, otra)], opciones)).toEqual(['conflicto']);
        // The same sale id at another station is another sale.
        expect(await store.saveReports([venta('e2', 1, v)], opciones)).toEqual(['nuevo']);
        expect(await store.countSales({})).toBe(2);
        expect(await store.listSales({ id_estacion: 'e1' }, { limit: 10, skip: 0 })).toStrictEqual([
          { id_estacion: 'e1', seq: 1, recibida_empresa: '2026-01-15T14:05:00.000Z', ...v },
        ]);
        const [apartado] = await store.listSetAside('e1', 10);
        expect(apartado).toMatchObject({ tipo: 'conflicto', clase: 'venta', seq: 3, codigo: null, datos: otra });
        expect(await store.listReportStates()).toStrictEqual([
          { id_estacion: 'e1', ultimo_seq: 3, rechazados: 0, conflictos: 1 },
          { id_estacion: 'e2', ultimo_seq: 1, rechazados: 0, conflictos: 0 },
        ]);
      });

      it('lists sales newest first with filters and paging, counts and iterates them in the same order', async () => {
        const at = (min: number) => `2026-01-15T14:${String(min).padStart(2, '0')}:00.000Z`;
        const lote = [
          venta('e1', 1, unaVentaReportada({ fecha_fin: at(1), tipo_combustible: '93', id_surtidor: 1 })),
          venta('e1', 2, unaVentaReportada({ fecha_fin: at(3), tipo_combustible: 'diesel', id_surtidor: 2 })),
          venta('e2', 1, unaVentaReportada({ fecha_fin: at(2), tipo_combustible: '93', id_surtidor: 1 })),
          venta('e2', 2, unaVentaReportada({ fecha_fin: at(3), tipo_combustible: '95', id_surtidor: 1 })),
        ];
        await store.saveReports(lote, opciones);
        const page = await store.listSales({}, { limit: 3, skip: 0 });
        expect(page.map((v) => `${v.id_estacion}#${v.seq}`)).toEqual(['e2#2', 'e1#2', 'e2#1']);
        expect((await store.listSales({}, { limit: 3, skip: 3 })).map((v) => v.seq)).toEqual([1]);
        expect((await store.listSales({ tipo_combustible: '93' }, { limit: 10, skip: 0 })).length).toBe(2);
        expect((await store.listSales({ id_surtidor: 2 }, { limit: 10, skip: 0 })).map((v) => v.seq)).toEqual([2]);
        const rango = { desde_ms: Date.parse(at(2)), hasta_ms: Date.parse(at(2)) };
        expect((await store.listSales(rango, { limit: 10, skip: 0 })).map((v) => v.id_estacion)).toEqual(['e2']);
        expect(await store.countSales({ id_estacion: 'e1' })).toBe(2);
        expect(await store.countSales(rango)).toBe(1);
        const all: string[] = [];
        for await (const v of store.iterateSales({})) all.push(`${v.id_estacion}#${v.seq}`);
        expect(all).toEqual(['e2#2', 'e1#2', 'e2#1', 'e1#1']);
        expect(await store.listSales({}, { limit: 0, skip: 0 })).toEqual([]);
      });

      it('sums sales by station, fuel and quarter hour within a range', async () => {
        await store.saveReports(
          [
            venta(
              'e1',
              1,
              unaVentaReportada({
                litros: 10.0004,
                precio_por_litro: 1000,
                monto_total: 10000,
                fecha_fin: '2026-01-15T14:01:00Z',
              }),
            ),
            venta(
              'e1',
              2,
              unaVentaReportada({
                litros: 5,
                precio_por_litro: 1000,
                monto_total: 5000,
                fecha_fin: '2026-01-15T14:20:00Z',
                tipo_combustible: 'diesel',
              }),
            ),
            venta(
              'e2',
              1,
              unaVentaReportada({
                litros: 1,
                precio_por_litro: 1000,
                monto_total: 1000,
                fecha_fin: '2026-01-15T14:05:00Z',
              }),
            ),
            venta(
              'e2',
              2,
              unaVentaReportada({
                litros: 1,
                precio_por_litro: 1000,
                monto_total: 1000,
                fecha_fin: '2026-01-17T00:00:00Z',
              }),
            ),
          ],
          opciones,
        );
        const desde_ms = Date.parse('2026-01-15T00:00:00Z');
        const hasta_ms = Date.parse('2026-01-15T23:59:59.999Z');
        const r = await store.summarizeSales({ desde_ms, hasta_ms });
        expect(r.total).toMatchObject({ transacciones: 3, monto: 16000 });
        expect(r.total.litros).toBeCloseTo(16.0004, 6);
        expect(r.por_estacion.map((e) => [e.id_estacion, e.transacciones, e.monto])).toEqual([
          ['e1', 2, 15000],
          ['e2', 1, 1000],
        ]);
        expect(r.por_combustible.map((e) => [e.tipo_combustible, e.transacciones])).toEqual([
          ['93', 2],
          ['diesel', 1],
        ]);
        const q14 = Math.floor(Date.parse('2026-01-15T14:00:00Z') / (15 * 60_000));
        expect(r.por_cuarto.map((c) => [c.cuarto - q14, c.tipo_combustible, c.transacciones])).toEqual([
          [0, '93', 2],
          [1, 'diesel', 1],
        ]);
        const uno = await store.summarizeSales({ desde_ms, hasta_ms, id_estacion: 'e2' });
        expect(uno.total).toEqual({ transacciones: 1, litros: 1, monto: 1000 });
        const nada = await store.summarizeSales({ desde_ms: 0, hasta_ms: 1 });
        expect(nada).toStrictEqual({
          total: { transacciones: 0, litros: 0, monto: 0 },
          por_estacion: [],
          por_combustible: [],
          por_cuarto: [],
        });
      });

      it('keeps a close once by id, a different one under the same id as a conflict', async () => {
        const c = unCierreReportado({ id_cierre: 'dia-1' });
        expect(await store.saveReports([entrante('e1', 1, { clase: 'cierre', datos: c })], opciones)).toEqual([
          'nuevo',
        ]);
        const again = [
          entrante('e1', 1, { clase: 'cierre', datos: { ...c } }),
          entrante('e1', 2, { clase: 'cierre', datos: { ...c, turno: 'tarde' } }),
        ];
        expect(await store.saveReports(again, opciones)).toEqual(['duplicado', 'conflicto']);
        expect((await store.listSetAside('e1', 10)).map((a) => [a.tipo, a.clase, a.seq])).toEqual([
          ['conflicto', 'cierre', 2],
        ]);
      });

      it('keeps the latest state of each alert by seq and lists and counts the open ones', async () => {
        const a = unaAlertaReportada({ id: 'a1', severidad: 'critica' });
        const b = unaAlertaReportada({ id: 'b1', creada: '2026-01-15T15:00:00.000Z' });
        const resuelta = { ...a, resuelta: '2026-01-15T14:30:00.000Z' };
        const alerta = (id: string, seq: number, datos = a) => entrante(id, seq, { clase: 'alerta', datos });
        expect(await store.saveReports([alerta('e1', 1), alerta('e1', 2, b), alerta('e2', 1, b)], opciones)).toEqual([
          'nuevo',
          'nuevo',
          'nuevo',
        ]);
        expect((await store.listOpenAlerts('e1', 10)).map((x) => x.id)).toEqual(['b1', 'a1']);
        expect(await store.listOpenAlerts('e1', 1)).toStrictEqual([
          { id_estacion: 'e1', seq: 2, recibida_empresa: '2026-01-15T14:05:00.000Z', ...b },
        ]);
        expect(await store.countOpenAlerts()).toEqual([
          { id_estacion: 'e1', severidad: 'advertencia', n: 1 },
          { id_estacion: 'e1', severidad: 'critica', n: 1 },
          { id_estacion: 'e2', severidad: 'advertencia', n: 1 },
        ]);
        expect(await store.saveReports([alerta('e1', 3, resuelta)], opciones)).toEqual(['nuevo']);
        // An older state sent again (a resend after a cut) changes nothing.
        expect(await store.saveReports([alerta('e1', 1)], opciones)).toEqual(['duplicado']);
        expect((await store.listOpenAlerts('e1', 10)).map((x) => x.id)).toEqual(['b1']);
      });

      it("keeps each pump's state with the newest actualizado and counts pumps by price version", async () => {
        const p = (seq: number, id_surtidor: number, version_precios: number | null, actualizado: string) =>
          entrante('e1', seq, {
            clase: 'surtidor',
            datos: unSurtidorReportado({ id_surtidor, version_precios, actualizado }),
          });
        const results = await store.saveReports(
          [
            p(1, 1, 1, '2026-01-15T14:00:00.000Z'),
            p(2, 2, 1, '2026-01-15T14:00:00.000Z'),
            p(3, 1, 2, '2026-01-15T14:10:00.000Z'),
            p(4, 2, 3, '2026-01-15T13:00:00.000Z'), // older than what is stored: ignored
            p(5, 3, null, '2026-01-15T14:00:00.000Z'),
          ],
          opciones,
        );
        expect(results).toEqual(['nuevo', 'nuevo', 'nuevo', 'duplicado', 'nuevo']);
        const pumps = await store.listReportedPumps('e1');
        expect(pumps.map((x) => [x.id_surtidor, x.version_precios, x.seq])).toEqual([
          [1, 2, 3],
          [2, 1, 2],
          [3, null, 5],
        ]);
        expect(await store.listReportedPumps('otra')).toEqual([]);
        const counts = await store.countPumpsByVersion();
        expect(counts.toSorted((a, b) => (a.version_precios ?? -1) - (b.version_precios ?? -1))).toEqual([
          { id_estacion: 'e1', version_precios: null, n: 1 },
          { id_estacion: 'e1', version_precios: 1, n: 1 },
          { id_estacion: 'e1', version_precios: 2, n: 1 },
        ]);
      });

      it('keeps rejected reports apart once per seq, the newest maxApartados per station, counting them all', async () => {
        expect(await store.saveReports([rechazado('e1', 1), rechazado('e1', 1)], opciones)).toEqual([
          'rechazado',
          'rechazado',
        ]);
        const [uno] = await store.listSetAside('e1', 10);
        expect(uno).toStrictEqual({
          tipo: 'rechazado',
          id_estacion: 'e1',
          seq: 1,
          recibida_empresa: '2026-01-15T14:05:00.000Z',
          clase: 'tanque',
          codigo: 'CLASE_DESCONOCIDA',
          motivo: 'clase "tanque" desconocida',
          datos: { nivel: 3 },
        });
        await store.saveReports(
          [2, 3, 4, 5].map((n) => rechazado('e1', n)),
          { maxApartados: 3 },
        );
        expect((await store.listSetAside('e1', 10)).map((a) => a.seq)).toEqual([5, 4, 3]);
        expect(await store.listReportStates()).toStrictEqual([
          { id_estacion: 'e1', ultimo_seq: 5, rechazados: 5, conflictos: 0 },
        ]);
      });

      it("never lowers a station's highest seq and stores an empty batch as nothing", async () => {
        await store.saveReports([venta('e1', 7)], opciones);
        await store.saveReports([venta('e1', 3)], opciones);
        expect(await store.saveReports([], opciones)).toEqual([]);
        expect((await store.listReportStates()).map((e) => e.ultimo_seq)).toEqual([7]);
      });
    });

    describe('registro y arriendos (réplicas)', () => {
      it('changes the registry stamp on every add, replacement and removal, not on acks or contacts', async () => {
        const seen = [await store.registryStamp()];
        const changed = async (what: string) => {
          const now = await store.registryStamp();
          expect(seen, what).not.toContain(now);
          seen.push(now);
        };
        const a = unaEstacion({ id_estacion: 'a' });
        await store.insertStation(a);
        await changed('insert');
        await store.recordAck('a', 1, 't1');
        await store.recordContact('a', 't2');
        expect(await store.registryStamp()).toBe(seen.at(-1));
        await store.replaceStation('a', { ...a, id_estacion: 'b' });
        await changed('rename');
        await store.deleteStation('b');
        await changed('delete');
      });

      it('gives a lease to one replica at a time until it expires, then to another', async () => {
        expect(await store.claimLeases(['a', 'b'], 'r1', 1000, 7000)).toEqual(['a', 'b']);
        // Held and not expired: another replica gets nothing; the holder re-claims its own.
        expect(await store.claimLeases(['a', 'b', 'c'], 'r2', 2000, 8000)).toEqual(['c']);
        expect(await store.claimLeases(['a'], 'r1', 2000, 8000)).toEqual(['a']);
        expect(await store.activeLeases(2000)).toStrictEqual([
          { id_estacion: 'a', propietario: 'r1', vence: 8000 },
          { id_estacion: 'b', propietario: 'r1', vence: 7000 },
          { id_estacion: 'c', propietario: 'r2', vence: 8000 },
        ]);
        // At 7000 b expired: r2 takes it, and r1 can no longer renew it.
        expect(await store.claimLeases(['b'], 'r2', 7000, 13000)).toEqual(['b']);
        expect(await store.renewLeases('r1', 7000, 13000)).toEqual(['a']);
        expect(await store.activeLeases(7000)).toStrictEqual([
          { id_estacion: 'a', propietario: 'r1', vence: 13000 },
          { id_estacion: 'b', propietario: 'r2', vence: 13000 },
          { id_estacion: 'c', propietario: 'r2', vence: 8000 },
        ]);
        expect(await store.claimLeases([], 'r1', 7000, 13000)).toEqual([]);
      });

      it('renews only unexpired own leases, and lists only unexpired ones', async () => {
        await store.claimLeases(['a'], 'r1', 0, 5000);
        await store.claimLeases(['b'], 'r1', 0, 3000);
        expect(await store.renewLeases('r1', 4000, 10000)).toEqual(['a']); // b expired at 3000: lost
        expect(await store.renewLeases('nadie', 4000, 10000)).toEqual([]);
        expect((await store.activeLeases(4000)).map((l) => l.id_estacion)).toEqual(['a']);
        expect(await store.activeLeases(10000)).toEqual([]);
      });

      it('releases some or all of a replica’s leases, never another’s', async () => {
        await store.claimLeases(['a', 'b', 'c'], 'r1', 0, 5000);
        await store.claimLeases(['d'], 'r2', 0, 5000);
        expect(await store.releaseLeases('r1', ['a', 'd'])).toBe(1);
        expect(await store.releaseLeases('r1', [])).toBe(0);
        expect((await store.activeLeases(0)).map((l) => l.id_estacion)).toEqual(['b', 'c', 'd']);
        expect(await store.claimLeases(['a'], 'r2', 1, 5000)).toEqual(['a']); // free again at once
        expect(await store.releaseLeases('r1')).toBe(2);
        expect(await store.activeLeases(0)).toStrictEqual([
          { id_estacion: 'a', propietario: 'r2', vence: 5000 },
          { id_estacion: 'd', propietario: 'r2', vence: 5000 },
        ]);
      });

      it('keeps the link state each owner writes on its leases, for any replica to read; a lease taken anew has none', async () => {
        await store.claimLeases(['a', 'b'], 'r1', 0, 5000);
        await store.claimLeases(['c'], 'r2', 0, 5000);
        const sincronizado = {
          estado: 'sincronizado' as const,
          conectada: true,
          version_confirmada: 3,
          ultimo_contacto: '2026-01-01T00:00:00.000Z',
          ultimo_error: null,
        };
        const caida = {
          estado: 'desconectado' as const,
          conectada: false,
          version_confirmada: null,
          ultimo_contacto: null,
          ultimo_error: 'ECONNREFUSED',
        };
        // Only its own leases: c is r2's and z has none.
        expect(
          await store.recordLinkStates('r1', [
            { id_estacion: 'a', ...sincronizado },
            { id_estacion: 'b', ...caida },
            { id_estacion: 'c', ...sincronizado },
            { id_estacion: 'z', ...sincronizado },
          ]),
        ).toBe(2);
        expect(await store.recordLinkStates('r1', [])).toBe(0);
        expect(await store.activeLeaseLinks(1000)).toStrictEqual([
          { id_estacion: 'a', propietario: 'r1', vence: 5000, enlace: sincronizado },
          { id_estacion: 'b', propietario: 'r1', vence: 5000, enlace: caida },
          { id_estacion: 'c', propietario: 'r2', vence: 5000, enlace: null },
        ]);
        // A renewal keeps the state; the owner overwrites it; the activeLeases view is unchanged.
        await store.renewLeases('r1', 1000, 7000);
        await store.recordLinkStates('r1', [{ id_estacion: 'b', ...sincronizado, version_confirmada: 4 }]);
        expect((await store.activeLeaseLinks(1000)).map((l) => l.enlace?.version_confirmada ?? null)).toEqual([
          3,
          4,
          null,
        ]);
        expect(await store.activeLeases(1000)).toContainEqual({ id_estacion: 'a', propietario: 'r1', vence: 7000 });
        // Expired: not listed; taken by r2 (a takeover): no state until r2 writes its own.
        expect((await store.activeLeaseLinks(7000)).map((l) => l.id_estacion)).toEqual([]);
        expect(await store.claimLeases(['a'], 'r2', 7000, 13000)).toEqual(['a']);
        expect(await store.recordLinkStates('r1', [{ id_estacion: 'a', ...sincronizado }])).toBe(0);
        expect(await store.activeLeaseLinks(7000)).toStrictEqual([
          { id_estacion: 'a', propietario: 'r2', vence: 13000, enlace: null },
        ]);
      });

      it('lets exactly one of many concurrent claims on a free lease win', async () => {
        const results = await Promise.all(['r1', 'r2', 'r3', 'r4'].map((r) => store.claimLeases(['x'], r, 0, 5000)));
        expect(results.flat()).toEqual(['x']);
        expect(await store.activeLeases(0)).toHaveLength(1);
      });

      it('announces replicas until they expire, forgets expired ones, and retires one', async () => {
        await store.announceReplica('r1', 0, 6000);
        await store.announceReplica('r2', 0, 3000);
        expect(await store.liveReplicas(1000)).toEqual(['r1', 'r2']);
        expect(await store.liveReplicas(3000)).toEqual(['r1']);
        await store.announceReplica('r1', 4000, 10000);
        await store.announceReplica('r3', 4000, 10000);
        expect(await store.liveReplicas(4000)).toEqual(['r1', 'r3']);
        await store.retireReplica('r1');
        expect(await store.liveReplicas(4000)).toEqual(['r3']);
      });
    });
  });
}
