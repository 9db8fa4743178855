/**
 * The auth part of a service's store: users, bearer credentials and the audit log. The station's
 * and the company's stores each expose one (`store.auth`), on their own database; the SQLite and
 * MongoDB adapters here are proven by one contract suite (`@combustible/server/testing`).
 */
import type { Credencial, FiltroAuditoria, PaginaAuditoria, RegistroAuditoria, Usuario } from './types.js';

export interface AuthStore {
  // usuarios
  /** Ordered by nombre. */
  listUsers(): Promise<Usuario[]>;
  getUser(nombre: string): Promise<Usuario | null>;
  countUsers(): Promise<number>;
  /** False when the name is taken. */
  insertUser(u: Usuario): Promise<boolean>;
  /** Replaces the stored user of that name; false when there is none. */
  updateUser(u: Usuario): Promise<boolean>;
  deleteUser(nombre: string): Promise<boolean>;

  // credenciales
  insertCredential(c: Credencial): Promise<void>;
  getCredentialByHash(hash: string): Promise<Credencial | null>;
  /** Newest first. */
  listCredentials(filter: { tipo?: Credencial['tipo']; usuario?: string }): Promise<Credencial[]>;
  deleteCredential(id: string): Promise<boolean>;
  /** Every credential of `tipo` held under that user (or token) name; how many went. */
  deleteCredentialsOf(usuario: string, tipo?: Credencial['tipo']): Promise<number>;
  /** Removes credentials whose expira is before `now`; how many went. */
  deleteExpired(now: string): Promise<number>;

  // auditoria
  /** The entry with the highest seq, or null on an empty log. */
  lastAudit(): Promise<RegistroAuditoria | null>;
  /** Appends; false (nothing stored) when that seq already exists: another writer got there first. */
  appendAudit(r: RegistroAuditoria): Promise<boolean>;
  /** Newest first, `total` counts every match. */
  listAudit(filter: FiltroAuditoria): Promise<PaginaAuditoria>;
  /** Oldest first, entries with seq > afterSeq, at most `limit` (for verification). */
  scanAudit(afterSeq: number, limit: number): Promise<RegistroAuditoria[]>;
}
