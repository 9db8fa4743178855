/**
 * The pump hub: `handle(stream)` is the whole server (net.createServer(hub.handle)). It owns the
 * sessions, one per connection and at most one per pump, the liveness sweep, price fan-out and
 * commands. State and storage belong to the StationService.
 */

import type { Duplex } from 'node:stream';
import {
  type Clock,
  type Comando,
  type ComandoNombre,
  type ComandoOperador,
  isoNow,
  type Logger,
  systemClock,
  wireError,
  unrefTimer,
} from '@combustible/shared';
import { AttemptLimiter } from '@combustible/server';
import { type AuditSink, NO_AUDIT } from '../app/audit-sink.js';
import type { LineSessionContext } from '../tcp/line-session.js';
import type { PeerInfo } from '../tcp/listen.js';
import { pumpIdOfCertificate } from '../tls/identity.js';
import type { StationBus } from '../app/events.js';
import type { StationService } from '../app/station-service.js';
import type { Autorizacion, EstadoConexion, Surtidor, VersionPrecios } from '../domain/types.js';
import { StationError } from '../errors.js';
import { type CommandAnswer, CommandTracker } from './commands.js';
import { type EntradaPlaya, plazoPlaya, type ResultadoPlaya, resumirPlaya } from './forecourt.js';
import { DEFAULT_HUB_OPTIONS, type HubOptions } from './options.js';
import { type AuthenticatePump, sharedTokenAuth } from './pump-auth.js';
import { PumpSession } from './pump-session.js';
import type { TankService } from '../app/tank-service.js';
import type { AdmissionVerdict, RegistrationAdmission } from './registration-admission.js';

/** What the hub counts; the metrics module implements it with prom-client. */
export interface HubMetrics {
  message(tipo: string): void;
  badLine(codigo: string): void;
  connections(count: number): void;
  /** A `registro` was refused with this code. */
  registrationRefused(codigo: string): void;
  /** Addresses the failed-registration limiter tracks now, and how many it forgot (table full). */
  registrationLimiter?(tracked: number, evicted: number): void;
  /** A `registro` went through the admission: admitted or deferred; `waiting`: pumps told to come back. */
  registrationAdmission?(resultado: 'admitido' | 'diferido', waiting: number): void;
  /** A forecourt command ended (see commandAll): how long it took and what became of it on each pump. */
  forecourtCommand?(r: ResultadoPlaya): void;
}

const noMetrics: HubMetrics = {
  message() {},
  badLine() {},
  connections() {},
  registrationRefused() {},
  registrationLimiter() {},
  registrationAdmission() {},
  forecourtCommand() {},
};

const ADMITTED: AdmissionVerdict = { ok: true };

export interface PumpHubDeps {
  service: StationService;
  bus: StationBus;
  log: Logger;
  clock?: Clock;
  options?: Partial<HubOptions>;
  metrics?: HubMetrics;
  /** Where refused registrations are audited (the station's audit log). */
  audit?: AuditSink;
  /**
   * Whether a `registro` may go on (see pump-auth.ts); by default the shared `options.pumpToken`
   * only. The hub refuses with the answer's code, audited and counted.
   */
  authenticatePump?: AuthenticatePump;
  /**
   * Failed registrations per address (the login's limiter): past its free failures, a `registro`
   * from that address within the delay is refused with LIMITE_EXCEDIDO before any check.
   */
  registrationLimiter?: AttemptLimiter;
  /**
   * Admission of registrations (--registration-rate): past its rate a `registro` is deferred,
   * answered SOBRECARGA with `reintentar_ms`. Without one every `registro` goes on at once.
   */
  registrationAdmission?: RegistrationAdmission;
  /** (ext) Tanks and gauges: without it, `registro_medidor` is refused. */
  tanks?: TankService;
}

export class PumpHub {
  readonly service: StationService;
  readonly log: Logger;
  readonly clock: Clock;
  readonly options: HubOptions;
  readonly metrics: HubMetrics;
  readonly audit: AuditSink;
  readonly commands: CommandTracker;
  readonly authenticatePump: AuthenticatePump;
  readonly registrationLimiter: AttemptLimiter;
  readonly registrationAdmission: RegistrationAdmission | null;
  /** What every pump session shares (clock, log, line policy, metrics): one object, not one per connection. */
  readonly lineContext: LineSessionContext;
  readonly tanks: TankService | null;
  /** (ext) The current session of each registered tank gauge. */
  private readonly gauges = new Map<number, PumpSession>();
  /** Every open connection, registered or not. */
  private readonly connections = new Set<PumpSession>();
  /** The current session of each registered pump. */
  private readonly sessions = new Map<number, PumpSession>();
  private sweepTimer: ReturnType<Clock['setTimeout']> | undefined;
  /** The admission's summary line: once a second while it defers. */
  private admissionTimer: ReturnType<Clock['setTimeout']> | undefined;
  private admissionWindow = { admitidos: 0, diferidos: 0 };
  private closing = false;
  /** A forecourt command is waiting for its answers (one at a time). */
  private forecourtBusy = false;
  private readonly onPrices = (v: VersionPrecios) => this.pushPrices(v);
  private readonly onPump = (p: Surtidor) => this.pushMode(p);
  private readonly onAuthorization = (a: Autorizacion) => this.pushAuthorization(a);

  constructor(private readonly deps: PumpHubDeps) {
    this.service = deps.service;
    this.log = deps.log;
    this.clock = deps.clock ?? systemClock;
    this.options = { ...DEFAULT_HUB_OPTIONS, ...deps.options };
    this.metrics = deps.metrics ?? noMetrics;
    this.audit = deps.audit ?? NO_AUDIT;
    this.commands = new CommandTracker(this.clock);
    this.authenticatePump = deps.authenticatePump ?? sharedTokenAuth(this.options.pumpToken);
    this.registrationLimiter = deps.registrationLimiter ?? new AttemptLimiter(this.clock);
    this.registrationAdmission = deps.registrationAdmission ?? null;
    this.lineContext = { clock: this.clock, log: this.log, policy: this.options, metrics: this.metrics };
    this.tanks = deps.tanks ?? null;
    deps.bus.on('precios', this.onPrices);
    deps.bus.on('surtidor_actualizado', this.onPump);
    deps.bus.on('autorizacion', this.onAuthorization);
    this.scheduleSweep();
  }

  /** Takes one connection. Bound, so it can be handed to net.createServer as is. */
  readonly handle = (stream: Duplex, remote: string | null = null, peer: PeerInfo | null = null): void => {
    if (this.closing) {
      stream.destroy();
      return;
    }
    const session = new PumpSession(
      this,
      stream,
      remote,
      peer?.certificate ? { pumpId: pumpIdOfCertificate(peer.certificate) } : null,
    );
    this.connections.add(session);
    this.metrics.connections(this.connections.size);
  };

  get connectionCount(): number {
    return this.connections.size;
  }

  isConnected(id: number): boolean {
    return this.sessions.has(id);
  }

  /** Makes `session` the pump's current one; an older connection for the same pump is replaced. */
  adopt(session: PumpSession, id: number): void {
    const previous = this.sessions.get(id);
    this.sessions.set(id, session);
    if (previous && previous !== session) {
      this.log.warn({ id_surtidor: id, remote: session.remote }, 'sesión reemplazada por una conexión nueva');
      this.commands.failAll(id);
      previous.replaced();
    }
  }

  /** (ext) Makes `session` the gauge's current one; an older connection for the same gauge is closed. */
  adoptGauge(session: PumpSession, id: number): void {
    const previous = this.gauges.get(id);
    this.gauges.set(id, session);
    if (previous && previous !== session) {
      this.log.warn({ id_medidor: id, remote: session.remote }, 'sesión de medidor reemplazada por una conexión nueva');
      previous.fail(wireError('SESION_REEMPLAZADA', 'otra conexión registró este medidor'), 'desconectado');
    }
  }

  sessionClosed(session: PumpSession, how: Exclude<EstadoConexion, 'conectado'>, motivo: string): void {
    this.connections.delete(session);
    this.metrics.connections(this.connections.size);
    if (session.gaugeId !== null && this.gauges.get(session.gaugeId) === session) {
      this.gauges.delete(session.gaugeId);
      this.tanks?.gaugeDisconnected(session.gaugeId);
      this.log.info({ id_medidor: session.gaugeId, estado_conexion: how, motivo }, 'medidor desconectado');
      return;
    }
    if (session.id === null || this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    this.commands.failAll(session.id);
    this.service.disconnected(session.id, how, motivo);
    this.log.info({ id_surtidor: session.id, estado_conexion: how, motivo }, 'surtidor desconectado');
  }

  /** Whether pump `id`'s `registro` (authenticated) may go on now, or when it should come back. */
  admitRegistration(id: number): AdmissionVerdict {
    const admission = this.registrationAdmission;
    if (admission === null) return ADMITTED;
    const verdict = admission.admit(id);
    this.metrics.registrationAdmission?.(verdict.ok ? 'admitido' : 'diferido', admission.waiting);
    if (verdict.ok) this.admissionWindow.admitidos += 1;
    else {
      this.admissionWindow.diferidos += 1;
      this.scheduleAdmissionSummary();
    }
    return verdict;
  }

  /** While registrations are being deferred, one info line a second says how many and how long the queue is. */
  private scheduleAdmissionSummary(): void {
    if (this.admissionTimer !== undefined || this.closing) return;
    this.admissionTimer = this.clock.setTimeout(() => {
      this.admissionTimer = undefined;
      const a = this.registrationAdmission;
      if (a === null) return;
      const window = this.admissionWindow;
      this.admissionWindow = { admitidos: 0, diferidos: 0 };
      this.log.info(
        {
          admision: {
            tasa: a.ratePerSecond,
            rafaga: a.burst,
            ...window,
            en_espera: a.waiting,
            cola_ms: Math.round(a.backlogMs),
            admitidos_total: a.admitted,
            diferidos_total: a.deferred,
          },
        },
        'admisión de registros',
      );
      // Once more after the last deferral, so that the last line shows the queue drained.
      if (window.diferidos > 0 || (a.waiting > 0 && window.admitidos > 0)) this.scheduleAdmissionSummary();
    }, 1000);
    unrefTimer(this.admissionTimer);
  }

  /** Sends the current prices to a pump if it is available and has not got them on this connection. */
  offerPrices(session: PumpSession): void {
    const current = this.service.prices.current;
    if (session.id === null || session.priceVersionSent >= current.version) return;
    if (this.service.live.get(session.id)?.estado_operacion !== 'disponible') return;
    session.priceVersionSent = current.version;
    session.send({
      tipo: 'actualizacion_precios',
      precios: current.precios,
      version: current.version,
      timestamp: isoNow(this.clock),
    });
  }

  /** A new price version: every available pump gets it now, the rest when they report `disponible`. */
  private pushPrices(v: VersionPrecios): void {
    let sent = 0;
    for (const session of this.sessions.values()) {
      const before = session.priceVersionSent;
      this.offerPrices(session);
      if (session.priceVersionSent !== before) sent++;
    }
    this.log.info(
      { version: v.version, enviados: sent, diferidos: this.sessions.size - sent },
      'precios nuevos propagados a los surtidores disponibles',
    );
  }

  /**
   * Sends a command and waits for the pump's answer. Fails at once when the pump is not connected.
   * `extra`: the (ext) fields of `autorizar` and `cancelar_autorizacion`.
   */
  sendCommand(
    id: number,
    comando: ComandoNombre,
    razon: string,
    extra: Pick<Comando, 'id_autorizacion' | 'limite' | 'combustibles' | 'vence_en_ms'> = {},
  ): Promise<CommandAnswer> {
    const session = this.sessions.get(id);
    if (!session?.isOpen) {
      return Promise.reject(new StationError('SURTIDOR_DESCONECTADO', `el surtidor ${id} no está conectado`));
    }
    return this.commands.start(id, comando, this.options.commandTimeoutMs, (id_comando) =>
      session.send({ tipo: 'comando', comando, razon, id_comando, ...extra }),
    );
  }

  /** (ext) Whether the pump is connected and declared the capacity `autorizacion`. */
  canAuthorize(id: number): boolean {
    return this.sessions.get(id)?.capacidades.has('autorizacion') ?? false;
  }

  /** (ext) A pump's mode changed: a connected pump that can take authorizations is told (`configuracion`). */
  private pushMode(p: Surtidor): void {
    const session = this.sessions.get(p.id_surtidor);
    if (!session?.capacidades.has('autorizacion') || session.modoEnviado === p.modo_autorizacion) return;
    session.modoEnviado = p.modo_autorizacion;
    session.send({ tipo: 'configuracion', id_surtidor: p.id_surtidor, modo_autorizacion: p.modo_autorizacion });
  }

  /**
   * (ext) An authorization was stored: a new one is sent to its pump (`autorizar`; an error answer
   * makes it `rechazada`), a cancelled or expired one is withdrawn (`cancelar_autorizacion`).
   */
  private pushAuthorization(a: Autorizacion, resend = false): void {
    const id = a.id_surtidor;
    if (a.estado === 'emitida') {
      // What is left of the station's own timeout (it withdraws the authorization itself when it runs out).
      const venceEnMs = Math.max(
        1000,
        Math.min(this.service.authorizations.timeoutMs, Date.parse(a.vence) - this.clock.now()),
      );
      this.sendCommand(id, 'autorizar', `autorización ${a.id_autorizacion} de ${a.usuario}`, {
        id_autorizacion: a.id_autorizacion,
        limite: a.limite,
        ...(a.combustibles === null ? {} : { combustibles: a.combustibles }),
        vence_en_ms: venceEnMs,
      }).then(
        (answer) => {
          if (answer.resultado === 'ok') return;
          // A resend the pump refuses changes nothing: it may have used it already (its sale not here yet).
          if (resend)
            this.log.info(
              { id_surtidor: id, id_autorizacion: a.id_autorizacion, resultado: answer.resultado },
              'autorizar reenviado: el surtidor no lo tomó',
            );
          else this.service.authorizationRejected(a.id_autorizacion, answer.resultado);
        },
        // Not sent or not answered: it stays emitida until dispensing starts or it expires.
        (err: unknown) =>
          this.log.warn({ err, id_surtidor: id, id_autorizacion: a.id_autorizacion }, 'autorizar sin respuesta'),
      );
    } else if (a.estado === 'cancelada' || a.estado === 'expirada') {
      if (!this.sessions.has(id)) return;
      this.sendCommand(id, 'cancelar_autorizacion', a.motivo ?? a.estado, { id_autorizacion: a.id_autorizacion }).then(
        (answer) =>
          this.log.info({ id_surtidor: id, id_autorizacion: a.id_autorizacion, ...answer }, 'autorización retirada'),
        (err: unknown) =>
          this.log.warn(
            { err, id_surtidor: id, id_autorizacion: a.id_autorizacion },
            'cancelar_autorizacion sin respuesta',
          ),
      );
    }
  }

  /**
   * (ext) Sends `autorizar` again for the pump's open authorization if it was issued but the pump
   * says it is still waiting (the pump answers a repeated `autorizar` with `ok` and nothing changes).
   */
  resendAuthorization(id: number): void {
    const open = this.service.announcedAuthorization(id);
    if (open?.estado === 'emitida') this.pushAuthorization(open, true);
  }

  /**
   * Sends `comando` to every connected pump in one pass (each session corks what it sends in this
   * turn, so every pump's line leaves in one write), then waits until each has answered or the
   * deadline (`plazoMs`, never past --forecourt-command-timeout) passed. `conocidos`: the
   * configured pumps; those not connected are reported `no_conectado`. One at a time: a second
   * call while one waits fails at once with COMANDO_PLAYA_EN_CURSO.
   */
  async commandAll(
    comando: ComandoOperador,
    razon: string,
    conocidos: Iterable<number>,
    plazoMs?: number,
  ): Promise<ResultadoPlaya> {
    if (this.forecourtBusy) {
      throw new StationError(
        'COMANDO_PLAYA_EN_CURSO',
        'ya hay un comando para toda la playa esperando respuesta; espere su resultado',
      );
    }
    this.forecourtBusy = true;
    try {
      const plazo = plazoPlaya(plazoMs, this.options.forecourtTimeoutMs);
      const start = this.clock.now();
      const waits: Promise<EntradaPlaya>[] = [];
      for (const [id, session] of this.sessions) {
        if (!session.isOpen) continue;
        const sentAt = this.clock.now();
        waits.push(
          this.commands
            .start(id, comando, plazo, (id_comando) => session.send({ tipo: 'comando', comando, razon, id_comando }))
            .then(
              (a): EntradaPlaya => ({
                id_surtidor: id,
                estado: 'ejecutado',
                ms: this.clock.now() - sentAt,
                resultado: a.resultado,
              }),
              (err: unknown): EntradaPlaya => {
                const code = err instanceof StationError ? err.code : 'ERROR_INTERNO';
                return {
                  id_surtidor: id,
                  estado: 'sin_respuesta',
                  ...(code === 'COMANDO_TIMEOUT' ? {} : { codigo: code }),
                };
              },
            ),
        );
      }
      const respuestas = await Promise.all(waits);
      const result: ResultadoPlaya = {
        comando,
        plazo_ms: plazo,
        ms: this.clock.now() - start,
        ...resumirPlaya(conocidos, respuestas),
      };
      this.metrics.forecourtCommand?.(result);
      return result;
    } finally {
      this.forecourtBusy = false;
    }
  }

  /** Asks a connected pump for its state; false when it is not connected. */
  requestState(id: number): boolean {
    const session = this.sessions.get(id);
    if (!session) return false;
    session.send({ tipo: 'solicitud_estado', timestamp: isoNow(this.clock) });
    return true;
  }

  /** Closes a pump's connection (e.g. the pump was deleted). */
  disconnect(id: number): void {
    this.sessions.get(id)?.close();
  }

  private scheduleSweep(): void {
    const every = Math.max(50, Math.min(5000, Math.floor(this.options.heartbeatTimeoutMs / 4)));
    this.sweepTimer = this.clock.setTimeout(() => {
      this.sweep();
      if (!this.closing) this.scheduleSweep();
    }, every);
    unrefTimer(this.sweepTimer);
  }

  /** Closes registered pumps that have been silent longer than the heartbeat timeout. */
  sweep(): void {
    const limit = this.clock.now() - this.options.heartbeatTimeoutMs;
    for (const session of [...this.sessions.values(), ...this.gauges.values()]) {
      if (session.lastSeen < limit) {
        this.log.warn({ id_surtidor: session.id }, 'surtidor sin señal de vida: timeout');
        session.timedOut();
      }
    }
  }

  /**
   * Stops taking connections, lets the sales already received be committed and confirmed, then
   * closes every connection.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.clock.clearTimeout(this.sweepTimer);
    this.clock.clearTimeout(this.admissionTimer);
    this.deps.bus.off('precios', this.onPrices);
    this.deps.bus.off('surtidor_actualizado', this.onPump);
    this.deps.bus.off('autorizacion', this.onAuthorization);
    await this.service.drained();
    const closed = [...this.connections].map(
      (s) => new Promise<void>((resolve) => (s.stream.destroyed ? resolve() : s.stream.once('close', () => resolve()))),
    );
    for (const s of this.connections) s.close();
    await Promise.all(closed);
  }
}
