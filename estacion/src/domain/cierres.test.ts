import { describe, expect, it } from 'vitest';
import { unaTransaccion } from '../store/test-builders.js';
import {
  AcumuladorCierre,
  cierresChocan,
  MAX_OPERADORES_CIERRE,
  OTROS_OPERADORES,
  rangoDelDia,
  zonaValida,
} from './cierres.js';

describe('rangoDelDia', () => {
  it('is the day from local midnight to the last millisecond before the next', () => {
    // Chile in January: UTC−3.
    expect(rangoDelDia('2024-01-15', 'America/Santiago')).toEqual({
      desde: '2024-01-15T03:00:00.000Z',
      hasta: '2024-01-16T02:59:59.999Z',
    });
    expect(rangoDelDia('2024-07-15', 'America/Santiago')).toEqual({
      desde: '2024-07-15T04:00:00.000Z',
      hasta: '2024-07-16T03:59:59.999Z',
    });
    expect(rangoDelDia('2024-02-29', 'UTC')).toEqual({
      desde: '2024-02-29T00:00:00.000Z',
      hasta: '2024-02-29T23:59:59.999Z',
    });
  });

  it('has 25 or 23 hours on the days the clocks change', () => {
    const horas = (r: { desde: string; hasta: string }) => (Date.parse(r.hasta) + 1 - Date.parse(r.desde)) / 3_600_000;
    // Chile: back an hour at 00:00 of 2024-04-07 (23:00–24:00 of the 6th happens twice), forward
    // at 00:00 of 2024-09-08 (that day starts at 01:00).
    expect(horas(rangoDelDia('2024-04-06', 'America/Santiago'))).toBe(25);
    expect(horas(rangoDelDia('2024-09-07', 'America/Santiago'))).toBe(24);
    expect(rangoDelDia('2024-09-08', 'America/Santiago').desde).toBe('2024-09-08T04:00:00.000Z');
    expect(horas(rangoDelDia('2024-09-08', 'America/Santiago'))).toBe(23);
    expect(horas(rangoDelDia('2024-03-31', 'Europe/Madrid'))).toBe(23);
  });

  it('knows the zones of the runtime', () => {
    expect(zonaValida('America/Santiago')).toBe(true);
    expect(zonaValida('Marte/Olympus')).toBe(false);
  });
});

describe('cierresChocan', () => {
  const r = (desde: string, hasta: string, turno: string | null = null) => ({ desde, hasta, turno });
  it('is true when the ranges share an instant, unless both name different shifts', () => {
    expect(cierresChocan(r('a', 'c'), r('c', 'd'))).toBe(true);
    expect(cierresChocan(r('a', 'b'), r('c', 'd'))).toBe(false);
    expect(cierresChocan(r('a', 'd'), r('b', 'c', 'tarde'))).toBe(true);
    expect(cierresChocan(r('a', 'd', 'mañana'), r('b', 'c', 'tarde'))).toBe(false);
    expect(cierresChocan(r('a', 'd', 'tarde'), r('b', 'c', 'tarde'))).toBe(true);
  });
});

describe('AcumuladorCierre', () => {
  it('sums by pump, fuel, payment method and attendant, with refunds, money in integers', () => {
    const a = new AcumuladorCierre();
    a.agregar(unaTransaccion({ id_surtidor: 2, litros: 10.1, monto_total: 13_000, operador: 'juan', reembolso: 500 }));
    a.agregar(unaTransaccion({ id_surtidor: 1, litros: 0.2, monto_total: 258, tipo_combustible: 'diesel' }));
    a.agregar(
      unaTransaccion({
        id_surtidor: 2,
        litros: 5,
        monto_total: 6_450,
        metodo_pago: 'tarjeta',
        operador: 'ana',
        nombre_surtidor: 'Isla 2 (nuevo)',
        fecha_fin: '2024-01-15T15:00:00Z',
      }),
    );
    const t = a.totales();
    expect(t.total).toEqual({ transacciones: 3, litros: 15.3, monto: 19_708, reembolsos: 500 });
    expect(t.por_surtidor).toEqual([
      { id_surtidor: 1, nombre_surtidor: 'Surtidor 1', transacciones: 1, litros: 0.2, monto: 258, reembolsos: 0 },
      {
        id_surtidor: 2,
        nombre_surtidor: 'Isla 2 (nuevo)',
        transacciones: 2,
        litros: 15.1,
        monto: 19_450,
        reembolsos: 500,
      },
    ]);
    expect(t.por_combustible.map((g) => [g.tipo_combustible, g.transacciones])).toEqual([
      ['93', 2],
      ['diesel', 1],
    ]);
    expect(t.por_metodo_pago.map((g) => [g.metodo_pago, g.monto])).toEqual([
      ['efectivo', 13_258],
      ['tarjeta', 6_450],
    ]);
    // Sales with no attendant last.
    expect(t.por_operador.map((g) => [g.operador, g.transacciones])).toEqual([
      ['ana', 1],
      ['juan', 1],
      [null, 1],
    ]);
    expect(t.por_operador_truncado).toBeUndefined();
  });

  it('is all zeros and empty breakdowns without sales', () => {
    expect(new AcumuladorCierre().totales()).toEqual({
      total: { transacciones: 0, litros: 0, monto: 0, reembolsos: 0 },
      por_surtidor: [],
      por_combustible: [],
      por_metodo_pago: [],
      por_operador: [],
    });
  });

  it('lists at most MAX_OPERADORES_CIERRE attendants and sums the rest under (otros)', () => {
    const a = new AcumuladorCierre();
    for (let i = 0; i < MAX_OPERADORES_CIERRE + 3; i++) a.agregar(unaTransaccion({ operador: `op-${i}` }));
    const t = a.totales();
    expect(t.por_operador).toHaveLength(MAX_OPERADORES_CIERRE + 1);
    expect(t.por_operador.find((g) => g.operador === OTROS_OPERADORES)?.transacciones).toBe(3);
    expect(t.por_operador_truncado).toBe(true);
    expect(t.total.transacciones).toBe(MAX_OPERADORES_CIERRE + 3);
  });
});
