import { FAKE_CLOCK_START, type TransaccionCompletada, transaccionCompletada } from '@combustible/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { transaccion as transaccionApi } from '../http/schemas.js';
import { pickTransaccion } from '../store/records.js';
import { unaVersionPrecios, unSurtidor } from '../store/test-builders.js';
import { type ContextoPlausibilidad, LIMITES, observacionesVenta, rechazosVenta } from './plausibility.js';
import { PriceBook } from './prices.js';
import { buildTransaction } from './transactions.js';

const NOW = FAKE_CLOCK_START; // 2026-01-15T14:00:00Z
const HORA = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

function venta(o: Partial<TransaccionCompletada> = {}): TransaccionCompletada {
  return {
    tipo: 'transaccion_completada',
    id_surtidor: 3,
    tipo_combustible: '95',
    litros: 10,
    precio_por_litro: 1350,
    monto_total: 13_500,
    metodo_pago: 'efectivo',
    fecha_inicio: iso(NOW - 2 * 60_000),
    fecha_fin: iso(NOW - 60_000),
    ...o,
  };
}

/** Version 4 in force (95 at 1400), version 3 before it (95 at 1350). */
const precios = new PriceBook(
  unaVersionPrecios({
    version: 4,
    precios: { precio_93: 1300, precio_95: 1400, precio_97: 1450, precio_diesel: 1150 },
  }),
  unaVersionPrecios({ version: 3 }),
);
const surtidor = unSurtidor({
  id_surtidor: 3,
  combustibles_soportados: ['93', '95'],
  configuracion: { capacidad_maxima_litros: 100, velocidad_despacho: 1 },
});
const ctx: ContextoPlausibilidad = { surtidor, precios, ahoraMs: NOW };
const codigos = (t: TransaccionCompletada, c = ctx) => observacionesVenta(t, c).map((o) => o.split(':')[0]);

describe('plausibility: refused (never a real sale: nothing stored, the pump keeps it)', () => {
  it('refuses a date more than a day ahead of the station, naming the field', () => {
    const lejos = iso(NOW + LIMITES.adelantoMaximoMs + 1);
    expect(rechazosVenta(venta({ fecha_fin: lejos }), NOW)).toEqual([
      { campo: 'fecha_fin', problema: expect.stringMatching(/posterior/) },
    ]);
    expect(
      rechazosVenta(venta({ fecha_inicio: lejos, fecha_fin: '9999-12-31T23:59:59Z' }), NOW).map((d) => d.campo),
    ).toEqual(['fecha_inicio', 'fecha_fin']);
    // Exactly a day ahead is still taken (with an observation).
    const limite = venta({ fecha_fin: iso(NOW + LIMITES.adelantoMaximoMs) });
    expect(rechazosVenta(limite, NOW)).toEqual([]);
    expect(codigos(limite)).toContain('FECHA_ADELANTADA');
    // A pump clock that is only a little ahead raises nothing.
    expect(codigos(venta({ fecha_fin: iso(NOW + LIMITES.desfaseToleradoMs) }))).toEqual([]);
  });

  it('takes old sales (a pump that was offline for weeks) without refusing them', () => {
    expect(
      rechazosVenta(venta({ fecha_inicio: '2001-03-01T10:00:00Z', fecha_fin: '2001-03-01T10:05:00Z' }), NOW),
    ).toEqual([]);
  });

  it('the wire schema refuses what no pump can ever sell, naming the field', () => {
    for (const [campo, valor] of [
      ['litros', 1e-300],
      ['litros', LIMITES.litrosMax * 2],
      ['precio_por_litro', LIMITES.precioMax + 1],
      ['monto_total', LIMITES.montoMax + 1],
      ['fecha_inicio', '0001-01-01T00:00:00Z'],
      ['totalizador_inicio', LIMITES.totalizadorMax + 1],
    ] as const) {
      const r = transaccionCompletada.safeParse(venta({ [campo]: valor }));
      expect(r.success, campo).toBe(false);
      expect(r.error?.issues.map((i) => i.path.join('.'))).toContain(campo);
    }
  });
});

describe('plausibility: stored with an observation (odd, but it may be real)', () => {
  it('litres above the pump’s capacity per sale', () => {
    expect(codigos(venta({ litros: 100, monto_total: 135_000 }))).toEqual([]);
    expect(codigos(venta({ litros: 150, monto_total: 202_500 }))).toEqual(['LITROS_SOBRE_CAPACIDAD']);
    // A pump with no record: the default capacity.
    expect(codigos(venta({ litros: 900, monto_total: 1_215_000 }), { ...ctx, surtidor: null })).toEqual([]);
  });

  it('a fuel the pump did not declare', () => {
    expect(codigos(venta({ tipo_combustible: 'diesel', precio_por_litro: 1150, monto_total: 11_500 }))).toEqual([
      'COMBUSTIBLE_NO_SOPORTADO',
    ]);
  });

  it('a price far from the price book’s for the sale’s version (the one in force when none)', () => {
    expect(codigos(venta({ version_precios: 3 }))).toEqual([]);
    expect(codigos(venta({ precio_por_litro: 1400, monto_total: 14_000 }))).toEqual([]);
    expect(codigos(venta({ precio_por_litro: 1600, monto_total: 16_000 }))).toEqual(['PRECIO_INUSUAL']);
    expect(codigos(venta({ precio_por_litro: 1100, monto_total: 11_000, version_precios: 3 }))).toEqual([
      'PRECIO_INUSUAL',
    ]);
    expect(observacionesVenta(venta({ precio_por_litro: 1600, monto_total: 16_000 }), ctx)[0]).toContain('versión 4');
  });

  it('a huge amount, for instance a cancelled sale of 99,999,999 pesos', () => {
    expect(codigos(venta({ estado: 'cancelada', monto_total: 99_999_999 }))).toEqual([
      'MONTO_INCONSISTENTE',
      'MONTO_ELEVADO',
    ]);
  });

  it('a sale lasting more than a day, and a meter that moved other than the litres sold', () => {
    expect(codigos(venta({ fecha_inicio: iso(NOW - 25 * HORA) }))).toEqual(['DURACION_EXCESIVA']);
    expect(codigos(venta({ totalizador_inicio: 100, totalizador_fin: 110 }))).toEqual([]);
    expect(codigos(venta({ totalizador_inicio: 100, totalizador_fin: 110.005 }))).toEqual([]);
    expect(codigos(venta({ totalizador_inicio: 100, totalizador_fin: 130 }))).toEqual(['TOTALIZADOR_INCONSISTENTE']);
  });
});

/** Any sale the wire schema takes, dated between 2000 and a day ahead of the station. */
const ventaValida = fc
  .record({
    id_surtidor: fc.integer({ min: 1, max: 5 }),
    tipo_combustible: fc.constantFrom('93' as const, '95' as const, '97' as const, 'diesel' as const),
    litros: fc.double({ min: LIMITES.litrosMin, max: LIMITES.litrosMax, noNaN: true }),
    precio_por_litro: fc.integer({ min: LIMITES.precioMin, max: LIMITES.precioMax }),
    monto_total: fc.integer({ min: 0, max: LIMITES.montoMax }),
    metodo_pago: fc.constantFrom('efectivo' as const, 'tarjeta' as const, 'transferencia' as const),
    inicio: fc.integer({ min: LIMITES.fechaMinimaMs, max: NOW + LIMITES.adelantoMaximoMs }),
    duracion: fc.integer({ min: 0, max: 3 * 24 * HORA }),
    estado: fc.constantFrom('completada' as const, 'cancelada' as const, 'error' as const),
    version_precios: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
    totalizador_inicio: fc.option(fc.double({ min: 0, max: 1e9, noNaN: true }), { nil: undefined }),
  })
  .map(({ inicio, duracion, totalizador_inicio, version_precios, ...f }) => {
    const v: TransaccionCompletada = {
      tipo: 'transaccion_completada',
      ...f,
      fecha_inicio: iso(inicio),
      fecha_fin: iso(Math.min(inicio + duracion, NOW + LIMITES.adelantoMaximoMs)),
    };
    if (version_precios !== undefined) v.version_precios = version_precios;
    if (totalizador_inicio !== undefined) {
      v.totalizador_inicio = totalizador_inicio;
      v.totalizador_fin = totalizador_inicio + f.litros;
    }
    return v;
  });

describe('plausibility: properties', () => {
  it('never refuses a sale within the limits; observes it with known codes; the record passes the API schema', () => {
    const known = new Set([
      'MONTO_INCONSISTENTE',
      'VERSION_PRECIOS_ANTIGUA',
      'LITROS_SOBRE_CAPACIDAD',
      'COMBUSTIBLE_NO_SOPORTADO',
      'PRECIO_INUSUAL',
      'MONTO_ELEVADO',
      'DURACION_EXCESIVA',
      'FECHA_ADELANTADA',
      'TOTALIZADOR_INCONSISTENTE',
    ]);
    fc.assert(
      fc.property(ventaValida, fc.boolean(), (v, conSurtidor) => {
        expect(transaccionCompletada.safeParse(v).success).toBe(true);
        expect(rechazosVenta(v, NOW)).toEqual([]);
        const record = buildTransaction(v, {
          now: iso(NOW),
          nombreSurtidor: 'Isla',
          prices: precios,
          surtidor: conSurtidor ? surtidor : null,
        });
        for (const o of record.observaciones) expect(known.has(o.split(':')[0] ?? ''), o).toBe(true);
        expect(transaccionApi.safeParse(record).success).toBe(true);
        // The store's tolerant reader leaves every record the station builds exactly as it is.
        expect(pickTransaccion(structuredClone(record))).toStrictEqual(record);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses exactly the sales dated more than a day ahead', () => {
    fc.assert(
      fc.property(ventaValida, fc.integer({ min: 1, max: 400 * 24 * HORA }), (v, adelanto) => {
        const fin = NOW + LIMITES.adelantoMaximoMs + adelanto;
        const r = rechazosVenta({ ...v, fecha_fin: iso(fin) }, NOW);
        expect(r.map((d) => d.campo)).toContain('fecha_fin');
      }),
    );
  });
});
