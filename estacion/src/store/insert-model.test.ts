/**
 * insertTransactions against a model, for any sequence of batches of sales drawn from a few ids
 * and contents: the first version of an id is stored and never replaced; the same content again is
 * `duplicada`; each other content is one conflict (`conflicto` the first time, then
 * `conflicto_repetido`), kept with both versions. Nothing is lost, nothing is counted twice.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { huellaVenta } from '../domain/conflicts.js';
import type { Transaccion } from '../domain/types.js';
import type { InsertOutcome } from './port.js';
import { SqliteStore } from './sqlite-store.js';
import { unaTransaccion } from './test-builders.js';

const venta = fc
  .record({
    id_surtidor: fc.constantFrom(1, 2),
    id_transaccion: fc.constantFrom('A', 'B', 'C'),
    litros: fc.constantFrom(10, 20),
    metodo_pago: fc.constantFrom('efectivo' as const, 'tarjeta' as const),
    // Not content: a resend may carry other values here.
    nombre_surtidor: fc.constantFrom('Isla', 'Isla renombrada'),
    recibida: fc.constantFrom('2024-01-15T14:30:01.000Z', '2024-01-15T15:00:00.000Z'),
  })
  .map((f) => unaTransaccion({ ...f, monto_total: f.litros * 1290 }));

const key = (t: Transaccion) => `${t.id_surtidor}/${t.id_transaccion}`;

describe('insertTransactions follows the model (SQLite)', () => {
  it('stores the first version, recognises duplicates and keeps every other version once as a conflict', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(venta, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }),
        async (batches) => {
          const store = new SqliteStore({ dataDir: ':memory:' });
          await store.setup();
          try {
            const first = new Map<string, Transaccion>();
            const conflicts = new Map<string, Transaccion>();
            for (const batch of batches) {
              const expected = batch.map((t): InsertOutcome => {
                const original = first.get(key(t));
                if (!original) {
                  first.set(key(t), t);
                  return 'insertada';
                }
                if (huellaVenta(original) === huellaVenta(t)) return 'duplicada';
                const id = `${key(t)}/${huellaVenta(t)}`;
                if (conflicts.has(id)) return 'conflicto_repetido';
                conflicts.set(id, t);
                return 'conflicto';
              });
              expect(await store.insertTransactions(batch)).toEqual(expected);
            }
            const stored = await store.listTransactions({ limit: 1000, skip: 0 });
            expect(stored.total).toBe(first.size);
            for (const t of first.values())
              expect(await store.getTransaction(t.id_surtidor, t.id_transaccion)).toStrictEqual(t);
            const kept = await store.listConflicts({ limit: 1000, skip: 0 });
            expect(kept.total).toBe(conflicts.size);
            for (const c of kept.items) {
              expect(c.original).toStrictEqual(first.get(key(c.nueva)));
              expect(c.nueva).toStrictEqual(conflicts.get(`${key(c.nueva)}/${c.huella}`));
            }
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
