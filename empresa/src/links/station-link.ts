/**
 * The company's link to one station (link 2), on the shared reconnecting client (backoff with
 * jitter, reset after success). Per connection:
 *
 *   conectando ──tcp──▶ saludo ──estacion_info──▶ [autenticacion] ──▶ sincronizando ──ack──▶ sincronizado
 *        ▲                 │ (no info in time: drop)                        ▲   new version  │
 *        └─ desconectado ◀─┴──────────── closed / no pong / bad peer ───────┴────────────────┘
 *
 * The station is sent the newest version unless it is known to hold it. What it reports (in
 * `estacion_info` and `precios_recibidos`) is judged by evaluarVersionInformada: a version above
 * the company's newest is an anomaly shown on the status (`anomalia`), never confirmed nor passed
 * on as an ack, and the station is still sent the company's newest. Trusted acknowledgements only
 * ever raise what the company records (stale, repeated and out-of-order acks change nothing). Nothing ever
 * waits on a station: a send is one socket write, and a station that is down is caught up by the
 * handshake of its next connection.
 *
 * A scheduled version is sent like any other (with its `vigencia`): the station keeps it and acks
 * it. A station that holds a version above the newest one not cancelled (it holds, or already
 * applied, a version the company cancelled) is sent `cancelacion_precios` for it, at once when the
 * company cancels and on every handshake until it answers; its `cancelacion_recibida` tells what
 * it holds afterwards (`ya_aplicada`: it is selling at the cancelled prices, shown as the link's
 * error until a newer version replaces them).
 *
 * (ext, issue 15) Reports upstream: a station whose `estacion_info` carries `ultimo_seq` is sent
 * `suscripcion_reportes {ventana}` once its registry work is done (subscribeReports(), called by
 * whoever listens to `info`). Each `reporte` goes to the ReportSink, which checks it by class and
 * stores it (or keeps it apart); `reportes_recibidos {hasta_seq}` goes back only once every report
 * up to that seq is durable, one cumulative ack per write. Per connection, seqs must increase
 * (the first one is wherever the station's cursor is; a gap is a position the station's journal
 * does not use, docs/protocol.md): a repeat or a step back is answered `error MENSAJE_INVALIDO`
 * (campo `seq`) and the connection is dropped, so the station resends from its cursor on the next
 * one; so is a station that has more than `ventana` reports unacknowledged
 * (`LIMITE_EXCEDIDO`), and a failed write (`ERROR_INTERNO`, nothing acked). While the sink has too
 * many reports waiting for a write, the link stops reading (backpressure) until it drains.
 */
import { EventEmitter } from 'node:events';
import {
  type BackoffOptions,
  type Clock,
  type CompanyToStation,
  type ConnectionState,
  type Dialer,
  type EstacionInfo,
  encodeMessage,
  isoNow,
  type Logger,
  parseLine,
  ReconnectingClient,
  type Reporte,
  type RetryInfo,
  type StationToCompany,
  stationToCompany,
  systemClock,
  type TimerHandle,
  tcpDialer,
  unrefTimer,
  wireError,
} from '@combustible/shared';
import {
  type AnomaliaVersion,
  debeEnviarse,
  evaluarVersionInformada,
  versionConfirmada,
} from '../domain/price-book.js';
import { type EstadoEnlace, type EstadoEstacion, estadoEnlace, type VersionPrecios } from '../domain/types.js';
import { Keepalive, type KeepaliveOptions, type KeepaliveTarget } from './keepalive.js';

export interface StationLinkOptions {
  /** Reports a station may have sent and not had acknowledged (`suscripcion_reportes.ventana`). */
  reportesVentana: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** Time to wait for `estacion_info` after connecting. */
  handshakeTimeoutMs: number;
  /** Wait before resending after the station reported ERROR_INTERNO. */
  resendDelayMs: number;
  backoff: BackoffOptions;
  maxBadLines: number;
  maxLineBytes?: number;
  connectTimeoutMs: number;
}

export const DEFAULT_LINK_OPTIONS: StationLinkOptions = {
  reportesVentana: 200,
  pingIntervalMs: 10_000,
  pingTimeoutMs: 5_000,
  handshakeTimeoutMs: 10_000,
  resendDelayMs: 1_000,
  backoff: { baseMs: 500, maxMs: 10_000 },
  maxBadLines: 20,
  connectTimeoutMs: 5_000,
};

/** The options of a link and of its keepalive: one object per set of options given, not one per link. */
const mergedOptions = new WeakMap<Partial<StationLinkOptions>, [StationLinkOptions, KeepaliveOptions]>();
const keepaliveOptions = (o: StationLinkOptions): KeepaliveOptions => ({
  intervalMs: o.pingIntervalMs,
  timeoutMs: o.pingTimeoutMs,
});
const DEFAULT_OPTIONS: [StationLinkOptions, KeepaliveOptions] = [
  DEFAULT_LINK_OPTIONS,
  keepaliveOptions(DEFAULT_LINK_OPTIONS),
];

function linkOptions(given: Partial<StationLinkOptions> | undefined): [StationLinkOptions, KeepaliveOptions] {
  if (given === undefined) return DEFAULT_OPTIONS;
  let merged = mergedOptions.get(given);
  if (merged === undefined) {
    const options = { ...DEFAULT_LINK_OPTIONS, ...given };
    merged = [options, keepaliveOptions(options)];
    mergedOptions.set(given, merged);
  }
  return merged;
}

/**
 * The link of a reconnecting client, for the listeners below. They are shared by every link
 * (called with the client as `this`) instead of closures made per link.
 */
const LINK = Symbol('enlace');
type LinkedClient = ReconnectingClient & { [LINK]: StationLink };
const linkOf = (client: ReconnectingClient) => (client as LinkedClient)[LINK];

function onClientConnected(this: ReconnectingClient): void {
  linkOf(this).onConnected();
}
function onClientLine(this: ReconnectingClient, line: string): void {
  linkOf(this).onLine(line);
}
function onClientDisconnected(this: ReconnectingClient, err: Error | undefined): void {
  linkOf(this).onDisconnected(err);
}
function onClientRetry(this: ReconnectingClient, retry: RetryInfo): void {
  linkOf(this).onRetry(retry);
}
function onClientState(this: ReconnectingClient, state: ConnectionState): void {
  linkOf(this).onClientState(state);
}

type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Where a link hands the reports it receives (the company's ReportIngest). */
export interface ReportSink {
  /**
   * Checks one report by class and stores it, or keeps it apart; `done` once it is durable,
   * `failed` when the write failed (nothing of it may be acknowledged).
   */
  submit(id_estacion: string, reporte: Reporte, done: () => void, failed: (err: unknown) => void): void;
  /** Too many reports wait for a write: links stop reading until whenDrained() calls back. */
  readonly saturated: boolean;
  /** Calls `resume` once (when the wait is back under its bound). */
  whenDrained(resume: () => void): void;
}

export interface StationLinkDeps {
  host: string;
  puerto: number;
  /** Used in logs. */
  id: string;
  /** The newest version not cancelled (what the station must hold), read when needed (never cached by the link). */
  newest: () => VersionPrecios;
  /**
   * The highest version number the company made, a cancelled one included: a report above it is
   * an anomaly (default: newest().version).
   */
  ultima?: () => number;
  empresa: { nombre: string; token?: string | undefined };
  /** The link adds `estacion` (host:puerto) to each of its lines (no child logger per link). */
  log: Logger;
  clock?: Clock;
  /** Opens the connection; TCP to host:puerto by default (tests pass their own). */
  dial?: Dialer;
  /** The link is TLS (the station entry says `tls: true`): only used to explain a mismatch. */
  tls?: boolean;
  random?: () => number;
  options?: Partial<StationLinkOptions>;
  /** The highest version the station acknowledged before (from the store). */
  versionConfirmada?: number | null;
  ultimoContacto?: string | null;
  /** Takes the station's reports; without one the link never subscribes. */
  reportes?: ReportSink;
}

export interface StationLinkEvents {
  status: [EstadoEstacion];
  info: [EstacionInfo];
  /** A trusted `precios_recibidos` (the version the station holds, one the company made). */
  ack: [number];
  /** A version anomaly opened (the first untrusted report) or closed (null). */
  anomalia: [AnomaliaVersion | null];
  /** An `actualizacion_precios` was written to the station. */
  sent: [number];
  /** The station answered a `cancelacion_precios`. */
  cancelacion: [{ version: number; resultado: 'cancelada' | 'ya_aplicada' | 'desconocida' }];
  /**
   * After a cancellation the station no longer holds the cancelled version: what it holds now
   * (lower than the confirmed version, which otherwise never goes down).
   */
  confirmada: [number];
}

export class StationLink extends EventEmitter<StationLinkEvents> implements KeepaliveTarget {
  id: string;
  readonly host: string;
  readonly puerto: number;
  private readonly deps: StationLinkDeps;
  private readonly clock: Clock;
  private readonly options: StationLinkOptions;
  private readonly client: ReconnectingClient;
  private readonly keepalive: Keepalive;
  private _status: EstadoEstacion;
  // Per connection:
  private handshakeTimer: TimerHandle | undefined;
  private resendTimer: TimerHandle | undefined;
  /** estacion_info arrived on this connection. */
  private greeted = false;
  /**
   * What the station holds, as far as this connection told and the company trusts: null until
   * estacion_info, and while what it reports is an anomaly.
   */
  private held: number | null = null;
  /** The highest version sent on this connection. */
  private sent = 0;
  private badLines = 0;
  /** An error already recorded for this connection (the close that follows does not overwrite it). */
  private connectionError = false;
  /**
   * The station has no "authenticated" answer: after `autenticacion` the link sends a `ping`, and
   * the first `pong` (or `precios_recibidos`) proves the token was taken.
   */
  private authPending = false;
  /** Reports on this connection (issue 15). */
  private rep = nuevosReportes();
  /** Bumped on every connection: a write that finishes after its connection closed acks nothing. */
  private generation = 0;
  /** Reading is paused until the sink drains. */
  private paused = false;
  /** The station's last journal position as far as this company knows (estacion_info, then each reporte). */
  private _ultimoSeqEstacion: number | null = null;

  constructor(deps: StationLinkDeps) {
    super();
    this.deps = deps;
    this.id = deps.id;
    this.host = deps.host;
    this.puerto = deps.puerto;
    this.clock = deps.clock ?? systemClock;
    const [options, keepalive] = linkOptions(deps.options);
    this.options = options;
    this._status = estadoEnlace({
      estado: 'conectando',
      conectada: false,
      ultimo_contacto: deps.ultimoContacto ?? null,
      version_confirmada: deps.versionConfirmada ?? null,
      ultimo_error: null,
    });
    this.client = new ReconnectingClient({
      dial:
        deps.dial ?? tcpDialer({ host: deps.host, port: deps.puerto, connectTimeoutMs: this.options.connectTimeoutMs }),
      backoff: this.options.backoff,
      clock: this.clock,
      ...(deps.random ? { random: deps.random } : {}),
      ...(this.options.maxLineBytes ? { maxLineBytes: this.options.maxLineBytes } : {}),
    });
    this.keepalive = new Keepalive(this.clock, keepalive, this);
    // Listeners shared by every link (the link found on its client), not closures per link.
    (this.client as LinkedClient)[LINK] = this;
    this.client.on('connected', onClientConnected);
    this.client.on('line', onClientLine);
    this.client.on('disconnected', onClientDisconnected);
    this.client.on('retry', onClientRetry);
    this.client.on('state', onClientState);
  }

  /** The client's `retry` (onClientRetry): the attempt failed, the next one waits. */
  onRetry({ error, delayMs }: RetryInfo): void {
    this.log('debug', { err: error.message, delayMs }, 'reintento de conexión con la estación');
    if (this._status.estado === 'conectando')
      this.setError(`sin conexión: ${explainTlsMismatch(error, this.deps.tls)}`);
    this.update({ estado: 'desconectado' });
  }

  /** The client's `state` (onClientState). */
  onClientState(s: ConnectionState): void {
    if (s === 'connecting' && this._status.estado === 'desconectado') this.update({ estado: 'conectando' });
  }

  /** Keepalive: a ping is due. */
  sendPing(): void {
    this.send({ tipo: 'ping', timestamp: isoNow(this.clock) });
  }

  /** Keepalive: nothing arrived within the timeout after a ping. */
  onDead(silentMs: number): void {
    this.client.drop(new Error(`sin respuesta al ping en ${silentMs} ms`));
  }

  get status(): EstadoEstacion {
    return { ...this._status };
  }

  get state(): EstadoEnlace {
    return this._status.estado;
  }

  /** The station's last journal position as far as this link knows (null: it never told). */
  get ultimoSeqEstacion(): number | null {
    return this._ultimoSeqEstacion;
  }

  /**
   * Sends `suscripcion_reportes` once per connection, if the station told `ultimo_seq` in its
   * `estacion_info`, the link has a sink, and the connection is still the one that told it.
   */
  subscribeReports(): void {
    const sink = this.deps.reportes;
    if (!sink || !this.greeted || !this._status.conectada || !this.rep.ofrecidos || this.rep.suscrito) return;
    const ventana = this.options.reportesVentana;
    if (!this.send({ tipo: 'suscripcion_reportes', ventana })) return;
    this.rep.suscrito = true;
    this.log('info', { ventana, ultimo_seq: this._ultimoSeqEstacion }, 'suscrito a los reportes de la estación');
  }

  start(): void {
    this.client.start();
  }

  /** Sends the newest version if the station is connected, past its handshake and not known to hold it. */
  push(): void {
    if (!this.greeted || !this._status.conectada) return;
    const newest = this.deps.newest();
    if (!debeEnviarse(this.held, newest.version) || newest.version <= this.sent) return;
    this.sendVersion(newest);
  }

  /** Tells the station that `version` was cancelled, if it is connected and past its handshake. */
  cancel(version: number): void {
    if (!this.greeted || !this._status.conectada) return;
    if (!this.send({ tipo: 'cancelacion_precios', version, timestamp: isoNow(this.clock) })) return;
    this.log('info', { version }, 'cancelación de precios enviada a la estación');
    this.update({ estado: 'sincronizando' });
  }

  /** Stops for good. */
  close(): void {
    this.clearConnectionTimers();
    this.client.close();
    this.update({ estado: 'detenido', conectada: false });
  }

  // ── connection events ────────────────────────────────────────────────────────────────────

  /** The client's `connected` (onClientConnected): a new connection. */
  onConnected(): void {
    this.greeted = false;
    this.held = null;
    this.sent = 0;
    this.badLines = 0;
    this.connectionError = false;
    this.authPending = false;
    this.rep = nuevosReportes();
    this.generation += 1;
    this.paused = false;
    this.update({ estado: 'saludo', conectada: true, reconexiones: this.client.reconnects });
    this.log('info', { host: this.host, puerto: this.puerto }, 'conectado con la estación');
    this.handshakeTimer = this.clock.setTimeout(() => {
      // A TLS port waits for a ClientHello that a plain link never sends: both sides wait.
      const hint = this.deps.tls ? '' : ' (si la estación usa TLS en ese puerto, regístrela con tls: true)';
      this.fail(`no llegó "estacion_info" en ${this.options.handshakeTimeoutMs} ms${hint}`);
    }, this.options.handshakeTimeoutMs);
    unrefTimer(this.handshakeTimer);
  }

  /** The client's `disconnected` (onClientDisconnected). */
  onDisconnected(err: Error | undefined): void {
    this.clearConnectionTimers();
    this.greeted = false;
    this.generation += 1;
    this.rep = nuevosReportes();
    this.held = null;
    if (err && !this.connectionError) this.setError(explainTlsMismatch(err, this.deps.tls));
    if (this._status.estado === 'detenido') return;
    this.log('info', { err: err?.message, ultimo_error: this._status.ultimo_error }, 'enlace con la estación cerrado');
    this.update({ estado: 'desconectado', conectada: false });
  }

  /** The client's `line` (onClientLine): one line from the station. */
  onLine(line: string): void {
    this.keepalive.alive();
    this._status.ultimo_contacto = isoNow(this.clock);
    const parsed = parseLine(line, stationToCompany);
    if (!parsed.ok) {
      this.log('warn', { error: parsed.error, line: line.slice(0, 200) }, 'línea inválida de la estación');
      this.badLine(parsed.error);
      return;
    }
    this.onMessage(parsed.message);
  }

  private onMessage(msg: StationToCompany): void {
    switch (msg.tipo) {
      case 'estacion_info':
        this.onInfo(msg);
        return;
      case 'precios_recibidos':
        this.authPending = false;
        this.onAck(msg.version);
        return;
      case 'cancelacion_recibida':
        this.authPending = false;
        this.onCancelled(msg.version, msg.resultado, msg.version_precios);
        return;
      case 'reporte':
        this.onReport(msg);
        return;
      case 'ping':
        this.send({ tipo: 'pong', timestamp: isoNow(this.clock) });
        return;
      case 'pong':
        if (this.authPending) {
          this.authPending = false;
          if (this.held !== null && this.held === this.deps.newest().version) this.synced();
        }
        return;
      case 'error':
        this.onStationError(msg.codigo, msg.mensaje);
        return;
    }
  }

  private onInfo(info: EstacionInfo): void {
    this.clock.clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    const { token, nombre } = this.deps.empresa;
    if (token !== undefined) {
      this.send({ tipo: 'autenticacion', empresa: nombre, token });
      this.send({ tipo: 'ping', timestamp: isoNow(this.clock) });
      this.authPending = true;
    }
    // Pings only after autenticacion: a station with a token refuses anything before it.
    this.keepalive.start();
    this.greeted = true;
    this.update({
      version_informada: info.version_precios,
      id_informado: info.id_estacion,
      nombre_informado: info.nombre,
    });
    this.log(
      'info',
      { id_informado: info.id_estacion, version_precios: info.version_precios },
      'estacion_info recibido',
    );
    if (info.ultimo_seq !== undefined) {
      this.rep.ofrecidos = true;
      this._ultimoSeqEstacion = Math.max(this._ultimoSeqEstacion ?? 0, info.ultimo_seq);
    }
    this.emit('info', info);
    const newest = this.deps.newest();
    // A new connection: what it holds is what it tells now (the previous connection's is gone);
    // a scheduled version it keeps counts as held (it is what it acknowledged).
    this.held = null;
    this.report(Math.max(info.version_precios, info.version_programada ?? 0), this.ceiling());
    if (this.held !== null && this.held > newest.version) this.cancel(this.held);
    else if (this.held !== null && this.held === newest.version) this.synced();
    else this.sendVersion(newest);
  }

  /** The highest version the company made: a report above it is an anomaly. */
  private ceiling(): number {
    return this.deps.ultima?.() ?? this.deps.newest().version;
  }

  private onCancelled(version: number, resultado: 'cancelada' | 'ya_aplicada' | 'desconocida', vigente: number): void {
    this.emit('cancelacion', { version, resultado });
    if (resultado === 'ya_aplicada') {
      this.log('warn', { version }, 'la estación ya había aplicado la versión cancelada');
      this.setError(
        `la estación ya aplicó la versión ${version}, cancelada (reloj adelantado o aviso tardío): publique una versión nueva para reemplazarla`,
      );
    } else {
      this.log('info', { version, resultado, version_precios: vigente }, 'cancelación de precios confirmada');
    }
    // What it holds now is what it says (lower than before: the scheduled version is gone).
    if (vigente > this.ceiling()) return;
    this.held = vigente;
    if (resultado !== 'ya_aplicada' && this._status.version_confirmada !== vigente) {
      this.update({ version_confirmada: vigente });
      this.emit('confirmada', vigente);
    }
    const newest = this.deps.newest();
    if (vigente === newest.version) this.synced();
    else if (vigente < newest.version) {
      this.sent = 0;
      this.push();
    }
  }

  private onAck(version: number): void {
    const newest = this.deps.newest();
    if (!this.report(version, this.ceiling())) return;
    this.emit('ack', version);
    if (this.held !== null && this.held >= newest.version) this.synced();
    else if (this.sent <= (this.held ?? 0)) this.push(); // a newer version came while this one travelled
  }

  /**
   * Judges a version the station reports against the company's newest: a trusted one raises what
   * this connection knows it holds and the confirmed version; an untrusted one opens (or keeps)
   * the anomaly and leaves both alone. Returns whether it was trusted.
   */
  private report(version: number, newest: number): boolean {
    const before = this._status.anomalia;
    const { confiable, anomalia } = evaluarVersionInformada(version, newest, before, isoNow(this.clock));
    if (confiable) {
      this.held = versionConfirmada(this.held, version);
      this.update({
        anomalia: null,
        version_confirmada: versionConfirmada(this._status.version_confirmada, version),
      });
    } else {
      this.held = null;
      // No longer known to hold the newest: not synced until it reports a version the company made.
      if (this._status.estado === 'sincronizado') this.update({ estado: 'sincronizando' });
      const same =
        before !== null &&
        anomalia !== null &&
        before.version_reportada === anomalia.version_reportada &&
        before.version_empresa === anomalia.version_empresa;
      if (!same) this.update({ anomalia });
    }
    // Logged and audited by whoever listens (the service, at most once per interval per station).
    if ((before === null) !== (anomalia === null)) this.emit('anomalia', anomalia);
    return confiable;
  }

  private onStationError(codigo: string, mensaje: string): void {
    this.setError(`${codigo}: ${mensaje}`);
    this.connectionError = true;
    this.log('warn', { codigo, mensaje }, 'la estación informó un error');
    if (codigo === 'ERROR_INTERNO' && this.held !== null && this.resendTimer === undefined) {
      // The station could not store the update: send it again a little later.
      this.resendTimer = this.clock.setTimeout(() => {
        this.resendTimer = undefined;
        this.sent = 0;
        this.push();
      }, this.options.resendDelayMs);
      unrefTimer(this.resendTimer);
    }
  }

  // ── reports (issue 15) ───────────────────────────────────────────────────────────────────

  private onReport(msg: Reporte): void {
    const sink = this.deps.reportes;
    const r = this.rep;
    if (!sink || !r.suscrito) {
      this.badLine(wireError('MENSAJE_INVALIDO', '"reporte" sin "suscripcion_reportes" en esta conexión'));
      return;
    }
    if (r.ultimo !== null && msg.seq <= r.ultimo) {
      const problema = `se esperaba uno mayor que ${r.ultimo} (los reportes van en orden creciente de seq)`;
      this.send(
        wireError('MENSAJE_INVALIDO', `reporte con seq ${msg.seq} fuera de orden`, [{ campo: 'seq', problema }]),
      );
      this.fail(`reporte con seq ${msg.seq} fuera de orden: ${problema}`);
      return;
    }
    if (r.enVuelo >= this.options.reportesVentana) {
      const motivo = `más de ${this.options.reportesVentana} reportes sin confirmar (la ventana suscrita)`;
      this.send(wireError('LIMITE_EXCEDIDO', motivo));
      this.fail(motivo);
      return;
    }
    r.ultimo = msg.seq;
    r.enVuelo += 1;
    if (msg.seq > (this._ultimoSeqEstacion ?? 0)) this._ultimoSeqEstacion = msg.seq;
    const generation = this.generation;
    sink.submit(
      this.id,
      msg,
      () => {
        if (generation !== this.generation) return;
        r.enVuelo -= 1;
        r.durable = msg.seq;
        this.scheduleReportAck();
      },
      (err) => {
        if (generation !== this.generation) return;
        this.log('error', { err, seq: msg.seq }, 'no se pudo guardar un reporte de la estación');
        this.send(wireError('ERROR_INTERNO', 'la empresa no pudo guardar los reportes; se esperan de nuevo'));
        this.fail('no se pudieron guardar los reportes de la estación');
      },
    );
    if (sink.saturated && !this.paused) {
      this.paused = true;
      this.client.pause();
      sink.whenDrained(() => {
        this.paused = false;
        this.client.resume();
      });
    }
  }

  /** One cumulative ack for every write that finished in this turn. */
  private scheduleReportAck(): void {
    const r = this.rep;
    if (r.ackPendiente) return;
    r.ackPendiente = true;
    queueMicrotask(() => {
      r.ackPendiente = false;
      if (r !== this.rep || r.durable <= r.confirmado) return;
      if (this.send({ tipo: 'reportes_recibidos', hasta_seq: r.durable })) r.confirmado = r.durable;
    });
  }

  // ── helpers ──────────────────────────────────────────────────────────────────────────────

  /** Answers a line the link cannot take and counts it; too many end the connection. */
  private badLine(error: ReturnType<typeof wireError>): void {
    this.badLines += 1;
    this.send(error);
    if (this.badLines > this.options.maxBadLines) {
      this.send(wireError('LIMITE_EXCEDIDO', `más de ${this.options.maxBadLines} líneas inválidas`));
      this.fail('demasiadas líneas inválidas de la estación');
    }
  }

  private sendVersion(v: VersionPrecios): void {
    const sent = this.send({
      tipo: 'actualizacion_precios',
      precios: v.precios,
      version: v.version,
      timestamp: isoNow(this.clock),
      ...(v.vigencia === null ? {} : { vigencia: v.vigencia }),
    });
    if (!sent) return;
    this.sent = v.version;
    // Debug: at info, one line per station on every change (10,000 lines in the push loop at
    // 10,000 stations, delaying the last stations by the time they take); the ack is what counts.
    this.log(
      'debug',
      { version: v.version, vigencia: v.vigencia, version_estacion: this.held },
      'precios enviados a la estación',
    );
    this.emit('sent', v.version);
    this.update({ estado: 'sincronizando' });
  }

  private synced(): void {
    if (this.authPending) return;
    if (this._status.estado === 'sincronizado' && this._status.ultimo_error === null) return;
    this.update({ estado: 'sincronizado', ultimo_error: null });
  }

  private send(message: CompanyToStation): boolean {
    return this.client.send(encodeMessage(message));
  }

  /** Ends this connection with an error of ours; the client reconnects after its backoff. */
  private fail(reason: string): void {
    this.setError(reason);
    this.connectionError = true;
    this.log('warn', { motivo: reason }, 'enlace con la estación cortado');
    this.client.drop(new Error(reason));
  }

  /** A log line of this link, with its `estacion` (host:puerto) binding. */
  private log(level: LogLevel, fields: Record<string, unknown>, msg: string): void {
    const log = this.deps.log;
    if (log.isLevelEnabled(level)) log[level]({ estacion: `${this.host}:${this.puerto}`, ...fields }, msg);
  }

  private setError(message: string): void {
    this.update({ ultimo_error: message });
  }

  private clearConnectionTimers(): void {
    this.keepalive.stop();
    this.clock.clearTimeout(this.handshakeTimer);
    this.clock.clearTimeout(this.resendTimer);
    this.handshakeTimer = undefined;
    this.resendTimer = undefined;
  }

  private update(changes: Partial<EstadoEstacion>): void {
    let changed = false;
    for (const [k, v] of Object.entries(changes) as [keyof EstadoEstacion, unknown][]) {
      if (this._status[k] !== v) {
        (this._status as unknown as Record<string, unknown>)[k] = v;
        changed = true;
      }
    }
    if (changed) this.emit('status', this.status);
  }
}

/**
 * OpenSSL's words for a TLS link that reached a plaintext port ("wrong version number": the
 * answer was not a TLS record), in the operator's terms.
 */
function explainTlsMismatch(error: Error, tls: boolean | undefined): string {
  const code = (error as Error & { code?: string }).code;
  if (tls && (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/i.test(error.message))) {
    return 'la estación no habla TLS en ese puerto (regístrela con tls: false, o iníciela con --tls-cert y --tls-key)';
  }
  return error.message;
}

/** What a connection knows of the station's reports. */
interface ReportesConexion {
  /** The station told `ultimo_seq` (it forwards reports). */
  ofrecidos: boolean;
  suscrito: boolean;
  /** The last seq received (null: none yet on this connection). */
  ultimo: number | null;
  /** Received, not yet durable. */
  enVuelo: number;
  /** Every report up to this seq is durable. */
  durable: number;
  /** The last `hasta_seq` sent. */
  confirmado: number;
  ackPendiente: boolean;
}

function nuevosReportes(): ReportesConexion {
  return {
    ofrecidos: false,
    suscrito: false,
    ultimo: null,
    enVuelo: 0,
    durable: 0,
    confirmado: 0,
    ackPendiente: false,
  };
}
