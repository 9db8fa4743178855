import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { scripted } from '../test-support.js';
import { chooseCustomer, nextArrivalDelay, targetMl } from './customer.js';
import { litrosDeMl, montoDe, mlParaMonto } from './money.js';

describe('customers', () => {
  it('arrive after exponential waits with the configured mean', () => {
    const random = seededRandom(42);
    const n = 20_000;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += nextArrivalDelay(random, 1000);
    expect(sum / n).toBeGreaterThan(950);
    expect(sum / n).toBeLessThan(1050);
    expect(nextArrivalDelay(() => 0, 1000)).toBe(0);
  });

  it('choose a supported fuel, a payment method and litres, an amount or a fill-up', () => {
    const random = seededRandom(7);
    const seen = { fuels: new Set<string>(), pagos: new Set<string>(), pedidos: new Set<string>() };
    for (let i = 0; i < 500; i++) {
      const c = chooseCustomer(random, ['93', 'diesel']);
      seen.fuels.add(c.combustible);
      seen.pagos.add(c.metodo_pago);
      seen.pedidos.add(c.pedido.tipo);
    }
    expect([...seen.fuels].sort()).toEqual(['93', 'diesel']);
    expect([...seen.pagos].sort()).toEqual(['efectivo', 'tarjeta', 'transferencia']);
    expect([...seen.pedidos].sort()).toEqual(['litros', 'lleno', 'monto']);
    expect(chooseCustomer(scripted([0.99, 0.95, 0.1, 0.5]), ['93', '95'])).toEqual({
      combustible: '95',
      metodo_pago: 'transferencia',
      pedido: { tipo: 'litros', litros: 28 },
    });
  });

  it('target litres are capped by capacity and never zero', () => {
    expect(targetMl({ tipo: 'litros', litros: 50 }, 1350, 30)).toBe(30_000);
    expect(targetMl({ tipo: 'lleno', litros: 12.3456 }, 1350, 100)).toBe(12_346);
    expect(targetMl({ tipo: 'monto', monto: 1 }, 1350, 100)).toBe(1);
  });
});

describe('money', () => {
  it('an amount buys the most millilitres whose price does not exceed it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 100_000 }), (monto, precio) => {
        const ml = mlParaMonto(monto, precio);
        expect(montoDe(litrosDeMl(ml), precio)).toBeLessThanOrEqual(monto);
        expect(montoDe(litrosDeMl(ml + 1), precio)).toBeGreaterThan(monto);
      }),
    );
  });
});
