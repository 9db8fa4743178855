/**
 * The audit log's hash chain. Each entry's hash covers its own fields and the previous entry's
 * hash, so editing, inserting or deleting an entry in the middle breaks every link after it and
 * verification names the first one that does not hold.
 */
import { createHash } from 'node:crypto';
import type { EventoAuditoria, RegistroAuditoria } from '../auth/types.js';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level, so a hash does not depend on key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

export function entryHash(r: Omit<RegistroAuditoria, 'hash'>): string {
  const covered = [
    r.seq,
    r.fecha,
    r.usuario,
    r.rol,
    r.ip,
    r.accion,
    r.objetivo,
    r.resultado,
    r.detalles,
    r.hash_anterior,
  ];
  return createHash('sha256').update(canonicalJson(covered)).digest('hex');
}

/** The entry that follows `previous` (null: the first one). */
export function chainEntry(
  previous: Pick<RegistroAuditoria, 'seq' | 'hash'> | null,
  evento: EventoAuditoria,
  fecha: string,
): RegistroAuditoria {
  const base = {
    seq: (previous?.seq ?? 0) + 1,
    fecha,
    usuario: evento.usuario,
    rol: evento.rol,
    ip: evento.ip,
    accion: evento.accion,
    objetivo: evento.objetivo,
    resultado: evento.resultado,
    detalles: evento.detalles,
    hash_anterior: previous?.hash ?? GENESIS_HASH,
  };
  return { ...base, hash: entryHash(base) };
}

export interface ErrorCadena {
  seq: number;
  motivo: string;
}

/**
 * Checks one entry against the one before it (null for the first); the first problem found, or
 * null when the link holds.
 */
export function checkLink(
  previous: Pick<RegistroAuditoria, 'seq' | 'hash'> | null,
  r: RegistroAuditoria,
): ErrorCadena | null {
  const expectedSeq = (previous?.seq ?? 0) + 1;
  if (r.seq !== expectedSeq)
    return { seq: expectedSeq, motivo: `falta el registro ${expectedSeq} (el siguiente es ${r.seq})` };
  if (r.hash_anterior !== (previous?.hash ?? GENESIS_HASH))
    return { seq: r.seq, motivo: 'hash_anterior no coincide con el hash del registro anterior' };
  if (entryHash(r) !== r.hash) return { seq: r.seq, motivo: 'el contenido no coincide con su hash (modificado)' };
  return null;
}
