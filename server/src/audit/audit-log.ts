/**
 * The tamper-evident audit log: every change and every denied attempt, appended in order and
 * hash-chained. Appends are serialized in this process; another process appending to the same
 * store (company replicas) makes a seq collide, and the append re-reads the head and retries.
 */
import type { Clock, Logger } from '@combustible/shared';
import type { AuthStore } from '../auth/store.js';
import type { EventoAuditoria, FiltroAuditoria, PaginaAuditoria, RegistroAuditoria } from '../auth/types.js';
import { chainEntry, checkLink, type ErrorCadena } from './chain.js';

export interface Verificacion {
  ok: boolean;
  registros: number;
  primer_error?: ErrorCadena;
}

const MAX_RETRIES = 20;
const SCAN_PAGE = 1000;

export class AuditLog {
  private head: Pick<RegistroAuditoria, 'seq' | 'hash'> | null | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(r: RegistroAuditoria) => void>();

  constructor(
    private readonly store: AuthStore,
    private readonly clock: Clock,
    private readonly log?: Logger,
  ) {}

  /** Appends one entry durably; resolves with it once stored. */
  append(evento: EventoAuditoria): Promise<RegistroAuditoria> {
    const done = this.tail.then(() => this.appendNow(evento));
    this.tail = done.catch(() => undefined);
    return done;
  }

  /**
   * Appends without making the caller wait or fail: for denials on hot paths (a refused pump
   * registration). A failure to store is logged, never thrown.
   */
  record(evento: EventoAuditoria): void {
    this.append(evento).catch((err: unknown) =>
      this.log?.error({ err, accion: evento.accion }, 'no se pudo escribir en la auditoría'),
    );
  }

  /** Called after each stored entry (the dashboard's "últimas acciones"). */
  onAppend(listener: (r: RegistroAuditoria) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when every append started so far has finished. */
  async flush(): Promise<void> {
    await this.tail;
  }

  list(filter: FiltroAuditoria): Promise<PaginaAuditoria> {
    return this.store.listAudit(filter);
  }

  /** Walks the whole chain from the first entry; names the first entry that breaks it. */
  async verify(): Promise<Verificacion> {
    let previous: RegistroAuditoria | null = null;
    let registros = 0;
    for (;;) {
      const page = await this.store.scanAudit(previous?.seq ?? 0, SCAN_PAGE);
      for (const r of page) {
        const error = checkLink(previous, r);
        if (error) return { ok: false, registros, primer_error: error };
        previous = r;
        registros++;
      }
      if (page.length < SCAN_PAGE) return { ok: true, registros };
    }
  }

  private async appendNow(evento: EventoAuditoria): Promise<RegistroAuditoria> {
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      if (this.head === undefined || attempt > 0) this.head = await this.store.lastAudit();
      const entry = chainEntry(this.head, evento, new Date(this.clock.now()).toISOString());
      if (await this.store.appendAudit(entry)) {
        this.head = { seq: entry.seq, hash: entry.hash };
        for (const l of this.listeners) l(entry);
        return entry;
      }
    }
    throw new Error(`auditoría: no se pudo encadenar el registro tras ${MAX_RETRIES} intentos`);
  }
}
