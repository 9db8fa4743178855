/**
 * The gauge console's link to the station: another device on the pump port (link 1, (ext)). The
 * same reconnecting client as a pump's (backoff with jitter, the patient pause after failed
 * registrations, the fleet's admission); on every connection it sends `registro_medidor`, and once
 * `medidor_confirmado` arrives a reading of every tank, then each tank's readings as they fall due
 * (see Gauge.lecturasDebidas). Readings are state, not records: none is kept while the link is down
 * (the next one says the same, fresher).
 */
import {
  type BackoffOptions,
  type Clock,
  type Dialer,
  encodeMessage,
  errorMensaje,
  type Logger,
  medidorConfirmado,
  parseLine,
  type ReconnectingClient,
  type RegistroMedidor,
  registroRechazado,
} from '@combustible/shared';
import { z } from 'zod';
import type { Random } from '../domain/customer.js';
import type { Gauge } from '../domain/medidor.js';
import { FATAL_WIRE_CODES, withCode } from '../errors.js';
import { type Admission, admittedDial } from './admission.js';
import { countCode, type LinkCounters } from './counters.js';
import { registeringClient } from './registering-client.js';

/** What the station says to a gauge. */
const stationToGauge = z.discriminatedUnion('tipo', [medidorConfirmado, registroRechazado, errorMensaje]);

export interface GaugeLinkOptions {
  token: string | undefined;
  version: string;
  registrationTimeoutMs: number;
  /**
   * Real ms without a line after which a round of readings goes out anyway: the station closes a
   * device it has not heard from in its heartbeat timeout, and readings are the gauge's only sign
   * of life (the pumps' --heartbeat-interval).
   */
  maxSilenceMs: number;
  backoff: BackoffOptions;
}

export interface GaugeLinkDeps {
  gauge: Gauge;
  dial: Dialer;
  /** Real time (timeouts). */
  clock: Clock;
  random: Random;
  log: Logger;
  counters: LinkCounters;
  options: GaugeLinkOptions;
  admission?: Admission;
  /** The link stopped for good (e.g. the token was refused). */
  onFatal?: (error: Error) => void;
}

export class GaugeLink {
  readonly client: ReconnectingClient;
  private registeredNow = false;
  private connectedAt = 0;
  private failedRegistrations = 0;
  private fatalRejection: Error | null = null;
  private fatalError: Error | null = null;
  private releaseAdmission: (() => void) | undefined;
  private lastSentAt = 0;
  /** Readings written to the station. */
  lecturasEnviadas = 0;

  constructor(private readonly deps: GaugeLinkDeps) {
    const { options } = deps;
    const admitted = deps.admission
      ? admittedDial(deps.admission, deps.dial, (release) => {
          this.releaseAdmission = release;
        })
      : deps.dial;
    this.client = registeringClient(admitted, {
      failures: () => this.failedRegistrations,
      refused: () => this.fatalRejection !== null,
      backoff: options.backoff,
      random: deps.random,
      clock: deps.clock,
    });
    this.client.on('connected', () => this.onConnected());
    this.client.on('disconnected', (err) => {
      this.registeredNow = false;
      this.admitted();
      deps.log.debug({ err: err?.message }, 'medidor desconectado');
    });
    this.client.on('line', (line) => this.onLine(line));
    this.client.on('closed', (err) => {
      if (!err) return;
      this.fatalError = err;
      deps.onFatal?.(err);
    });
  }

  get registered(): boolean {
    return this.registeredNow;
  }

  get fatal(): Error | null {
    return this.fatalError;
  }

  start(): void {
    this.client.start();
  }

  stop(): void {
    this.registeredNow = false;
    this.client.close();
    this.admitted();
  }

  /** Shared tick: the registration timeout, then the readings due. */
  tick(now: number): void {
    if (!this.registeredNow) {
      if (this.client.state === 'open' && now - this.connectedAt > this.deps.options.registrationTimeoutMs) {
        this.failedRegistrations += 1;
        this.client.drop(withCode('SIN_CONFIRMACION_REGISTRO', 'no llegó medidor_confirmado a tiempo'));
      }
      return;
    }
    this.sendReadings(now - this.lastSentAt >= this.deps.options.maxSilenceMs);
  }

  private sendReadings(todas: boolean): void {
    for (const lectura of this.deps.gauge.lecturasDebidas(todas)) {
      if (this.client.send(encodeMessage(lectura))) {
        this.lecturasEnviadas += 1;
        this.deps.counters.enviadas += 1;
        this.lastSentAt = this.deps.clock.now();
      }
    }
  }

  private admitted(): void {
    const release = this.releaseAdmission;
    this.releaseAdmission = undefined;
    release?.();
  }

  private onConnected(): void {
    this.connectedAt = this.deps.clock.now();
    this.registeredNow = false;
    const { gauge, options } = this.deps;
    const registro: RegistroMedidor = {
      tipo: 'registro_medidor',
      id_medidor: gauge.id,
      nombre: `Medidor ${gauge.id}`,
      version: options.version,
      tanques: gauge.idsTanques,
      ...(options.token === undefined ? {} : { token: options.token }),
    };
    this.client.send(encodeMessage(registro));
    this.deps.log.debug('medidor conectado; registro_medidor enviado');
  }

  private onLine(line: string): void {
    const { log, counters } = this.deps;
    const parsed = parseLine(line, stationToGauge);
    if (!parsed.ok) {
      counters.lineasInvalidas += 1;
      log.debug({ codigo: parsed.error.codigo, linea: line.slice(0, 200) }, 'línea inválida de la estación (medidor)');
      return;
    }
    const msg = parsed.message;
    switch (msg.tipo) {
      case 'medidor_confirmado':
        if (msg.id_medidor !== this.deps.gauge.id) {
          log.warn({ id_recibido: msg.id_medidor }, 'medidor_confirmado para otro medidor: se ignora');
          return;
        }
        this.failedRegistrations = 0;
        this.registeredNow = true;
        this.admitted();
        log.info({ tanques: this.deps.gauge.idsTanques }, 'medidor registrado');
        this.sendReadings(true);
        return;
      case 'registro_rechazado': {
        countCode(counters.rechazos, msg.codigo);
        const error = withCode(msg.codigo, `registro_medidor rechazado (${msg.codigo}): ${msg.mensaje}`);
        if (FATAL_WIRE_CODES.has(msg.codigo)) this.fatalRejection = error;
        else {
          this.failedRegistrations += 1;
          log.warn(
            { codigo: 'REGISTRO_RECHAZADO', causa: msg.codigo, mensaje: msg.mensaje },
            'registro del medidor rechazado; se reintenta',
          );
        }
        this.client.drop(error, msg.reintentar_ms ?? 0);
        return;
      }
      case 'error':
        countCode(counters.errores, msg.codigo);
        log.debug(
          { codigo: msg.codigo, mensaje: msg.mensaje, detalles: msg.detalles },
          'error de la estación (medidor)',
        );
    }
  }
}
