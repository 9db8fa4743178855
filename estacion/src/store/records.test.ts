/**
 * The readers of stored records take anything a store can hand back (a MongoDB document with a
 * wrong type, a record of an older build without a field, a damaged JSON document) and always
 * return a record that passes the API's schemas; a valid record comes back exactly as it was.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { presentPump } from '../http/deps.js';
import { conflicto } from '../http/routes/conflictos.js';
import { alerta, estadoSurtidor, surtidor, transaccion } from '../http/schemas.js';
import type { Transaccion } from '../domain/types.js';
import {
  exactTransaccion,
  jsonSafe,
  pickAlerta,
  pickConflicto,
  pickEstado,
  pickSurtidor,
  pickTransaccion,
} from './records.js';
import { unaAlerta, unaTransaccion, unEstado, unSurtidor } from './test-builders.js';

/** Any value a document field may hold, good or bad. */
const valor = fc.oneof(
  fc.anything({ maxDepth: 2, withNullPrototype: true, withBigInt: true, withDate: true, withTypedArray: true }),
  fc.constantFrom(
    Number.NaN,
    Infinity,
    -Infinity,
    -0,
    1e308,
    2 ** 60,
    'x'.repeat(20_000),
    '93',
    'tarjeta',
    'conectado',
  ),
);

/** A document shaped like `base` with any subset of its fields replaced by anything (or removed). */
function estropeado<T extends object>(base: T): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(base);
  return fc
    .record({
      cambios: fc.dictionary(fc.constantFrom(...keys), fc.option(valor, { nil: undefined }), { maxKeys: keys.length }),
      extra: fc.dictionary(fc.string({ maxLength: 8 }), valor, { maxKeys: 2 }),
    })
    .map(({ cambios, extra }) => ({ ...extra, ...base, ...cambios }));
}

const ok = (schema: { safeParse(v: unknown): { success: boolean; error?: { message: string } } }, v: unknown) => {
  const r = schema.safeParse(v);
  expect(r.success, r.error?.message.slice(0, 500)).toBe(true);
  // And it survives JSON as it is (no Infinity turning into null, no bigint throwing).
  expect(schema.safeParse(JSON.parse(JSON.stringify(v))).success).toBe(true);
};

describe("exactTransaccion: the write path's copy", () => {
  it('is pickTransaccion for any record, good or damaged (same fields, same JSON)', () => {
    fc.assert(
      fc.property(
        estropeado(unaTransaccion({ operador: 'ana', secuencia: 3, totalizador_inicio: 1, totalizador_fin: 2 })),
        (raw) => {
          const t = raw as unknown as Transaccion;
          const exact = exactTransaccion(t);
          const picked = pickTransaccion(t);
          expect(exact).toEqual(picked);
          expect(JSON.stringify(exact)).toBe(JSON.stringify(picked));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('copies a valid record without its stray fields', () => {
    const t = { ...unaTransaccion(), _id: 'x', extra: 1 } as unknown as Transaccion;
    expect(Object.keys(exactTransaccion(t))).toEqual(Object.keys(pickTransaccion(unaTransaccion())));
  });
});

describe('records: a stored record can never make a read fail', () => {
  it('a damaged sale reads as a valid one, saying so in REGISTRO_IRREGULAR', () => {
    fc.assert(
      fc.property(
        estropeado(unaTransaccion({ operador: 'ana', secuencia: 3 })),
        fc.oneof(fc.constant(undefined), valor),
        (doc, detalles) => {
          const t = pickTransaccion(detalles === undefined ? doc : { ...doc, detalles });
          ok(transaccion, t);
        },
      ),
      { numRuns: 300 },
    );
    const t = pickTransaccion({ ...unaTransaccion(), litros: 'diez', monto_total: 12.5 });
    expect(t.litros).toBe(0);
    expect(t.monto_total).toBe(13);
    expect(t.observaciones.at(-1)).toMatch(
      /^REGISTRO_IRREGULAR: litros "diez" no es un número finito; monto_total 12.5 no es un entero exacto/,
    );
  });

  it('pumps, live states, alerts and conflicts too', () => {
    fc.assert(
      fc.property(
        estropeado(unSurtidor()),
        estropeado(unEstado({ pausado_por: { usuario: 'ana', comando: 'pausar', razon: 'x', fecha: 'y' } })),
        (p, e) => {
          const s = pickSurtidor(p);
          const estado = pickEstado(e);
          ok(estadoSurtidor, estado);
          ok(surtidor, presentPump(s, estado));
        },
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(estropeado(unaAlerta({ datos: { a: [1, 2] } })), (a) => ok(alerta, pickAlerta(a))),
      { numRuns: 300 },
    );
    const c = {
      id: '1:T:h',
      id_surtidor: 1,
      id_transaccion: 'T',
      huella: 'h',
      huella_original: 'g',
      campos: ['litros'],
      original: unaTransaccion(),
      nueva: unaTransaccion(),
      detectado: '2024-01-15T14:30:01.000Z',
    };
    fc.assert(
      fc.property(estropeado(c), (d) => ok(conflicto, pickConflicto(d))),
      { numRuns: 300 },
    );
  });

  it('a valid record comes back exactly as it was', () => {
    for (const t of [
      unaTransaccion(),
      unaTransaccion({
        operador: 'José',
        secuencia: 0,
        totalizador_inicio: 0.5,
        totalizador_fin: 20.5,
        observaciones: ['x'],
      }),
    ])
      expect(pickTransaccion(structuredClone(t))).toStrictEqual(t);
    const s = unSurtidor({ combustible_actual: '95' });
    expect(pickSurtidor(structuredClone(s))).toStrictEqual(s);
    const e = unEstado({ pausado_por: { usuario: 'ana', comando: 'pausar', razon: 'x', fecha: 'y' } });
    expect(pickEstado(structuredClone(e))).toStrictEqual(e);
    const a = unaAlerta({ id: 'a', clave: 'k', datos: { n: 1, l: [null, 'x', { b: true }] } });
    expect(pickAlerta(structuredClone(a))).toStrictEqual(a);
  });

  it('alert data keeps only what JSON can carry', () => {
    expect(jsonSafe({ a: Infinity, b: Number.NaN, c: 1n, d: () => 1, e: [Infinity, 2], f: new Date(0) })).toEqual({
      a: null,
      b: null,
      e: [null, 2],
      f: '1970-01-01T00:00:00.000Z',
    });
  });
});
