import type { Precios } from '@combustible/shared';
import { PRECIOS_POR_DEFECTO } from '@combustible/shared';
import type { VersionPrecios } from './types.js';

/** The station's price set: versions only move forward; the previous one is kept for the audit. */
export class PriceBook {
  private _current: VersionPrecios;
  private _previous: VersionPrecios | null;

  constructor(current: VersionPrecios, previous: VersionPrecios | null = null) {
    this._current = current;
    this._previous = previous;
  }

  static withDefaults(now: string): PriceBook {
    return new PriceBook({
      version: 0,
      precios: { ...PRECIOS_POR_DEFECTO },
      actualizado: now,
      origen: 'defecto',
    });
  }

  get current(): VersionPrecios {
    return this._current;
  }

  get previous(): VersionPrecios | null {
    return this._previous;
  }

  /** Whether an incoming version would be applied: strictly newer only (stale and repeated are ignored). */
  accepts(version: number): boolean {
    return version > this._current.version;
  }

  /** Applies a newer version; returns false (and changes nothing) for a stale or repeated one. */
  offer(next: VersionPrecios): boolean {
    if (!this.accepts(next.version)) return false;
    this._previous = this._current;
    this._current = next;
    return true;
  }

  /** A sale priced at `version` is in order when it is the current or the previous version. */
  isRecent(version: number): boolean {
    return version === this._current.version || version === this._previous?.version;
  }
}

export function samePrices(a: Precios, b: Precios): boolean {
  return (
    a.precio_93 === b.precio_93 &&
    a.precio_95 === b.precio_95 &&
    a.precio_97 === b.precio_97 &&
    a.precio_diesel === b.precio_diesel
  );
}
