import { PRECIOS_POR_DEFECTO } from '@combustible/shared';
import { describe, expect, it } from 'vitest';
import { PriceRule } from './pricing.js';

const v = (version: number, precio_95: number) => ({ version, precios: { ...PRECIOS_POR_DEFECTO, precio_95 } });

describe('PriceRule', () => {
  it('applies an offer at once when available', () => {
    const rule = new PriceRule(v(0, 1350));
    expect(rule.offer(v(1, 1400), true)).toEqual(v(1, 1400));
    expect(rule.priceOf('95')).toBe(1400);
    expect(rule.pending).toBeNull();
  });

  it('keeps an offer made while busy until applyPending; the latest offer wins', () => {
    const rule = new PriceRule(v(0, 1350));
    expect(rule.offer(v(1, 1400), false)).toBeNull();
    expect(rule.offer(v(2, 1450), false)).toBeNull();
    expect(rule.priceOf('95')).toBe(1350);
    expect(rule.applyPending()).toEqual(v(2, 1450));
    expect(rule.current.version).toBe(2);
    expect(rule.applyPending()).toBeNull();
  });

  it('an offer while available discards an older waiting one', () => {
    const rule = new PriceRule(v(0, 1350));
    rule.offer(v(1, 1400), false);
    rule.offer(v(2, 1450), true);
    expect(rule.applyPending()).toBeNull();
    expect(rule.current.version).toBe(2);
  });
});
