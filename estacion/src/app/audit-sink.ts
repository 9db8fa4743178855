/**
 * Where transport reports what it refused (a pump's `registro`, the company's `autenticacion`):
 * the audit log's fire-and-forget `record()`, injected as a seam so that the hub and the company
 * link never touch storage and never wait on it.
 */
import type { EventoAuditoria } from '@combustible/server';
import type { Clock } from '@combustible/shared';

export interface AuditSink {
  /** Appends in the background; never throws, never blocks the caller. */
  record(evento: EventoAuditoria): void;
}

/** For tests and tools that run a hub without an audit log. */
export const NO_AUDIT: AuditSink = { record() {} };

export interface RefusalThrottleOptions {
  /** Entries recorded one by one per source (address + action) in each window. */
  perWindow: number;
  windowMs: number;
  /** Sources tracked at once; past it, new sources share one summary key. */
  maxSources: number;
}

export const DEFAULT_REFUSAL_THROTTLE: RefusalThrottleOptions = { perWindow: 10, windowMs: 60_000, maxSources: 10_000 };

interface Window {
  start: number;
  recorded: number;
  held: number;
  last: EventoAuditoria;
}

/**
 * Every refusal on the TCP ports is accounted for, but a flood cannot fill the disk: per source
 * (address + action; who, when there is no address) the first `perWindow` refusals of a window are recorded one by one;
 * the rest are counted, and when the window ends one summary entry records how many there were
 * (`detalles.omitidos`), with the last one's details.
 */
export class ThrottledAuditSink implements AuditSink {
  private readonly windows = new Map<string, Window>();
  private timer: ReturnType<Clock['setTimeout']> | undefined;
  private readonly options: RefusalThrottleOptions;

  constructor(
    private readonly inner: AuditSink,
    private readonly clock: Clock,
    options: Partial<RefusalThrottleOptions> = {},
  ) {
    this.options = { ...DEFAULT_REFUSAL_THROTTLE, ...options };
  }

  /** Sources with a window open (bounded by maxSources + 1). */
  get sources(): number {
    return this.windows.size;
  }

  record(evento: EventoAuditoria): void {
    if (evento.resultado === 'ok') {
      this.inner.record(evento);
      return;
    }
    const now = this.clock.now();
    // By address, not by the id it claims: a peer cycling through pump ids is still one source.
    let key = evento.ip === null ? `${evento.usuario}|-|${evento.accion}` : `*|${evento.ip}|${evento.accion}`;
    if (!this.windows.has(key) && this.windows.size >= this.options.maxSources) key = `varios|*|${evento.accion}`;
    const w = this.windows.get(key) ?? { start: now, recorded: 0, held: 0, last: evento };
    this.windows.set(key, w);
    w.last = evento;
    if (w.recorded < this.options.perWindow) {
      w.recorded++;
      this.inner.record(evento);
    } else {
      w.held++;
    }
    this.timer ??= this.clock.setTimeout(() => this.sweep(), this.options.windowMs);
  }

  /** Writes the pending summaries now (on shutdown). */
  flush(): void {
    for (const [key, w] of this.windows) this.close(key, w);
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private sweep(): void {
    this.timer = undefined;
    const now = this.clock.now();
    for (const [key, w] of this.windows) if (now - w.start >= this.options.windowMs) this.close(key, w);
    if (this.windows.size > 0) this.timer = this.clock.setTimeout(() => this.sweep(), this.options.windowMs);
  }

  private close(key: string, w: Window): void {
    this.windows.delete(key);
    if (w.held === 0) return;
    const summary = key.startsWith('varios|');
    this.inner.record({
      ...w.last,
      ...(summary ? { usuario: 'varios', ip: null, objetivo: null } : {}),
      detalles: { ...(w.last.detalles ?? {}), omitidos: w.held, ventana_s: Math.round(this.options.windowMs / 1000) },
    });
  }
}
