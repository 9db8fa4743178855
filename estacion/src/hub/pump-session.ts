/**
 * One pump connection (link 1). The shared line policy lives in LineSession; this adds the
 * registration rules and dispatch to one handler per message type.
 */
import type { Duplex } from 'node:stream';
import {
  type Capacidad,
  type ErrorMensaje,
  type MedidorConfirmado,
  type ModoAutorizacion,
  type PumpToStation,
  pumpToStation,
  type StationToPump,
  wireError,
} from '@combustible/shared';
import type { EstadoConexion } from '../domain/types.js';
import { LineSession } from '../tcp/line-session.js';
import { dispatch } from './handlers/index.js';
import type { PumpHub } from './pump-hub.js';

/** Messages a connection may send while its `registro` is being checked. */
const MAX_HELD = 256;

type EndReason = { how: Exclude<EstadoConexion, 'conectado'>; motivo: string };
/** How a connection ends unless something else says otherwise: one object for every session. */
const CLOSED_BY_PEER: EndReason = Object.freeze({ how: 'desconectado', motivo: 'conexión cerrada' });

export class PumpSession extends LineSession<PumpToStation> {
  /** The registered pump, once `registro` succeeded. */
  id: number | null = null;
  /** Newest price version sent to (or confirmed by) this pump on this connection. */
  priceVersionSent = -1;
  /** (ext) What the pump declared in `registro.capacidades` (empty for a seed pump). */
  capacidades: ReadonlySet<Capacidad> = new Set();
  /** (ext) The authorization mode last told to this pump (null: never told, as to a seed pump). */
  modoEnviado: ModoAutorizacion | null = null;
  /** How the station will report the end of this connection. */
  private endReason: EndReason = CLOSED_BY_PEER;
  private registrationTimer: ReturnType<PumpHub['clock']['setTimeout']> | undefined;
  /** Messages that arrived while a `registro` was being authenticated (null: not waiting). */
  private held: PumpToStation[] | null = null;

  constructor(
    readonly hub: PumpHub,
    stream: Duplex,
    remote: string | null,
    /**
     * What the peer's verified client certificate (mutual TLS) says: the pump id it names, or null
     * when it names none. Null (the whole object) when the connection has no client certificate.
     */
    readonly certificate: { pumpId: number | null } | null = null,
  ) {
    super(hub.lineContext, stream, remote, pumpToStation);
    this.registrationTimer = hub.clock.setTimeout(() => {
      if (this.id === null) {
        this.fail(wireError('REGISTRO_TIMEOUT', `no llegó "registro" en ${hub.options.registrationTimeoutMs} ms`));
      }
    }, hub.options.registrationTimeoutMs);
  }

  /** (ext) The registered gauge, when this connection is a tank gauge's (`registro_medidor`). */
  gaugeId: number | null = null;

  override send(message: StationToPump | MedidorConfirmado): void {
    super.send(message);
  }

  markRegistered(id: number, priceVersion: number): void {
    this.id = id;
    this.priceVersionSent = priceVersion;
    this.clearRegistrationTimer();
  }

  /** Cancels the registration timeout and lets go of its timer (a registered pump holds none). */
  private clearRegistrationTimer(): void {
    this.hub.clock.clearTimeout(this.registrationTimer);
    this.registrationTimer = undefined;
  }

  /** (ext) This connection is gauge `id`'s. */
  markGauge(id: number): void {
    this.gaugeId = id;
    this.clearRegistrationTimer();
  }

  /** Sends a last error and closes, reporting the pump's connection as `how`. */
  override fail(error: ErrorMensaje, how: EndReason['how'] = 'error'): void {
    if (this.closed) return;
    this.endReason = { how, motivo: error.codigo };
    super.fail(error);
  }

  /**
   * A well-formed message the station will not take (e.g. a sale dated days ahead): answered and
   * counted like a bad line, but it does not bring the connection closer to being closed (the
   * pump's other messages are fine, and it will send this one again).
   */
  refuse(error: ErrorMensaje): void {
    this.hub.metrics.badLine(error.codigo);
    this.send(error);
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

  protected override onSlowPeer(): void {
    this.endReason = { how: 'error', motivo: 'el surtidor no lee lo que se le envía' };
  }

  protected onClosed(): void {
    this.clearRegistrationTimer();
    this.hub.sessionClosed(this, this.endReason.how, this.endReason.motivo);
  }

  /** Messages after this one wait (in order) until `release()`: a `registro` is being checked. */
  hold(): void {
    this.held ??= [];
  }

  /** Handles the messages held, in order (until one of them holds again). */
  release(): void {
    const queue = this.held ?? [];
    this.held = null;
    while (queue.length > 0 && !this.closed) {
      if (this.held !== null) {
        (this.held as PumpToStation[]).push(...queue.splice(0));
        return;
      }
      this.onMessage(queue.shift() as PumpToStation);
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  protected onMessage(msg: PumpToStation): void {
    if (this.held !== null) {
      if (this.held.length >= MAX_HELD) {
        this.fail(wireError('LIMITE_EXCEDIDO', `más de ${MAX_HELD} mensajes mientras se verificaba "registro"`));
        return;
      }
      this.held.push(msg);
      return;
    }
    if (msg.tipo === 'registro_medidor' || msg.tipo === 'lectura_tanque') {
      // (ext) A gauge: never on a pump's connection, and a reading only from the registered gauge.
      if (this.id !== null) {
        this.badLine(wireError('ID_NO_COINCIDE', `esta conexión es del surtidor ${this.id}, no de un medidor`));
        return;
      }
      if (msg.tipo === 'lectura_tanque') {
        if (this.gaugeId === null) {
          this.badLine(wireError('NO_REGISTRADO', '"lectura_tanque" antes de "registro_medidor"'));
          return;
        }
        if (msg.id_medidor !== this.gaugeId) {
          this.badLine(
            wireError('ID_NO_COINCIDE', `id_medidor ${msg.id_medidor} no es el registrado (${this.gaugeId})`),
          );
          return;
        }
      }
      dispatch(this, msg);
      return;
    }
    if (this.gaugeId !== null) {
      this.badLine(
        wireError('ID_NO_COINCIDE', `esta conexión es del medidor ${this.gaugeId}: "${msg.tipo}" no corresponde`),
      );
      return;
    }
    if (msg.tipo !== 'registro') {
      if (this.id === null) {
        this.badLine(wireError('NO_REGISTRADO', `"${msg.tipo}" antes de "registro"`));
        return;
      }
      if (msg.id_surtidor !== this.id) {
        this.badLine(wireError('ID_NO_COINCIDE', `id_surtidor ${msg.id_surtidor} no es el registrado (${this.id})`));
        return;
      }
      this.hub.service.seen(this.id);
    }
    dispatch(this, msg);
  }
}
