/**
 * Composition root: builds the store, the service, the hub and the servers from a config, and
 * tears them down in the right order.
 */
import { type Clock, type Logger, systemClock } from '@combustible/shared';
import { StationBus } from './app/events.js';
import { StationMetrics } from './app/metrics.js';
import { StationService } from './app/station-service.js';
import type { StationConfig } from './config.js';
import { PumpHub } from './hub/pump-hub.js';
import { createStore, type StationStore } from './store/index.js';
import { type ListeningServer, listenTcp } from './tcp/listen.js';

export interface RunningStation {
  config: StationConfig;
  store: StationStore;
  bus: StationBus;
  service: StationService;
  hub: PumpHub;
  metrics: StationMetrics;
  ports: { pump: number };
  /** Drains and closes everything; safe to call twice. */
  stop(): Promise<void>;
}

export interface StationDeps {
  log: Logger;
  clock?: Clock;
  /** Use this store instead of creating one from the config (tests). */
  store?: StationStore;
}

export async function startStation(config: StationConfig, deps: StationDeps): Promise<RunningStation> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log;
  const store =
    deps.store ??
    createStore(
      config.mongoUrl ? { dataDir: config.dataDir, mongoUrl: config.mongoUrl } : { dataDir: config.dataDir },
    );
  await store.setup();
  const bus = new StationBus();
  const service = new StationService(store, bus, clock, log.child({ mod: 'servicio' }), {
    strictRegistration: config.strictRegistration,
    maxClockDriftMs: config.maxClockDrift * 1000,
    stateFlushMs: 1000,
  });
  const metrics = new StationMetrics(bus);
  service.onCommitBatch = (size, ms) => metrics.commitBatch(size, ms);
  const servers: ListeningServer[] = [];
  let hub: PumpHub | undefined;
  try {
    await service.init();
    hub = new PumpHub({
      service,
      bus,
      clock,
      log: log.child({ mod: 'hub' }),
      metrics,
      options: {
        maxLineBytes: config.maxLineBytes,
        registrationTimeoutMs: config.registrationTimeout * 1000,
        heartbeatTimeoutMs: config.heartbeatTimeout * 1000,
        maxBadLines: config.maxBadLines,
        ratePerSecond: config.rateLimit,
        rateBurst: config.rateLimit * 2,
        commandTimeoutMs: config.commandTimeout * 1000,
        pumpToken: config.pumpToken,
      },
    });
    const pumpServer = await listenTcp(hub.handle, { host: config.host, port: config.pumpPort });
    servers.push(pumpServer);
    log.info(
      {
        escuchando: 'surtidores',
        puerto: pumpServer.port,
        host: config.host,
        almacenamiento: store.kind,
        version_precios: service.prices.current.version,
      },
      `surtidores: tcp://${config.host}:${pumpServer.port}`,
    );
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    await hub?.close();
    await store.close();
    throw err;
  }

  const readyHub = hub;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      log.info('deteniendo: no se aceptan conexiones nuevas');
      await Promise.all(servers.map((s) => s.close().catch(() => undefined)).concat(readyHub.close()));
      await service.close();
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
    hub: readyHub,
    metrics,
    ports: { pump: servers[0]?.port ?? 0 },
    stop,
  };
}
