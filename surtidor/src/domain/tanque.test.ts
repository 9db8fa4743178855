import { FakeClock } from '@combustible/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import {
  a15,
  alturaDeLitros,
  aTemperatura,
  capacidadDe,
  cilindroParaCapacidad,
  type OpcionesTanque,
  litrosEnAltura,
  litrosQueSalen,
  NIVEL_SOBRELLENADO,
  Tanque,
  tablaCilindroHorizontal,
} from './tanque.js';

const HORA = 3_600_000;
const DIA = 24 * HORA;
const TABLA = cilindroParaCapacidad(40_000);

/** A tank on a fake clock; by default a steady 15 °C and a noiseless probe. */
function unTanque(opciones: Partial<OpcionesTanque> = {}, seed = 1): { tanque: Tanque; clock: FakeClock } {
  const clock = new FakeClock();
  const tanque = new Tanque(
    {
      combustible: '93',
      tabla: TABLA,
      litrosIniciales: 20_000,
      clima: { mediaC: 15, amplitudC: 0 },
      ruido: { alturaMm: 0, temperaturaC: 0 },
      ...opciones,
    },
    { clock, random: seededRandom(seed) },
  );
  return { tanque, clock };
}

/** Litres per mm at a height of the chart (its slope there). */
function litrosPorMm(alturaMm: number): number {
  return litrosEnAltura(TABLA, alturaMm + 1) - litrosEnAltura(TABLA, alturaMm);
}

describe('calibration chart', () => {
  it('a horizontal cylinder holds π r² L, half of it at half its height', () => {
    const tabla = tablaCilindroHorizontal(2000, 5000, 100);
    const lleno = (Math.PI * 1000 * 1000 * 5000) / 1e6;
    expect(capacidadDe(tabla)).toBeCloseTo(lleno, 6);
    expect(litrosEnAltura(tabla, 1000)).toBeCloseTo(lleno / 2, 6);
    expect(litrosEnAltura(tabla, 0)).toBe(0);
    expect(litrosEnAltura(tabla, 5000)).toBeCloseTo(lleno, 6);
  });

  it('cilindroParaCapacidad holds what was asked; at 30 000 L it is the station’s demo tank (2.5 m across)', () => {
    for (const c of [5000, 20_000, 40_000, 100_000]) expect(capacidadDe(cilindroParaCapacidad(c))).toBeCloseTo(c, 3);
    const demo = cilindroParaCapacidad(30_000);
    expect(demo.at(-1)?.altura_mm).toBeCloseTo(2500, 6);
    expect(litrosEnAltura(demo, 1250)).toBeCloseTo(15_000, 6);
  });

  it('refuses a shapeless cylinder', () => {
    expect(() => tablaCilindroHorizontal(0, 1000)).toThrow(RangeError);
    expect(() => cilindroParaCapacidad(-1)).toThrow(RangeError);
  });

  it('height → litres → height is the identity, and litres grow with height', () => {
    const alto = TABLA[TABLA.length - 1]?.altura_mm ?? 0;
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: alto, noNaN: true }),
        fc.double({ min: 0, max: alto, noNaN: true }),
        (h, k) => {
          expect(alturaDeLitros(TABLA, litrosEnAltura(TABLA, h))).toBeCloseTo(h, 6);
          if (h <= k) expect(litrosEnAltura(TABLA, h)).toBeLessThanOrEqual(litrosEnAltura(TABLA, k));
          if (h + 0.01 < k) expect(litrosEnAltura(TABLA, h)).toBeLessThan(litrosEnAltura(TABLA, k));
        },
      ),
    );
  });
});

describe('thermal expansion', () => {
  it('15 °C litres and gross litres are inverse, with the fuel coefficient', () => {
    expect(aTemperatura(10_000, 25, 0.00095)).toBeCloseTo(10_095, 6);
    expect(a15(10_095, 25, 0.00095)).toBeCloseTo(10_000, 6);
    expect(a15(10_000, 15, 0.00083)).toBe(10_000);
  });

  it('warming the product grows its gross volume and keeps its net volume', () => {
    const { tanque, clock } = unTanque({
      temperaturaInicialC: 10,
      clima: { mediaC: 20, amplitudC: 0, constanteTiempoH: 1 },
    });
    const antes = tanque.estado();
    clock.advance(2 * DIA);
    const despues = tanque.estado();
    expect(despues.temperaturaC).toBeCloseTo(20, 3);
    expect(despues.litros15).toBeCloseTo(antes.litros15, 6);
    expect(despues.litros - antes.litros).toBeCloseTo(antes.litros15 * 0.00095 * 10, 3);
    expect(despues.alturaProductoMm).toBeGreaterThan(antes.alturaProductoMm);
  });

  it('diesel expands by its own coefficient', () => {
    const { tanque } = unTanque({ combustible: 'diesel', temperaturaInicialC: 25 });
    const e = tanque.estado();
    expect(e.litros).toBeCloseTo(e.litros15 * (1 + 0.00083 * 10), 6);
  });
});

describe('temperature', () => {
  it('swings daily, less than the surroundings and after them', () => {
    const { tanque, clock } = unTanque({ clima: { mediaC: 18, amplitudC: 4, horaPico: 16, constanteTiempoH: 6 } });
    clock.advance(5 * DIA); // settle
    const muestras: { hora: number; t: number }[] = [];
    for (let i = 0; i < 96; i++) {
      clock.advance(15 * 60_000);
      muestras.push({ hora: (clock.now() % DIA) / HORA, t: tanque.estado().temperaturaC });
    }
    const ts = muestras.map((m) => m.t);
    const swing = Math.max(...ts) - Math.min(...ts);
    expect(swing).toBeGreaterThan(1);
    expect(swing).toBeLessThan(8);
    const pico = muestras.reduce((a, b) => (b.t > a.t ? b : a));
    expect(pico.hora).toBeGreaterThan(16);
    expect(pico.hora).toBeLessThan(23);
  });
});

describe('draws and deliveries', () => {
  it('a draw takes its litres out, never more than there is', () => {
    const { tanque } = unTanque({ litrosIniciales: 100 });
    expect(tanque.extraer(30)).toBeCloseTo(30, 9);
    expect(tanque.estado().litros).toBeCloseTo(70, 9);
    expect(tanque.extraer(500)).toBeCloseTo(70, 9);
    expect(tanque.estado().litros).toBe(0);
    expect(tanque.extraer(5)).toBe(0);
  });

  it('a delivery flows in over its minutes and mixes its temperature in', () => {
    const { tanque, clock } = unTanque({
      litrosIniciales: 10_000,
      clima: { mediaC: 15, amplitudC: 0, constanteTiempoH: 1e6 },
    });
    tanque.iniciarDescarga({ litros: 10_000, temperaturaC: 25, duracionMs: 40 * 60_000 });
    expect(tanque.descargando()).toBe(true);
    clock.advance(20 * 60_000);
    expect(tanque.estado().litros15).toBeCloseTo(10_000 + a15(5000, 25, 0.00095), 3);
    clock.advance(20 * 60_000);
    const e = tanque.estado();
    expect(e.descargando).toBe(false);
    const entregado15 = a15(10_000, 25, 0.00095);
    expect(e.litros15).toBeCloseTo(10_000 + entregado15, 3);
    expect(e.temperaturaC).toBeGreaterThan(19);
    expect(e.temperaturaC).toBeLessThan(21);
    const b = tanque.balance();
    expect(b.descargas).toBe(1);
    expect(b.entregadoLitros).toBeCloseTo(10_000, 3);
  });

  it('a delivery stops at the overfill level', () => {
    const { tanque, clock } = unTanque({ litrosIniciales: 30_000 });
    tanque.iniciarDescarga({ litros: 20_000, temperaturaC: 15, duracionMs: 30 * 60_000 });
    clock.advance(HORA);
    const e = tanque.estado();
    expect(e.descargando).toBe(false);
    expect(e.litros).toBeCloseTo(NIVEL_SOBRELLENADO * 40_000, 3);
    expect(tanque.balance().descargas).toBe(1);
  });
});

describe('faults', () => {
  it('a pump meter x% high: the litres that left are the sale over 1 + x/100', () => {
    expect(litrosQueSalen(103, 3)).toBeCloseTo(100, 9);
    expect(litrosQueSalen(50, 0)).toBe(50);
  });

  it('a leak of L L/h removes L litres per hour', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 20, noNaN: true }), fc.integer({ min: 1, max: 72 }), (l, horas) => {
        const { tanque, clock } = unTanque({ fallas: { fugaLitrosHora: l } });
        const antes = tanque.estado().litros;
        clock.advance(horas * HORA);
        expect(antes - tanque.estado().litros).toBeCloseTo(l * horas, 6);
        expect(tanque.balance().fugadoLitros).toBeCloseTo(l * horas, 6);
      }),
    );
  });

  it('a leak stops when the tank is empty', () => {
    const { tanque, clock } = unTanque({ litrosIniciales: 10, fallas: { fugaLitrosHora: 5 } });
    clock.advance(10 * HORA);
    expect(tanque.estado().litros).toBe(0);
    expect(tanque.balance().fugadoLitros).toBeCloseTo(10, 9);
  });

  it('theft takes about its litres per day, in episodes, apart from the draws', () => {
    const { tanque, clock } = unTanque({ fallas: { roboLitrosDia: 60 } }, 7);
    clock.advance(30 * DIA);
    const b = tanque.balance();
    expect(b.robadoLitros).toBeGreaterThan(0.6 * 30 * 60);
    expect(b.robadoLitros).toBeLessThan(1.4 * 30 * 60);
    expect(b.extraidoLitros).toBe(0);
    expect(tanque.estado().litros).toBeCloseTo(20_000 - b.robadoLitros, 6);
  });

  it('faults can change mid-run; what happened stays', () => {
    const { tanque, clock } = unTanque({ fallas: { fugaLitrosHora: 2 } });
    clock.advance(5 * HORA);
    tanque.cambiarFallas({ fugaLitrosHora: 0 });
    clock.advance(5 * HORA);
    expect(tanque.balance().fugadoLitros).toBeCloseTo(10, 6);
  });

  it('water seeps in under the product and raises the water height', () => {
    const { tanque, clock } = unTanque({ fallas: { ingresoAguaLitrosHora: 10 } });
    clock.advance(10 * HORA);
    const e = tanque.estado();
    expect(e.aguaLitros).toBeCloseTo(100, 6);
    expect(e.alturaAguaMm).toBeGreaterThan(0);
    expect(tanque.leer().altura_agua_mm).toBeCloseTo(e.alturaAguaMm, 0);
  });
});

describe('the probe', () => {
  it('without noise reads the truth (to its resolution)', () => {
    const { tanque } = unTanque({ aguaLitrosIniciales: 200, temperaturaInicialC: 22.345 });
    const e = tanque.estado();
    const l = tanque.leer();
    expect(l.altura_producto_mm).toBeCloseTo(e.alturaProductoMm, 1);
    expect(l.altura_agua_mm).toBeCloseTo(e.alturaAguaMm, 1);
    expect(l.temperatura_c).toBe(22.35);
    const tolerancia = 0.1 * litrosPorMm(e.alturaProductoMm) + 0.1 * litrosPorMm(e.alturaAguaMm);
    expect(Math.abs(l.litros - e.litros)).toBeLessThan(tolerancia);
    expect(Math.abs(l.litros_15c - e.litros15)).toBeLessThan(tolerancia);
  });

  it('with noise scatters around the truth with the configured spread', () => {
    const { tanque } = unTanque({ ruido: { alturaMm: 0.5, temperaturaC: 0.05 } }, 3);
    const verdad = tanque.estado();
    const n = 4000;
    const alturas = Array.from({ length: n }, () => tanque.leer().altura_producto_mm);
    const media = alturas.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(alturas.reduce((a, b) => a + (b - media) ** 2, 0) / n);
    expect(Math.abs(media - verdad.alturaProductoMm)).toBeLessThan(0.05);
    expect(sd).toBeGreaterThan(0.4);
    expect(sd).toBeLessThan(0.6);
  });

  it('a gauge with another chart reads other litres for the same height', () => {
    const chica = cilindroParaCapacidad(39_000);
    const { tanque } = unTanque({ tablaSonda: chica });
    const l = tanque.leer();
    expect(l.litros).toBeCloseTo(litrosEnAltura(chica, l.altura_producto_mm), 0);
    expect(l.litros).toBeLessThan(tanque.estado().litros - 100);
  });

  it('the same seed and times give the same readings', () => {
    const run = (): unknown[] => {
      const { tanque, clock } = unTanque(
        { ruido: { alturaMm: 0.7, temperaturaC: 0.1 }, fallas: { roboLitrosDia: 30 } },
        11,
      );
      return Array.from({ length: 20 }, () => {
        clock.advance(HORA);
        return tanque.leer();
      });
    };
    expect(run()).toEqual(run());
  });
});

type Operacion =
  | { tipo: 'extraer'; litros: number }
  | { tipo: 'descarga'; litros: number; temperaturaC: number; minutos: number }
  | { tipo: 'esperar'; minutos: number };

/** Runs draws, deliveries and waits (each wait `escala` times its minutes) on a tank. */
function aplicar(tanque: Tanque, clock: FakeClock, ops: readonly Operacion[], escala: number): void {
  for (const op of ops) {
    if (op.tipo === 'extraer') tanque.extraer(op.litros);
    else if (op.tipo === 'descarga')
      tanque.iniciarDescarga({ litros: op.litros, temperaturaC: op.temperaturaC, duracionMs: op.minutos * 60_000 });
    else clock.advance(op.minutos * 60_000 * escala);
  }
}

describe('conservation (property)', () => {
  const operacion: fc.Arbitrary<Operacion> = fc.oneof(
    fc.record({ tipo: fc.constant('extraer' as const), litros: fc.double({ min: 0, max: 80, noNaN: true }) }),
    fc.record({
      tipo: fc.constant('descarga' as const),
      litros: fc.double({ min: 1000, max: 15_000, noNaN: true }),
      temperaturaC: fc.double({ min: 5, max: 30, noNaN: true }),
      minutos: fc.integer({ min: 0, max: 60 }),
    }),
    fc.record({ tipo: fc.constant('esperar' as const), minutos: fc.integer({ min: 0, max: 180 }) }),
  );

  it('without faults, litres at 15 °C in = out + what remains; the probe agrees within its noise', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.double({ min: 2000, max: 30_000, noNaN: true }),
        fc.array(operacion, { maxLength: 60 }),
        (seed, iniciales, ops) => {
          const { tanque, clock } = unTanque(
            {
              litrosIniciales: iniciales,
              clima: { mediaC: 18, amplitudC: 4 },
              ruido: { alturaMm: 0.5, temperaturaC: 0.05 },
            },
            seed,
          );
          const primera = tanque.leer();
          aplicar(tanque, clock, ops, 1);
          clock.advance(2 * HORA); // any delivery has ended
          const b = tanque.balance();
          // The books, exactly.
          expect(b.inicial15 + b.entregado15 - b.extraido15).toBeCloseTo(b.actual15, 6);
          expect(b.fugado15 + b.robado15).toBe(0);
          // The probe: the first and last readings each off by a few σ of height and temperature.
          const ultima = tanque.leer();
          const e = tanque.estado();
          const ruido = (alturaMm: number, litros15: number): number =>
            5 * (0.5 + 0.1) * litrosPorMm(alturaMm) + 5 * 0.05 * 0.00095 * litros15 + 1;
          const tolerancia = ruido(primera.altura_producto_mm, b.inicial15) + ruido(e.alturaProductoMm, e.litros15);
          const esperado = primera.litros_15c + b.entregado15 - b.extraido15;
          expect(Math.abs(ultima.litros_15c - esperado)).toBeLessThan(tolerancia);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('with every fault, the books still balance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 200, noNaN: true }),
        fc.array(operacion, { maxLength: 40 }),
        (seed, fuga, robo, ops) => {
          const { tanque, clock } = unTanque(
            { litrosIniciales: 5000, fallas: { fugaLitrosHora: fuga, roboLitrosDia: robo }, clima: { amplitudC: 3 } },
            seed,
          );
          aplicar(tanque, clock, ops, 10);
          const b = tanque.balance();
          const fuera = b.extraido15 + b.fugado15 + b.robado15 + b.actual15;
          expect(fuera).toBeCloseTo(b.inicial15 + b.entregado15, 6);
          expect(b.actual15).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
