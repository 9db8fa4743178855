/**
 * Copies of the records with exactly the port's fields, so that whatever an adapter stores or
 * reads (driver `_id`, internal columns) never leaks through the port. Adding a field to a record
 * type makes these fail to compile until the field is stored too.
 */
import { type LimiteCombustible, type LimitesPrecios, problemaLimite } from '../domain/price-limits.js';
import type { Estacion, VersionPrecios } from '../domain/types.js';
import type { Lease } from './port.js';

const textOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function pickVersionPrecios(v: VersionPrecios): VersionPrecios {
  return {
    version: v.version,
    precios: {
      precio_93: v.precios.precio_93,
      precio_95: v.precios.precio_95,
      precio_97: v.precios.precio_97,
      precio_diesel: v.precios.precio_diesel,
    },
    actualizado: v.actualizado,
    autor: v.autor,
    cambios: v.cambios.map((c) => ({ campo: c.campo, anterior: c.anterior, nuevo: c.nuevo })),
    // Versions stored before scheduling have neither field: in force at once, never cancelled.
    vigencia: textOrNull(v.vigencia),
    cancelada: textOrNull(v.cancelada),
  };
}

/**
 * The stored price limits, read leniently: a document that is not a full, plausible set (damaged,
 * or from another build) reads as null, so the defaults apply and no read ever fails on it.
 */
export function pickLimitesPrecios(raw: unknown): LimitesPrecios | null {
  if (raw === null || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  const l = (r.limites ?? {}) as Record<string, unknown>;
  const uno = (v: unknown): LimiteCombustible | null => {
    if (v === null || typeof v !== 'object') return null;
    const o = v as Record<string, unknown>;
    const limite = { minimo: o.minimo, maximo: o.maximo, cambio_max_pct: o.cambio_max_pct } as LimiteCombustible;
    return problemaLimite(limite) === null ? limite : null;
  };
  const [p93, p95, p97, pd] = [uno(l.precio_93), uno(l.precio_95), uno(l.precio_97), uno(l.precio_diesel)];
  if (!p93 || !p95 || !p97 || !pd) return null;
  return {
    limites: { precio_93: p93, precio_95: p95, precio_97: p97, precio_diesel: pd },
    actualizado: textOrNull(r.actualizado),
    autor: textOrNull(r.autor),
  };
}

export function pickEstacion(e: Estacion): Estacion {
  return {
    id_estacion: e.id_estacion,
    nombre: e.nombre,
    host: e.host,
    puerto: e.puerto,
    // Older documents (before TLS) have no field: plaintext.
    tls: e.tls === true,
    id_provisional: e.id_provisional,
    creada: e.creada,
    actualizada: e.actualizada,
    version_confirmada: e.version_confirmada,
    ultimo_contacto: e.ultimo_contacto,
  };
}

/** A limit as the adapters use it: a non-negative integer. */
export function nonNegativeInt(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

/** A stored lease read leniently: null (left out) unless every field has its type. */
export function pickLease(raw: unknown): Lease | null {
  if (raw === null || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  const { id_estacion, propietario, vence } = r;
  if (typeof id_estacion !== 'string' || typeof propietario !== 'string') return null;
  if (typeof vence !== 'number' || !Number.isFinite(vence)) return null;
  return { id_estacion, propietario, vence };
}
