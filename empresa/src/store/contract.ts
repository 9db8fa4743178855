/**
 * The CompanyStore contract: one suite, run by every adapter's test file (sqlite-store.test.ts,
 * mongo-store.test.ts). Each test gets a fresh store on empty data; the suite drives the lifecycle
 * (setup, close) and closes every store it opened (storeContractSuite in @combustible/server).
 */
import { type StoreContractHandle, type StoreContractOptions, storeContractSuite } from '@combustible/server/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CompanyStore } from './port.js';
import { unaEstacion, unaVersion } from './test-builders.js';

/** The `lifecycle` tests beyond ping and close. */
function persistence(t: StoreContractHandle<CompanyStore>): void {
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

      it('records contact times', async () => {
        await store.insertStation(unaEstacion({ id_estacion: 'a' }));
        expect(await store.recordContact('a', '2026-01-15T15:00:00.000Z')).toBe(true);
        expect((await store.getStation('a'))?.ultimo_contacto).toBe('2026-01-15T15:00:00.000Z');
        expect(await store.recordContact('nadie', 't')).toBe(false);
      });
    });
  });
}
