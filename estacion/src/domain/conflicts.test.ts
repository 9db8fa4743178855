import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unaTransaccion } from '../store/test-builders.js';
import { CAMPOS_CONTENIDO, camposDistintos, conflictoEntre, huellaVenta } from './conflicts.js';
import type { Transaccion } from './types.js';

const base = unaTransaccion({
  id_transaccion: 'P-1',
  id_surtidor: 3,
  secuencia: 4,
  totalizador_inicio: 10,
  totalizador_fin: 30,
});

/** A different value for each content field (never equal to base's). */
const otro: { [K in (typeof CAMPOS_CONTENIDO)[number]]: fc.Arbitrary<Transaccion[K]> } = {
  id_surtidor: fc.integer({ min: 4, max: 1000 }),
  id_transaccion: fc.stringMatching(/^[A-Z]-[0-9]{1,4}$/).filter((s) => s !== 'P-1'),
  tipo_combustible: fc.constantFrom('95', '97', 'diesel'),
  litros: fc.double({ min: 0.001, max: 1000, noNaN: true }).filter((n) => n !== base.litros),
  precio_por_litro: fc.integer({ min: 1, max: 100_000 }).filter((n) => n !== base.precio_por_litro),
  monto_total: fc.integer({ min: 0, max: 1e9 }).filter((n) => n !== base.monto_total),
  metodo_pago: fc.constantFrom('tarjeta', 'transferencia'),
  fecha_inicio: fc.constantFrom('2024-01-15T14:27:59Z', '2024-01-15T11:28:01-03:00'),
  fecha_fin: fc.constantFrom('2024-01-15T14:30:01Z', '2024-01-15T14:29:59'),
  estado: fc.constantFrom('cancelada', 'error'),
  operador: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: null }).filter((o) => o !== base.operador),
  secuencia: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
  version_precios: fc.option(fc.integer({ min: 2, max: 99 }), { nil: null }),
  totalizador_inicio: fc.option(fc.double({ min: 0, max: 9, noNaN: true }), { nil: null }),
  totalizador_fin: fc.option(fc.double({ min: 31, max: 1e6, noNaN: true }), { nil: null }),
};

/** What the station derives or stamps: never part of the content. */
const noContenido = fc.record(
  {
    nombre_surtidor: fc.option(fc.string({ maxLength: 30 }), { nil: null }),
    id_derivado: fc.boolean(),
    observaciones: fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 }),
    detalles: fc.record({
      duracion_segundos: fc.nat(),
      velocidad_promedio: fc.double({ noNaN: true, noDefaultInfinity: true }),
    }),
    recibida: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  },
  { requiredKeys: [] },
);

describe('conflicts: a reused id is a duplicate only with the same content', () => {
  it('what the station derives or stamps never makes a conflict; the same instant written otherwise neither', () => {
    fc.assert(
      fc.property(
        noContenido,
        fc.constantFrom(base.fecha_fin, '2024-01-15T11:30:00.000-03:00', '2024-01-15T14:30:00'),
        (cambios, fin) => {
          const resend = { ...base, ...cambios, fecha_fin: fin };
          expect(conflictoEntre(base, resend)).toBeNull();
          expect(huellaVenta(resend)).toBe(huellaVenta(base));
        },
      ),
    );
  });

  it('any change to any content field is a conflict naming exactly the fields changed', () => {
    const cambio = fc
      .subarray([...CAMPOS_CONTENIDO], { minLength: 1 })
      .chain((campos) =>
        fc.record(
          Object.fromEntries(campos.map((c) => [c, otro[c]])) as { [K in keyof typeof otro]: (typeof otro)[K] },
        ),
      );
    fc.assert(
      fc.property(cambio, noContenido, (c, extra) => {
        const nueva = { ...base, ...extra, ...c };
        const conflicto = conflictoEntre(base, nueva);
        // Every generated value differs from base's, so every field changed is named.
        const esperados = CAMPOS_CONTENIDO.filter((k) => k in c);
        expect(conflicto).not.toBeNull();
        expect(camposDistintos(base, nueva)).toEqual(esperados);
        expect(conflicto?.campos).toEqual(esperados);
        expect(conflicto?.original).toBe(base);
        expect(conflicto?.nueva).toBe(nueva);
        expect(conflicto?.huella).toBe(huellaVenta(nueva));
        expect(conflicto?.huella).not.toBe(conflicto?.huella_original);
        expect(conflicto?.id).toBe(`${nueva.id_surtidor}:${nueva.id_transaccion}:${huellaVenta(nueva)}`);
        // Deterministic: the same version again is the same conflict.
        expect(conflictoEntre(base, structuredClone(nueva))?.id).toBe(conflicto?.id);
      }),
    );
  });

  it('an absent optional field and null are the same content, -0 and 0 too', () => {
    const sinOperador = { ...base } as Partial<Transaccion>;
    delete sinOperador.operador;
    expect(conflictoEntre(base, sinOperador as Transaccion)).toBeNull();
    expect(conflictoEntre({ ...base, monto_total: 0 }, { ...base, monto_total: -0 })).toBeNull();
  });
});
