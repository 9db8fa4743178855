/**
 * What both adapters share about queries: timestamps normalized to sortable UTC text, and the
 * transaction filter reduced to the bounds each adapter turns into its own query.
 */
import { type Combustible, type MetodoPago, timestampMs } from '@combustible/shared';
import type { RangoEstadisticas, Totales, TransaccionFiltro } from './port.js';

/**
 * An ISO-8601 timestamp as `YYYY-MM-DDTHH:mm:ss.sssZ`, which sorts as text in time order. A time
 * without offset is UTC, as on the wire (`timestampMs`); `new Date(x)` would read it as local time.
 */
export function toUtcIso(value: string): string {
  const ms = timestampMs(value);
  if (Number.isNaN(ms)) throw new RangeError(`fecha no válida: ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

export interface TransactionQuery {
  id_surtidor?: number;
  tipo_combustible?: Combustible;
  metodo_pago?: MetodoPago;
  /** Inclusive bounds on the normalized fecha_fin. */
  desde?: string;
  hasta?: string;
  limit: number;
  skip: number;
}

/** Normalizes the date bounds and clamps paging (a negative or fractional limit/skip means 0/floor). */
export function toTransactionQuery(f: TransaccionFiltro): TransactionQuery {
  const q: TransactionQuery = { limit: nonNegativeInt(f.limit), skip: nonNegativeInt(f.skip) };
  if (f.id_surtidor !== undefined) q.id_surtidor = f.id_surtidor;
  if (f.tipo_combustible !== undefined) q.tipo_combustible = f.tipo_combustible;
  if (f.metodo_pago !== undefined) q.metodo_pago = f.metodo_pago;
  if (f.fecha_inicio !== undefined) q.desde = toUtcIso(f.fecha_inicio);
  if (f.fecha_fin !== undefined) q.hasta = toUtcIso(f.fecha_fin);
  return q;
}

export function nonNegativeInt(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

/** The bounds of a `salesStats` range, normalized like the transaction filter's (RangeError if unreadable). */
export interface StatsQuery {
  desde?: string;
  hasta?: string;
}

export function toStatsQuery(range: RangoEstadisticas): StatsQuery {
  const q: StatsQuery = {};
  if (range.desde !== undefined) q.desde = toUtcIso(range.desde);
  if (range.hasta !== undefined) q.hasta = toUtcIso(range.hasta);
  return q;
}

/**
 * The hour of a normalized timestamp (`toUtcIso`) is its first HOUR_PREFIX_LENGTH characters
 * followed by HOUR_SUFFIX: `2024-01-15T14:30:00.000Z` is in `2024-01-15T14:00:00.000Z`.
 */
export const HOUR_PREFIX_LENGTH = 13;
export const HOUR_SUFFIX = ':00:00.000Z';

/** A litres sum to 3 decimals, dropping the float noise that summation order leaves. */
export function roundLitros(n: number): number {
  const r = Math.round(n * 1000) / 1000;
  return r === 0 ? 0 : r;
}

/** One group's sums as the port returns them (litros rounded). */
export function totales(transacciones: number, litros: number, monto: number): Totales {
  return { transacciones, litros: roundLitros(litros), monto };
}
