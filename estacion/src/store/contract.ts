/**
 * The StationStore contract: one suite, run by every adapter's test file (sqlite-store.test.ts,
 * mongo-store.test.ts). Each test gets a fresh store on empty data; the suite drives the lifecycle
 * (setup, close) and closes every store it opened (storeContractSuite in @combustible/server).
 */
import {
  describeAuthStoreContract,
  type StoreContractHandle,
  type StoreContractOptions,
  storeContractSuite,
} from '@combustible/server/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Alerta, Transaccion } from '../domain/types.js';
import { EXPORT_CHUNK, type StationStore, type TransaccionFiltro } from './port.js';
import {
  unaAlerta,
  unaAutorizacion,
  unaDescarga,
  unaLectura,
  unTanque,
  unCierre,
  unaTransaccion,
  unaVersionPrecios,
  unEstado,
  unSurtidor,
} from './test-builders.js';

/** The `lifecycle` tests beyond ping and close. */
function persistence(t: StoreContractHandle<StationStore>): void {
  it('keeps everything when closed and reopened on the same data', async () => {
    const store = t.store;
    const pump = unSurtidor({ id_surtidor: 5, combustible_actual: '95', ip: '10.0.0.5', version: '2.1' });
    const state = unEstado({ id_surtidor: 5, estado_operacion: 'despachando', litros_actuales: 3.5 });
    const tx = unaTransaccion({
      id_surtidor: 5,
      secuencia: 8,
      totalizador_fin: 88.5,
      observaciones: ['x'],
    });
    const alerta = unaAlerta({ clave: 'PERSISTE', datos: { n: 1 } });
    const version = unaVersionPrecios({ version: 4, origen: 'local' });
    await store.upsertPump(pump);
    await store.saveStates([state]);
    expect(await store.insertTransactions([tx])).toEqual(['insertada']);
    expect(await store.raiseAlert(alerta)).toBe(true);
    await store.savePriceVersion(version);
    const cred = { id_surtidor: 5, hash: 'e'.repeat(64), emitida: '2024-01-15T14:00:00.000Z' };
    await store.setPumpCredential(cred);
    const autorizacion = unaAutorizacion({ id_surtidor: 5 });
    await store.saveAuthorization(autorizacion);

    const again = await t.reopen();
    expect(await again.getPumpCredential(5)).toStrictEqual(cred);
    expect(await again.getAuthorization(autorizacion.id_autorizacion)).toStrictEqual(autorizacion);
    expect(await again.listPumps()).toStrictEqual([pump]);
    expect(await again.nextPumpId()).toBe(6);
    expect(await again.listStates()).toStrictEqual([state]);
    expect(await again.getTransaction(5, tx.id_transaccion)).toStrictEqual(tx);
    expect(await again.listTransactions({ limit: 10, skip: 0 })).toStrictEqual({ items: [tx], total: 1 });
    expect(await again.auditStart(5)).toEqual({ ultima_secuencia: 8, ultimo_totalizador_fin: 88.5 });
    expect(await again.insertTransactions([tx])).toEqual(['duplicada']);
    expect(await again.listAlerts({ limit: 10 })).toStrictEqual([alerta]);
    expect(await again.raiseAlert(unaAlerta({ clave: 'PERSISTE' }))).toBe(false);
    expect(await again.latestPriceVersions(5)).toStrictEqual([version]);

    // A conflicting version is as durable as a sale.
    const other = { ...tx, litros: tx.litros + 1 };
    expect(await again.insertTransactions([other])).toEqual(['conflicto']);
    const reopened = await t.reopen();
    const conflicts = await reopened.listConflicts({ limit: 10, skip: 0 });
    expect(conflicts.total).toBe(1);
    expect(conflicts.items[0]?.original).toStrictEqual(tx);
    expect(conflicts.items[0]?.nueva).toStrictEqual(other);
    expect(await reopened.insertTransactions([other])).toEqual(['conflicto_repetido']);

    // A close is as durable as a sale, and still refuses its range once reopened.
    const cierre = unCierre();
    expect(await reopened.insertCierre(cierre)).toBeNull();
    const last = await t.reopen();
    expect(await last.getCierre(cierre.id_cierre)).toStrictEqual(cierre);
    expect(await last.insertCierre(unCierre())).toStrictEqual(cierre);
  });
}

/** Everything an export yields. */
async function todo<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/**
 * @param makeStore a new store (not set up yet) on fresh, empty data; the adapter's test file
 *   removes that data after the test.
 */
export function describeStoreContract(
  name: string,
  makeStore: () => Promise<StationStore>,
  options: StoreContractOptions<StationStore>,
): void {
  const suite = { ...options, lifecycle: persistence };
  storeContractSuite(`StationStore contract: ${name}`, makeStore, suite, (t) => {
    let store: StationStore;
    beforeEach(() => {
      store = t.store;
    });

    // Pumps send local times without offset, which are UTC. Running under a zone that is not UTC
    // makes an adapter that reads them as local time (`new Date(x)`) fail here, not in production.
    let savedTz: string | undefined;
    beforeAll(() => {
      savedTz = process.env.TZ;
      process.env.TZ = 'America/Santiago';
    });
    afterAll(() => {
      if (savedTz === undefined) Reflect.deleteProperty(process.env, 'TZ');
      else process.env.TZ = savedTz;
    });

    const page = (f: Partial<TransaccionFiltro> = {}) => store.listTransactions({ limit: 100, skip: 0, ...f });
    const ids = (items: Transaccion[]) => items.map((t) => t.id_transaccion);

    describe('surtidores', () => {
      it('starts empty: no pumps and the next id is 1', async () => {
        expect(await store.listPumps()).toEqual([]);
        expect(await store.getPump(1)).toBeNull();
        expect(await store.nextPumpId()).toBe(1);
      });

      it('round-trips every field of a pump, with and without nulls', async () => {
        const full = unSurtidor({
          id_surtidor: 3,
          nombre: 'Isla Ñandú',
          combustibles_soportados: ['97', 'diesel'],
          combustible_actual: 'diesel',
          configuracion: { capacidad_maxima_litros: 250.5, velocidad_despacho: 1.25 },
          ultima_conexion: '2024-01-15T14:00:00.000Z',
          ip: '::ffff:127.0.0.1',
          version: '1.0.3',
        });
        const bare = unSurtidor({ id_surtidor: 4, combustibles_soportados: [] });
        await store.upsertPump(full);
        await store.upsertPump(bare);
        expect(await store.getPump(3)).toStrictEqual(full);
        expect(await store.getPump(4)).toStrictEqual(bare);
      });

      it('upsertPump replaces the pump with the same id', async () => {
        await store.upsertPump(unSurtidor({ id_surtidor: 2, nombre: 'antes' }));
        const after = unSurtidor({
          id_surtidor: 2,
          nombre: 'después',
          combustible_actual: '93',
          ip: '10.1.1.1',
        });
        await store.upsertPump(after);
        expect(await store.listPumps()).toStrictEqual([after]);
      });

      it('upsertPumps writes many at once; the last of an id wins; nothing for none', async () => {
        await store.upsertPump(unSurtidor({ id_surtidor: 2, nombre: 'antes' }));
        await store.upsertPumps([]);
        const dos = unSurtidor({ id_surtidor: 2, nombre: 'después', ip: '10.1.1.2' });
        const cinco = unSurtidor({ id_surtidor: 5, combustibles_soportados: ['diesel'], combustible_actual: 'diesel' });
        await store.upsertPumps([unSurtidor({ id_surtidor: 5, nombre: 'primero' }), dos, cinco]);
        expect(await store.listPumps()).toStrictEqual([dos, cinco]);
      });

      it('lists pumps ordered by id and gives max + 1 as the next id', async () => {
        await store.upsertPump(unSurtidor({ id_surtidor: 7 }));
        await store.upsertPump(unSurtidor({ id_surtidor: 2 }));
        await store.upsertPump(unSurtidor({ id_surtidor: 4 }));
        expect((await store.listPumps()).map((p) => p.id_surtidor)).toEqual([2, 4, 7]);
        expect(await store.nextPumpId()).toBe(8);
      });

      it('deletePump is true once, then false', async () => {
        await store.upsertPump(unSurtidor({ id_surtidor: 1 }));
        await store.upsertPump(unSurtidor({ id_surtidor: 2 }));
        expect(await store.deletePump(1)).toBe(true);
        expect(await store.deletePump(1)).toBe(false);
        expect(await store.getPump(1)).toBeNull();
        expect((await store.listPumps()).map((p) => p.id_surtidor)).toEqual([2]);
      });
    });

    describe('credenciales_surtidor', () => {
      const cred = (id: number, hash: string) => ({ id_surtidor: id, hash, emitida: '2024-01-15T14:00:00.000Z' });

      it('starts empty', async () => {
        expect(await store.countPumpCredentials()).toBe(0);
        expect(await store.getPumpCredential(3)).toBeNull();
        expect(await store.revokePumpCredential(3)).toBe(false);
      });

      it('stores one credential per pump, a new one replacing the previous', async () => {
        await store.setPumpCredential(cred(3, 'a'.repeat(64)));
        await store.setPumpCredential(cred(4, 'b'.repeat(64)));
        expect(await store.getPumpCredential(3)).toStrictEqual(cred(3, 'a'.repeat(64)));
        const again = { ...cred(3, 'c'.repeat(64)), emitida: '2024-02-01T00:00:00.000Z' };
        await store.setPumpCredential(again);
        expect(await store.getPumpCredential(3)).toStrictEqual(again);
        expect(await store.countPumpCredentials()).toBe(2);
      });

      it('revokes once, then false; a credential does not need a pump record', async () => {
        await store.setPumpCredential(cred(9, 'd'.repeat(64)));
        expect(await store.getPump(9)).toBeNull();
        expect(await store.revokePumpCredential(9)).toBe(true);
        expect(await store.revokePumpCredential(9)).toBe(false);
        expect(await store.getPumpCredential(9)).toBeNull();
        expect(await store.countPumpCredentials()).toBe(0);
      });
    });

    describe('estado_surtidores', () => {
      it('saves and lists snapshots, every field round-tripping', async () => {
        const busy = unEstado({
          id_surtidor: 2,
          estado_conexion: 'conectado',
          estado_operacion: 'despachando',
          litros_actuales: 12.345,
          monto_actual: 15925,
          tipo_combustible: '93',
          precio_por_litro: 1290,
          version_precios: 3,
          desfase_reloj_ms: -1250,
          timestamp: '2024-01-15T14:30:00',
          ultima_actividad: '2024-01-15T17:30:00.120Z',
        });
        const paused = unEstado({
          id_surtidor: 3,
          estado_operacion: 'pausado',
          pausado_por: {
            usuario: 'ana',
            comando: 'pausar',
            razon: 'limpieza de la isla',
            fecha: '2024-01-15T17:31:00.000Z',
          },
        });
        const idle = unEstado({ id_surtidor: 1, estado_conexion: 'timeout' });
        await store.saveStates([busy, idle, paused]);
        expect(await store.listStates()).toStrictEqual([idle, busy, paused]);
      });

      it('the latest snapshot wins, across calls and inside one call', async () => {
        await store.saveStates([unEstado({ id_surtidor: 1, litros_actuales: 1 })]);
        await store.saveStates([unEstado({ id_surtidor: 1, litros_actuales: 2 })]);
        expect(await store.listStates()).toStrictEqual([unEstado({ id_surtidor: 1, litros_actuales: 2 })]);
        const last = unEstado({ id_surtidor: 1, litros_actuales: 4, estado_operacion: 'pausado' });
        await store.saveStates([unEstado({ id_surtidor: 1, litros_actuales: 3 }), last]);
        expect(await store.listStates()).toStrictEqual([last]);
      });

      it('an empty save changes nothing; deleteState removes one pump and ignores unknown ids', async () => {
        await store.saveStates([]);
        expect(await store.listStates()).toEqual([]);
        await store.saveStates([unEstado({ id_surtidor: 1 }), unEstado({ id_surtidor: 2 })]);
        await store.deleteState(1);
        await store.deleteState(99);
        expect((await store.listStates()).map((s) => s.id_surtidor)).toEqual([2]);
      });
    });

    describe('transacciones: insert and get', () => {
      it('inserts new transactions and reports each as insertada', async () => {
        const batch = [unaTransaccion(), unaTransaccion(), unaTransaccion({ id_surtidor: 2 })];
        expect(await store.insertTransactions(batch)).toEqual(['insertada', 'insertada', 'insertada']);
        expect((await page()).total).toBe(3);
      });

      it('an empty batch stores nothing', async () => {
        expect(await store.insertTransactions([])).toEqual([]);
        expect((await page()).total).toBe(0);
      });

      it('a transaction already stored, sent again with the same content, is duplicada and keeps the first copy', async () => {
        const first = unaTransaccion({ id_transaccion: 'T1', litros: 10 });
        await store.insertTransactions([first]);
        const outcomes = await store.insertTransactions([
          // What the station derives or stamps is not the pump's content: a resend still matches.
          unaTransaccion({
            id_transaccion: 'T1',
            litros: 10,
            nombre_surtidor: 'otro nombre',
            observaciones: ['otra'],
            detalles: { duracion_segundos: 1, velocidad_promedio: 2 },
            recibida: '2024-01-15T18:00:00.000Z',
          }),
          unaTransaccion({ id_transaccion: 'T2' }),
        ]);
        expect(outcomes).toEqual(['duplicada', 'insertada']);
        expect(await store.getTransaction(1, 'T1')).toStrictEqual(first);
        expect((await page()).total).toBe(2);
        expect(await store.listConflicts({ limit: 10, skip: 0 })).toStrictEqual({ items: [], total: 0 });
      });

      it('inside one batch the later copies are duplicada or conflicto; the key is (id_surtidor, id_transaccion)', async () => {
        const outcomes = await store.insertTransactions([
          unaTransaccion({ id_transaccion: 'T1', id_surtidor: 1, litros: 1 }),
          unaTransaccion({ id_transaccion: 'T1', id_surtidor: 1, litros: 1 }),
          unaTransaccion({ id_transaccion: 'T1', id_surtidor: 2, litros: 3 }),
          unaTransaccion({ id_transaccion: 'T1', id_surtidor: 1, litros: 4 }),
        ]);
        expect(outcomes).toEqual(['insertada', 'duplicada', 'insertada', 'conflicto']);
        expect((await store.getTransaction(1, 'T1'))?.litros).toBe(1);
        expect((await store.getTransaction(2, 'T1'))?.litros).toBe(3);
      });

      it('concurrent batches with the same ids store each transaction once', async () => {
        const x = unaTransaccion();
        const y = unaTransaccion();
        const z = unaTransaccion();
        const batches = [
          [x, y],
          [{ ...y }, z, { ...x }],
        ];
        const results = await Promise.all(batches.map((b) => store.insertTransactions(b)));
        const byId = new Map<string, string[]>();
        batches.forEach((batch, b) => {
          batch.forEach((t, i) => {
            byId.set(t.id_transaccion, [...(byId.get(t.id_transaccion) ?? []), String(results[b]?.[i])]);
          });
        });
        const outcomeOf = (id: string) => [...(byId.get(id) ?? [])].sort();
        expect(outcomeOf(x.id_transaccion)).toEqual(['duplicada', 'insertada']);
        expect(outcomeOf(y.id_transaccion)).toEqual(['duplicada', 'insertada']);
        expect(outcomeOf(z.id_transaccion)).toEqual(['insertada']);
        expect((await page()).total).toBe(3);
      });

      it('a batch with an unreadable record stores none of it', async () => {
        const good = unaTransaccion();
        const bad = unaTransaccion({ fecha_fin: 'no es una fecha' });
        await expect(store.insertTransactions([good, bad])).rejects.toThrow();
        expect(await store.getTransaction(good.id_surtidor, good.id_transaccion)).toBeNull();
        expect((await page()).total).toBe(0);
      });

      it('does not modify the records it is given', async () => {
        const tx = unaTransaccion({ observaciones: ['a'] });
        const copy = structuredClone(tx);
        await store.insertTransactions([tx]);
        expect(tx).toStrictEqual(copy);
      });

      it('getTransaction round-trips every field exactly', async () => {
        const full = unaTransaccion({
          id_transaccion: 'TX-FULL',
          id_derivado: true,
          id_surtidor: 3,
          nombre_surtidor: 'Isla 3',
          tipo_combustible: 'diesel',
          litros: 45.678,
          precio_por_litro: 1120,
          monto_total: 51159,
          metodo_pago: 'transferencia',
          fecha_inicio: '2024-01-15T14:25:00',
          fecha_fin: '2024-01-15T14:30:00.123-03:00',
          estado: 'cancelada',
          operador: 'María José Núñez',
          secuencia: 3_000_000_000,
          version_precios: 7,
          totalizador_inicio: 4_294_967_250.25,
          totalizador_fin: 4_294_967_295.928,
          observaciones: ['MONTO_INCONSISTENTE', 'VERSION_PRECIOS_ANTIGUA: 6 < 7'],
          detalles: { duracion_segundos: 300, velocidad_promedio: 0.15226 },
          recibida: '2024-01-15T17:30:00.456Z',
        });
        const nulls = unaTransaccion({
          id_transaccion: 'TX-NULLS',
          nombre_surtidor: null,
          operador: null,
          secuencia: null,
          version_precios: null,
          totalizador_inicio: null,
          totalizador_fin: null,
          observaciones: [],
          detalles: { duracion_segundos: 0, velocidad_promedio: 0 },
        });
        await store.insertTransactions([full, nulls]);
        expect(await store.getTransaction(3, 'TX-FULL')).toStrictEqual(full);
        expect(await store.getTransaction(1, 'TX-NULLS')).toStrictEqual(nulls);
        expect((await page({ id_surtidor: 3 })).items).toStrictEqual([full]);
      });

      it('getTransaction is null for an unknown id or another pump', async () => {
        await store.insertTransactions([unaTransaccion({ id_transaccion: 'T1', id_surtidor: 1 })]);
        expect(await store.getTransaction(1, 'T2')).toBeNull();
        expect(await store.getTransaction(2, 'T1')).toBeNull();
      });
    });

    describe('transacciones: conflicts (same id, different content)', () => {
      const original = () =>
        unaTransaccion({
          id_transaccion: 'R-1',
          id_surtidor: 4,
          litros: 10,
          monto_total: 12_900,
          fecha_fin: '2024-01-15T14:30:00Z',
          recibida: '2024-01-15T14:30:01.000Z',
        });
      const conflicting = (overrides: Partial<Transaccion> = {}) =>
        unaTransaccion({
          id_transaccion: 'R-1',
          id_surtidor: 4,
          litros: 35,
          monto_total: 45_150,
          fecha_fin: '2024-01-15T14:30:00Z',
          recibida: '2024-01-16T09:00:00.000Z',
          ...overrides,
        });

      it('keeps the original and stores the other version in conflictos, with both versions', async () => {
        const first = original();
        const second = conflicting();
        expect(await store.insertTransactions([first])).toEqual(['insertada']);
        expect(await store.insertTransactions([second])).toEqual(['conflicto']);
        expect(await store.getTransaction(4, 'R-1')).toStrictEqual(first);
        expect((await page()).total).toBe(1);
        const { items, total } = await store.listConflicts({ limit: 10, skip: 0 });
        expect(total).toBe(1);
        expect(items).toHaveLength(1);
        const c = items[0];
        expect(c?.id_surtidor).toBe(4);
        expect(c?.id_transaccion).toBe('R-1');
        expect(c?.original).toStrictEqual(first);
        expect(c?.nueva).toStrictEqual(second);
        expect(c?.campos).toEqual(['litros', 'monto_total']);
        expect(c?.detectado).toBe(second.recibida);
        expect(c?.huella).toMatch(/^[0-9a-f]{64}$/);
        expect(c?.huella_original).toMatch(/^[0-9a-f]{64}$/);
        expect(c?.huella).not.toBe(c?.huella_original);
      });

      it('the same conflicting version again is conflicto_repetido (no second row); another version is a new conflict', async () => {
        await store.insertTransactions([original()]);
        expect(await store.insertTransactions([conflicting()])).toEqual(['conflicto']);
        expect(
          await store.insertTransactions([conflicting({ recibida: '2024-01-17T00:00:00.000Z', observaciones: ['x'] })]),
        ).toEqual(['conflicto_repetido']);
        expect((await store.listConflicts({ limit: 10, skip: 0 })).total).toBe(1);
        expect(await store.insertTransactions([conflicting({ metodo_pago: 'tarjeta' })])).toEqual(['conflicto']);
        expect((await store.listConflicts({ limit: 10, skip: 0 })).total).toBe(2);
        // The original itself is still a plain duplicate.
        expect(await store.insertTransactions([original()])).toEqual(['duplicada']);
        expect((await store.getTransaction(4, 'R-1'))?.litros).toBe(10);
      });

      it('compares fecha_* as instants and treats every other pump field as content', async () => {
        await store.insertTransactions([original()]);
        expect(
          await store.insertTransactions([
            unaTransaccion({ ...original(), fecha_fin: '2024-01-15T11:30:00.000-03:00' }),
          ]),
        ).toEqual(['duplicada']);
        const variants: Partial<Transaccion>[] = [
          { tipo_combustible: 'diesel' },
          { precio_por_litro: 1291 },
          { fecha_inicio: '2024-01-15T14:27:00Z' },
          { fecha_fin: '2024-01-15T14:31:00Z' },
          { estado: 'cancelada' },
          { operador: 'ana' },
          { secuencia: 7 },
          { version_precios: 2 },
          { totalizador_inicio: 1 },
          { totalizador_fin: 11 },
        ];
        const outcomes = await store.insertTransactions(variants.map((v) => ({ ...original(), ...v })));
        expect(outcomes).toEqual(variants.map(() => 'conflicto'));
        const { items } = await store.listConflicts({ limit: 100, skip: 0 });
        expect(items.map((c) => c.campos).sort()).toEqual(variants.map((v) => Object.keys(v)).sort());
      });

      it('inside one batch: original, conflict, the same conflict again and a resend', async () => {
        const outcomes = await store.insertTransactions([original(), conflicting(), conflicting(), original()]);
        expect(outcomes).toEqual(['insertada', 'conflicto', 'conflicto_repetido', 'duplicada']);
        expect((await store.listConflicts({ limit: 10, skip: 0 })).total).toBe(1);
      });

      it('lists conflicts newest first, pages them and filters by pump and transaction', async () => {
        await store.insertTransactions([
          unaTransaccion({ id_transaccion: 'A', id_surtidor: 1 }),
          unaTransaccion({ id_transaccion: 'B', id_surtidor: 2 }),
        ]);
        const c1 = unaTransaccion({
          id_transaccion: 'A',
          id_surtidor: 1,
          litros: 1,
          recibida: '2024-01-16T10:00:00.000Z',
        });
        const c2 = unaTransaccion({
          id_transaccion: 'B',
          id_surtidor: 2,
          litros: 2,
          recibida: '2024-01-16T12:00:00.000Z',
        });
        const c3 = unaTransaccion({
          id_transaccion: 'A',
          id_surtidor: 1,
          litros: 3,
          recibida: '2024-01-16T11:00:00.000Z',
        });
        await store.insertTransactions([c1, c2, c3]);
        const litros = (p: { items: { nueva: Transaccion }[] }) => p.items.map((c) => c.nueva.litros);
        expect(litros(await store.listConflicts({ limit: 10, skip: 0 }))).toEqual([2, 3, 1]);
        const second = await store.listConflicts({ limit: 1, skip: 1 });
        expect([litros(second), second.total]).toEqual([[3], 3]);
        expect(await store.listConflicts({ limit: 0, skip: 0 })).toStrictEqual({ items: [], total: 3 });
        const a = await store.listConflicts({ id_surtidor: 1, id_transaccion: 'A', limit: 10, skip: 0 });
        expect([litros(a), a.total]).toEqual([[3, 1], 2]);
        expect((await store.listConflicts({ id_surtidor: 2, limit: 10, skip: 0 })).total).toBe(1);
        expect((await store.listConflicts({ id_surtidor: 2, id_transaccion: 'A', limit: 10, skip: 0 })).total).toBe(0);
      });

      it('a batch with an unreadable record stores no conflict either', async () => {
        await store.insertTransactions([original()]);
        await expect(
          store.insertTransactions([conflicting(), unaTransaccion({ fecha_fin: 'no es una fecha' })]),
        ).rejects.toThrow();
        expect((await store.listConflicts({ limit: 10, skip: 0 })).total).toBe(0);
        expect(await store.insertTransactions([conflicting()])).toEqual(['conflicto']);
      });
    });

    describe('transacciones: listing', () => {
      // fecha_fin in UTC: E 22:30 (next day +02:00), B 15:00 (-03:00), D 14:00, C 13:00 (no offset), A 10:00.
      // As raw text the order would be E, D, C, B, A: only a normalized sort gets it right.
      const A = unaTransaccion({
        id_transaccion: 'A',
        id_surtidor: 1,
        tipo_combustible: '93',
        metodo_pago: 'efectivo',
        fecha_fin: '2024-01-15T10:00:00Z',
      });
      const B = unaTransaccion({
        id_transaccion: 'B',
        id_surtidor: 2,
        tipo_combustible: '95',
        metodo_pago: 'tarjeta',
        fecha_fin: '2024-01-15T12:00:00-03:00',
      });
      const C = unaTransaccion({
        id_transaccion: 'C',
        id_surtidor: 1,
        tipo_combustible: 'diesel',
        metodo_pago: 'transferencia',
        fecha_fin: '2024-01-15T13:00:00',
      });
      const D = unaTransaccion({
        id_transaccion: 'D',
        id_surtidor: 2,
        tipo_combustible: '93',
        metodo_pago: 'tarjeta',
        fecha_fin: '2024-01-15T14:00:00.000Z',
      });
      const E = unaTransaccion({
        id_transaccion: 'E',
        id_surtidor: 3,
        tipo_combustible: '97',
        metodo_pago: 'efectivo',
        fecha_fin: '2024-01-16T00:30:00+02:00',
      });
      const seed = async () => {
        await store.insertTransactions([C, A]);
        await store.insertTransactions([E, B, D]);
      };

      it('lists newest first by fecha_fin, normalized to UTC', async () => {
        await seed();
        const all = await page();
        expect(ids(all.items)).toEqual(['E', 'B', 'D', 'C', 'A']);
        expect(all.total).toBe(5);
      });

      it('breaks ties on fecha_fin by recibida, newest first', async () => {
        await store.insertTransactions([
          unaTransaccion({
            id_transaccion: 'early',
            fecha_fin: '2024-01-15T14:00:00Z',
            recibida: '2024-01-15T14:00:01.000Z',
          }),
          unaTransaccion({
            id_transaccion: 'late',
            fecha_fin: '2024-01-15T11:00:00-03:00',
            recibida: '2024-01-15T14:00:02.000Z',
          }),
          unaTransaccion({
            id_transaccion: 'mid',
            fecha_fin: '2024-01-15T14:00:00',
            recibida: '2024-01-15T14:00:01.500Z',
          }),
        ]);
        expect(ids((await page()).items)).toEqual(['late', 'mid', 'early']);
      });

      it('filters by id_surtidor, tipo_combustible and metodo_pago, with the total of the filter', async () => {
        await seed();
        expect(await page({ id_surtidor: 1 })).toStrictEqual({ items: [C, A], total: 2 });
        expect(await page({ id_surtidor: 2 })).toStrictEqual({ items: [B, D], total: 2 });
        expect(await page({ id_surtidor: 9 })).toStrictEqual({ items: [], total: 0 });
        expect(await page({ tipo_combustible: '93' })).toStrictEqual({ items: [D, A], total: 2 });
        expect(await page({ metodo_pago: 'tarjeta' })).toStrictEqual({ items: [B, D], total: 2 });
        expect(await page({ id_surtidor: 2, tipo_combustible: '93', metodo_pago: 'tarjeta' })).toStrictEqual({
          items: [D],
          total: 1,
        });
      });

      it('date bounds are inclusive on fecha_fin and compare instants, whatever the offsets', async () => {
        await seed();
        // 13:00Z (C, stored without offset) to 15:00Z (B, stored at -03:00), both bounds written differently.
        const both = await page({
          fecha_inicio: '2024-01-15T10:00:00-03:00',
          fecha_fin: '2024-01-15T15:00:00',
        });
        expect(both).toStrictEqual({ items: [B, D, C], total: 3 });
        expect(ids((await page({ fecha_inicio: '2024-01-15T14:00:00Z' })).items)).toEqual(['E', 'B', 'D']);
        expect(ids((await page({ fecha_fin: '2024-01-15T13:00:00.000Z' })).items)).toEqual(['C', 'A']);
        expect(ids((await page({ fecha_inicio: '2024-01-15T13:00:00.001Z' })).items)).toEqual(['E', 'B', 'D']);
        expect(await page({ id_surtidor: 2, fecha_fin: '2024-01-15T14:00:00Z' })).toStrictEqual({
          items: [D],
          total: 1,
        });
      });

      it('pages with limit and skip; total counts every match', async () => {
        await seed();
        const pages = [];
        for (let skip = 0; skip < 6; skip += 2) pages.push(await page({ limit: 2, skip }));
        expect(pages.map((p) => ids(p.items))).toEqual([['E', 'B'], ['D', 'C'], ['A']]);
        expect(pages.map((p) => p.total)).toEqual([5, 5, 5]);
        expect(await page({ limit: 2, skip: 10 })).toStrictEqual({ items: [], total: 5 });
        expect(await page({ limit: 0, skip: 0 })).toStrictEqual({ items: [], total: 5 });
        expect(await page({ id_surtidor: 1, limit: 1, skip: 1 })).toStrictEqual({ items: [A], total: 2 });
      });
    });

    describe('transacciones: stats and audit', () => {
      it('pumpStats sums count, litres and amount of one pump', async () => {
        await store.insertTransactions([
          unaTransaccion({ id_surtidor: 1, litros: 10.5, monto_total: 13545 }),
          unaTransaccion({ id_surtidor: 1, litros: 20.25, monto_total: 26122 }),
          unaTransaccion({ id_surtidor: 1, litros: 0.25, monto_total: 323 }),
          unaTransaccion({ id_surtidor: 2, litros: 100, monto_total: 129000 }),
        ]);
        expect(await store.pumpStats(1)).toEqual({
          total_transacciones: 3,
          litros_totales: 31,
          ingresos_totales: 39990,
        });
        expect(await store.pumpStats(2)).toEqual({
          total_transacciones: 1,
          litros_totales: 100,
          ingresos_totales: 129000,
        });
        expect(await store.pumpStats(9)).toEqual({
          total_transacciones: 0,
          litros_totales: 0,
          ingresos_totales: 0,
        });
      });

      it('auditStart gives the highest secuencia of the pump and that sale’s totalizador_fin', async () => {
        expect(await store.auditStart(4)).toEqual({ ultima_secuencia: null, ultimo_totalizador_fin: null });
        await store.insertTransactions([
          unaTransaccion({ id_surtidor: 4, secuencia: 3, totalizador_fin: 300 }),
          unaTransaccion({
            id_surtidor: 4,
            secuencia: 5,
            totalizador_fin: 500.5,
            recibida: '2024-01-15T10:00:00.000Z',
          }),
          unaTransaccion({
            id_surtidor: 4,
            secuencia: 4,
            totalizador_fin: 400,
            recibida: '2024-01-15T11:00:00.000Z',
          }),
          unaTransaccion({
            id_surtidor: 4,
            secuencia: null,
            totalizador_fin: 999,
            recibida: '2024-01-15T12:00:00.000Z',
          }),
          unaTransaccion({ id_surtidor: 5, secuencia: 10, totalizador_fin: 1000 }),
        ]);
        expect(await store.auditStart(4)).toEqual({ ultima_secuencia: 5, ultimo_totalizador_fin: 500.5 });
        expect(await store.auditStart(5)).toEqual({ ultima_secuencia: 10, ultimo_totalizador_fin: 1000 });
        expect(await store.auditStart(6)).toEqual({ ultima_secuencia: null, ultimo_totalizador_fin: null });
      });

      it('auditStart ignores pumps whose sales carry no secuencia', async () => {
        await store.insertTransactions([unaTransaccion({ id_surtidor: 7, secuencia: null, totalizador_fin: 5 })]);
        expect(await store.auditStart(7)).toEqual({ ultima_secuencia: null, ultimo_totalizador_fin: null });
      });
    });

    describe('transacciones: salesStats', () => {
      const zeros = { transacciones: 0, litros: 0, monto: 0 };
      const empty = {
        total: zeros,
        por_combustible: [],
        por_surtidor: [],
        por_metodo_pago: [],
        por_hora: [],
      };

      // Two pumps (10 and 2: numeric order, not text), two fuels, two payment methods, two UTC hours,
      // every estado. Pump 10's newest sale (S5, 15:20Z) is written at -03:00, so its text sorts
      // before S2's; pump 2's newest (S4) carries no name.
      const S1 = unaTransaccion({
        id_transaccion: 'S1',
        id_surtidor: 10,
        nombre_surtidor: 'Isla vieja',
        tipo_combustible: '93',
        metodo_pago: 'efectivo',
        litros: 10.5,
        monto_total: 13545,
        fecha_fin: '2024-01-15T14:10:00Z',
        estado: 'completada',
      });
      const S2 = unaTransaccion({
        id_transaccion: 'S2',
        id_surtidor: 10,
        nombre_surtidor: 'Isla vieja',
        tipo_combustible: '95',
        metodo_pago: 'tarjeta',
        litros: 20.25,
        monto_total: 27338,
        fecha_fin: '2024-01-15T14:50:00.000Z',
        estado: 'cancelada',
      });
      const S3 = unaTransaccion({
        id_transaccion: 'S3',
        id_surtidor: 2,
        nombre_surtidor: 'Isla 2',
        tipo_combustible: '93',
        metodo_pago: 'tarjeta',
        litros: 5,
        monto_total: 6450,
        fecha_fin: '2024-01-15T15:05:00',
        estado: 'error',
      });
      const S4 = unaTransaccion({
        id_transaccion: 'S4',
        id_surtidor: 2,
        nombre_surtidor: null,
        tipo_combustible: '95',
        metodo_pago: 'efectivo',
        litros: 30,
        monto_total: 40500,
        fecha_fin: '2024-01-15T15:59:59.999Z',
      });
      const S5 = unaTransaccion({
        id_transaccion: 'S5',
        id_surtidor: 10,
        nombre_surtidor: 'Isla 10',
        tipo_combustible: '93',
        metodo_pago: 'efectivo',
        litros: 1.125,
        monto_total: 1451,
        fecha_fin: '2024-01-15T12:20:00-03:00',
      });
      const seed = async () => {
        await store.insertTransactions([S5, S3]);
        await store.insertTransactions([S4, S1, S2]);
      };

      it('is zeros and empty breakdowns on an empty store, echoing the normalized bounds', async () => {
        expect(await store.salesStats({})).toStrictEqual({ desde: null, hasta: null, ...empty });
        expect(await store.salesStats({ desde: '2024-01-15T10:00:00-03:00', hasta: '2024-01-15' })).toStrictEqual({
          desde: '2024-01-15T13:00:00.000Z',
          hasta: '2024-01-15T00:00:00.000Z',
          ...empty,
        });
        expect(await store.salesStats({ hasta: '2024-01-15T10:00:00' })).toStrictEqual({
          desde: null,
          hasta: '2024-01-15T10:00:00.000Z',
          ...empty,
        });
      });

      it('totals every sale, whatever its estado, by fuel, pump, payment method and (hour, fuel)', async () => {
        await seed();
        expect(await store.salesStats({})).toStrictEqual({
          desde: null,
          hasta: null,
          total: { transacciones: 5, litros: 66.875, monto: 89284 },
          por_combustible: [
            { tipo_combustible: '93', transacciones: 3, litros: 16.625, monto: 21446 },
            { tipo_combustible: '95', transacciones: 2, litros: 50.25, monto: 67838 },
          ],
          por_surtidor: [
            { id_surtidor: 2, nombre_surtidor: null, transacciones: 2, litros: 35, monto: 46950 },
            { id_surtidor: 10, nombre_surtidor: 'Isla 10', transacciones: 3, litros: 31.875, monto: 42334 },
          ],
          por_metodo_pago: [
            { metodo_pago: 'efectivo', transacciones: 3, litros: 41.625, monto: 55496 },
            { metodo_pago: 'tarjeta', transacciones: 2, litros: 25.25, monto: 33788 },
          ],
          por_hora: [
            {
              hora: '2024-01-15T14:00:00.000Z',
              tipo_combustible: '93',
              transacciones: 1,
              litros: 10.5,
              monto: 13545,
            },
            {
              hora: '2024-01-15T14:00:00.000Z',
              tipo_combustible: '95',
              transacciones: 1,
              litros: 20.25,
              monto: 27338,
            },
            {
              hora: '2024-01-15T15:00:00.000Z',
              tipo_combustible: '93',
              transacciones: 2,
              litros: 6.125,
              monto: 7901,
            },
            {
              hora: '2024-01-15T15:00:00.000Z',
              tipo_combustible: '95',
              transacciones: 1,
              litros: 30,
              monto: 40500,
            },
          ],
        });
      });

      it('bounds are inclusive on fecha_fin, compare instants, and the name is the newest in range', async () => {
        await seed();
        // Exactly S2 (14:50Z, written at -03:00) to exactly S3 (15:05Z, written without offset).
        expect(
          await store.salesStats({ desde: '2024-01-15T11:50:00-03:00', hasta: '2024-01-15T15:05:00' }),
        ).toStrictEqual({
          desde: '2024-01-15T14:50:00.000Z',
          hasta: '2024-01-15T15:05:00.000Z',
          total: { transacciones: 2, litros: 25.25, monto: 33788 },
          por_combustible: [
            { tipo_combustible: '93', transacciones: 1, litros: 5, monto: 6450 },
            { tipo_combustible: '95', transacciones: 1, litros: 20.25, monto: 27338 },
          ],
          por_surtidor: [
            { id_surtidor: 2, nombre_surtidor: 'Isla 2', transacciones: 1, litros: 5, monto: 6450 },
            { id_surtidor: 10, nombre_surtidor: 'Isla vieja', transacciones: 1, litros: 20.25, monto: 27338 },
          ],
          por_metodo_pago: [{ metodo_pago: 'tarjeta', transacciones: 2, litros: 25.25, monto: 33788 }],
          por_hora: [
            {
              hora: '2024-01-15T14:00:00.000Z',
              tipo_combustible: '95',
              transacciones: 1,
              litros: 20.25,
              monto: 27338,
            },
            {
              hora: '2024-01-15T15:00:00.000Z',
              tipo_combustible: '93',
              transacciones: 1,
              litros: 5,
              monto: 6450,
            },
          ],
        });
        const count = async (range: { desde?: string; hasta?: string }) =>
          (await store.salesStats(range)).total.transacciones;
        expect(await count({ desde: '2024-01-15T15:59:59.999Z' })).toBe(1);
        expect(await count({ desde: '2024-01-15T16:00:00Z' })).toBe(0);
        expect(await count({ hasta: '2024-01-15T14:10:00' })).toBe(1);
        expect(await count({ hasta: '2024-01-15T14:09:59.999Z' })).toBe(0);
        expect(await count({ desde: '2024-01-15T15:00:00Z', hasta: '2024-01-15T14:00:00Z' })).toBe(0);
        await expect(store.salesStats({ desde: 'ayer' })).rejects.toThrow(RangeError);
      });

      it('puts each sale in the UTC hour of its fecha_fin, a time without offset being UTC', async () => {
        await store.insertTransactions([
          unaTransaccion({ tipo_combustible: '97', fecha_fin: '2024-01-15T23:30:00' }),
          unaTransaccion({ tipo_combustible: '97', fecha_fin: '2024-01-15T21:45:00-03:00' }),
          unaTransaccion({ tipo_combustible: '93', fecha_fin: '2024-01-16T01:59:59.999+02:00' }),
          unaTransaccion({ tipo_combustible: '93', fecha_fin: '2024-01-15T23:00:00' }),
        ]);
        const { por_hora } = await store.salesStats({ desde: '2024-01-15T23:00:00' });
        expect(por_hora.map((h) => [h.hora, h.tipo_combustible, h.transacciones])).toEqual([
          ['2024-01-15T23:00:00.000Z', '93', 2],
          ['2024-01-15T23:00:00.000Z', '97', 1],
          ['2024-01-16T00:00:00.000Z', '97', 1],
        ]);
      });

      it('rounds every litros sum to 3 decimals; monto sums exactly', async () => {
        await store.insertTransactions([
          ...Array.from({ length: 10 }, () =>
            unaTransaccion({ id_surtidor: 1, tipo_combustible: '93', litros: 0.1, monto_total: 129 }),
          ),
          unaTransaccion({
            id_surtidor: 2,
            tipo_combustible: 'diesel',
            metodo_pago: 'tarjeta',
            litros: 12.3456,
            monto_total: 13827,
          }),
        ]);
        const stats = await store.salesStats({});
        expect(stats.total).toStrictEqual({ transacciones: 11, litros: 13.346, monto: 15117 });
        expect(stats.por_combustible.map((g) => [g.tipo_combustible, g.litros])).toEqual([
          ['93', 1],
          ['diesel', 12.346],
        ]);
        expect(stats.por_surtidor.map((g) => [g.id_surtidor, g.litros])).toEqual([
          [1, 1],
          [2, 12.346],
        ]);
        expect(stats.por_metodo_pago.map((g) => [g.metodo_pago, g.litros])).toEqual([
          ['efectivo', 1],
          ['tarjeta', 12.346],
        ]);
        expect(stats.por_hora.map((g) => g.litros)).toEqual([1, 12.346]);
      });
    });

    describe('alertas', () => {
      it('raises an alert once while one with the same clave is open', async () => {
        const first = unaAlerta({ clave: 'SECUENCIA_FALTANTE:3:17', datos: { secuencia_faltante: 17 } });
        expect(await store.raiseAlert(first)).toBe(true);
        expect(await store.raiseAlert(unaAlerta({ clave: 'SECUENCIA_FALTANTE:3:17' }))).toBe(false);
        expect(await store.raiseAlert(unaAlerta({ clave: 'SECUENCIA_FALTANTE:3:18' }))).toBe(true);
        const open = await store.listAlerts({ abiertas: true, limit: 10 });
        expect(open.filter((a) => a.clave === first.clave)).toStrictEqual([first]);
        expect(open).toHaveLength(2);
      });

      it('resolveAlert returns the resolved alert once, then null', async () => {
        const alerta = unaAlerta({
          clave: 'K',
          severidad: 'critica',
          id_surtidor: null,
          datos: { desde: 3, hasta: 9, detalle: { lista: [1, 'dos', null], ok: true } },
        });
        await store.raiseAlert(alerta);
        const at = '2024-01-15T15:00:00.000Z';
        expect(await store.resolveAlert('K', at)).toStrictEqual({ ...alerta, resuelta: at });
        expect(await store.resolveAlert('K', '2024-01-15T16:00:00.000Z')).toBeNull();
        expect(await store.resolveAlert('NO-EXISTE', at)).toBeNull();
        expect(await store.listAlerts({ limit: 10 })).toStrictEqual([{ ...alerta, resuelta: at }]);
      });

      it('raises the same clave again after it was resolved', async () => {
        const old = unaAlerta({ clave: 'K', creada: '2024-01-15T10:00:00.000Z' });
        await store.raiseAlert(old);
        await store.resolveAlert('K', '2024-01-15T11:00:00.000Z');
        const again = unaAlerta({ clave: 'K', creada: '2024-01-15T12:00:00.000Z' });
        expect(await store.raiseAlert(again)).toBe(true);
        const resolved = { ...old, resuelta: '2024-01-15T11:00:00.000Z' };
        expect(await store.listAlerts({ abiertas: true, limit: 10 })).toStrictEqual([again]);
        expect(await store.listAlerts({ abiertas: false, limit: 10 })).toStrictEqual([resolved]);
        expect(await store.listAlerts({ limit: 10 })).toStrictEqual([again, resolved]);
        expect(await store.raiseAlert(unaAlerta({ clave: 'K' }))).toBe(false);
      });

      it('lists newest first, filtered by pump and state, up to the limit', async () => {
        const a1 = unaAlerta({ id_surtidor: 1, creada: '2024-01-15T10:00:00.000Z' });
        const a2 = unaAlerta({ id_surtidor: 2, creada: '2024-01-15T11:00:00.000Z' });
        const a3 = unaAlerta({ id_surtidor: 1, creada: '2024-01-15T12:00:00.000Z' });
        const a4 = unaAlerta({ id_surtidor: null, creada: '2024-01-15T13:00:00.000Z' });
        for (const a of [a2, a4, a1, a3]) await store.raiseAlert(a);
        const r1 = { ...a1, resuelta: '2024-01-15T14:00:00.000Z' };
        await store.resolveAlert(a1.clave, r1.resuelta);
        expect(await store.listAlerts({ limit: 10 })).toStrictEqual([a4, a3, a2, r1]);
        expect(await store.listAlerts({ limit: 2 })).toStrictEqual([a4, a3]);
        expect(await store.listAlerts({ id_surtidor: 1, limit: 10 })).toStrictEqual([a3, r1]);
        expect(await store.listAlerts({ id_surtidor: 1, abiertas: true, limit: 10 })).toStrictEqual([a3]);
        expect(await store.listAlerts({ id_surtidor: 1, abiertas: false, limit: 10 })).toStrictEqual([r1]);
        expect(await store.listAlerts({ id_surtidor: 2, abiertas: false, limit: 10 })).toStrictEqual([]);
        expect(await store.listAlerts({ limit: 0 })).toStrictEqual([]);
      });

      it('skips alerts for pages and counts what matches', async () => {
        const [a1, a2, a3] = ['10', '11', '12'].map((h) =>
          unaAlerta({ id_surtidor: 1, creada: `2024-01-15T${h}:00:00.000Z` }),
        ) as [Alerta, Alerta, Alerta];
        for (const a of [a1, a2, a3]) await store.raiseAlert(a);
        const r1 = { ...a1, resuelta: '2024-01-15T14:00:00.000Z' };
        await store.resolveAlert(a1.clave, r1.resuelta);
        expect(await store.listAlerts({ limit: 2, skip: 1 })).toStrictEqual([a2, r1]);
        expect(await store.listAlerts({ limit: 10, skip: 3 })).toStrictEqual([]);
        expect(await store.listAlerts({ abiertas: true, limit: 1, skip: 1 })).toStrictEqual([a2]);
        expect(await store.countAlerts({})).toBe(3);
        expect(await store.countAlerts({ abiertas: true })).toBe(2);
        expect(await store.countAlerts({ abiertas: false })).toBe(1);
        expect(await store.countAlerts({ id_surtidor: 2 })).toBe(0);
      });
    });

    describe('autorizaciones (ext)', () => {
      it("stores each pump's modo_autorizacion (postpago by default) and replaces it", async () => {
        const pre = unSurtidor({ id_surtidor: 7, modo_autorizacion: 'prepago' });
        const post = unSurtidor({ id_surtidor: 8 });
        await store.upsertPumps([pre, post]);
        expect(await store.getPump(7)).toStrictEqual(pre);
        expect((await store.getPump(8))?.modo_autorizacion).toBe('postpago');
        await store.upsertPump({ ...pre, modo_autorizacion: 'postpago' });
        expect((await store.getPump(7))?.modo_autorizacion).toBe('postpago');
      });

      it("round-trips every field, with and without nulls, and a sale's id_autorizacion and reembolso", async () => {
        const full = unaAutorizacion({
          id_autorizacion: 'A-full',
          id_surtidor: 4,
          estado: 'completada',
          limite: { tipo: 'litros', valor: 20.5 },
          combustibles: ['95', 'diesel'],
          monto_prepagado: 27_675,
          id_transaccion: 'TX-9',
          reembolso: 675,
          motivo: 'AUTORIZACION_EXCEDIDA: algo',
        });
        const bare = unaAutorizacion({ id_autorizacion: 'A-bare', limite: { tipo: 'lleno' }, monto_prepagado: null });
        await store.saveAuthorization(full);
        await store.saveAuthorization(bare);
        expect(await store.getAuthorization('A-full')).toStrictEqual(full);
        expect(await store.getAuthorization('A-bare')).toStrictEqual(bare);
        expect(await store.getAuthorization('A-none')).toBeNull();
        const tx = unaTransaccion({ id_autorizacion: 'A-full', reembolso: 675 });
        await store.insertTransactions([tx]);
        expect(await store.getTransaction(tx.id_surtidor, tx.id_transaccion)).toStrictEqual(tx);
      });

      it('saving again replaces it (its state changes)', async () => {
        const a = unaAutorizacion({ id_autorizacion: 'A-1' });
        await store.saveAuthorization(a);
        const done = {
          ...a,
          estado: 'cancelada' as const,
          motivo: 'cancelada por op',
          actualizada: '2024-01-15T14:31:00.000Z',
        };
        await store.saveAuthorization(done);
        expect(await store.getAuthorization('A-1')).toStrictEqual(done);
        expect(await store.listAuthorizations({ limit: 10, skip: 0 })).toStrictEqual({ items: [done], total: 1 });
      });

      it('lists newest first, filtered by states and pump, paged with a total', async () => {
        const a1 = unaAutorizacion({ id_autorizacion: 'A-1', id_surtidor: 1, creada: '2024-01-15T14:00:00.000Z' });
        const a2 = unaAutorizacion({
          id_autorizacion: 'A-2',
          id_surtidor: 2,
          estado: 'despachando',
          creada: '2024-01-15T14:01:00.000Z',
        });
        const a3 = unaAutorizacion({
          id_autorizacion: 'A-3',
          id_surtidor: 1,
          estado: 'expirada',
          creada: '2024-01-15T14:02:00.000Z',
        });
        // Same creada: id_autorizacion breaks the tie (descending).
        const a4 = unaAutorizacion({
          id_autorizacion: 'A-4',
          id_surtidor: 2,
          estado: 'completada',
          creada: '2024-01-15T14:02:00.000Z',
        });
        for (const a of [a3, a1, a4, a2]) await store.saveAuthorization(a);
        expect(await store.listAuthorizations({ limit: 10, skip: 0 })).toStrictEqual({
          items: [a4, a3, a2, a1],
          total: 4,
        });
        expect(
          await store.listAuthorizations({ estados: ['emitida', 'despachando'], limit: 10, skip: 0 }),
        ).toStrictEqual({
          items: [a2, a1],
          total: 2,
        });
        expect(await store.listAuthorizations({ estados: [], limit: 10, skip: 0 })).toStrictEqual({
          items: [],
          total: 0,
        });
        expect(await store.listAuthorizations({ id_surtidor: 1, limit: 1, skip: 1 })).toStrictEqual({
          items: [a1],
          total: 2,
        });
        expect(
          await store.listAuthorizations({ estados: ['completada'], id_surtidor: 2, limit: 0, skip: 0 }),
        ).toStrictEqual({ items: [], total: 1 });
      });
    });

    describe('tanques, lecturas_tanque, descargas (ext)', () => {
      it('stores tanks by id, replaces and deletes them, every field round-tripping', async () => {
        const t2 = unTanque({ id_tanque: 2, combustible: 'diesel' });
        const t1 = unTanque({ id_tanque: 1 });
        await store.upsertTank(t2);
        await store.upsertTank(t1);
        expect(await store.listTanks()).toStrictEqual([t1, t2]);
        const changed = {
          ...t1,
          nombre: 'Otro',
          calibracion: [...t1.calibracion, { altura_mm: 2100, litros: 20_500 }],
        };
        await store.upsertTank(changed);
        expect(await store.listTanks()).toStrictEqual([changed, t2]);
        expect(await store.deleteTank(2)).toBe(true);
        expect(await store.deleteTank(2)).toBe(false);
        expect(await store.listTanks()).toStrictEqual([changed]);
      });

      it("lists a tank's readings newest first within inclusive bounds, paged, with the total", async () => {
        const a = unaLectura({ recibida: '2024-01-15T10:00:00.000Z', conservar: true });
        const b = unaLectura({ recibida: '2024-01-15T11:00:00.000Z', observaciones: ['LITROS_INCONSISTENTES: x'] });
        const c = unaLectura({ recibida: '2024-01-15T12:00:00.000Z' });
        const otro = unaLectura({ id_tanque: 2, recibida: '2024-01-15T11:30:00.000Z' });
        await store.insertReadings([a, b]);
        await store.insertReadings([otro, c]);
        expect(await store.listReadings({ id_tanque: 1, limit: 10, skip: 0 })).toStrictEqual({
          items: [c, b, a],
          total: 3,
        });
        expect(
          await store.listReadings({
            id_tanque: 1,
            desde: '2024-01-15T11:00:00Z',
            hasta: '2024-01-15T12:00:00.000Z',
            limit: 1,
            skip: 1,
          }),
        ).toStrictEqual({ items: [b], total: 2 });
        expect(await store.listReadings({ id_tanque: 1, limit: 0, skip: 0 })).toStrictEqual({ items: [], total: 3 });
        expect(await store.lastReadings()).toStrictEqual([c, otro]);
      });

      it('prunes readings received before a time except those marked conservar', async () => {
        const viejaConservada = unaLectura({ recibida: '2024-01-01T10:00:00.000Z', conservar: true });
        const vieja = unaLectura({ recibida: '2024-01-01T10:00:05.000Z' });
        const nueva = unaLectura({ recibida: '2024-01-20T10:00:00.000Z' });
        await store.insertReadings([viejaConservada, vieja, nueva]);
        expect(await store.pruneReadings('2024-01-10T00:00:00.000Z')).toBe(1);
        expect((await store.listReadings({ id_tanque: 1, limit: 10, skip: 0 })).items).toStrictEqual([
          nueva,
          viejaConservada,
        ]);
      });

      it('stores deliveries, newest first, filtered by tank, replaced by id', async () => {
        const d1 = unaDescarga({ inicio: '2024-01-15T10:00:00.000Z' });
        const d2 = unaDescarga({ id_tanque: 2, inicio: '2024-01-16T10:00:00.000Z' });
        await store.saveDelivery(d1);
        await store.saveDelivery(d2);
        expect(await store.listDeliveries({ limit: 10, skip: 0 })).toStrictEqual({ items: [d2, d1], total: 2 });
        expect(await store.listDeliveries({ id_tanque: 1, limit: 10, skip: 0 })).toStrictEqual({
          items: [d1],
          total: 1,
        });
        const again = { ...d1, litros: 9000 };
        await store.saveDelivery(again);
        expect((await store.listDeliveries({ id_tanque: 1, limit: 10, skip: 0 })).items).toStrictEqual([again]);
      });

      it("keeps a pump's fuel → tank map", async () => {
        const pump = unSurtidor({
          id_surtidor: 3,
          configuracion: { capacidad_maxima_litros: 100, velocidad_despacho: 1, tanques: { '93': 1, diesel: 4 } },
        });
        await store.upsertPump(pump);
        expect(await store.getPump(3)).toStrictEqual(pump);
      });
    });

    describe('precios', () => {
      it('returns nothing before any version is saved', async () => {
        expect(await store.latestPriceVersions(5)).toEqual([]);
      });

      it('returns versions newest first, up to the limit, every field round-tripping', async () => {
        const v1 = unaVersionPrecios({ version: 1, origen: 'defecto' });
        const v2 = unaVersionPrecios({
          version: 2,
          precios: { precio_93: 1300, precio_95: 1360, precio_97: 1410, precio_diesel: 1130 },
          actualizado: '2024-01-16T08:00:00.000Z',
        });
        const v3 = unaVersionPrecios({
          version: 3,
          origen: 'local',
          actualizado: '2024-01-17T08:00:00.000Z',
        });
        await store.savePriceVersion(v1);
        await store.savePriceVersion(v3);
        await store.savePriceVersion(v2);
        expect(await store.latestPriceVersions(2)).toStrictEqual([v3, v2]);
        expect(await store.latestPriceVersions(10)).toStrictEqual([v3, v2, v1]);
      });

      it('saving a version again replaces it', async () => {
        await store.savePriceVersion(unaVersionPrecios({ version: 1 }));
        const replaced = unaVersionPrecios({
          version: 1,
          actualizado: '2024-02-01T00:00:00.000Z',
          origen: 'local',
        });
        await store.savePriceVersion(replaced);
        expect(await store.latestPriceVersions(10)).toStrictEqual([replaced]);
      });

      it('keeps a scheduled version with its vigencia, and deletes a version by number', async () => {
        const v1 = unaVersionPrecios({ version: 1 });
        const v2 = unaVersionPrecios({ version: 2, origen: 'empresa', vigencia: '2024-01-16T08:00:00.000Z' });
        await store.savePriceVersion(v1);
        await store.savePriceVersion(v2);
        expect(await store.latestPriceVersions(10)).toStrictEqual([v2, v1]);
        expect(await store.deletePriceVersion(2)).toBe(true);
        expect(await store.deletePriceVersion(2)).toBe(false);
        expect(await store.latestPriceVersions(10)).toStrictEqual([v1]);
      });

      it('clears the vigencia when a version is saved again in force at once', async () => {
        await store.savePriceVersion(unaVersionPrecios({ version: 2, vigencia: '2024-01-16T08:00:00.000Z' }));
        const now = unaVersionPrecios({ version: 2 });
        await store.savePriceVersion(now);
        expect(await store.latestPriceVersions(10)).toStrictEqual([now]);
      });
    });

    describe('exports (iterate*): every match, in the list order, a chunk at a time', () => {
      it('yields the same sales as the list, across chunks and ties on fecha_fin, with the same filters', async () => {
        // More than two chunks, most sharing one fecha_fin and recibida: only the full key orders them.
        const n = EXPORT_CHUNK * 2 + 7;
        const sales = Array.from({ length: n }, (_, i) =>
          unaTransaccion({
            id_transaccion: `X${String(i % 13).padStart(2, '0')}-${i}`,
            id_surtidor: 1 + (i % 3),
            tipo_combustible: i % 2 === 0 ? '93' : 'diesel',
            fecha_fin: i % 5 === 0 ? '2024-01-15T10:00:00Z' : '2024-01-15T09:00:00-03:00',
            recibida: '2024-01-15T14:00:00.000Z',
          }),
        );
        for (let i = 0; i < n; i += 500) await store.insertTransactions(sales.slice(i, i + 500));
        const filters: Partial<TransaccionFiltro>[] = [
          {},
          { id_surtidor: 2 },
          { tipo_combustible: 'diesel', fecha_fin: '2024-01-15T11:00:00Z' },
          { fecha_inicio: '2024-01-15T11:00:00Z' },
        ];
        for (const f of filters) {
          const listed = await page({ ...f, limit: n + 10 });
          const exported = await todo(store.iterateTransactions(f));
          expect(exported.length).toBe(listed.total);
          expect(ids(exported)).toEqual(ids(listed.items));
        }
        expect((await todo(store.iterateTransactions({}))).length).toBe(n);
      });

      it('stops reading when the consumer stops early', async () => {
        await store.insertTransactions(Array.from({ length: 5 }, () => unaTransaccion()));
        let seen = 0;
        for await (const _ of store.iterateTransactions({})) {
          seen++;
          if (seen === 2) break;
        }
        expect(seen).toBe(2);
        // The store still answers: nothing was left holding it.
        expect((await page()).total).toBe(5);
      });

      it('rejects an unreadable date bound', async () => {
        await expect(todo(store.iterateTransactions({ fecha_inicio: 'ayer' }))).rejects.toThrow(RangeError);
      });

      it('yields alerts, authorizations and conflicts as their lists do', async () => {
        for (let i = 0; i < 5; i++) {
          await store.raiseAlert(
            unaAlerta({ clave: `K${i}`, id_surtidor: 1 + (i % 2), creada: '2024-01-15T10:00:00.000Z' }),
          );
          await store.saveAuthorization(
            unaAutorizacion({ id_surtidor: 1 + (i % 2), estado: i % 2 ? 'emitida' : 'completada' }),
          );
        }
        await store.resolveAlert('K1', '2024-01-15T11:00:00.000Z');
        for (const f of [{}, { abiertas: true }, { id_surtidor: 2 }]) {
          expect(await todo(store.iterateAlerts(f))).toStrictEqual(await store.listAlerts({ ...f, limit: 100 }));
        }
        for (const f of [{}, { estados: ['emitida' as const] }, { id_surtidor: 1 }]) {
          const listed = await store.listAuthorizations({ ...f, limit: 100, skip: 0 });
          expect(await todo(store.iterateAuthorizations(f))).toStrictEqual(listed.items);
        }
        const tx = unaTransaccion({ id_surtidor: 4 });
        await store.insertTransactions([tx]);
        await store.insertTransactions([{ ...tx, litros: tx.litros + 1 }]);
        await store.insertTransactions([{ ...tx, litros: tx.litros + 2 }]);
        const conflicts = await store.listConflicts({ limit: 100, skip: 0 });
        expect(conflicts.total).toBe(2);
        expect(await todo(store.iterateConflicts({}))).toStrictEqual(conflicts.items);
        expect(await todo(store.iterateConflicts({ id_surtidor: 9 }))).toStrictEqual([]);
      });
    });

    describe('reportes (ext, issue 15): the journal and its cursor', () => {
      it('starts empty: no position, cursor 0, nothing to read', async () => {
        expect(await store.lastReportSeq()).toBe(0);
        expect(await store.reportCursor()).toBe(0);
        expect(await store.readReports(0, 100, 10)).toEqual([]);
      });

      it('merges sales (their seq on the row) with the other entries, in seq order, in bounded pages', async () => {
        const a = unaTransaccion({ id_transaccion: 'A' });
        const b = unaTransaccion({ id_transaccion: 'B' });
        expect(await store.insertTransactions([a, b], 1)).toEqual(['insertada', 'insertada']);
        await store.appendReports([
          { seq: 3, clase: 'surtidor', datos: { id_surtidor: 1 } },
          { seq: 5, clase: 'surtidor', datos: { id_surtidor: 2 } },
        ]);
        // A duplicate leaves its position unused; a conflict's new version takes none.
        const otra = unaTransaccion({ id_transaccion: 'C' });
        expect(await store.insertTransactions([a, { ...b, litros: b.litros + 1 }, otra], 6)).toEqual([
          'duplicada',
          'conflicto',
          'insertada',
        ]);
        expect(await store.lastReportSeq()).toBe(8);
        const all = await store.readReports(0, 100, 100);
        expect(all.map((r) => [r.seq, r.clase])).toEqual([
          [1, 'venta'],
          [2, 'venta'],
          [3, 'surtidor'],
          [5, 'surtidor'],
          [8, 'venta'],
        ]);
        expect(all[0]?.datos).toMatchObject({ id_transaccion: 'A', monto_total: a.monto_total, recibida: a.recibida });
        expect(all[4]?.datos).toMatchObject({ id_transaccion: 'C' });
        // Bounded: a page, then the next after it, and an upper bound that is respected.
        expect((await store.readReports(0, 100, 2)).map((r) => r.seq)).toEqual([1, 2]);
        expect((await store.readReports(2, 100, 2)).map((r) => r.seq)).toEqual([3, 5]);
        expect((await store.readReports(2, 4, 10)).map((r) => r.seq)).toEqual([3]);
        expect(await store.readReports(8, 100, 10)).toEqual([]);
      });

      it('journals an alert raised or resolved, and a close, only when the record is stored', async () => {
        const alerta = unaAlerta({ clave: 'J', severidad: 'critica' });
        expect(await store.raiseAlert(alerta, { seq: 1, clase: 'alerta', datos: { id: alerta.id } })).toBe(true);
        // Already open: not stored, so not journaled.
        expect(await store.raiseAlert(unaAlerta({ clave: 'J' }), { seq: 2, clase: 'alerta', datos: {} })).toBe(false);
        expect(
          await store.resolveAlert('J', '2024-01-15T15:00:00.000Z', { seq: 3, severidadMinima: 'advertencia' }),
        ).not.toBeNull();
        // Nothing open to resolve: nothing journaled.
        expect(
          await store.resolveAlert('J', '2024-01-15T16:00:00.000Z', { seq: 4, severidadMinima: 'info' }),
        ).toBeNull();
        // Below the threshold: resolved, not journaled.
        await store.raiseAlert(unaAlerta({ clave: 'K', severidad: 'info' }));
        expect(
          await store.resolveAlert('K', '2024-01-15T15:00:00.000Z', { seq: 5, severidadMinima: 'advertencia' }),
        ).not.toBeNull();
        const cierre = unCierre();
        expect(
          await store.insertCierre(cierre, { seq: 6, clase: 'cierre', datos: { id_cierre: cierre.id_cierre } }),
        ).toBeNull();
        expect(await store.insertCierre(unCierre(), { seq: 7, clase: 'cierre', datos: {} })).not.toBeNull();
        const all = await store.readReports(0, 100, 100);
        expect(all.map((r) => [r.seq, r.clase])).toEqual([
          [1, 'alerta'],
          [3, 'alerta'],
          [6, 'cierre'],
        ]);
        expect(all[1]?.datos).toMatchObject({
          id: alerta.id,
          resuelta: '2024-01-15T15:00:00.000Z',
          severidad: 'critica',
        });
        expect(await store.lastReportSeq()).toBe(6);
      });

      it('keeps the cursor durably and never moves it backwards', async () => {
        expect(await store.advanceReportCursor(5)).toBe(5);
        expect(await store.advanceReportCursor(3)).toBe(5);
        expect(await store.advanceReportCursor(9)).toBe(9);
        expect(await store.reportCursor()).toBe(9);
      });

      it('keeps the journal and the cursor across a reopen', async () => {
        await store.insertTransactions([unaTransaccion({ id_transaccion: 'R' })], 4);
        await store.appendReports([{ seq: 7, clase: 'surtidor', datos: { id_surtidor: 3 } }]);
        await store.advanceReportCursor(4);
        const again = await t.reopen();
        expect(await again.lastReportSeq()).toBe(7);
        expect(await again.reportCursor()).toBe(4);
        expect((await again.readReports(4, 10, 10)).map((r) => r.seq)).toEqual([7]);
      });
    });

    describe('cierres', () => {
      it('stores a close and reads it back exactly', async () => {
        const c = unCierre({ conciliacion: { tanques: [{ id_tanque: 1, diferencia: -3.5 }] } });
        expect(await store.insertCierre(c)).toBeNull();
        expect(await store.getCierre(c.id_cierre)).toStrictEqual(c);
        expect(await store.getCierre('no-existe')).toBeNull();
      });

      it('refuses a close whose range shares an instant with a stored one, returning that one', async () => {
        const dia = unCierre();
        expect(await store.insertCierre(dia)).toBeNull();
        // The same range, one that ends on its first instant, one inside it, a shift over it.
        for (const otro of [
          unCierre(),
          unCierre({ desde: '2024-01-14T03:00:00.000Z', hasta: dia.desde }),
          unCierre({ desde: '2024-01-15T12:00:00.000Z', hasta: '2024-01-15T13:00:00.000Z' }),
          unCierre({ turno: 'mañana' }),
        ]) {
          expect(await store.insertCierre(otro)).toStrictEqual(dia);
          expect(await store.getCierre(otro.id_cierre)).toBeNull();
        }
        // The next day, from the instant after.
        const siguiente = unCierre({ desde: '2024-01-16T03:00:00.000Z', hasta: '2024-01-17T02:59:59.999Z' });
        expect(await store.insertCierre(siguiente)).toBeNull();
        expect((await store.listCierres({ limit: 10, skip: 0 })).total).toBe(2);
      });

      it('lets different shifts overlap, never the same shift', async () => {
        const manana = unCierre({ turno: 'mañana', hasta: '2024-01-15T17:00:00.000Z' });
        const tarde = unCierre({ turno: 'tarde', desde: '2024-01-15T15:00:00.000Z' });
        expect(await store.insertCierre(manana)).toBeNull();
        expect(await store.insertCierre(tarde)).toBeNull();
        expect(await store.insertCierre(unCierre({ turno: 'tarde' }))).toStrictEqual(tarde);
        // A whole-range close over the shifts collides with the first shift of the range.
        expect(await store.insertCierre(unCierre())).toStrictEqual(manana);
      });

      it('lists the newest range first, pages it, and exports the same order', async () => {
        const a = unCierre({ desde: '2024-01-01T03:00:00.000Z', hasta: '2024-01-02T02:59:59.999Z' });
        const b = unCierre({ desde: '2024-01-02T03:00:00.000Z', hasta: '2024-01-03T02:59:59.999Z' });
        const c = unCierre({ desde: '2024-01-03T03:00:00.000Z', hasta: '2024-01-04T02:59:59.999Z' });
        for (const x of [b, c, a]) expect(await store.insertCierre(x)).toBeNull();
        expect(await store.listCierres({ limit: 10, skip: 0 })).toStrictEqual({ items: [c, b, a], total: 3 });
        expect(await store.listCierres({ limit: 1, skip: 1 })).toStrictEqual({ items: [b], total: 3 });
        expect(await store.listCierres({ limit: 0, skip: 0 })).toStrictEqual({ items: [], total: 3 });
        expect(await todo(store.iterateCierres())).toStrictEqual([c, b, a]);
      });
    });
  });

  // Users, credentials and the audit log live in the same database: the shared AuthStore contract
  // runs against this adapter's `store.auth`.
  describeAuthStoreContract(`${name} (store.auth)`, async () => {
    const store = await makeStore();
    await store.setup();
    return { store: store.auth, close: () => store.close() };
  });
}
