/** The records of identities, credentials and the audit log, as every auth store keeps them. */

export interface Usuario {
  nombre: string;
  rol: string;
  /** `scrypt$N$r$p$salt$hash`; never leaves the service. */
  clave_hash: string;
  creado: string;
  actualizado: string;
}

/**
 * A bearer credential: a login session (`sesion`, short-lived, for a person) or an API token
 * (`api`, long-lived, for a machine such as a metrics scraper or an ERP). Only the SHA-256 of the
 * secret is stored; `id` is a short public handle to list and revoke it.
 */
export interface Credencial {
  id: string;
  hash: string;
  tipo: 'sesion' | 'api';
  /** The user for a session; the token's name for an API token. */
  usuario: string;
  rol: string;
  creada: string;
  /** ISO instant; null: never expires. */
  expira: string | null;
  /** Who created it (API tokens). */
  creada_por: string | null;
}

export type ResultadoAuditoria = 'ok' | 'denegado' | 'error';

/** What a caller hands to the audit log; the log numbers and chains it. */
export interface EventoAuditoria {
  /** `admin`, `surtidor:7`, `empresa`, `token:prometheus`, `anonimo` ... */
  usuario: string;
  rol: string | null;
  ip: string | null;
  /** Dotted verb: `sesion.iniciar`, `precios.cambiar`, `surtidor.comando`, `usuario.crear` ... */
  accion: string;
  /** What it acted on: `surtidor:3`, `usuario:ana`, `precios` ... */
  objetivo: string | null;
  resultado: ResultadoAuditoria;
  detalles: Record<string, unknown> | null;
}

/** One stored entry: the event, its place in the chain and the chain hashes. */
export interface RegistroAuditoria extends EventoAuditoria {
  /** 1, 2, 3 ... without gaps. */
  seq: number;
  fecha: string;
  /** `hash` of entry seq - 1 (64 zeros for the first). */
  hash_anterior: string;
  /** SHA-256 over this entry's fields and hash_anterior. */
  hash: string;
}

export interface FiltroAuditoria {
  /** Inclusive bounds on fecha (ISO). */
  desde?: string;
  hasta?: string;
  usuario?: string;
  /** An exact action, or a prefix ending in `.` (`surtidor.`). */
  accion?: string;
  resultado?: ResultadoAuditoria;
  limit: number;
  skip: number;
}

export interface PaginaAuditoria {
  items: RegistroAuditoria[];
  total: number;
}
