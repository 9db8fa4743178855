import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PRECIOS_POR_DEFECTO, type Precios } from './common.js';
import {
  MAX_VERSION,
  MAX_VERSION_JUMP,
  PRECIO_MAX,
  PRECIO_MIN,
  preciosFueraDeRango,
  precioEnRango,
  revisarActualizacion,
  versionEnRango,
} from './prices-rule.js';

const CAMPOS = ['precio_93', 'precio_95', 'precio_97', 'precio_diesel'] as const;
const precioValido = fc.integer({ min: PRECIO_MIN, max: PRECIO_MAX });
const preciosValidos = fc.record({
  precio_93: precioValido,
  precio_95: precioValido,
  precio_97: precioValido,
  precio_diesel: precioValido,
});
/** Any number a peer could put where a price or version goes (schema-valid or not). */
const cualquierNumero = fc.oneof(
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  fc.double(),
  fc.constantFrom(0, -1, 2 ** 31, 2 ** 53, 2 ** 53 - 1, 1e300, Number.NaN, Infinity, -Infinity, 0.5),
);

describe('the prices rule (shared by company and station)', () => {
  it('states limits with headroom: safe integers, a jump far below the ceiling, a sane price range', () => {
    expect(Number.isSafeInteger(MAX_VERSION)).toBe(true);
    expect(MAX_VERSION).toBeLessThanOrEqual(2 ** 31 - 1); // fits a 32-bit column everywhere
    expect(MAX_VERSION_JUMP).toBeGreaterThanOrEqual(10_000);
    expect(MAX_VERSION / MAX_VERSION_JUMP).toBeGreaterThanOrEqual(1000);
    expect(PRECIO_MIN).toBeGreaterThan(0);
    expect(PRECIO_MAX).toBeGreaterThan(PRECIO_MIN);
    for (const c of CAMPOS) expect(precioEnRango(PRECIOS_POR_DEFECTO[c])).toBe(true);
  });

  it('a version is plausible iff it is an integer in [0, MAX_VERSION]', () => {
    fc.assert(
      fc.property(cualquierNumero, (v) => {
        expect(versionEnRango(v)).toBe(Number.isInteger(v) && v >= 0 && v <= MAX_VERSION);
      }),
    );
    expect(versionEnRango(MAX_VERSION)).toBe(true);
    expect(versionEnRango(MAX_VERSION + 1)).toBe(false);
    expect(versionEnRango(2 ** 53 - 1)).toBe(false);
  });

  it('a price is plausible iff it is an integer in [PRECIO_MIN, PRECIO_MAX]', () => {
    fc.assert(
      fc.property(cualquierNumero, (p) => {
        expect(precioEnRango(p)).toBe(Number.isInteger(p) && p >= PRECIO_MIN && p <= PRECIO_MAX);
      }),
    );
  });

  it('names every price field outside the range, and only those', () => {
    fc.assert(
      fc.property(preciosValidos, fc.subarray([...CAMPOS]), cualquierNumero, (base, malos, valor) => {
        fc.pre(!precioEnRango(valor));
        const p: Precios = { ...base };
        for (const c of malos) p[c] = valor;
        expect(preciosFueraDeRango(p).map((d) => d.campo)).toEqual(malos.map((c) => `precios.${c}`));
      }),
    );
  });

  it('accepts an update that follows the rule, whatever the version held', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_VERSION }),
        fc.integer({ min: 1, max: MAX_VERSION_JUMP }),
        preciosValidos,
        (held, salto, precios) => {
          const version = Math.min(MAX_VERSION, held + salto);
          expect(revisarActualizacion(held, version, precios)).toBeNull();
        },
      ),
    );
  });

  it('a station that holds no company version yet (0, the built-in defaults) accepts any version up to MAX_VERSION', () => {
    expect(revisarActualizacion(0, MAX_VERSION, PRECIOS_POR_DEFECTO)).toBeNull();
    expect(revisarActualizacion(0, 150_000, PRECIOS_POR_DEFECTO)).toBeNull();
  });

  it('refuses a version above MAX_VERSION, or one that jumps more than MAX_VERSION_JUMP ahead: VERSION_INVALIDA on `version`', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_VERSION }),
        fc.oneof(fc.integer({ min: MAX_VERSION + 1, max: Number.MAX_SAFE_INTEGER }), fc.constant(2 ** 53 - 1)),
        preciosValidos,
        (held, version, precios) => {
          const r = revisarActualizacion(held, version, precios);
          expect(r?.codigo).toBe('VERSION_INVALIDA');
          expect(r?.detalles.map((d) => d.campo)).toEqual(['version']);
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_VERSION - MAX_VERSION_JUMP - 1 }),
        fc.integer({ min: MAX_VERSION_JUMP + 1, max: MAX_VERSION }),
        (held, salto) => {
          const version = held + salto;
          fc.pre(version <= MAX_VERSION);
          const r = revisarActualizacion(held, version, PRECIOS_POR_DEFECTO);
          expect(r?.codigo).toBe('VERSION_INVALIDA');
          expect(r?.mensaje).toMatch(String(MAX_VERSION_JUMP));
        },
      ),
    );
  });

  it('refuses prices outside the range: PRECIO_FUERA_DE_RANGO naming each field', () => {
    const r = revisarActualizacion(3, 4, { ...PRECIOS_POR_DEFECTO, precio_95: 1, precio_diesel: 1_000_000 });
    expect(r).toEqual({
      codigo: 'PRECIO_FUERA_DE_RANGO',
      mensaje: expect.stringContaining(`${PRECIO_MIN}`),
      detalles: [
        { campo: 'precios.precio_95', problema: expect.stringContaining('1') },
        { campo: 'precios.precio_diesel', problema: expect.stringContaining('1000000') },
      ],
    });
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(
        cualquierNumero,
        cualquierNumero,
        fc.array(cualquierNumero, { minLength: 4, maxLength: 4 }),
        (h, v, ps) => {
          const precios = Object.fromEntries(CAMPOS.map((c, i) => [c, ps[i]])) as Precios;
          const r = revisarActualizacion(h, v, precios);
          if (r !== null) expect(['VERSION_INVALIDA', 'PRECIO_FUERA_DE_RANGO']).toContain(r.codigo);
        },
      ),
    );
  });
});
