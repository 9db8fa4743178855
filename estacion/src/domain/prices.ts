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

/** Whether a version is scheduled after `nowMs` (an unreadable vigencia counts as past: in force). */
export function esFutura(v: VersionPrecios, nowMs: number): boolean {
  return v.vigencia !== undefined && Date.parse(v.vigencia) > nowMs;
}

/** What a cancellation found: see cancel(). */
export type ResultadoCancelacion = 'cancelada' | 'ya_aplicada' | 'desconocida';

/**
 * The station's price set: versions only move forward; the previous one is kept for the audit. It
 * only ever holds versions that follow the prices rule: `review` says what to refuse, and a book
 * built from storage skips what an older build may have stored against it.
 *
 * Beside the version in force it may keep one scheduled version (`programada`, newer than the one
 * in force), which `activate` puts in force at its vigencia. The order, by version number alone:
 * a newer scheduled version replaces the scheduled one; a version in force at once that is at
 * least as new as the scheduled one supersedes it (it is dropped, never applied later); an older
 * one in force at once leaves it scheduled.
 */
export class PriceBook {
  private _current: VersionPrecios;
  private _previous: VersionPrecios | null;
  private _programada: VersionPrecios | null;

  constructor(
    current: VersionPrecios,
    previous: VersionPrecios | null = null,
    programada: VersionPrecios | null = null,
  ) {
    this._current = current;
    this._previous = previous;
    this._programada = programada !== null && programada.version > current.version ? programada : null;
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
   * The book to start with from stored versions (newest first): the newest that follows the rule
   * and is in force at `now` (no vigencia, or one that passed: a scheduled version whose instant
   * passed while the station was down is in force from the start), and the next one below it as
   * the previous; the newest still in the future above it stays scheduled. The defaults
   * (version 0) when none is in force. `descartadas` are the ones skipped, for the log and an alert.
   */
  static fromStored(
    stored: readonly VersionPrecios[],
    now: string,
  ): { book: PriceBook; descartadas: VersionPrecios[] } {
    const descartadas = stored.filter((v) => !esVersionPlausible(v));
    const nowMs = Date.parse(now);
    const plausibles = stored
      .filter(esVersionPlausible)
      .sort((a, b) => b.version - a.version)
      .filter((v, i, all) => i === 0 || v.version < (all[i - 1] as VersionPrecios).version);
    const [current, previous] = plausibles.filter((v) => !esFutura(v, nowMs));
    const programada = plausibles.find((v) => esFutura(v, nowMs)) ?? null;
    const book = current
      ? new PriceBook(current, previous ?? null, programada)
      : new PriceBook(PriceBook.withDefaults(now).current, null, programada);
    return { book, descartadas };
  }

  /** The scheduled version not yet in force, or null. */
  get programada(): VersionPrecios | null {
    return this._programada;
  }

  /** The highest version held, in force or scheduled (what the station acknowledges). */
  get highest(): number {
    return Math.max(this._current.version, this._programada?.version ?? 0);
  }

  /** Whether a scheduled version would be kept: newer than the one in force and the one scheduled. */
  acceptsScheduled(version: number): boolean {
    return this.accepts(version) && version > (this._programada?.version ?? 0);
  }

  /**
   * Keeps a newer scheduled version (it must carry a vigencia); returns the scheduled one it
   * replaces (null: none), or false when it is stale, repeated or breaks the rule.
   */
  schedule(next: VersionPrecios): VersionPrecios | null | false {
    if (next.vigencia === undefined || !this.acceptsScheduled(next.version) || !esVersionPlausible(next)) return false;
    const replaced = this._programada;
    this._programada = next;
    return replaced;
  }

  /** Puts the scheduled version in force when its vigencia is at or before `nowMs`; returns it, or null. */
  activate(nowMs: number): VersionPrecios | null {
    const p = this._programada;
    if (p === null || esFutura(p, nowMs)) return null;
    this._programada = null;
    if (!this.offer(p)) return null;
    return p;
  }

  /**
   * A cancellation of `version`: `cancelada` when it is the scheduled one (dropped), `ya_aplicada`
   * when it is the one in force (it took effect before the cancellation came), `desconocida`
   * otherwise (never held, or already replaced).
   */
  cancel(version: number): ResultadoCancelacion {
    if (this._programada?.version === version) {
      this._programada = null;
      return 'cancelada';
    }
    return this._current.version === version ? 'ya_aplicada' : 'desconocida';
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
   * for one that breaks the prices rule (callers `review` first to say why). A scheduled version
   * not newer than it is superseded (dropped).
   */
  offer(next: VersionPrecios): boolean {
    if (!this.accepts(next.version) || !esVersionPlausible(next)) return false;
    this._previous = this._current;
    this._current = next;
    if (this._programada !== null && this._programada.version <= next.version) this._programada = null;
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

/** The scheduled version as the API and the dashboards' snapshot show it (null: none). */
/** A scheduled version as the API, the snapshot and the `precios_programados` event show it. */
export type VistaProgramada = { version: number; precios: Precios; vigencia: string; actualizado: string };

export function vistaProgramada(p: VersionPrecios | null): VistaProgramada | null {
  return p === null
    ? null
    : { version: p.version, precios: p.precios, vigencia: p.vigencia ?? '', actualizado: p.actualizado };
}
