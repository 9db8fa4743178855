/** Data builders for tests: a valid record with every field set, overridden where a test cares. */
import type { Estacion, VersionPrecios } from '../domain/types.js';

let seq = 0;

export function unaVersion(overrides: Partial<VersionPrecios> = {}): VersionPrecios {
  return {
    version: 1,
    precios: { precio_93: 1290, precio_95: 1350, precio_97: 1400, precio_diesel: 1120 },
    actualizado: '2026-01-15T14:30:00.000Z',
    autor: 'ana',
    cambios: [{ campo: 'precio_95', anterior: 1340, nuevo: 1350 }],
    vigencia: null,
    cancelada: null,
    ...overrides,
  };
}

export function unaEstacion(overrides: Partial<Estacion> = {}): Estacion {
  const n = ++seq;
  return {
    id_estacion: `estacion-${n}`,
    nombre: `Estación ${n}`,
    host: '10.0.0.1',
    puerto: 5000 + n,
    tls: false,
    id_provisional: false,
    creada: '2026-01-15T14:30:00.000Z',
    actualizada: '2026-01-15T14:30:00.000Z',
    version_confirmada: null,
    ultimo_contacto: null,
    ...overrides,
  };
}
