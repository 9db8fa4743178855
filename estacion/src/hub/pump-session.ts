/**
 * One pump connection: framing → parsing → dispatch, with the bad-input policy. It takes any
 * Duplex (a TCP socket in production, an in-memory pair in tests).
 */

import type { Duplex } from 'node:stream';
import {
  type ErrorMensaje,
  encodeMessage,
  LineDecoder,
  parseLine,
  pumpToStation,
  type StationToPump,
  type WireErrorCode,
  wireError,
} from '@combustible/shared';
import type { EstadoConexion } from '../domain/types.js';
import { dispatch } from './handlers/index.js';
import type { PumpHub } from './pump-hub.js';
import { TokenBucket } from './rate-limiter.js';

let nextSessionId = 1;

export class PumpSession {
  readonly sessionId = nextSessionId++;
  /** The registered pump, once `registro` succeeded. */
  id: number | null = null;
  lastSeen: number;
  /** Newest price version sent to (or confirmed by) this pump on this connection. */
  priceVersionSent = -1;
  badLines = 0;
  private closed = false;
  /** How the station will report the end of this connection. */
  private endReason: { how: Exclude<EstadoConexion, 'conectado'>; motivo: string } = {
    how: 'desconectado',
    motivo: 'conexión cerrada',
  };
  private readonly decoder: LineDecoder;
  private readonly bucket: TokenBucket;
  private lastRateWarning = Number.NEGATIVE_INFINITY;
  private registrationTimer: ReturnType<PumpHub['clock']['setTimeout']> | undefined;

  constructor(
    readonly hub: PumpHub,
    readonly stream: Duplex,
    readonly remote: string | null,
  ) {
    const { options, clock } = hub;
    this.lastSeen = clock.now();
    this.bucket = new TokenBucket(options.ratePerSecond, options.rateBurst, clock);
    this.decoder = new LineDecoder(
      { onLine: (line) => this.onLine(line), onOverflow: () => this.onOverflow() },
      { maxLineBytes: options.maxLineBytes },
    );
    stream.on('data', (chunk: Buffer) => {
      if (!this.closed) this.decoder.push(chunk);
    });
    stream.on('error', (err) => hub.log.debug({ err, remote, id_surtidor: this.id }, 'error de socket'));
    stream.on('end', () => this.close());
    stream.once('close', () => this.onClosed());
    this.registrationTimer = clock.setTimeout(() => {
      if (this.id === null) {
        this.fail(
          wireError('REGISTRO_TIMEOUT', `no llegó "registro" en ${options.registrationTimeoutMs} ms`),
        );
      }
    }, options.registrationTimeoutMs);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  send(message: StationToPump): void {
    if (this.closed) return;
    if (this.stream.writableLength > this.hub.options.maxOutboundBytes) {
      // The pump is not reading: holding more would let one connection eat the station's memory.
      this.endReason = { how: 'error', motivo: 'el surtidor no lee lo que se le envía' };
      this.destroy();
      return;
    }
    this.stream.write(encodeMessage(message));
  }

  sendError(code: WireErrorCode, mensaje: string): void {
    this.send(wireError(code, mensaje));
  }

  markRegistered(id: number, priceVersion: number): void {
    this.id = id;
    this.priceVersionSent = priceVersion;
    this.hub.clock.clearTimeout(this.registrationTimer);
  }

  /** Sends a last error and closes. */
  fail(error: ErrorMensaje, how: Exclude<EstadoConexion, 'conectado'> = 'error'): void {
    if (this.closed) return;
    this.endReason = { how, motivo: error.codigo };
    this.send(error);
    this.close();
  }

  /** Closes gracefully; a peer that does not finish the close in time is cut off. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.end();
    const timer = this.hub.clock.setTimeout(() => this.stream.destroy(), 2000);
    this.stream.once('close', () => this.hub.clock.clearTimeout(timer));
  }

  /** The pump stayed silent too long. */
  timedOut(): void {
    this.endReason = {
      how: 'timeout',
      motivo: `sin mensajes durante ${this.hub.options.heartbeatTimeoutMs} ms`,
    };
    this.destroy();
  }

  /** Replaced by a newer connection for the same pump. */
  replaced(): void {
    this.fail(wireError('SESION_REEMPLAZADA', 'otra conexión registró este surtidor'), 'desconectado');
  }

  destroy(): void {
    this.closed = true;
    this.stream.destroy();
  }

  private onClosed(): void {
    this.closed = true;
    this.decoder.reset();
    this.hub.clock.clearTimeout(this.registrationTimer);
    this.hub.sessionClosed(this, this.endReason.how, this.endReason.motivo);
  }

  private onOverflow(): void {
    this.hub.metrics.badLine('LINEA_DEMASIADO_LARGA');
    this.fail(wireError('LINEA_DEMASIADO_LARGA', `línea de más de ${this.hub.options.maxLineBytes} bytes`));
  }

  private onLine(line: string): void {
    if (this.closed) return;
    this.lastSeen = this.hub.clock.now();
    if (!this.bucket.take()) {
      this.hub.metrics.badLine('LIMITE_EXCEDIDO');
      const now = this.hub.clock.now();
      if (now - this.lastRateWarning >= 1000) {
        this.lastRateWarning = now;
        this.sendError(
          'LIMITE_EXCEDIDO',
          `más de ${this.hub.options.ratePerSecond} mensajes por segundo: mensaje descartado`,
        );
      }
      return;
    }
    const parsed = parseLine(line, pumpToStation);
    if (!parsed.ok) {
      this.badLine(parsed.error);
      return;
    }
    const msg = parsed.message;
    this.hub.metrics.message(msg.tipo);
    if (msg.tipo !== 'registro') {
      if (this.id === null) {
        this.badLine(wireError('NO_REGISTRADO', `"${msg.tipo}" antes de "registro"`));
        return;
      }
      if (msg.id_surtidor !== this.id) {
        this.badLine(
          wireError('ID_NO_COINCIDE', `id_surtidor ${msg.id_surtidor} no es el registrado (${this.id})`),
        );
        return;
      }
      this.hub.service.seen(this.id);
    }
    dispatch(this, msg);
  }

  /** Answers a bad line; past the threshold the connection is closed. */
  badLine(error: ErrorMensaje): void {
    this.badLines += 1;
    this.hub.metrics.badLine(error.codigo);
    if (this.badLines > this.hub.options.maxBadLines) {
      this.send(error);
      this.fail(
        wireError(
          'LIMITE_EXCEDIDO',
          `más de ${this.hub.options.maxBadLines} líneas inválidas: conexión cerrada`,
        ),
      );
      return;
    }
    this.send(error);
  }
}
