import { describe, expect, it } from 'vitest';
import { conciliar, type EntradaTanque, limitesDiarios, limitesTurnos, MAX_PERIODOS } from './conciliacion.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Two days: 1000 L sold on day 1 (20 L missing), a 5000 L delivery and 800 L sold on day 2 (10 L over). */
const dosDias = (): EntradaTanque => ({
  id_tanque: 3,
  lecturas: [
    { timestamp: T0 + 48 * H, litros: 13_190, litros_15c: 13_058.1 },
    { timestamp: T0, litros: 10_000, litros_15c: 9_900 },
    { timestamp: T0 + 24 * H + 5 * 60_000, litros: 8_980, litros_15c: 8_890.2 },
  ],
  ventas: [
    { fecha_fin: T0 + 10 * H, litros: 600 },
    { fecha_fin: T0 + 20 * H, litros: 400 },
    { fecha_fin: T0 + 30 * H, litros: 800 },
  ],
  descargas: [{ inicio: T0 + 35 * H, fin: T0 + 36 * H, litros: 5_000 }],
});

describe('period edges', () => {
  it('gives local midnights covering the range, for a UTC offset', () => {
    expect(limitesDiarios(T0 + 5 * H, T0 + 30 * H).map(iso)).toEqual([
      '2026-03-01T00:00:00.000Z',
      '2026-03-02T00:00:00.000Z',
      '2026-03-03T00:00:00.000Z',
    ]);
    // UTC−3: local midnight is 03:00Z.
    expect(limitesDiarios(T0 + 5 * H, T0 + 26 * H, -180).map(iso)).toEqual([
      '2026-03-01T03:00:00.000Z',
      '2026-03-02T03:00:00.000Z',
    ]);
  });

  it('gives shift starts, the first at or before desde and the last at or after hasta', () => {
    expect(limitesTurnos(T0 + 7 * H, T0 + 23 * H, [1320, 360, 840]).map(iso)).toEqual([
      '2026-03-01T06:00:00.000Z',
      '2026-03-01T14:00:00.000Z',
      '2026-03-01T22:00:00.000Z',
      '2026-03-02T06:00:00.000Z',
    ]);
  });

  it('refuses an empty range, bad shift starts and more periods than the bound', () => {
    expect(() => limitesDiarios(T0, T0)).toThrow(RangeError);
    expect(() => limitesTurnos(T0, T0 + H, [1440])).toThrow(RangeError);
    expect(() => limitesDiarios(T0, T0 + (MAX_PERIODOS + 5) * 24 * H)).toThrow(/más de/);
  });
});

describe('conciliar', () => {
  it('balances each day between the readings nearest its edges, and accumulates the variance', () => {
    const [d1, d2] = conciliar(dosDias(), limitesDiarios(T0, T0 + 47 * H));
    expect(d1).toMatchObject({
      id_tanque: 3,
      desde: iso(T0),
      hasta: iso(T0 + 24 * H),
      lectura_inicial: iso(T0),
      lectura_final: iso(T0 + 24 * H + 5 * 60_000),
      bruto: {
        stock_inicial: 10_000,
        ventas: 1_000,
        descargas: 0,
        stock_esperado: 9_000,
        stock_medido: 8_980,
        varianza: -20,
        varianza_acumulada: -20,
      },
    });
    expect(d2?.bruto).toEqual({
      stock_inicial: 8_980,
      ventas: 800,
      descargas: 5_000,
      stock_esperado: 13_180,
      stock_medido: 13_190,
      varianza: 10,
      varianza_acumulada: -10,
    });
  });

  it('converts sales and deliveries to 15 °C with the tank’s own net/gross ratio', () => {
    const [d1, d2] = conciliar(dosDias(), limitesDiarios(T0, T0 + 47 * H));
    // Day 1 at ratio 0.99: 9900 − 990 = 8910 expected, 8890.2 measured.
    expect(d1?.neto_15c).toMatchObject({ ventas: 990, stock_esperado: 8_910, varianza: -19.8 });
    // Day 2 at the ratio of the reading at 24:05 (8890.2 / 8980 = 0.99).
    expect(d2?.neto_15c).toMatchObject({ ventas: 792, descargas: 4_950, varianza: 9.9, varianza_acumulada: -9.9 });
  });

  it('gives null volumes for a period without a reading near an edge, and goes on with the next', () => {
    const e = dosDias();
    e.lecturas = [...e.lecturas, { timestamp: T0 + 96 * H, litros: 12_000, litros_15c: null }];
    const filas = conciliar(e, limitesDiarios(T0, T0 + 96 * H));
    expect(filas.map((f) => f.bruto?.varianza ?? null)).toEqual([-20, 10, null, null]);
    expect(filas[2]).toMatchObject({ lectura_inicial: iso(T0 + 48 * H), lectura_final: null, neto_15c: null });
  });

  it('leaves out the net balance when a reading has no 15 °C volume, and ignores non-finite records', () => {
    const e = dosDias();
    e.lecturas = e.lecturas.map((l) => ({ ...l, litros_15c: null }));
    e.ventas = [...e.ventas, { fecha_fin: Number.NaN, litros: 50 }];
    const [d1] = conciliar(e, limitesDiarios(T0, T0 + 24 * H));
    expect(d1?.bruto?.varianza).toBe(-20);
    expect(d1?.neto_15c).toBeNull();
  });
});
