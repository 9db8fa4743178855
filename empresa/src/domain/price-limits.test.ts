import { describe, expect, it } from 'vitest';
import { fueraDeLimites, LIMITES_POR_DEFECTO, type Limites, problemaLimite, problemasLimites } from './price-limits.js';

const VIGENTES = { precio_93: 1390, precio_95: 1450, precio_97: 1520, precio_diesel: 1180 };
const { limites } = LIMITES_POR_DEFECTO;

describe('price limits', () => {
  it('refuses a change larger than the limit, naming the fuel, the value and the limit', () => {
    expect(fueraDeLimites({ precio_93: 13900 }, VIGENTES, limites)).toEqual([
      { campo: 'precio_93', problema: 'precio_93 13900 sube 900% desde 1390 (máximo 20% por cambio)' },
    ]);
    expect(fueraDeLimites({ precio_diesel: 900 }, VIGENTES, limites)).toEqual([
      { campo: 'precio_diesel', problema: 'precio_diesel 900 baja 24% desde 1180 (máximo 20% por cambio)' },
    ]);
  });

  it('accepts a change of exactly the limit, and refuses prices outside the minimum and maximum', () => {
    expect(fueraDeLimites({ precio_95: 1740 }, VIGENTES, limites)).toEqual([]); // +20% exactly
    const estrechos: Limites = { ...limites, precio_95: { minimo: 1400, maximo: 1500, cambio_max_pct: 50 } };
    expect(fueraDeLimites({ precio_95: 1399 }, VIGENTES, estrechos)).toEqual([
      { campo: 'precio_95', problema: 'precio_95 1399 está bajo el mínimo de 1400' },
    ]);
    expect(fueraDeLimites({ precio_95: 1501 }, VIGENTES, estrechos)).toEqual([
      { campo: 'precio_95', problema: 'precio_95 1501 supera el máximo de 1500' },
    ]);
  });

  it('never refuses a price left at its value (limits tightened later do not block the other fuels)', () => {
    const estrechos: Limites = { ...limites, precio_93: { minimo: 2000, maximo: 2500, cambio_max_pct: 1 } };
    expect(fueraDeLimites({ precio_93: 1390, precio_95: 1460 }, VIGENTES, estrechos)).toEqual([]);
  });

  it('sane defaults for Chilean pesos that pass their own check', () => {
    expect(problemasLimites(limites)).toEqual([]);
    expect(limites.precio_93).toEqual({ minimo: 500, maximo: 3000, cambio_max_pct: 20 });
  });

  it('refuses impossible limits', () => {
    expect(problemaLimite({ minimo: 2000, maximo: 1000, cambio_max_pct: 20 })).toMatch(/mayor que el máximo/);
    expect(problemaLimite({ minimo: 10, maximo: 1000, cambio_max_pct: 20 })).toMatch(/entre 100 y 100000/);
    expect(problemaLimite({ minimo: 500, maximo: 1000, cambio_max_pct: 0 })).toMatch(/cambio máximo/);
    expect(problemaLimite({ minimo: 500.5, maximo: 1000, cambio_max_pct: 20 })).toMatch(/enteros/);
  });
});
