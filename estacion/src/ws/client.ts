/**
 * One dashboard client with a bounded outgoing buffer. `estado` events are coalesced per pump
 * (latest wins) and go out on the next flush; other events queue in order. A client whose socket
 * stays over the byte bound, or whose queue overflows, is dropped with 1013 (try again later):
 * it reconnects and gets a fresh snapshot instead of stale backlog.
 */
import type { WebSocket } from 'ws';

export const CLOSE_TRY_AGAIN_LATER = 1013;

export interface ClientLimits {
  /** Bytes the socket may hold unsent before the client counts as lagging. */
  maxBufferedBytes: number;
  /** Queued (non-estado) events the client may have pending. */
  maxQueuedEvents: number;
  /** How long a client may stay lagging before it is dropped. */
  maxLagMs: number;
}

export const DEFAULT_CLIENT_LIMITS: ClientLimits = {
  maxBufferedBytes: 1024 * 1024,
  maxQueuedEvents: 5000,
  maxLagMs: 10_000,
};

export interface BridgeEvent {
  tipo: string;
  datos: unknown;
  timestamp: string;
}

export class BridgeClient {
  private queue: string[] = [];
  private readonly estados = new Map<number, string>();
  /** Until the snapshot is out, everything waits in the queue. */
  private ready = false;
  private laggingSince: number | null = null;
  dropped = false;

  constructor(
    readonly socket: WebSocket,
    private readonly limits: ClientLimits,
    private readonly now: () => number,
  ) {}

  /** Sends the snapshot first, then whatever arrived while it was being built. */
  start(snapshot: BridgeEvent): void {
    this.startWith(JSON.stringify(snapshot));
  }

  /** start() with the snapshot already serialized (one text shared by the clients that connect together). */
  startWith(snapshot: string): void {
    if (this.dropped) return;
    this.socket.send(snapshot);
    this.ready = true;
    this.flush();
  }

  push(event: BridgeEvent, pumpId?: number): void {
    if (this.dropped) return;
    this.pushText(event.tipo, JSON.stringify(event), pumpId);
  }

  /** push() with the event already serialized (one text shared by every client). */
  pushText(tipo: string, text: string, pumpId?: number): void {
    if (this.dropped) return;
    if (tipo === 'estado' && pumpId !== undefined) {
      this.estados.set(pumpId, text);
      return;
    }
    this.queue.push(text);
    if (this.queue.length > this.limits.maxQueuedEvents) this.drop('cola de eventos llena');
  }

  /** Sends what the socket can take; called on a timer by the bridge. */
  flush(): void {
    if (this.dropped || !this.ready || this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      const now = this.now();
      this.laggingSince ??= now;
      if (now - this.laggingSince > this.limits.maxLagMs) this.drop('cliente lento');
      return;
    }
    this.laggingSince = null;
    const queued = this.queue;
    this.queue = [];
    for (const text of queued) this.socket.send(text);
    for (const text of this.estados.values()) this.socket.send(text);
    this.estados.clear();
  }

  get pending(): number {
    return this.queue.length + this.estados.size;
  }

  drop(reason: string): void {
    this.end(CLOSE_TRY_AGAIN_LATER, reason);
  }

  /** Closes with `code` and drops whatever was pending. */
  end(code: number, reason: string): void {
    if (this.dropped) return;
    this.dropped = true;
    this.queue = [];
    this.estados.clear();
    this.socket.close(code, reason);
    // A client that does not read will not complete the closing handshake either.
    setTimeout(() => this.socket.terminate(), 5000).unref();
  }
}
