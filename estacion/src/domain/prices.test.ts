import { PRECIOS_POR_DEFECTO } from '@combustible/shared';
import { describe, expect, it } from 'vitest';
import { PriceBook, samePrices } from './prices.js';
import type { VersionPrecios } from './types.js';

const v = (version: number, precio_95 = 1350): VersionPrecios => ({
  version,
  precios: { ...PRECIOS_POR_DEFECTO, precio_95 },
  actualizado: '2026-01-01T00:00:00Z',
  origen: 'empresa',
});

describe('PriceBook', () => {
  it('starts at version 0 with the seed prices', () => {
    const book = PriceBook.withDefaults('2026-01-01T00:00:00Z');
    expect(book.current.version).toBe(0);
    expect(book.current.precios).toEqual({
      precio_93: 1290,
      precio_95: 1350,
      precio_97: 1400,
      precio_diesel: 1120,
    });
  });

  it('applies only strictly newer versions', () => {
    const book = new PriceBook(v(3));
    expect(book.offer(v(3, 9999))).toBe(false); // repeated
    expect(book.offer(v(2, 9999))).toBe(false); // stale
    expect(book.current.precios.precio_95).toBe(1350);
    expect(book.offer(v(5, 1400))).toBe(true); // out of order is fine as long as it is newer
    expect(book.offer(v(4, 1380))).toBe(false);
    expect(book.current.version).toBe(5);
    expect(book.previous?.version).toBe(3);
  });

  it('knows which versions a sale may be priced at', () => {
    const book = new PriceBook(v(1));
    book.offer(v(2));
    expect(book.isRecent(2)).toBe(true);
    expect(book.isRecent(1)).toBe(true);
    expect(book.isRecent(0)).toBe(false);
  });

  it('compares price sets', () => {
    expect(samePrices(v(1).precios, v(2).precios)).toBe(true);
    expect(samePrices(v(1).precios, v(2, 1).precios)).toBe(false);
  });
});
