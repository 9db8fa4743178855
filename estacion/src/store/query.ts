/**
 * What both adapters share about queries: timestamps normalized to sortable UTC text, and the
 * transaction filter reduced to the bounds each adapter turns into its own query.
 */
import { COMBUSTIBLES, type Combustible, METODOS_PAGO, type MetodoPago, timestampMs } from '@combustible/shared';
import type {
  AuditoriaInicial,
  EstadisticasSurtidor,
  EstadisticasVentas,
  RangoEstadisticas,
  Totales,
  TransaccionFiltro,
} from './port.js';

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

// ── sums that can never break a read ──────────────────────────────────────────────────────────
// Whatever the store holds (values beyond the write side's limits written by an older build or a
// damaged file), a sum is a finite number, and money a safe integer: a sum that overflows or
// cannot be read is clamped to ±Number.MAX_SAFE_INTEGER (0 when unreadable) and flagged
// `saturado: true`. Within the write side's limits a sum never saturates below 900,000 sales of
// the largest amount (10^10 pesos).

interface Sum {
  value: number;
  saturado: boolean;
}

function safeSum(raw: unknown, round: (n: number) => number): Sum {
  if (typeof raw !== 'number' || Number.isNaN(raw))
    return { value: 0, saturado: raw !== 0 && raw !== null && raw !== undefined };
  const value = round(raw);
  if (Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER)
    return { value: value === 0 ? 0 : value, saturado: false };
  return { value: value > 0 ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER, saturado: true };
}

const count = (raw: unknown) => (Number.isSafeInteger(raw) && (raw as number) >= 0 ? (raw as number) : 0);

/** One group's sums as the port returns them: litros rounded to 3 decimals, monto an integer. */
export function totales(transacciones: unknown, litros: unknown, monto: unknown): Totales {
  const l = safeSum(litros, roundLitros);
  const m = safeSum(monto, Math.round);
  const t: Totales = { transacciones: count(transacciones), litros: l.value, monto: m.value };
  if (l.saturado || m.saturado) t.saturado = true;
  return t;
}

/** A pump's sums (pumpStats), as safe as `totales`. */
export function estadisticasSurtidor(n: unknown, litros: unknown, ingresos: unknown): EstadisticasSurtidor {
  const t = totales(n, litros, ingresos);
  const e: EstadisticasSurtidor = {
    total_transacciones: t.transacciones,
    litros_totales: t.litros,
    ingresos_totales: t.monto,
  };
  if (t.saturado) e.saturado = true;
  return e;
}

const isCombustible = (v: unknown): v is Combustible => COMBUSTIBLES.includes(v as Combustible);
const isMetodoPago = (v: unknown): v is MetodoPago => METODOS_PAGO.includes(v as MetodoPago);

/** A salesStats group as an adapter reads it: its key (raw) and its sums (raw). */
export interface GrupoLeido {
  transacciones: unknown;
  litros: unknown;
  monto: unknown;
}

/**
 * The breakdowns of salesStats from the groups an adapter read, dropping a group whose key no
 * valid sale can have (a damaged row: it still counts in `total`).
 */
export function desglose(g: {
  total: GrupoLeido | undefined;
  por_combustible: (GrupoLeido & { tipo_combustible: unknown })[];
  por_surtidor: (GrupoLeido & { id_surtidor: unknown; nombre_surtidor: unknown })[];
  por_metodo_pago: (GrupoLeido & { metodo_pago: unknown })[];
  por_hora: (GrupoLeido & { hora: unknown; tipo_combustible: unknown })[];
}): Omit<EstadisticasVentas, 'desde' | 'hasta'> {
  const sums = (r: GrupoLeido | undefined) => totales(r?.transacciones ?? 0, r?.litros ?? 0, r?.monto ?? 0);
  return {
    total: sums(g.total),
    por_combustible: g.por_combustible.flatMap((r) =>
      isCombustible(r.tipo_combustible) ? [{ tipo_combustible: r.tipo_combustible, ...sums(r) }] : [],
    ),
    por_surtidor: g.por_surtidor.flatMap((r) =>
      Number.isSafeInteger(r.id_surtidor)
        ? [
            {
              id_surtidor: r.id_surtidor as number,
              nombre_surtidor: typeof r.nombre_surtidor === 'string' ? r.nombre_surtidor.slice(0, 200) : null,
              ...sums(r),
            },
          ]
        : [],
    ),
    por_metodo_pago: g.por_metodo_pago.flatMap((r) =>
      isMetodoPago(r.metodo_pago) ? [{ metodo_pago: r.metodo_pago, ...sums(r) }] : [],
    ),
    por_hora: g.por_hora.flatMap((r) =>
      typeof r.hora === 'string' && isCombustible(r.tipo_combustible)
        ? [{ hora: r.hora, tipo_combustible: r.tipo_combustible, ...sums(r) }]
        : [],
    ),
  };
}

/** Where a pump's audit resumes; a stored value that is not a safe number reads as none. */
export function auditStartOf(secuencia: unknown, totalizadorFin: unknown): AuditoriaInicial {
  return {
    ultima_secuencia: Number.isSafeInteger(secuencia) ? (secuencia as number) : null,
    ultimo_totalizador_fin:
      typeof totalizadorFin === 'number' && Number.isFinite(totalizadorFin) ? totalizadorFin : null,
  };
}
