/**
 * Copies of the records with exactly the port's fields, so that whatever an adapter stores or
 * reads (driver `_id`, internal columns) never leaks through the port. Adding a field to a record
 * type makes these fail to compile until the field is stored too.
 */
import type { Estacion, VersionPrecios } from '../domain/types.js';

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
