/**
 * One StationLink per registered station, kept in step with the registry through the bus: a
 * station added gets a link, one removed loses it, one whose address changed gets a new one, a
 * rename re-keys it. Every new price version is pushed to every link at once; the ones that are
 * down catch up on their next handshake.
 *
 * With `managed` (replicas: links/replicas.ts), the manager opens no link on its own: the lease
 * coordinator opens a link with acquire() when this process holds the station's lease and closes
 * it with drop() when it gives the lease up or loses it.
 *
 * Opening is paced: at most `maxConnecting` links are in their first connection attempt at once
 * (from dialing until `estacion_info` or a failure), each started after a random delay below
 * `jitterMs`, so that a company (re)starting with thousands of stations does not dial them all in
 * the same instant. Later reconnections are spread by the reconnecting client's backoff jitter.
 */
import {
  type Clock,
  type Dialer,
  type EstacionInfo,
  type Logger,
  systemClock,
  type TimerHandle,
  tcpDialer,
  unrefTimer,
} from '@combustible/shared';
import type { CompanyService, DestinationPolicy } from '../app/company-service.js';
import type { CompanyBus } from '../app/events.js';
import type { AnomaliaVersion } from '../domain/price-book.js';
import type { Estacion, EstadoEstacion, VersionPrecios } from '../domain/types.js';
import { type CompanyTls, guardedDialer, stationTlsOptions } from './guarded-dial.js';
import {
  DEFAULT_LINK_OPTIONS,
  type ReportSink,
  StationLink,
  type StationLinkEvents,
  type StationLinkOptions,
} from './station-link.js';

export interface LinkManagerDeps {
  service: CompanyService;
  bus: CompanyBus;
  log: Logger;
  clock?: Clock;
  empresa: { nombre: string; token?: string | undefined };
  options?: Partial<StationLinkOptions>;
  /** How to reach a station (TCP by default). */
  dialer?: (e: Estacion) => Dialer;
  /** Where TCP links may go (--allowed-networks); not applied to a custom `dialer`. */
  destinations?: DestinationPolicy;
  /** CA (and client certificate) for stations registered with `tls: true`. */
  tls?: CompanyTls;
  /** (issue 15) Takes the reports stations forward; without one no link subscribes. */
  reportes?: ReportSink;
  /** Links only through acquire()/drop() (replicas); default false: every registered station. */
  managed?: boolean;
  /** First connection attempts in flight at once (--conexiones-simultaneas). */
  maxConnecting?: number;
  /** Each link's first attempt starts after a random delay below this (ms). */
  jitterMs?: number;
  random?: () => number;
}

export const DEFAULT_MAX_CONNECTING = 200;
export const DEFAULT_CONNECT_JITTER_MS = 100;

/** States in which a link's first attempt is over (connected and greeted, or failed). */
const FIRST_ATTEMPT_OVER = new Set<EstadoEstacion['estado']>(['sincronizando', 'sincronizado', 'desconectado']);

/** How many links are in each state, and the pacing queue. */
export interface LinkStats {
  porEstado: Partial<Record<EstadoEstacion['estado'], number>>;
  /** First connection attempts under way. */
  enCurso: number;
  /** Links waiting for a slot to start. */
  enEspera: number;
}

interface Entry {
  /** waiting: queued for a slot; connecting: first attempt under way (holds a slot); started; stopped. */
  phase: 'waiting' | 'connecting' | 'started' | 'stopped';
  timer?: TimerHandle | undefined;
  link: StationLink;
  /** The registry work of this link (info, acks) runs in order. */
  tasks: Promise<void>;
  /** The link was opened over TLS. */
  tls: boolean;
}

export class LinkManager {
  private readonly links = new Map<string, Entry>();
  private readonly clock: Clock;
  private closed = false;
  /** Links waiting for a connection slot, in order. */
  private readonly waiting: Entry[] = [];
  private connecting = 0;
  private readonly maxConnecting: number;

  constructor(private readonly deps: LinkManagerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.maxConnecting = Math.max(1, Math.floor(deps.maxConnecting ?? DEFAULT_MAX_CONNECTING));
    const { bus } = deps;
    bus.on('estacion_agregada', this.onAdded);
    bus.on('estacion_actualizada', this.onUpdated);
    bus.on('estacion_eliminada', this.onRemoved);
    bus.on('precios', this.onPrices);
    bus.on('cancelacion', this.onCancel);
  }

  /** Opens a link to every registered station (paced); managed: none (see acquire). */
  start(): void {
    if (this.deps.managed) return;
    for (const e of this.deps.service.listStations()) this.open(e);
  }

  /** Opens (paced) the link to a registered station unless it is open; false if it is not registered. */
  acquire(id: string): boolean {
    const e = this.deps.service.getStation(id);
    if (!e) return false;
    this.open(e);
    return true;
  }

  /** Closes the link to a station at once, if open. */
  drop(id: string): void {
    this.stop(id);
  }

  has(id: string): boolean {
    return this.links.has(id);
  }

  /** Ids of the open links. */
  ids(): string[] {
    return [...this.links.keys()];
  }

  status(id: string): EstadoEstacion | undefined {
    return this.links.get(id)?.link.status;
  }

  /** The station's last journal position as its link knows it (null: not told, or no link here). */
  ultimoSeqEstacion(id: string): number | null {
    return this.links.get(id)?.link.ultimoSeqEstacion ?? null;
  }

  stats(): LinkStats {
    const porEstado: LinkStats['porEstado'] = {};
    for (const { link } of this.links.values()) {
      const estado = link.status.estado;
      porEstado[estado] = (porEstado[estado] ?? 0) + 1;
    }
    const enEspera = this.waiting.filter((e) => e.phase === 'waiting').length;
    return { porEstado, enCurso: this.connecting, enEspera };
  }

  get size(): number {
    return this.links.size;
  }

  /** Stops every link; resolves once the registry work they queued is done. */
  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.links.values()].map((e) => e.tasks);
    const { bus } = this.deps;
    bus.off('estacion_agregada', this.onAdded);
    bus.off('estacion_actualizada', this.onUpdated);
    bus.off('estacion_eliminada', this.onRemoved);
    bus.off('precios', this.onPrices);
    bus.off('cancelacion', this.onCancel);
    for (const id of [...this.links.keys()]) this.stop(id);
    await Promise.all(pending);
  }

  /** Waits for the registry work already queued by the links (tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.links.values()].map((e) => e.tasks));
  }

  private readonly onAdded = (e: Estacion) => {
    if (!this.deps.managed) this.open(e);
  };

  private readonly onUpdated = ({ id_anterior, estacion }: { id_anterior: string; estacion: Estacion }) => {
    const entry = this.links.get(id_anterior);
    if (!entry) return;
    if (entry.link.host !== estacion.host || entry.link.puerto !== estacion.puerto || entry.tls !== estacion.tls) {
      this.stop(id_anterior);
      this.open(estacion);
      return;
    }
    if (id_anterior !== estacion.id_estacion) {
      this.links.delete(id_anterior);
      entry.link.id = estacion.id_estacion;
      this.links.set(estacion.id_estacion, entry);
      this.deps.bus.emit('enlace', { id_estacion: estacion.id_estacion, estado: entry.link.status });
    }
  };

  private readonly onRemoved = ({ id_estacion }: { id_estacion: string }) => this.stop(id_estacion);

  private readonly onPrices = () => {
    for (const { link } of this.links.values()) link.push();
  };

  private readonly onCancel = (v: VersionPrecios) => {
    for (const { link } of this.links.values()) link.cancel(v.version);
  };

  private open(e: Estacion): void {
    if (this.closed || this.links.has(e.id_estacion)) return;
    const link = new StationLink({
      id: e.id_estacion,
      host: e.host,
      puerto: e.puerto,
      newest: this.newest,
      ultima: this.ultima,
      empresa: this.deps.empresa,
      log: this.deps.log,
      clock: this.clock,
      versionConfirmada: e.version_confirmada,
      ultimoContacto: e.ultimo_contacto,
      tls: e.tls,
      ...(this.deps.reportes ? { reportes: this.deps.reportes } : {}),
      ...(this.deps.options ? { options: this.deps.options } : {}),
      ...(this.deps.dialer ? { dial: this.deps.dialer(e) } : this.guarded(e)),
    });
    const entry: Entry = { phase: 'waiting', link, tasks: Promise.resolve(), tls: e.tls };
    // The same listeners for every link (called with the link as `this`), not closures per link.
    const l = this.linkListeners;
    link.on('status', l.status);
    link.on('info', l.info);
    link.on('ack', l.ack);
    link.on('confirmada', l.confirmada);
    link.on('cancelacion', l.cancelacion);
    link.on('anomalia', l.anomalia);
    this.links.set(e.id_estacion, entry);
    this.waiting.push(entry);
    this.pump();
  }

  /** The entry of a link still managed here (none once it was stopped). */
  private entryOf(link: StationLink): Entry | undefined {
    const entry = this.links.get(link.id);
    return entry?.link === link ? entry : undefined;
  }

  /** Queues registry work of a link's entry: one task after another, in order. */
  private queue(link: StationLink, what: string, task: () => Promise<unknown>): void {
    const entry = this.entryOf(link);
    const log = this.deps.log;
    const failed = (err: unknown) => log.error({ err, id_estacion: link.id }, `error al registrar ${what}`);
    if (entry === undefined) {
      void task().then(undefined, failed);
      return;
    }
    entry.tasks = entry.tasks.then(task).then(() => undefined, failed);
  }

  private linkStatus(link: StationLink, estado: EstadoEstacion): void {
    const entry = this.entryOf(link);
    if (entry?.phase === 'connecting' && FIRST_ATTEMPT_OVER.has(estado.estado)) this.release(entry, 'started');
    this.deps.bus.emit('enlace', { id_estacion: link.id, estado });
  }

  private linkAck(link: StationLink, version: number): void {
    const { service, bus } = this.deps;
    const newest = service.current;
    const ms = version === newest.version ? this.clock.now() - Date.parse(newest.actualizado) : null;
    bus.emit('confirmacion', { id_estacion: link.id, version, ms });
    this.queue(link, 'la confirmación', () => service.stationAck(link.id, version));
  }

  /** What every link is given and listens with: made once per manager. */
  private readonly newest = () => this.deps.service.current;
  private readonly ultima = () => this.deps.service.ultimaCreada;
  private readonly linkListeners = ((m: LinkManager) => {
    const status = function (this: StationLink, estado: EstadoEstacion) {
      m.linkStatus(this, estado);
    };
    // Reports are taken once the registry work of the handshake is done (a station registered by
    // address has its own id by then, so its reports are kept under it).
    const info = function (this: StationLink, info: EstacionInfo) {
      m.queue(this, 'estacion_info', async () => {
        await m.deps.service.stationInfo(this.id, info);
        this.subscribeReports();
      });
    };
    const ack = function (this: StationLink, version: number) {
      m.linkAck(this, version);
    };
    const confirmada = function (this: StationLink, v: number) {
      m.queue(this, 'la versión tras la cancelación', () => m.deps.service.stationConfirmed(this.id, v));
    };
    const cancelacion = function (this: StationLink, c: StationLinkEvents['cancelacion'][0]) {
      m.queue(this, 'la cancelación', () => m.deps.service.stationCancellation(this.id, c));
    };
    const anomalia = function (this: StationLink, a: AnomaliaVersion | null) {
      m.queue(this, 'la anomalía', () => m.deps.service.stationAnomaly(this.id, a));
    };
    return { status, info, ack, confirmada, cancelacion, anomalia };
  })(this);

  /** Starts waiting links while there are free slots, each after its jitter. */
  private pump(): void {
    while (this.connecting < this.maxConnecting && !this.closed) {
      const entry = this.waiting.shift();
      if (entry === undefined) return;
      if (entry.phase !== 'waiting') continue;
      entry.phase = 'connecting';
      this.connecting += 1;
      const jitterMs = this.deps.jitterMs ?? DEFAULT_CONNECT_JITTER_MS;
      const delay = Math.floor((this.deps.random ?? Math.random)() * Math.max(0, jitterMs));
      const start = () => {
        entry.timer = undefined;
        if (entry.phase === 'connecting') entry.link.start();
      };
      if (delay <= 0) start();
      else {
        entry.timer = this.clock.setTimeout(start, delay);
        unrefTimer(entry.timer);
      }
    }
  }

  /** A link leaves its slot (first attempt over, or stopped) and the next waiting one may start. */
  private release(entry: Entry, phase: 'started' | 'stopped'): void {
    const held = entry.phase === 'connecting';
    entry.phase = phase;
    this.clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    if (!held) return;
    this.connecting -= 1;
    this.pump();
  }

  /** The default TCP dialer, limited to --allowed-networks; the first refusal of a link is logged. */
  private guarded(e: Estacion): { dial?: Dialer } {
    const { destinations, bus, log } = this.deps;
    const connectTimeoutMs = this.deps.options?.connectTimeoutMs ?? DEFAULT_LINK_OPTIONS.connectTimeoutMs;
    const tls = e.tls ? stationTlsOptions(e.host, this.deps.tls) : undefined;
    if (!destinations) {
      return tls ? { dial: tcpDialer({ host: e.host, port: e.puerto, connectTimeoutMs, tls }) } : {};
    }
    let warned = false;
    const target = { host: e.host, port: e.puerto, connectTimeoutMs, tls };
    return {
      dial: guardedDialer(target, destinations, (motivo) => {
        bus.emit('destino_rechazado', { host: e.host, origen: 'enlace', motivo });
        if (warned) return;
        warned = true;
        log.warn(
          { id_estacion: e.id_estacion, host: e.host, puerto: e.puerto, motivo },
          'la empresa no se conecta a esta estación: dirección fuera de --allowed-networks',
        );
      }),
    };
  }

  private stop(id: string): void {
    const entry = this.links.get(id);
    if (!entry) return;
    this.links.delete(id);
    this.release(entry, 'stopped');
    entry.link.close(); // announces 'detenido' through its status listener
    entry.link.removeAllListeners();
  }
}
