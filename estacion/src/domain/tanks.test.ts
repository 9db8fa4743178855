import type { LecturaTanque } from '@combustible/shared';
import { describe, expect, it } from 'vitest';
import { unSurtidor, unTanque } from '../store/test-builders.js';
import {
  alturaPorLitros,
  calibracionCilindro,
  litrosPorAltura,
  revisarCalibracion,
  revisarLectura,
  tanqueDe,
} from './tanks.js';

const lectura = (o: Partial<LecturaTanque> = {}): LecturaTanque => ({
  tipo: 'lectura_tanque',
  id_medidor: 1,
  id_tanque: 1,
  timestamp: '2024-01-15T14:30:00Z',
  altura_producto_mm: 1000,
  altura_agua_mm: 5,
  temperatura_c: 18,
  litros: 9000,
  litros_15c: 8980,
  ...o,
});

describe('calibration chart', () => {
  it('interpolates linearly between points and is null above the last one', () => {
    const c = unTanque().calibracion;
    expect(litrosPorAltura(c, 0)).toBe(0);
    expect(litrosPorAltura(c, 500)).toBe(4500);
    expect(litrosPorAltura(c, 1500)).toBe(14_500);
    expect(litrosPorAltura(c, 2000)).toBe(20_000);
    expect(litrosPorAltura(c, 2001)).toBeNull();
  });

  it('finds the height of a volume (the inverse), clamped to the chart', () => {
    const c = calibracionCilindro(30_000, 2500);
    for (const litros of [0, 1, 777, 15_000, 29_999]) {
      expect(litrosPorAltura(c, alturaPorLitros(c, litros))).toBeCloseTo(litros, 6);
    }
    expect(alturaPorLitros(c, 40_000)).toBe(2500);
    expect(alturaPorLitros(c, -5)).toBe(0);
  });

  it('accepts a cylinder chart and refuses non-monotonic, short or out-of-capacity ones', () => {
    expect(revisarCalibracion({ capacidad_litros: 30_000, calibracion: calibracionCilindro(30_000, 2500) })).toEqual(
      [],
    );
    expect(revisarCalibracion({ capacidad_litros: 100, calibracion: [{ altura_mm: 0, litros: 0 }] })).toHaveLength(1);
    const mal = revisarCalibracion({
      capacidad_litros: 10_000,
      calibracion: [
        { altura_mm: 0, litros: 0 },
        { altura_mm: 500, litros: 6000 },
        { altura_mm: 500, litros: 5000 },
        { altura_mm: 1000, litros: 20_000 },
      ],
    });
    expect(mal.join(' | ')).toMatch(/no es mayor/);
    expect(mal.join(' | ')).toMatch(/menos que el punto anterior/);
    expect(mal.join(' | ')).toMatch(/más que la capacidad/);
    expect(
      revisarCalibracion({
        capacidad_litros: 10_000,
        calibracion: [
          { altura_mm: 10, litros: 0 },
          { altura_mm: 1000, litros: 10_000 },
        ],
      }),
    ).toEqual(['el primer punto debe ser 0 mm, 0 litros']);
  });
});

describe('tank of (pump, fuel)', () => {
  const tanques = [
    unTanque({ id_tanque: 1, combustible: '93' }),
    unTanque({ id_tanque: 2, combustible: '93' }),
    unTanque({ id_tanque: 4, combustible: 'diesel' }),
  ];

  it("is the pump's configured tank when it sells that fuel", () => {
    const p = unSurtidor({
      configuracion: { capacidad_maxima_litros: 100, velocidad_despacho: 1, tanques: { '93': 2 } },
    });
    expect(tanqueDe(p, '93', tanques)).toBe(2);
  });

  it('is the only tank of that fuel when none is configured (or the configured one is not of that fuel)', () => {
    const p = unSurtidor({
      configuracion: { capacidad_maxima_litros: 100, velocidad_despacho: 1, tanques: { diesel: 1 } },
    });
    expect(tanqueDe(p, 'diesel', tanques)).toBe(4);
    expect(tanqueDe(undefined, 'diesel', tanques)).toBe(4);
  });

  it('is none with two tanks of the fuel and no configuration, or no tank of it', () => {
    expect(tanqueDe(unSurtidor(), '93', tanques)).toBeNull();
    expect(tanqueDe(unSurtidor(), '97', tanques)).toBeNull();
  });
});

describe('reading review', () => {
  const t = unTanque({ id_tanque: 1 });
  const registrados = new Set([1]);

  it('takes a consistent reading without observations', () => {
    expect(revisarLectura(t, registrados, lectura())).toEqual({ ok: true, observaciones: [] });
  });

  it('refuses an unknown tank, or one the gauge did not register', () => {
    expect(revisarLectura(undefined, registrados, lectura())).toMatchObject({
      ok: false,
      codigo: 'TANQUE_DESCONOCIDO',
    });
    expect(revisarLectura(t, new Set([2]), lectura())).toMatchObject({ ok: false, codigo: 'TANQUE_DESCONOCIDO' });
  });

  it('refuses a height above the chart and water above the product', () => {
    expect(revisarLectura(t, registrados, lectura({ altura_producto_mm: 2500 }))).toMatchObject({
      ok: false,
      codigo: 'LECTURA_IMPLAUSIBLE',
    });
    expect(
      revisarLectura(
        t,
        registrados,
        lectura({ altura_producto_mm: 10, altura_agua_mm: 20, litros: 90, litros_15c: 90 }),
      ),
    ).toMatchObject({
      ok: false,
      codigo: 'LECTURA_IMPLAUSIBLE',
    });
  });

  it('reads the product height as the top of the liquid, water included, and the litres as the product alone', () => {
    // 500 mm of water under a liquid 1500 mm high: the chart gives 14 500 L, 4500 of them water.
    const conAgua = { altura_producto_mm: 1500, altura_agua_mm: 500 };
    expect(revisarLectura(t, registrados, lectura({ ...conAgua, litros: 10_000, litros_15c: 9980 }))).toEqual({
      ok: true,
      observaciones: [],
    });
    // A gauge that counted the water as product is off by the water's litres.
    const r = revisarLectura(t, registrados, lectura({ ...conAgua, litros: 14_500, litros_15c: 14_480 }));
    expect(r).toMatchObject({
      ok: true,
      observaciones: [expect.stringMatching(/^LITROS_INCONSISTENTES: .*dice 10000$/)],
    });
  });

  it('keeps litres far from the chart, or at 15 °C far from the gross, with an observation', () => {
    const r = revisarLectura(t, registrados, lectura({ litros: 12_000, litros_15c: 8000 }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.observaciones.map((o) => o.split(':')[0])).toEqual(['LITROS_INCONSISTENTES', 'LITROS_15C_INCONSISTENTES']);
    // Within the tolerance (2 % of 20 000 L = 400 L of the chart's 8955 L of product): nothing noted.
    expect(revisarLectura(t, registrados, lectura({ litros: 9350, litros_15c: 9340 }))).toEqual({
      ok: true,
      observaciones: [],
    });
  });
});
