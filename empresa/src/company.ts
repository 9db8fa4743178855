/**
 * Composition root: builds the store, the service, the station links and the API from a config,
 * and tears them down in the right order.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  AuditLog,
  AuthService,
  type AuthServiceOptions,
  COMPANY_ROLES,
  type CompanyRole,
  checkExposure,
  enforceExposure,
  NetworkPolicy,
} from '@combustible/server';
import { type Clock, type Logger, systemClock } from '@combustible/shared';
import { CompanyService } from './app/company-service.js';
import { CompanyBus } from './app/events.js';
import { CompanyMetrics } from './app/metrics.js';
import { ReportIngest } from './app/report-ingest.js';
import { VistaRed } from './app/vista-red.js';
import { type CompanyConfig, companyExposure } from './config.js';
import { type Api, buildApi } from './http/app.js';
import { startStorePoll } from './app/store-poll.js';
import { LinkManager } from './links/link-manager.js';
import { DEFAULT_MAX_CLAIMS, ReplicaCoordinator } from './links/replicas.js';
import type { StationLinkOptions } from './links/station-link.js';
import { type CompanyStore, createStore } from './store/index.js';

/**
 * The staff page: static files in public/, its compiled script in dist/web/ (web/src built by the
 * root `npm run build`). Both paths go up to the package folder, so they are the same from dist/
 * (the build) and from src/ (tests run the sources).
 */
export const WEB_ROOTS = [
  fileURLToPath(new URL('../public', import.meta.url)),
  fileURLToPath(new URL('../dist/web', import.meta.url)),
];

export interface RunningCompany {
  config: CompanyConfig;
  store: CompanyStore;
  bus: CompanyBus;
  service: CompanyService;
  links: LinkManager;
  /** This process among the replicas on the store: who holds each station's lease. */
  replicas: ReplicaCoordinator;
  metrics: CompanyMetrics;
  /** (issue 15) Reports upstream: the intake the links hand them to. */
  ingest: ReportIngest;
  /** Users, sessions, API tokens; `auth.audit` is the audit log. */
  auth: AuthService<CompanyRole>;
  audit: AuditLog;
  /**
   * The `admin` user made at this start because the store had no user at all (first start), with
   * its password (from --admin-password, or generated: `generada`), for the CLI to show once;
   * null when users existed.
   */
  adminInicial: { usuario: string; clave: string; generada: boolean } | null;
  api: Api;
  ports: { api: number };
  /** Closes the links, the API and the store; safe to call twice. */
  stop(): Promise<void>;
}

export interface CompanyDeps {
  log: Logger;
  clock?: Clock;
  /** Use this store instead of creating one from the config (tests). */
  store?: CompanyStore;
  /** Auth tuning (tests use a cheap scrypt cost); the session length comes from --session-ttl. */
  authOptions?: Partial<AuthServiceOptions>;
}

export function linkOptions(config: CompanyConfig): Partial<StationLinkOptions> {
  return {
    pingIntervalMs: config.pingInterval * 1000,
    pingTimeoutMs: config.pingTimeout * 1000,
    handshakeTimeoutMs: config.handshakeTimeout * 1000,
    reportesVentana: config.reportesVentana,
    backoff: { baseMs: config.retryMin * 1000, maxMs: Math.max(config.retryMin, config.retryMax) * 1000 },
  };
}

export async function startCompany(config: CompanyConfig, deps: CompanyDeps): Promise<RunningCompany> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log;
  // Protected mode: the API is not opened on a public address without credentials (unless --insecure).
  enforceExposure(checkExposure(companyExposure(config)), (message) =>
    log.warn({ modo_protegido: false, host: config.host }, message),
  );
  const destinations = NetworkPolicy.parse(config.allowedNetworks);
  const store =
    deps.store ??
    createStore(config.mongoUrl ? { dataDir: config.dataDir, mongoUrl: config.mongoUrl } : { dataDir: config.dataDir });
  await store.setup();
  const bus = new CompanyBus();
  const metrics = new CompanyMetrics(bus);
  const audit = new AuditLog(store.auth, clock, log.child({ mod: 'auditoria' }));
  const auth = new AuthService(store.auth, COMPANY_ROLES, audit, clock, log.child({ mod: 'auth' }), {
    ...deps.authOptions,
    sessionTtlMs: config.sessionTtl * 3_600_000,
  });
  const service = new CompanyService(store, bus, clock, log.child({ mod: 'servicio' }), destinations, audit);
  auth.useMetrics(metrics.registry, 'empresa');
  const ingest = new ReportIngest(store, bus, clock, log.child({ mod: 'reportes' }), {
    maxPendientes: config.reportesCola,
    maxApartados: config.reportesApartados,
  });
  metrics.observeIngest(ingest);
  let links: LinkManager | undefined;
  let replicas: ReplicaCoordinator | undefined;
  let poll: { stop(): Promise<void> } | undefined;
  let api: Api | undefined;
  let adminInicial: RunningCompany['adminInicial'] = null;
  try {
    // First start (no user at all): `admin`, with --admin-password or a generated password that
    // the CLI shows once. The password never goes through the logger.
    adminInicial = await auth.bootstrapAdmin(config.adminPassword);
    if (adminInicial) {
      const { usuario, generada } = adminInicial;
      log.info({ usuario, clave_generada: generada }, 'primer arranque: usuario admin creado');
    }
    await service.init();
    metrics.setVersion(service.current.version);
    links = new LinkManager({
      service,
      bus,
      clock,
      log: log.child({ mod: 'enlaces' }),
      empresa: { nombre: config.nombre, token: config.token },
      options: linkOptions(config),
      reportes: ingest,
      destinations,
      // Links open only where this process holds the lease (replicas), paced.
      managed: true,
      maxConnecting: config.conexionesSimultaneas,
      tls: {
        ca: config.tlsCa === undefined ? undefined : readFileSync(config.tlsCa),
        cert: config.tlsCert === undefined ? undefined : readFileSync(config.tlsCert),
        key: config.tlsKey === undefined ? undefined : readFileSync(config.tlsKey),
      },
    });
    replicas = new ReplicaCoordinator(
      {
        id: config.replicaId,
        ttlMs: config.leaseTtl * 1000,
        renewMs: config.leaseRenew * 1000,
        maxClaims: DEFAULT_MAX_CLAIMS,
      },
      {
        store,
        links,
        bus,
        stations: () => service.listStations(),
        stationCount: () => service.stationCount,
        clock,
        log: log.child({ mod: 'replicas' }),
      },
    );
    metrics.watchLinks(
      () => (links as LinkManager).stats(),
      () => (replicas as ReplicaCoordinator).stats(),
    );
    for (const { host, port, tls } of config.estacion) await service.ensureStation(host, port, { tls });
    await replicas.start();
    poll = startStorePoll(() => service.refresh(), clock, config.storePoll * 1000, log.child({ mod: 'replicas' }));
    log.info(
      {
        version_precios: service.current.version,
        estaciones: service.listStations().map((e) => `${e.id_estacion}@${e.host}:${e.puerto}`),
        almacenamiento: store.kind,
        autenticacion: config.token !== undefined,
        redes_permitidas: destinations.describe(),
        replica: config.replicaId,
      },
      `empresa: ${service.listStations().length} estaciones, precios versión ${service.current.version}`,
    );
    api = await buildApi({
      service,
      links,
      red: new VistaRed({ service, links, store, clock, zonaHoraria: config.zonaHoraria, replica: config.replicaId }),
      replicas,
      store,
      metrics,
      auth,
      log: log.child({ mod: 'api' }),
      empresa: { nombre: config.nombre },
      webRoots: WEB_ROOTS,
      rateLimitPerMinute: config.rateLimit,
      maxExports: config.maxExports,
    });
    await api.listen({ host: config.host, port: config.apiPort });
  } catch (err) {
    await poll?.stop();
    await replicas?.stop();
    await links?.close();
    await api?.close();
    await store.close();
    throw err;
  }
  const address = api.server.address();
  const ports = { api: typeof address === 'object' && address !== null ? address.port : 0 };
  log.info(
    { escuchando: 'api', puerto: ports.api },
    `API y página: http://${config.host}:${ports.api}/ (documentación en /docs)`,
  );
  log.info({ listo: true, puertos: ports }, 'empresa lista');

  const readyLinks = links;
  const readyReplicas = replicas;
  const readyPoll = poll;
  const readyApi = api;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      log.info('deteniendo');
      await readyPoll?.stop();
      // Links closed and leases released first: the other replicas take over on their next round.
      await readyReplicas.stop();
      const linksClosed = readyLinks.close();
      await readyApi.close().catch(() => undefined);
      await linksClosed;
      await ingest.flushed();
      await audit.flush();
      await store.close();
      log.info('empresa detenida');
    })();
    return stopping;
  };
  return {
    config,
    store,
    bus,
    service,
    links: readyLinks,
    replicas: readyReplicas,
    metrics,
    ingest,
    auth,
    audit,
    adminInicial,
    api: readyApi,
    ports,
    stop,
  };
}
