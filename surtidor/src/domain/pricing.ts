/**
 * The pricing rule of a pump: a sale is priced at the version in force when it started; a new
 * version offered while a sale is in progress (or while paused) waits and is applied the moment
 * the pump is `disponible` again. The latest offer wins.
 */
import { precioDe, type Combustible } from '@combustible/shared';
import type { PriceVersion } from './types.js';

export class PriceRule {
  private inForce: PriceVersion;
  private waiting: PriceVersion | null = null;

  constructor(initial: PriceVersion) {
    this.inForce = initial;
  }

  get current(): PriceVersion {
    return this.inForce;
  }

  get pending(): PriceVersion | null {
    return this.waiting;
  }

  priceOf(combustible: Combustible): number {
    return precioDe(this.inForce.precios, combustible);
  }

  /**
   * A version arrives. When the pump is available it is in force at once and returned (so the
   * pump can answer `precios_aplicados`); otherwise it waits and null is returned.
   */
  offer(prices: PriceVersion, available: boolean): PriceVersion | null {
    if (!available) {
      this.waiting = prices;
      return null;
    }
    this.waiting = null;
    this.inForce = prices;
    return prices;
  }

  /** The pump became available: the waiting version, if any, is now in force and returned. */
  applyPending(): PriceVersion | null {
    const next = this.waiting;
    if (!next) return null;
    this.waiting = null;
    this.inForce = next;
    return next;
  }
}
