import {
  PRECIOS_POR_DEFECTO,
  type Precios,
  preciosFueraDeRango,
  type RechazoPrecios,
  revisarActualizacion,
  versionEnRango,
} from '@combustible/shared';
import type { VersionPrecios } from './types.js';

/**
 * Whether a price version may be held, by the prices rule of @combustible/shared: a version from 0
 * to MAX_VERSION and four prices in range. Never throws, whatever a store hands back.
 */
export function esVersionPlausible(v: VersionPrecios): boolean {
  try {
    return versionEnRango(v.version) && preciosFueraDeRango(v.precios).length === 0;
  } catch {
    return false;
  }
}

/**
 * The station's price set: versions only move forward; the previous one is kept for the audit. It
 * only ever holds versions that follow the prices rule: `review` says what to refuse, and a book
 * built from storage skips what an older build may have stored against it.
 */
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

  /**
   * The book to start with from stored versions (newest first): the newest that follows the rule,
   * and the next one below it as the previous; the defaults (version 0) when none does.
   * `descartadas` are the ones skipped, for the log and an alert.
   */
  static fromStored(
    stored: readonly VersionPrecios[],
    now: string,
  ): { book: PriceBook; descartadas: VersionPrecios[] } {
    const descartadas = stored.filter((v) => !esVersionPlausible(v));
    const [current, previous] = stored
      .filter(esVersionPlausible)
      .sort((a, b) => b.version - a.version)
      .filter((v, i, all) => i === 0 || v.version < (all[i - 1] as VersionPrecios).version);
    const book = current ? new PriceBook(current, previous ?? null) : PriceBook.withDefaults(now);
    return { book, descartadas };
  }

  /**
   * Why an update from the company must be refused (a version above MAX_VERSION or too far ahead
   * of the one held, a price out of range), or null when it follows the rule; it is then applied
   * only if newer (`offer`).
   */
  review(version: number, precios: Precios): RechazoPrecios | null {
    return revisarActualizacion(this._current.version, version, precios);
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

  /**
   * Applies a newer version; returns false (and changes nothing) for a stale or repeated one, and
   * for one that breaks the prices rule (callers `review` first to say why).
   */
  offer(next: VersionPrecios): boolean {
    if (!this.accepts(next.version) || !esVersionPlausible(next)) return false;
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
