import type { TransaccionCompletada } from '@combustible/shared';
import { PRECIOS_POR_DEFECTO } from '@combustible/shared';
import { describe, expect, it } from 'vitest';
import { PriceBook } from './prices.js';
import { buildTransaction, derivedTransactionId } from './transactions.js';

const venta = (o: Partial<TransaccionCompletada> = {}): TransaccionCompletada => ({
  tipo: 'transaccion_completada',
  id_surtidor: 9,
  tipo_combustible: '95',
  litros: 10,
  precio_por_litro: 1350,
  monto_total: 13500,
  metodo_pago: 'efectivo',
  fecha_inicio: '2026-01-15T14:25:00Z',
  fecha_fin: '2026-01-15T14:27:00Z',
  ...o,
});

const book = () => {
  const b = new PriceBook({ version: 1, precios: PRECIOS_POR_DEFECTO, actualizado: '', origen: 'empresa' });
  b.offer({ version: 2, precios: PRECIOS_POR_DEFECTO, actualizado: '', origen: 'empresa' });
  return b;
};
const ctx = { now: '2026-01-15T14:27:01.000Z', nombreSurtidor: 'Prueba', prices: book() };

describe('derivedTransactionId', () => {
  it('is the same for the same content and differs for different content', () => {
    expect(derivedTransactionId(venta())).toBe(derivedTransactionId(venta()));
    expect(derivedTransactionId(venta())).not.toBe(derivedTransactionId(venta({ litros: 10.01 })));
    expect(derivedTransactionId(venta())).not.toBe(derivedTransactionId(venta({ id_surtidor: 8 })));
    expect(derivedTransactionId(venta())).toMatch(/^h-[0-9a-f]{40}$/);
  });

  it('treats the same instant written two ways as the same sale', () => {
    expect(derivedTransactionId(venta({ fecha_inicio: '2026-01-15T14:25:00' }))).toBe(derivedTransactionId(venta()));
  });
});

describe('buildTransaction', () => {
  it('keeps the pump id when it sent one, derives it otherwise', () => {
    expect(buildTransaction(venta({ id_transaccion: 'abc' }), ctx)).toMatchObject({
      id_transaccion: 'abc',
      id_derivado: false,
    });
    expect(buildTransaction(venta(), ctx).id_derivado).toBe(true);
  });

  it('fills defaults and details', () => {
    const t = buildTransaction(venta(), ctx);
    expect(t).toMatchObject({
      estado: 'completada',
      nombre_surtidor: 'Prueba',
      operador: null,
      secuencia: null,
      observaciones: [],
      recibida: ctx.now,
      detalles: { duracion_segundos: 120, velocidad_promedio: 0.083 },
    });
  });

  it('tolerates one peso of rounding and flags more', () => {
    expect(buildTransaction(venta({ litros: 10.0007, monto_total: 13501 }), ctx).observaciones).toEqual([]);
    const [obs] = buildTransaction(venta({ monto_total: 13600 }), ctx).observaciones;
    expect(obs).toMatch(/^MONTO_INCONSISTENTE/);
  });

  it('flags a sale priced at a version that is neither the current nor the previous', () => {
    expect(buildTransaction(venta({ version_precios: 2 }), ctx).observaciones).toEqual([]);
    expect(buildTransaction(venta({ version_precios: 1 }), ctx).observaciones).toEqual([]);
    const [obs] = buildTransaction(venta({ version_precios: 0 }), ctx).observaciones;
    expect(obs).toMatch(/^VERSION_PRECIOS_ANTIGUA/);
  });
});
