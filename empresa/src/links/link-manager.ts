/**
 * One StationLink per registered station, kept in step with the registry through the bus: a
 * station added gets a link, one removed loses it, one whose address changed gets a new one, a
 * rename re-keys it. Every new price version is pushed to every link at once; the ones that are
 * down catch up on their next handshake.
 */
import { type Clock, type Dialer, type Logger, systemClock, tcpDialer } from '@combustible/shared';
import type { CompanyService, DestinationPolicy } from '../app/company-service.js';
import type { CompanyBus } from '../app/events.js';
import type { Estacion, EstadoEstacion, VersionPrecios } from '../domain/types.js';
import { type CompanyTls, guardedDialer, stationTlsOptions } from './guarded-dial.js';
import { DEFAULT_LINK_OPTIONS, type ReportSink, StationLink, type StationLinkOptions } from './station-link.js';

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
}

interface Entry {
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

  constructor(private readonly deps: LinkManagerDeps) {
    this.clock = deps.clock ?? systemClock;
    const { bus } = deps;
    bus.on('estacion_agregada', this.onAdded);
    bus.on('estacion_actualizada', this.onUpdated);
    bus.on('estacion_eliminada', this.onRemoved);
    bus.on('precios', this.onPrices);
    bus.on('cancelacion', this.onCancel);
  }

  /** Opens a link to every registered station. */
  start(): void {
    for (const e of this.deps.service.listStations()) this.open(e);
  }

  status(id: string): EstadoEstacion | undefined {
    return this.links.get(id)?.link.status;
  }

  /** The station's last journal position as its link knows it (null: not told, or no link here). */
  ultimoSeqEstacion(id: string): number | null {
    return this.links.get(id)?.link.ultimoSeqEstacion ?? null;
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

  private readonly onAdded = (e: Estacion) => this.open(e);

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
    const { service, bus, log } = this.deps;
    const link = new StationLink({
      id: e.id_estacion,
      host: e.host,
      puerto: e.puerto,
      newest: () => service.current,
      ultima: () => service.ultimaCreada,
      empresa: this.deps.empresa,
      log: log.child({ estacion: `${e.host}:${e.puerto}` }),
      clock: this.clock,
      versionConfirmada: e.version_confirmada,
      ultimoContacto: e.ultimo_contacto,
      tls: e.tls,
      ...(this.deps.reportes ? { reportes: this.deps.reportes } : {}),
      ...(this.deps.options ? { options: this.deps.options } : {}),
      ...(this.deps.dialer ? { dial: this.deps.dialer(e) } : this.guarded(e)),
    });
    const entry: Entry = { link, tasks: Promise.resolve(), tls: e.tls };
    const queue = (what: string, task: () => Promise<unknown>) => {
      entry.tasks = entry.tasks.then(task).then(
        () => undefined,
        (err: unknown) => log.error({ err, id_estacion: link.id }, `error al registrar ${what}`),
      );
    };
    link.on('status', (estado) => bus.emit('enlace', { id_estacion: link.id, estado }));
    // Reports are taken once the registry work of the handshake is done (a station registered by
    // address has its own id by then, so its reports are kept under it).
    link.on('info', (info) =>
      queue('estacion_info', async () => {
        await service.stationInfo(link.id, info);
        link.subscribeReports();
      }),
    );
    link.on('ack', (version) => {
      const newest = service.current;
      const ms = version === newest.version ? this.clock.now() - Date.parse(newest.actualizado) : null;
      bus.emit('confirmacion', { id_estacion: link.id, version, ms });
      queue('la confirmación', () => service.stationAck(link.id, version));
    });
    link.on('confirmada', (v) => queue('la versión tras la cancelación', () => service.stationConfirmed(link.id, v)));
    link.on('cancelacion', (c) => queue('la cancelación', () => service.stationCancellation(link.id, c)));
    link.on('anomalia', (anomalia) => queue('la anomalía', () => service.stationAnomaly(link.id, anomalia)));
    this.links.set(e.id_estacion, entry);
    link.start();
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
    entry.link.close(); // announces 'detenido' through its status listener
    entry.link.removeAllListeners();
  }
}
