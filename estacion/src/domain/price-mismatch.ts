/**
 * When a pump's price version is really wrong (the alert PRECIOS_DESALINEADOS). Pure: the time is
 * passed in. The rule:
 *
 * - only pumps that confirm prices (`precios_aplicados`, ext) in this session are judged: a seed
 *   pump that never confirms says nothing about what it sells at;
 * - a pump that reports a version above the one in force reports one the station never had
 *   (versions only move forward, and a scheduled one is never sent to pumps): alert at once;
 * - a pump that is dispensing or paused lags legitimately (it gets prices when it is `disponible`
 *   again): its clock does not run;
 * - a connected, `disponible` pump whose version differs from the one in force for `graceMs` or
 *   more: alert;
 * - the alert is cleared when the pump's version is the one in force again.
 */
import type { EstadoSurtidor } from './types.js';

export type AccionDesalineacion =
  { kind: 'cerrar' } | { kind: 'desalineado' | 'desconocida'; version_surtidor: number | null; vigente: number };

type Pump = Pick<EstadoSurtidor, 'id_surtidor' | 'estado_conexion' | 'estado_operacion' | 'version_precios'>;

export class PriceMismatchWatch {
  /** Since when each pump is disponible with another version (ms). */
  private readonly since = new Map<number, number>();
  /** Pumps with the alert open. */
  private readonly open = new Set<number>();
  /** Pumps that confirmed a version in this session. */
  private readonly confirming = new Set<number>();

  /** The pump sent `precios_aplicados`. */
  confirmed(id: number): void {
    this.confirming.add(id);
  }

  /** The pump's alert is open (e.g. found in the store at start). */
  markOpen(id: number): void {
    this.open.add(id);
  }

  /** The pump disconnected: its session's facts are gone; an open alert stays until it catches up. */
  forget(id: number): void {
    this.confirming.delete(id);
    this.since.delete(id);
  }

  /** What to do about this pump now: raise, clear, or nothing (null). */
  check(pump: Pump, vigente: number, nowMs: number, graceMs: number): AccionDesalineacion | null {
    const id = pump.id_surtidor;
    const version = pump.version_precios;
    if (version === vigente) {
      this.since.delete(id);
      return this.open.delete(id) ? { kind: 'cerrar' } : null;
    }
    if (!this.confirming.has(id) || pump.estado_conexion !== 'conectado') {
      this.since.delete(id);
      return null;
    }
    if (version !== null && version > vigente) return this.raise(id, 'desconocida', version, vigente);
    if (pump.estado_operacion !== 'disponible') {
      this.since.delete(id);
      return null;
    }
    const desde = this.since.get(id) ?? nowMs;
    this.since.set(id, desde);
    return nowMs - desde >= graceMs ? this.raise(id, 'desalineado', version, vigente) : null;
  }

  private raise(
    id: number,
    kind: 'desalineado' | 'desconocida',
    version: number | null,
    vigente: number,
  ): AccionDesalineacion | null {
    if (this.open.has(id)) return null;
    this.open.add(id);
    return { kind, version_surtidor: version, vigente };
  }
}
