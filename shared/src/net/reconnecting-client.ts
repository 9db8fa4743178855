import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { type Clock, systemClock, type TimerHandle } from '../clock.js';
import { LineDecoder, type LineSink } from '../codec/line-decoder.js';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import type { Dialer } from './dial.js';

/**
 * A client connection that keeps itself up.
 *
 *   idle ──start()──▶ connecting ──ok──▶ open ──(closed/dropped)──▶ waiting ──timer──▶ connecting …
 *                          └──fail──▶ waiting                                  close() ──▶ closed
 *
 * Waits between attempts grow exponentially with full jitter up to a cap, and go back to the
 * first step after a successful connection. `close()` or the AbortSignal ends it for good, and so
 * does an error for which `isFatal` says retrying is pointless.
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'waiting' | 'closed';

export interface RetryInfo {
  attempt: number;
  delayMs: number;
  error: Error;
}

export interface ReconnectingClientEvents {
  state: [ConnectionState];
  connected: [];
  disconnected: [Error | undefined];
  retry: [RetryInfo];
  line: [string];
  overflow: [number];
  drain: [];
  closed: [Error | undefined];
}

export interface ReconnectingClientOptions {
  dial: Dialer;
  backoff?: BackoffOptions;
  random?: () => number;
  clock?: Clock;
  signal?: AbortSignal;
  maxLineBytes?: number;
  /** Errors not worth retrying: the client closes instead. */
  isFatal?: (error: Error) => boolean;
  /**
   * When the peer closes the connection, answer its FIN with a reset instead of a FIN of our own
   * (plain TCP sockets only; others end as usual). The peer then keeps no TIME_WAIT for the
   * connection. It matters to thousands of clients of a server that is killed and restarted: a
   * client reconnecting from a port whose old connection is still in TIME_WAIT at the server, while
   * nothing listens there yet, gets an ACK instead of a refusal, and waits out its SYN
   * retransmission (1 s, then 2, 4…) even once the server is back.
   */
  resetOnPeerClose?: boolean;
}

/** A plain TCP socket that can close with a reset (not TLS, not an in-memory stream). */
function resettable(socket: Duplex): socket is net.Socket {
  return (
    socket instanceof net.Socket && !(socket instanceof tls.TLSSocket) && typeof socket.resetAndDestroy === 'function'
  );
}

/**
 * The client of a socket, for the listeners below. They are shared by every client (called with
 * the socket as `this`) instead of closures made per connection: a client holding an idle
 * connection keeps its socket, its decoder and itself only (bench `red`, RSS per link).
 */
const CLIENT = Symbol('cliente');
type ClientSocket = Duplex & { [CLIENT]: ReconnectingClient };
const clientOf = (socket: Duplex) => (socket as ClientSocket)[CLIENT];

function onSocketData(this: Duplex, chunk: Buffer): void {
  clientOf(this).onSocketData(this, chunk);
}
function onSocketDrain(this: Duplex): void {
  clientOf(this).emit('drain');
}
function onSocketError(this: Duplex, err: Error): void {
  clientOf(this).onSocketError(err);
}
function onSocketEnd(this: Duplex): void {
  clientOf(this).onSocketEnd(this);
}
function onSocketClose(this: Duplex): void {
  clientOf(this).onSocketClosed(this);
}

export class ReconnectingClient extends EventEmitter<ReconnectingClientEvents> implements LineSink {
  private _state: ConnectionState = 'idle';
  /** Consecutive failed attempts since the last successful connection. */
  private attempt = 0;
  private socket: Duplex | undefined;
  private timer: TimerHandle | undefined;
  private dialAbort: AbortController | undefined;
  private lastError: Error | undefined;
  private readonly clock: Clock;
  private readonly backoff: BackoffOptions;
  /** The next retry waits at least this long (set by drop()). */
  private minNextDelayMs = 0;
  private readonly random: () => number;
  /** Successful connections after the first one. */
  reconnects = 0;
  private everConnected = false;
  /** One decoder for the client's connections, reset on each (its sink is the client). */
  private readonly decoder: LineDecoder;
  /** Closes the client when its signal aborts; made only for a client that has a signal. */
  private readonly onAbort: (() => void) | undefined;

  constructor(private readonly options: ReconnectingClientOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.random = options.random ?? Math.random;
    this.decoder = new LineDecoder(
      this,
      options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes },
    );
    if (options.signal) {
      this.onAbort = () => this.close();
      options.signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** True when the socket's write buffer is over its high-water mark. */
  get congested(): boolean {
    return this.socket?.writableNeedDrain ?? false;
  }

  start(): void {
    if (this._state !== 'idle') return;
    if (this.options.signal?.aborted) {
      this.close();
      return;
    }
    this.connect();
  }

  /** Writes one encoded line; false when not connected (nothing is queued) . */
  send(line: string): boolean {
    if (this._state !== 'open' || !this.socket) return false;
    this.socket.write(line);
    return true;
  }

  /**
   * Stops reading from the connection (backpressure: the peer's writes wait in the kernel buffers
   * and then in the peer); lines already received still arrive. A new connection starts reading.
   */
  pause(): void {
    this.socket?.pause();
  }

  /** Reads again after pause(). */
  resume(): void {
    this.socket?.resume();
  }

  /**
   * Drops the current connection (peer misbehaved, liveness lost) and reconnects after backoff,
   * or after `minDelayMs` when longer (the peer said when to try again).
   */
  drop(reason: Error, minDelayMs = 0): void {
    if (this._state !== 'open' || !this.socket) return;
    this.lastError = reason;
    this.minNextDelayMs = minDelayMs;
    this.socket.destroy();
  }

  /** Stops for good: cancels a pending wait or dial and closes the connection. */
  close(reason?: Error): void {
    if (this._state === 'closed') return;
    this.setState('closed');
    if (this.onAbort) this.options.signal?.removeEventListener('abort', this.onAbort);
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.dialAbort?.abort(new Error('closed'));
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      socket.end();
      // Give a graceful end a moment, then make sure the socket is gone.
      const t = this.clock.setTimeout(() => socket.destroy(), 1000);
      socket.once('close', () => this.clock.clearTimeout(t));
    }
    this.emit('closed', reason);
  }

  private setState(state: ConnectionState): void {
    if (this._state === state) return;
    this._state = state;
    this.emit('state', state);
  }

  private connect(): void {
    this.timer = undefined;
    this.setState('connecting');
    const abort = new AbortController();
    this.dialAbort = abort;
    this.options.dial(abort.signal).then(
      (socket) => {
        if (this.dialAbort === abort) this.dialAbort = undefined;
        if (this._state !== 'connecting') {
          socket.destroy();
          return;
        }
        this.onOpen(socket);
      },
      (err: unknown) => {
        if (this.dialAbort === abort) this.dialAbort = undefined;
        if (this._state !== 'connecting') return;
        this.scheduleRetry(asError(err));
      },
    );
  }

  private onOpen(socket: Duplex): void {
    this.socket = socket;
    this.attempt = 0;
    this.lastError = undefined;
    if (this.everConnected) this.reconnects += 1;
    this.everConnected = true;
    this.decoder.reset();
    (socket as ClientSocket)[CLIENT] = this;
    socket.on('data', onSocketData);
    socket.on('drain', onSocketDrain);
    socket.on('error', onSocketError);
    socket.on('end', onSocketEnd);
    // 'close' is emitted once: `on` spares the wrapper `once` would make per connection.
    socket.on('close', onSocketClose);
    this.setState('open');
    this.emit('connected');
  }

  /** A chunk from a connection (onSocketData): only the current one's lines count. */
  onSocketData(socket: Duplex, chunk: Buffer): void {
    if (this.socket === socket) this.decoder.push(chunk);
  }

  /** The decoder's sink: one line of the current connection. */
  onLine(line: string): void {
    // Not from a connection already dropped (e.g. by an over-long line earlier in this chunk).
    if (this.socket !== undefined && !this.socket.destroyed) this.emit('line', line);
  }

  /** The decoder's sink: a line over maxLineBytes. */
  onOverflow(bytes: number): void {
    this.emit('overflow', bytes);
    this.drop(new Error(`line over ${this.decoder.maxLineBytes} bytes`));
  }

  /** A socket error (onSocketError): 'close' follows. */
  onSocketError(err: Error): void {
    this.lastError = err;
  }

  /** The peer ended its side (onSocketEnd). */
  onSocketEnd(socket: Duplex): void {
    if (this.options.resetOnPeerClose && resettable(socket)) socket.resetAndDestroy();
    else socket.end();
  }

  /** A connection closed, whoever closed it (onSocketClose). */
  onSocketClosed(socket: Duplex): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.decoder.reset();
    const error = this.lastError;
    this.emit('disconnected', error);
    if (this._state === 'open') this.scheduleRetry(error ?? new Error('connection closed by peer'));
  }

  private scheduleRetry(error: Error): void {
    if (this.options.isFatal?.(error)) {
      this.close(error);
      return;
    }
    const delayMs = Math.max(backoffDelay(this.attempt, this.backoff, this.random), this.minNextDelayMs);
    this.minNextDelayMs = 0;
    this.attempt += 1;
    this.setState('waiting');
    this.emit('retry', { attempt: this.attempt, delayMs, error });
    this.timer = this.clock.setTimeout(() => this.connect(), delayMs);
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
