/**
 * One NDJSON connection with the station's bad-input policy, for both TCP links: framing with a
 * maximum line length, a per-connection rate limit, parsing against the link's schema, an `error`
 * answer for every bad line and a close past a threshold, and a bound on what may queue towards a
 * peer that does not read. Subclasses decide what a valid message means.
 */
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { logThrottle } from '@combustible/server';
import {
  type Clock,
  type ErrorMensaje,
  encodeMessage,
  LineDecoder,
  type LineSink,
  type Logger,
  parseLine,
  TokenBucket,
  type WireErrorCode,
  wireError,
} from '@combustible/shared';
import type { ZodType } from 'zod';

export interface LinePolicy {
  maxLineBytes: number;
  /** Bad lines a connection may send before it is closed. */
  maxBadLines: number;
  ratePerSecond: number;
  rateBurst: number;
  /** Bytes queued towards a peer that is not reading before the connection is dropped. */
  maxOutboundBytes: number;
}

export interface LineMetrics {
  message(tipo: string): void;
  badLine(codigo: string): void;
}

export interface LineSessionContext {
  clock: Clock;
  log: Logger;
  policy: LinePolicy;
  metrics: LineMetrics;
}

/** The first byte of a TLS record carrying a handshake (a ClientHello). */
const TLS_HANDSHAKE = 0x16;
/** One warning per 5 s at most, with the count of the ones left out: a scan cannot flood the log. */
const tlsOnPlainWarning = logThrottle(5000);

function uncork(session: LineSession<{ tipo: string }>): void {
  session.flushCorked();
}

/**
 * The session of a stream, for the listeners below. They are shared by every connection (called
 * with the stream as `this`) instead of closures made per connection: an idle connection holds
 * only its socket and its session (see bench `pares`, RSS per idle connection).
 */
const SESSION = Symbol('sesión de línea');
type SessionStream = Duplex & { [SESSION]: LineSession<{ tipo: string }> };
const sessionOf = (stream: Duplex) => (stream as SessionStream)[SESSION];

function onStreamData(this: Duplex, chunk: Buffer): void {
  sessionOf(this).onData(chunk);
}
function onStreamError(this: Duplex, err: Error): void {
  sessionOf(this).onStreamError(err);
}
function onStreamEnd(this: Duplex): void {
  sessionOf(this).close();
}
function onStreamClose(this: Duplex): void {
  sessionOf(this).onStreamClosed();
}

export abstract class LineSession<In extends { tipo: string }> implements LineSink {
  lastSeen: number;
  badLines = 0;
  protected closed = false;
  private readonly decoder: LineDecoder;
  private readonly bucket: TokenBucket;
  private lastRateWarning = Number.NEGATIVE_INFINITY;
  /** Sends are being gathered for one write (see send()). */
  private corked = false;
  /** The first chunk is still to come, and may be a TLS ClientHello on a plaintext port. */
  private firstChunk: boolean;

  constructor(
    protected readonly ctx: LineSessionContext,
    readonly stream: Duplex,
    readonly remote: string | null,
    private readonly schema: ZodType<In>,
  ) {
    const { policy, clock } = ctx;
    this.lastSeen = clock.now();
    this.bucket = new TokenBucket(policy.ratePerSecond, policy.rateBurst, clock);
    this.decoder = new LineDecoder(this, { maxLineBytes: policy.maxLineBytes });
    this.firstChunk = !(stream instanceof tls.TLSSocket);
    (stream as SessionStream)[SESSION] = this;
    stream.on('data', onStreamData);
    stream.on('error', onStreamError);
    stream.on('end', onStreamEnd);
    // 'close' is emitted once: `on` spares the wrapper `once` would make per connection.
    stream.on('close', onStreamClose);
  }

  /** A chunk from the peer (onStreamData). */
  onData(chunk: Buffer): void {
    if (this.firstChunk && chunk.length > 0) {
      this.firstChunk = false;
      // A TLS client on a plaintext port: say so clearly at the station, answer nothing (it could
      // not read a JSON line anyway) and close.
      if (chunk[0] === TLS_HANDSHAKE) {
        const { ctx, remote } = this;
        ctx.metrics.badLine('CLIENTE_TLS');
        tlsOnPlainWarning((omitidos) =>
          ctx.log.warn(
            { remote, omitidos },
            'cliente TLS en puerto sin TLS: el cliente usa TLS y la estación no (inicie la estación con --tls-cert/--tls-key, o el cliente sin --tls)',
          ),
        );
        this.destroy();
        return;
      }
    }
    if (!this.closed) this.decoder.push(chunk);
  }

  /** A socket error (onStreamError): 'close' follows. */
  onStreamError(err: Error): void {
    this.ctx.log.debug({ err, remote: this.remote }, 'error de socket');
  }

  /** The stream closed, whoever closed it (onStreamClose). */
  onStreamClosed(): void {
    this.closed = true;
    this.decoder.reset();
    this.onClosed();
  }

  /** A valid message of this link. */
  protected abstract onMessage(message: In): void;

  /** The connection is gone (whoever closed it). */
  protected abstract onClosed(): void;

  get isOpen(): boolean {
    return !this.closed;
  }

  send(message: { tipo: string }): void {
    if (this.closed) return;
    if (this.stream.writableLength > this.ctx.policy.maxOutboundBytes) {
      // The peer is not reading: holding more would let one connection eat the station's memory.
      this.onSlowPeer();
      this.destroy();
      return;
    }
    if (!this.corked) {
      // Everything sent in this turn (e.g. the confirmations of one group commit) leaves in one
      // write: the stream is uncorked once the current callbacks and promise reactions are done.
      this.corked = true;
      this.stream.cork();
      process.nextTick(uncork, this);
    }
    this.stream.write(encodeMessage(message));
  }

  /** Called by uncork() on the next tick after the first send() of a turn. */
  flushCorked(): void {
    this.corked = false;
    this.stream.uncork();
  }

  sendError(code: WireErrorCode, mensaje: string): void {
    this.send(wireError(code, mensaje));
  }

  /** Sends a last error and closes. */
  fail(error: ErrorMensaje): void {
    if (this.closed) return;
    this.send(error);
    this.close();
  }

  /** Closes gracefully; a peer that does not finish the close in time is cut off. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.end();
    const timer = this.ctx.clock.setTimeout(() => this.stream.destroy(), 2000);
    this.stream.once('close', () => this.ctx.clock.clearTimeout(timer));
  }

  destroy(): void {
    this.closed = true;
    this.stream.destroy();
  }

  /** Answers a bad line; past the threshold the connection is closed. */
  badLine(error: ErrorMensaje): void {
    this.badLines += 1;
    this.ctx.metrics.badLine(error.codigo);
    this.send(error);
    if (this.badLines > this.ctx.policy.maxBadLines) {
      this.fail(
        wireError('LIMITE_EXCEDIDO', `más de ${this.ctx.policy.maxBadLines} líneas inválidas: conexión cerrada`),
      );
    }
  }

  /** Hook: the peer stopped reading and the connection is being dropped. */
  protected onSlowPeer(): void {}

  /** The decoder's sink: a line longer than the policy allows. */
  onOverflow(): void {
    this.ctx.metrics.badLine('LINEA_DEMASIADO_LARGA');
    this.fail(wireError('LINEA_DEMASIADO_LARGA', `línea de más de ${this.ctx.policy.maxLineBytes} bytes`));
  }

  /** The decoder's sink: one complete line. */
  onLine(line: string): void {
    if (this.closed) return;
    this.lastSeen = this.ctx.clock.now();
    if (!this.bucket.take()) {
      this.ctx.metrics.badLine('LIMITE_EXCEDIDO');
      const now = this.ctx.clock.now();
      if (now - this.lastRateWarning >= 1000) {
        this.lastRateWarning = now;
        this.sendError(
          'LIMITE_EXCEDIDO',
          `más de ${this.ctx.policy.ratePerSecond} mensajes por segundo: mensaje descartado`,
        );
      }
      return;
    }
    const parsed = parseLine(line, this.schema);
    if (!parsed.ok) {
      this.badLine(parsed.error);
      return;
    }
    this.ctx.metrics.message(parsed.message.tipo);
    this.onMessage(parsed.message);
  }
}
