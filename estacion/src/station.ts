/**
 * Composition root: builds the store, the service, the hub and the servers from a config, and
 * tears them down in the right order.
 */

import { fileURLToPath } from 'node:url';
import {
  AuditLog,
  AuthService,
  type AuthServiceOptions,
  checkExposure,
  enforceExposure,
  STATION_ROLES,
  type StationRole,
} from '@combustible/server';
import { type Clock, type Logger, systemClock } from '@combustible/shared';
import { ThrottledAuditSink } from './app/audit-sink.js';
import { storePumpAuth } from './hub/pump-auth.js';
import { StationBus } from './app/events.js';
import { StationMetrics } from './app/metrics.js';
import { ConciliacionService } from './app/conciliacion-service.js';
import { DEFAULT_TANK_OPTIONS, seedDemoTanks, TankService } from './app/tank-service.js';
import { DEFAULT_TANK_WATCH } from './domain/tanks-watch.js';
import { StationService } from './app/station-service.js';
import { CompanyLink } from './company/company-link.js';
import { type StationConfig, stationExposure } from './config.js';
import { buildApi } from './http/app.js';
import { PumpHub } from './hub/pump-hub.js';
import { RegistrationAdmission } from './hub/registration-admission.js';
import { createStore, type StationStore } from './store/index.js';
import { type ListeningServer, listenTcp } from './tcp/listen.js';
import { portLimit } from './tcp/port-limit.js';
import { StationTls } from './tls/station-tls.js';
import { buildBridge } from './ws/bridge.js';

/** The dashboard: static files in public/, its compiled scripts in dist/web/. */
export const DASHBOARD_ROOTS = [
  fileURLToPath(new URL('../public', import.meta.url)),
  fileURLToPath(new URL('./web', import.meta.url)),
];

export interface RunningStation {
  config: StationConfig;
  store: StationStore;
  bus: StationBus;
  service: StationService;
  /** (ext) Tanks and gauges. */
  tanks: TankService;
  hub: PumpHub;
  metrics: StationMetrics;
  /** Users, sessions and tokens of the API, the dashboard and the WebSocket. */
  auth: AuthService<StationRole>;
  /** The tamper-evident audit log (on the station's store). */
  audit: AuditLog;
  /**
   * The `admin` user created on this first start, with its password (to show once, never to log),
   * or null when users already existed.
   */
  adminInicial: { usuario: string; clave: string; generada: boolean } | null;
  ports: { pump: number; company: number; api: number; ws: number };
  /** The TLS certificate of the pump and company ports (null without --tls-cert). */
  tls: StationTls | null;
  /** Reloads the TLS certificate and key (SIGHUP): live sessions stay, new connections get the new one. */
  reloadTls(motivo?: string): boolean;
  /** Drains and closes everything; safe to call twice. */
  stop(): Promise<void>;
}

export interface StationDeps {
  log: Logger;
  clock?: Clock;
  /** Use this store instead of creating one from the config (tests). */
  store?: StationStore;
  /** Tests use a cheap scrypt cost. */
  authOptions?: Partial<AuthServiceOptions>;
}

export async function startStation(config: StationConfig, deps: StationDeps): Promise<RunningStation> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log;
  // Protected mode: nothing is opened on a public address without credentials (unless --insecure).
  enforceExposure(checkExposure(stationExposure(config)), (message) =>
    log.warn({ modo_protegido: false, host: config.host }, message),
  );
  const store =
    deps.store ??
    createStore(config.mongoUrl ? { dataDir: config.dataDir, mongoUrl: config.mongoUrl } : { dataDir: config.dataDir });
  await store.setup();
  // Who did it: the audit log and the users live on the station's own store.
  const audit = new AuditLog(store.auth, clock, log.child({ mod: 'auditoria' }));
  const auth = new AuthService(store.auth, STATION_ROLES, audit, clock, log.child({ mod: 'auth' }), {
    ...deps.authOptions,
    sessionTtlMs: config.sessionTtl * 3_600_000,
  });
  let adminInicial: RunningStation['adminInicial'] = null;
  let refusals: ThrottledAuditSink | undefined;
  const bus = new StationBus();
  const service = new StationService(store, bus, clock, log.child({ mod: 'servicio' }), {
    strictRegistration: config.strictRegistration,
    maxClockDriftMs: config.maxClockDrift * 1000,
    stateFlushMs: 1000,
    maxPumps: config.maxPumps,
    authorizations: {
      timeoutMs: config.authorizationTimeout * 1000,
      maxOpen: config.maxOpenAuthorizations,
      automatic: config.autorizacionAutomatica,
    },
    priceMismatchMs: config.priceMismatch * 1000,
    reportarAlertas: config.reportarAlertas,
  });
  const metrics = new StationMetrics(bus);
  metrics.watchReports(service.journal);
  const tanks = new TankService(
    store,
    bus,
    clock,
    log.child({ mod: 'tanques' }),
    service,
    {
      ...DEFAULT_TANK_OPTIONS,
      maxTanques: config.maxTanques,
      maxMedidores: config.maxMedidores,
      lecturasDias: config.lecturasDias,
      watch: {
        ...DEFAULT_TANK_WATCH,
        horasAutonomia: config.horasAutonomia,
        silencioIntervalos: config.sondaSilencio,
        descargaMinLitros: config.descargaMinLitros,
      },
    },
    metrics,
  );
  const conciliacion = new ConciliacionService(
    store,
    tanks,
    service,
    clock,
    log.child({ mod: 'conciliacion' }),
    { deteccionFugasMin: config.deteccionFugasMin },
    metrics,
  );
  auth.useMetrics(metrics.registry, 'estacion');
  service.onCommitBatch = (size, ms) => metrics.commitBatch(size, ms);
  metrics.watchAuthorizations(() => service.authorizations.openCount);
  const servers: ListeningServer[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  const ports = { pump: 0, company: 0, api: 0, ws: 0 };
  let hub: PumpHub | undefined;
  let stationTls: StationTls | null = null;
  try {
    await service.init();
    await tanks.init();
    if (config.tanquesDemo) await seedDemoTanks(tanks, log);
    conciliacion.start();
    // First start: the `admin` user, with --admin-password or a generated password shown once by the CLI.
    adminInicial = await auth.bootstrapAdmin(config.adminPassword);
    // What the TCP ports refuse is audited, throttled per source so that a flood cannot fill the disk.
    refusals = new ThrottledAuditSink(audit, clock);
    if (adminInicial)
      log.info(
        { usuario: adminInicial.usuario, clave_generada: adminInicial.generada },
        'primer arranque: usuario admin creado',
      );
    if (config.tlsCert !== undefined && config.tlsKey !== undefined) {
      stationTls = new StationTls(
        { cert: config.tlsCert, key: config.tlsKey, ca: config.tlsCa },
        {
          log: log.child({ mod: 'tls' }),
          clock,
          onCertificate: (info) => metrics.tlsCertificate(info.huella, info.expira),
          alerts: { raise: (a) => service.raiseAlert(a), resolve: (clave) => service.resolveAlert(clave) },
        },
      );
      const t = stationTls;
      closers.push(async () => t.stop());
    }
    const tlsLog = log.child({ mod: 'tls' });
    const tlsFor = (puerto: string, clientAuth: boolean) =>
      stationTls === null
        ? {}
        : {
            tls: {
              context: stationTls.context,
              clientAuth,
              onClientError: (err: Error, remote: string | null) =>
                tlsLog.debug({ err: err.message, remote, puerto }, 'conexión TLS fallida en el saludo'),
            },
          };
    hub = new PumpHub({
      service,
      tanks,
      bus,
      clock,
      log: log.child({ mod: 'hub' }),
      metrics,
      audit: refusals,
      // Per-pump credentials on the store (estacion surtidores token ID), else the shared --pump-token.
      authenticatePump: storePumpAuth({
        credentials: store,
        sharedToken: config.pumpToken,
        requireAuth: config.requirePumpAuth,
      }),
      ...(config.registrationRate > 0
        ? {
            registrationAdmission: new RegistrationAdmission(
              {
                ratePerSecond: config.registrationRate,
                burst: config.registrationBurst ?? Math.max(1, Math.ceil(config.registrationRate)),
              },
              clock,
            ),
          }
        : {}),
      options: {
        maxLineBytes: config.maxLineBytes,
        registrationTimeoutMs: config.registrationTimeout * 1000,
        heartbeatTimeoutMs: config.heartbeatTimeout * 1000,
        maxBadLines: config.maxBadLines,
        ratePerSecond: config.rateLimit,
        rateBurst: config.rateLimit * 2,
        commandTimeoutMs: config.commandTimeout * 1000,
        forecourtTimeoutMs: Math.round(config.forecourtCommandTimeout * 1000),
        pumpToken: config.pumpToken,
      },
    });
    const pumpServer = await listenTcp(hub.handle, {
      host: config.host,
      port: config.pumpPort,
      backlog: config.listenBacklog,
      limit: portLimit({
        puerto: 'surtidores',
        max: config.maxConnections,
        flag: '--max-connections',
        mensaje: `la estación ya tiene ${config.maxConnections} conexiones de surtidores abiertas; reintente más tarde`,
        metrics,
        log,
      }),
      ...tlsFor('surtidores', config.tlsClientAuth),
    });
    stationTls?.attach(pumpServer);
    servers.push(pumpServer);
    ports.pump = pumpServer.port;
    log.info(
      {
        escuchando: 'surtidores',
        puerto: pumpServer.port,
        host: config.host,
        almacenamiento: store.kind,
        version_precios: service.prices.current.version,
        backlog: pumpServer.backlog,
        admision: hub.registrationAdmission
          ? { tasa: hub.registrationAdmission.ratePerSecond, rafaga: hub.registrationAdmission.burst }
          : 'sin límite',
      },
      `surtidores: ${stationTls ? 'tls' : 'tcp'}://${config.host}:${pumpServer.port}${config.tlsClientAuth ? ' (TLS mutuo)' : ''}`,
    );

    const company = new CompanyLink({
      service,
      estacion: { id: config.id, nombre: config.nombre },
      log: log.child({ mod: 'empresa' }),
      clock,
      metrics,
      reportMetrics: metrics,
      audit: refusals,
      options: {
        token: config.companyToken,
        reportesVentanaMax: config.reportesVentanaMax,
        reportesPorSeg: config.reportesPorSeg,
        maxLineBytes: config.maxLineBytes,
        maxBadLines: config.maxBadLines,
        authTimeoutMs: config.registrationTimeout * 1000,
        idleTimeoutMs: Math.max(config.heartbeatTimeout * 2, 30) * 1000,
      },
    });
    closers.push(() => company.close());
    const companyServer = await listenTcp(company.handle, {
      host: config.host,
      port: config.companyPort,
      limit: portLimit({
        puerto: 'empresa',
        max: config.maxCompanyConnections,
        flag: '--max-company-connections',
        mensaje: `la estación ya tiene ${config.maxCompanyConnections} conexiones de la empresa abiertas`,
        metrics,
        log,
        onCount: (open) => metrics.companyConnections(open),
      }),
      ...tlsFor('empresa', false),
    });
    stationTls?.attach(companyServer);
    servers.push(companyServer);
    ports.company = companyServer.port;
    log.info(
      { escuchando: 'empresa', puerto: ports.company, autenticacion: config.companyToken.length > 0 },
      `empresa: ${stationTls ? 'tls' : 'tcp'}://${config.host}:${ports.company}`,
    );

    const apiTls = config.tlsApi ? stationTls : null;
    const bridge = await buildBridge({
      service,
      tanks,
      bus,
      store,
      log: log.child({ mod: 'ws' }),
      metrics,
      clock,
      maxClients: config.maxWsClients,
      allowedOrigins: config.allowedOrigin,
      auth,
      audit,
      https: apiTls?.context,
    });
    if (apiTls) apiTls.attach(bridge.server as unknown as import('node:tls').Server);
    await bridge.listen({ host: config.host, port: config.wsPort });
    closers.push(() => bridge.close());
    ports.ws = portOf(bridge.server.address());
    log.info(
      { escuchando: 'ws', puerto: ports.ws },
      `puente WebSocket: ${apiTls ? 'wss' : 'ws'}://${config.host}:${ports.ws}/`,
    );

    const api = await buildApi({
      service,
      tanks,
      conciliacion,
      hub,
      store,
      metrics,
      auth,
      log: log.child({ mod: 'api' }),
      estacion: { id: config.id, nombre: config.nombre },
      wsPort: ports.ws,
      webRoots: DASHBOARD_ROOTS,
      https: apiTls?.context,
      clock,
      maxExports: config.maxExports,
      zonaHoraria: config.zonaHoraria,
    });
    if (apiTls) apiTls.attach(api.server as unknown as import('node:tls').Server);
    await api.listen({ host: config.host, port: config.apiPort });
    closers.push(() => api.close());
    ports.api = portOf(api.server.address());
    log.info(
      { escuchando: 'api', puerto: ports.api },
      `API y panel: ${apiTls ? 'https' : 'http'}://${config.host}:${ports.api}/ (documentación en /docs)`,
    );
  } catch (err) {
    await conciliacion.close();
    await Promise.all(closers.map((c) => c()));
    await Promise.all(servers.map((s) => s.close()));
    await hub?.close();
    refusals?.flush();
    await audit.flush();
    await store.close();
    throw err;
  }

  log.info({ listo: true, puertos: ports }, 'estación lista');
  const readyHub = hub;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      log.info('deteniendo: no se aceptan conexiones nuevas');
      await Promise.all(closers.map((c) => c().catch(() => undefined)));
      await Promise.all(servers.map((s) => s.close().catch(() => undefined)).concat(readyHub.close()));
      await conciliacion.close();
      await service.close();
      await tanks.close();
      refusals?.flush();
      await audit.flush();
      await store.close();
      log.info('estación detenida');
    })();
    return stopping;
  };

  return {
    config,
    store,
    bus,
    service,
    tanks,
    hub: readyHub,
    metrics,
    auth,
    audit,
    adminInicial,
    ports,
    tls: stationTls,
    reloadTls: (motivo = 'SIGHUP') => {
      if (stationTls === null) {
        log.info('recarga pedida sin TLS configurado: nada que recargar');
        return false;
      }
      return stationTls.reload(motivo);
    },
    stop,
  };
}

function portOf(address: string | import('node:net').AddressInfo | null): number {
  return typeof address === 'object' && address !== null ? address.port : 0;
}
