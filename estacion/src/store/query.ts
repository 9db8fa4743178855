/**
 * What both adapters share about queries: timestamps normalized to sortable UTC text, and the
 * transaction filter reduced to the bounds each adapter turns into its own query.
 */
import { type Combustible, type MetodoPago, timestampMs } from '@combustible/shared';
import type { TransaccionFiltro } from './port.js';

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
