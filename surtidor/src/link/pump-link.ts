/**
 * One pump's link to the station (link 1): a ReconnectingClient (backoff + jitter) that registers
 * on every connection, then replays the pump's outbox in order with a bounded window of sales in
 * flight, resending those not confirmed in time. Live messages (estado, precios_aplicados,
 * comando_ejecutado, heartbeat) go out only while registered, and never ahead of a sale the pump
 * finished before them: they wait until that sale is durable and sent.
 */
import {
  type BackoffOptions,
  type Clock,
  type Dialer,
  encodeMessage,
  type Logger,
  type PumpToStation,
  type ReconnectingClient,
  type Registro,
  TokenBucket,
} from '@combustible/shared';
import type { ChaosLink } from '../chaos.js';
import type { Random } from '../domain/customer.js';
import type { Pump } from '../domain/pump.js';
import { FATAL_WIRE_CODES, withCode } from '../errors.js';
import type { Outbox, PumpBook } from '../outbox/outbox.js';
import type { LinkCounters } from './counters.js';
import { type Admission, admittedDial } from './admission.js';
import { dispatchLine } from './handlers.js';
import { registeringClient } from './registering-client.js';

export interface LinkOptions {
  token: string | undefined;
  /** Software version sent in `registro`. */
  version: string;
  /** Sales in flight (sent, unconfirmed) at most. */
  window: number;
  resendAfterMs: number;
  maxSalesPerSecond: number;
  heartbeatIntervalMs: number;
  registrationTimeoutMs: number;
  backoff: BackoffOptions;
}

export interface LinkDeps {
  pump: Pump;
  book: PumpBook;
  outbox: Outbox;
  dial: Dialer;
  /** Real time (timeouts, pacing). */
  clock: Clock;
  /** The pump's time (timestamps on the wire). */
  pumpClock: Clock;
  random: Random;
  log: Logger;
  chaos: ChaosLink | null;
  counters: LinkCounters;
  options: LinkOptions;
  /** The link stopped for good (e.g. the token was refused). */
  onFatal?: (error: Error) => void;
  /** Limits how many pumps register at once (shared by the fleet). */
  admission?: Admission;
  /** Registered (true) or no longer registered (false). */
  onRegistration?: (registered: boolean) => void;
}

/** A session that lasts this long is no longer part of a fight over the same pump id. */
const STABLE_SESSION_MS = 60_000;

/** Live lines kept while an earlier sale is being written. */
const MAX_HELD_LINES = 1000;

export class PumpLink {
  readonly client: ReconnectingClient;
  readonly pump: Pump;
  readonly book: PumpBook;
  readonly log: Logger;
  private registeredNow = false;
  private connectedAt = 0;
  /** id_transaccion → when to send it again if still unconfirmed, and how often it was resent. */
  private readonly inflight = new Map<string, { dueAt: number; tries: number }>();
  /** No in-flight sale is due before this (a lower bound: checked cheaply on every tick). */
  private earliestDue = Number.POSITIVE_INFINITY;
  /** Absolute position in the pending queue of the next sale to send. */
  private cursor = 0;
  /** Encoded live lines waiting for an earlier sale to become durable. */
  private held: string[] = [];
  private readonly bucket: TokenBucket;
  private lastHeartbeatAt = 0;
  private fatalRejection: Error | null = null;
  private fatalError: Error | null = null;
  private started = false;
  private releaseAdmission: (() => void) | undefined;
  /**
   * Registrations refused or never answered in a row. The client's own backoff restarts after
   * every TCP connection that succeeds, so without this a refused pump would knock twice a second.
   */
  private failedRegistrations = 0;
  /** Sessions taken over by another connection in a row (two processes running the same ids). */
  private replacements = 0;
  private registeredAt = 0;
  /** The station deferred this pump's last `registro` and gave it a turn (SOBRECARGA). */
  private holdsTurn = false;

  constructor(private readonly deps: LinkDeps) {
    this.pump = deps.pump;
    this.book = deps.book;
    this.log = deps.log;
    const { options } = deps;
    // Paces the sales: a replay after an outage must not trip the station's rate limit.
    this.bucket = new TokenBucket(options.maxSalesPerSecond, options.window, deps.clock);
    const raw = deps.chaos ? deps.chaos.wrapDial(deps.dial) : deps.dial;
    const admitted = deps.admission
      ? admittedDial(
          deps.admission,
          raw,
          (release) => {
            this.releaseAdmission = release;
          },
          // Holding a turn at the station (SOBRECARGA): ahead of the pumps knocking for the first time.
          () => this.holdsTurn,
        )
      : raw;
    this.client = registeringClient(admitted, {
      failures: () => this.failedRegistrations + this.replacements,
      refused: () => this.fatalRejection !== null,
      backoff: options.backoff,
      random: deps.random,
      clock: deps.clock,
    });
    this.client.on('connected', () => this.onConnected());
    this.client.on('disconnected', (err) => this.onDisconnected(err));
    this.client.on('line', (line) => dispatchLine(this, line));
    this.client.on('retry', (info) =>
      this.log.debug({ intento: info.attempt, espera_ms: info.delayMs, err: info.error.message }, 'reintento'),
    );
    this.client.on('closed', (err) => {
      if (!err) return;
      this.fatalError = err;
      deps.onFatal?.(err);
    });
  }

  get registered(): boolean {
    return this.registeredNow;
  }

  get hasStarted(): boolean {
    return this.started;
  }

  /** Why the link stopped for good, if it did. */
  get fatal(): Error | null {
    return this.fatalError;
  }

  get inFlight(): number {
    return this.inflight.size;
  }

  get counters(): LinkCounters {
    return this.deps.counters;
  }

  get now(): number {
    return this.deps.clock.now();
  }

  start(): void {
    this.started = true;
    this.client.start();
  }

  /**
   * Shutting down: every sale waiting for its confirmation is resent on the next tick instead of
   * after its backoff, so the last sales are confirmed before the process exits.
   */
  hurry(): void {
    const now = this.now;
    for (const entry of this.inflight.values()) entry.dueAt = Math.min(entry.dueAt, now);
    if (this.inflight.size > 0) this.earliestDue = now;
  }

  stop(): void {
    this.setRegistered(false);
    this.client.close();
    this.admitted();
  }

  private setRegistered(registered: boolean): void {
    if (this.registeredNow === registered) return;
    this.registeredNow = registered;
    this.deps.onRegistration?.(registered);
  }

  /** Gives back the admission place (after registering, or when the attempt ended). */
  private admitted(): void {
    const release = this.releaseAdmission;
    this.releaseAdmission = undefined;
    release?.();
  }

  // ── from the pump ──────────────────────────────────────────────────────────────────────────

  /** A live message: sent while registered (after any sale still being written), else dropped. */
  live(message: PumpToStation): void {
    if (!this.registeredNow) return;
    const line = encodeMessage(message);
    if (this.book.writing > 0 || this.held.length > 0) {
      // Bounded: if the outbox cannot write for long, the oldest live lines are the ones to lose.
      if (this.held.length >= MAX_HELD_LINES) this.held.shift();
      this.held.push(line);
      return;
    }
    this.write(line);
  }

  /**
   * Sends what is due: durable sales the window allows, then the live lines that were waiting for
   * them. Called when a sale becomes durable, and after registration (which starts the replay).
   */
  pumpOutgoing(): void {
    this.sendSales(this.deps.clock.now());
    if (this.book.writing === 0 && this.held.length > 0) {
      const lines = this.held;
      this.held = [];
      for (const line of lines) this.write(line);
    }
  }

  /** Shared tick: chaos, registration timeout, resends, pacing, heartbeat. */
  tick(now: number): void {
    const { chaos, options } = this.deps;
    if (chaos?.tick(now, this.rawWrite)) {
      this.client.drop(withCode('CAOS_MEDIO_ABIERTA', 'caos: conexión medio abierta abandonada'));
    }
    if (!this.registeredNow) {
      if (this.client.state === 'open' && now - this.connectedAt > options.registrationTimeoutMs) {
        this.failedRegistrations += 1;
        this.client.drop(withCode('SIN_CONFIRMACION_REGISTRO', 'no llegó registro_confirmado a tiempo'));
      }
      return;
    }
    if (this.replacements > 0 && now - this.registeredAt > STABLE_SESSION_MS) this.replacements = 0;
    if (this.inflight.size > 0 && now >= this.earliestDue) this.resendLate(now);
    if (this.book.pending.size > this.inflight.size) this.sendSales(now);
    if (now - this.lastHeartbeatAt >= options.heartbeatIntervalMs && !this.client.congested) {
      this.lastHeartbeatAt = now;
      this.live({ tipo: 'heartbeat', id_surtidor: this.pump.id, timestamp: this.pumpTime() });
    }
  }

  /**
   * Resends the sales whose confirmation is overdue. Each further resend of the same sale waits twice
   * as long (up to 32×), so an overloaded station is not buried under duplicates.
   */
  private resendLate(now: number): void {
    let earliest = Number.POSITIVE_INFINITY;
    for (const [id, entry] of this.inflight) {
      if (now >= entry.dueAt) {
        const tx = this.book.pending.get(id);
        if (!tx) {
          this.inflight.delete(id);
          continue;
        }
        entry.tries += 1;
        entry.dueAt = now + this.deps.options.resendAfterMs * 2 ** Math.min(entry.tries, 5);
        this.deps.counters.reenvios += 1;
        this.write(encodeMessage(tx));
      }
      if (entry.dueAt < earliest) earliest = entry.dueAt;
    }
    this.earliestDue = earliest;
  }

  // ── from the station (see handlers.ts) ─────────────────────────────────────────────────────

  onRegistered(): void {
    this.failedRegistrations = 0;
    this.holdsTurn = false;
    this.registeredAt = this.now;
    this.setRegistered(true);
    this.admitted();
    // Heartbeats of a thousand pumps spread over the interval instead of beating together.
    this.lastHeartbeatAt = this.now - this.deps.random() * this.deps.options.heartbeatIntervalMs;
  }

  /**
   * The station stored the sale (or already had it). With `conflicto` it held a different sale
   * under the same id and kept this one apart as a conflict: durable all the same, so it leaves the
   * outbox, but an operator has to look at it.
   */
  onConfirmed(idTransaccion: string, duplicada: boolean, conflicto = false): void {
    this.inflight.delete(idTransaccion);
    if (this.deps.outbox.confirm(this.pump.id, idTransaccion)) {
      this.deps.counters.confirmadas += 1;
      if (conflicto) {
        this.deps.counters.conflictos += 1;
        this.log.warn(
          { id_transaccion: idTransaccion, duplicada },
          'la estación ya tenía otra venta con este id_transaccion: la guardó aparte como conflicto',
        );
      } else if (duplicada) this.deps.counters.duplicadas += 1;
    }
    this.sendSales(this.now);
  }

  /** Another connection registered this pump at the station (this one is about to be closed). */
  onReplaced(): void {
    this.replacements += 1;
  }

  /** The station could not take a sale (storage failure, rate limit): resend the window soon. */
  expediteResends(): void {
    const soon = this.now + 1000;
    for (const entry of this.inflight.values()) if (entry.dueAt > soon) entry.dueAt = soon;
    if (this.inflight.size > 0) this.earliestDue = Math.min(this.earliestDue, soon);
  }

  /**
   * `reintentarMs`: when to try again. With SOBRECARGA the station is admitting registrations at its
   * rate and gave this pump a slot: not a failure, so the pump comes back after that (or after the
   * client's first short jittered wait, when longer) with no growing backoff of its own: the
   * station already spread the slots. With LIMITE_EXCEDIDO after
   * repeated failures it is a minimum, on top of the growing pause of a refused pump.
   */
  onRejected(codigo: string, mensaje: string, reintentarMs = 0): void {
    const error = withCode(codigo, `registro rechazado (${codigo}): ${mensaje}`);
    this.holdsTurn = false;
    if (codigo === 'SOBRECARGA' && reintentarMs > 0) {
      this.holdsTurn = true;
      const n = this.deps.counters.rechazos[codigo] ?? 0;
      const level = n <= 1 || n % 1000 === 0 ? 'info' : 'debug';
      this.log[level](
        { codigo: 'REGISTRO_DIFERIDO', reintentar_ms: reintentarMs, veces: n },
        'registro diferido por la estación; se vuelve en reintentar_ms',
      );
      this.client.drop(error, reintentarMs);
      return;
    }
    if (FATAL_WIRE_CODES.has(codigo)) {
      this.fatalRejection = error;
    } else {
      this.failedRegistrations += 1;
      // Every pump may be refused at once: warn on the first and every thousandth, not on each.
      const n = this.deps.counters.rechazos[codigo] ?? 0;
      const level = n <= 1 || n % 1000 === 0 ? 'warn' : 'debug';
      this.log[level](
        { codigo: 'REGISTRO_RECHAZADO', causa: codigo, mensaje, veces: n },
        'registro rechazado; se reintenta',
      );
    }
    this.client.drop(error, reintentarMs);
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────

  pumpTime(): string {
    return new Date(this.deps.pumpClock.now()).toISOString();
  }

  write(line: string): void {
    const { chaos } = this.deps;
    if (chaos) chaos.send(line, this.rawWrite);
    else this.rawWrite(line);
  }

  private readonly rawWrite = (line: string): void => {
    if (this.client.send(line)) this.deps.counters.enviadas += 1;
  };

  private sendSales(now: number): void {
    if (!this.registeredNow) return;
    const { window } = this.deps.options;
    while (this.inflight.size < window) {
      const entry = this.book.pending.nextFrom(this.cursor);
      if (!entry) return;
      if (!this.bucket.take()) return;
      this.cursor = entry.pos + 1;
      const id = entry.tx.id_transaccion as string;
      if (this.inflight.has(id)) continue;
      const dueAt = now + this.deps.options.resendAfterMs;
      this.inflight.set(id, { dueAt, tries: 0 });
      if (dueAt < this.earliestDue) this.earliestDue = dueAt;
      this.write(encodeMessage(entry.tx));
    }
  }

  private onConnected(): void {
    this.connectedAt = this.now;
    this.setRegistered(false);
    this.inflight.clear();
    this.held = [];
    this.cursor = this.book.pending.start;
    const registro: Registro = {
      tipo: 'registro',
      id_surtidor: this.pump.id,
      nombre: this.pump.config.nombre,
      combustibles_soportados: this.pump.config.combustibles_soportados,
      version: this.deps.options.version,
      combustible_actual: this.pump.combustibleActual,
      capacidades: this.pump.capacidades,
      ...(this.deps.options.token === undefined ? {} : { token: this.deps.options.token }),
    };
    this.write(encodeMessage(registro));
    this.log.debug('conectado; registro enviado');
  }

  private onDisconnected(err: Error | undefined): void {
    this.setRegistered(false);
    this.admitted();
    this.inflight.clear();
    this.held = [];
    this.log.debug({ err: err?.message }, 'desconectado');
  }
}
