/**
 * Invariant: a reused sale id is never a silent duplicate. A sale whose (id_surtidor,
 * id_transaccion) is already stored is a duplicate only when its content (what the pump sent) is
 * the same; otherwise it is a conflict, kept beside the original (which is never replaced). Pure.
 */
import { createHash } from 'node:crypto';
import { timestampMs } from '@combustible/shared';
import type { Conflicto, Transaccion } from './types.js';

/**
 * The fields of a stored sale that the pump sent, in a fixed order. What the station derived or
 * stamped (`nombre_surtidor`, `observaciones`, `detalles`, `recibida`, `id_derivado`) is not
 * content: a resend received later, or under another pump name, is still the same sale.
 */
export const CAMPOS_CONTENIDO = [
  'id_surtidor',
  'id_transaccion',
  'tipo_combustible',
  'litros',
  'precio_por_litro',
  'monto_total',
  'metodo_pago',
  'fecha_inicio',
  'fecha_fin',
  'estado',
  'operador',
  'secuencia',
  'version_precios',
  'totalizador_inicio',
  'totalizador_fin',
] as const satisfies readonly (keyof Transaccion)[];

export type CampoContenido = (typeof CAMPOS_CONTENIDO)[number];

/**
 * One field's value in canonical form: dates as instants (the same moment written with another
 * offset is the same sale), -0 as 0, absent as null. A value that cannot be read stays as it is.
 */
function canonical(campo: CampoContenido, value: unknown): unknown {
  if (value === undefined) return null;
  if ((campo === 'fecha_inicio' || campo === 'fecha_fin') && typeof value === 'string') {
    const ms = timestampMs(value);
    return Number.isNaN(ms) ? value : ms;
  }
  if (typeof value === 'number') return Object.is(value, -0) ? 0 : value;
  return value;
}

/**
 * The canonical content of a sale, as one JSON text. (ext) `id_autorizacion` is content too, but
 * only when present, so that a sale without one hashes as it did before authorizations existed.
 */
export function contenidoVenta(t: Transaccion): string {
  const campos = CAMPOS_CONTENIDO.map((c) => canonical(c, t[c]));
  if (typeof t.id_autorizacion === 'string') campos.push(['id_autorizacion', t.id_autorizacion]);
  return JSON.stringify(campos);
}

/** The content hash of a sale (SHA-256 of its canonical content, hex). */
export function huellaVenta(t: Transaccion): string {
  return createHash('sha256').update(contenidoVenta(t)).digest('hex');
}

/** The content fields on which two versions of a sale differ, in CAMPOS_CONTENIDO order. */
export function camposDistintos(a: Transaccion, b: Transaccion): (CampoContenido | 'id_autorizacion')[] {
  const campos: (CampoContenido | 'id_autorizacion')[] = CAMPOS_CONTENIDO.filter(
    (c) => JSON.stringify(canonical(c, a[c])) !== JSON.stringify(canonical(c, b[c])),
  );
  if ((a.id_autorizacion ?? null) !== (b.id_autorizacion ?? null)) campos.push('id_autorizacion');
  return campos;
}

/**
 * What a second version of a stored sale is: null when it is the same sale (a resend, a
 * duplicate), otherwise the conflict to keep, with both versions. `detectado` is when the station
 * received the new version (its `recibida`).
 */
export function conflictoEntre(original: Transaccion, nueva: Transaccion): Conflicto | null {
  const huella = huellaVenta(nueva);
  const huellaOriginal = huellaVenta(original);
  if (huella === huellaOriginal) return null;
  return {
    id: idConflicto(nueva.id_surtidor, nueva.id_transaccion, huella),
    id_surtidor: nueva.id_surtidor,
    id_transaccion: nueva.id_transaccion,
    huella,
    huella_original: huellaOriginal,
    campos: camposDistintos(original, nueva),
    original,
    nueva,
    detectado: nueva.recibida,
  };
}

/** One conflict per (pump, transaction id, version content): the same version again is the same conflict. */
export function idConflicto(idSurtidor: number, idTransaccion: string, huella: string): string {
  return `${idSurtidor}:${idTransaccion}:${huella}`;
}
