/**
 * Where transport reports what it refused (a pump's `registro`, the company's `autenticacion`):
 * the audit log's fire-and-forget `record()`, injected as a seam so that the hub and the company
 * link never touch storage and never wait on it.
 */
import type { EventoAuditoria } from '@combustible/server';

export interface AuditSink {
  /** Appends in the background; never throws, never blocks the caller. */
  record(evento: EventoAuditoria): void;
}

/** For tests and tools that run a hub without an audit log. */
export const NO_AUDIT: AuditSink = { record() {} };
