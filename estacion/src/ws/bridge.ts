/**
 * The WebSocket bridge (default port 4001, path /): a snapshot on connect (bounded, and built once
 * for the clients that connect within a second: ./snapshot.ts), then live events
 * `{tipo, datos, timestamp}`. It subscribes to the station bus; a slow client never slows the hub.
 * Only a session may watch: the handshake carries the API's session cookie (cookies ignore ports)
 * or a bearer token, and is answered 401 without one.
 */

import {
  clientErrorHandler,
  frameworkErrors,
  type AuditLog,
  type AuthService,
  checkOrigin,
  credentialFrom,
  errorBody,
  httpsServerFactory,
  logThrottle,
} from '@combustible/server';
import { type Clock, isoNow, type Logger, systemClock } from '@combustible/shared';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { WebSocket } from 'ws';
import type { StationBus, StationEvents } from '../app/events.js';
import type { StationMetrics } from '../app/metrics.js';
import type { StationService } from '../app/station-service.js';
import type { TankService } from '../app/tank-service.js';
import { STATION_ERRORS } from '../errors.js';
import { presentPump } from '../http/deps.js';
import type { StationStore } from '../store/port.js';
import { accionPanel, esAccionPanel } from './acciones.js';
import {
  BridgeClient,
  type BridgeEvent,
  CLOSE_TRY_AGAIN_LATER,
  type ClientLimits,
  DEFAULT_CLIENT_LIMITS,
} from './client.js';
import { SnapshotCache } from './snapshot.js';

export const DEFAULT_MAX_WS_CLIENTS = 200;

export interface BridgeDeps {
  service: StationService;
  /** (ext) Tanks: in the snapshot, and their `tanque` events. */
  tanks?: TankService;
  bus: StationBus;
  store: StationStore;
  log: Logger;
  metrics?: StationMetrics;
  clock?: Clock;
  limits?: Partial<ClientLimits>;
  /** How often queued events are flushed to clients. */
  flushIntervalMs?: number;
  /** Clients at once; one more is closed with 1013 (try again later). */
  maxClients?: number;
  /** Browser origins allowed besides the request's own hostname (normalised, `https://x.example`). */
  allowedOrigins?: readonly string[];
  /** Who may watch: the session behind the handshake's cookie or bearer token. */
  auth: Pick<AuthService, 'authenticate'>;
  /** The audit log: the last actions go in the snapshot, each new one as an `accion` event. */
  audit?: Pick<AuditLog, 'list' | 'onAppend' | 'record'>;
  /** How often open clients' sessions are checked again (a logout or expiry closes them). */
  sessionCheckMs?: number;
  /** How long a built snapshot serves the clients that connect (unless an event retires it first). */
  snapshotTtlMs?: number;
  /** Serve wss:// with this certificate and key (--tls-api). */
  https?: import('node:tls').SecureContextOptions | undefined;
}

/** A client whose session ended is closed with this code (the dashboard shows its login screen). */
export const CLOSE_SESSION_ENDED = 4401;

/** The bridge's Fastify app, with its clients (and its snapshot cache) exposed for tests and metrics. */
export type Bridge = FastifyInstance & { bridgeClients: Set<BridgeClient>; snapshots: SnapshotCache };

export async function buildBridge(deps: BridgeDeps): Promise<Bridge> {
  const clock = deps.clock ?? systemClock;
  const limits = { ...DEFAULT_CLIENT_LIMITS, ...deps.limits };
  const clients = new Set<BridgeClient>();
  const event = (tipo: string, datos: unknown): BridgeEvent => ({ tipo, datos, timestamp: isoNow(clock) });
  const snapshots = new SnapshotCache({
    service: deps.service,
    tanks: deps.tanks,
    store: deps.store,
    audit: deps.audit,
    clock,
    ...(deps.snapshotTtlMs !== undefined ? { ttlMs: deps.snapshotTtlMs } : {}),
  });
  /**
   * One event to every client: serialized once, as it is now (an `estado` is the live, mutable
   * state), and not at all while no dashboard is connected. `datos` is a function when building it
   * costs something.
   */
  const broadcast = (tipo: string, datos: unknown, pumpId?: number) => {
    snapshots.changed(tipo, pumpId);
    if (clients.size === 0) return;
    const text = JSON.stringify(event(tipo, typeof datos === 'function' ? (datos as () => unknown)() : datos));
    for (const c of clients) c.pushText(tipo, text, pumpId);
  };

  const listeners: { [K in keyof StationEvents]?: (...args: StationEvents[K]) => void } = {
    surtidor_conectado: ({ surtidor, estado }) =>
      broadcast('surtidor_conectado', () => ({ ...presentPump(surtidor, estado), estado_actual: estado })),
    surtidor_desconectado: (d) => broadcast('surtidor_desconectado', d),
    estado: (s) => broadcast('estado', s, s.id_surtidor),
    transaccion: (t) => broadcast('transaccion', t),
    alerta: (a) => broadcast('alerta', a),
    precios: (v) => broadcast('precios', v),
    precios_programados: (p) => broadcast('precios_programados', { programada: p }),
    precios_aplicados: ({ id_surtidor }) => {
      const s = deps.service.live.get(id_surtidor);
      if (s) broadcast('estado', s, id_surtidor);
    },
    surtidor_actualizado: (p) =>
      broadcast('surtidor_actualizado', () => presentPump(p, deps.service.live.get(p.id_surtidor))),
    surtidor_eliminado: (d) => broadcast('surtidor_eliminado', d),
    autorizacion: (a) => broadcast('autorizacion', a),
    tanque: (t) => broadcast('tanque', t),
    tanque_eliminado: (d) => broadcast('tanque_eliminado', d),
    descarga: (d) => broadcast('descarga', d),
  };
  for (const [name, fn] of Object.entries(listeners)) deps.bus.on(name as keyof StationEvents, fn);
  const offAudit = deps.audit?.onAppend((r) => {
    if (esAccionPanel(r.accion)) broadcast('accion', () => accionPanel(r));
  });

  const timer = setInterval(() => {
    for (const c of clients) c.flush();
  }, deps.flushIntervalMs ?? 50);
  timer.unref();

  // The credential each client connected with: checked again now and then, so that a logout, a
  // revoked token or an expired session also ends the live feed.
  const credentials = new Map<BridgeClient, string>();
  const sessionTimer = setInterval(() => {
    for (const [client, token] of credentials) {
      void deps.auth.authenticate(token).then(
        (principal) => {
          if (principal || client.dropped) return;
          credentials.delete(client);
          client.end(CLOSE_SESSION_ENDED, 'la sesión terminó; inicie sesión otra vez');
        },
        (err: unknown) => deps.log.warn({ err }, 'no se pudo verificar la sesión de un panel'),
      );
    }
  }, deps.sessionCheckMs ?? 30_000);
  sessionTimer.unref();

  // Typed as Fastify's logger so the app is a FastifyInstance<..., FastifyBaseLogger>, as Bridge is.
  const log: FastifyBaseLogger = deps.log;
  const app = Fastify({
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
    // Unreadable requests and bad URLs get the API's one error shape here too.
    frameworkErrors,
    clientErrorHandler,
    ...(deps.https ? { serverFactory: httpsServerFactory(deps.https) } : {}),
  });
  await app.register(fastifyWebsocket, { options: { maxPayload: 4096, perMessageDeflate: false } });
  const accept = (socket: WebSocket, token: string) => {
    const client = new BridgeClient(socket, limits, () => clock.now());
    clients.add(client);
    credentials.set(client, token);
    deps.metrics?.clientesWs.set(clients.size);
    socket.on('close', () => {
      clients.delete(client);
      credentials.delete(client);
      deps.metrics?.clientesWs.set(clients.size);
    });
    // The dashboard only listens; anything it sends is ignored.
    snapshots.get().then(
      ({ text, estados }) => {
        // Pumps that reported after the shared text was made: their current state follows it.
        for (const id of estados) {
          const live = deps.service.live.get(id);
          if (live) client.push(event('estado', { ...live }), id);
        }
        client.startWith(text);
      },
      (err: unknown) => {
        deps.log.error({ err }, 'no se pudo armar el snapshot para el panel');
        client.drop('error interno');
      },
    );
  };
  const maxClients = deps.maxClients ?? DEFAULT_MAX_WS_CLIENTS;
  const allowedOrigins = deps.allowedOrigins ?? [];
  const warnOrigin = logThrottle(1000);
  const warnLimit = logThrottle(1000);
  const warnSession = logThrottle(1000);
  app.get(
    '/',
    {
      websocket: true,
      // A page from another site must not read the live events through the operator's browser.
      preValidation: async (req, reply) => {
        const origin = req.headers.origin;
        const decision = checkOrigin({ origin, host: req.headers.host, allowed: allowedOrigins });
        if (decision.ok) return;
        deps.metrics?.wsClientRefused('origen');
        warnOrigin((omitidos) =>
          deps.log.warn({ origin, remote: req.ip, omitidos }, `WebSocket rechazado: ${decision.motivo}`),
        );
        await reply
          .code(STATION_ERRORS.ORIGEN_NO_PERMITIDO.status)
          .send(errorBody('ORIGEN_NO_PERMITIDO', decision.motivo));
      },
      // Only a session may watch: refused with 401 before the upgrade (after the origin check).
      preHandler: async (req, reply) => {
        const token = credentialFrom(req.headers);
        const principal = token === null ? null : await deps.auth.authenticate(token);
        if (principal) return;
        deps.metrics?.wsClientRefused('sesion');
        warnSession((omitidos) =>
          deps.log.warn({ remote: req.ip, credencial: token !== null, omitidos }, 'WebSocket rechazado: sin sesión'),
        );
        if (token !== null)
          deps.audit?.record({
            usuario: 'anonimo',
            rol: null,
            ip: req.ip,
            accion: 'acceso.denegado',
            objetivo: 'GET / (websocket)',
            resultado: 'denegado',
            detalles: { motivo: 'credencial_invalida', rol_necesario: 'lectura' },
          });
        await reply
          .code(STATION_ERRORS.NO_AUTENTICADO.status)
          .send(errorBody('NO_AUTENTICADO', 'inicie sesión en el panel (cookie de sesión o Authorization: Bearer)'));
      },
    },
    (socket, req) => {
      if (clients.size >= maxClients) {
        deps.metrics?.wsClientRefused('limite');
        warnLimit((omitidos) =>
          deps.log.warn({ clientes: clients.size, omitidos }, 'WebSocket rechazado: límite de clientes'),
        );
        socket.close(CLOSE_TRY_AGAIN_LATER, `demasiados clientes (máximo ${maxClients}); reintente más tarde`);
        const t = setTimeout(() => socket.terminate(), 5000).unref();
        socket.once('close', () => clearTimeout(t));
        return;
      }
      accept(socket, credentialFrom(req.headers) ?? '');
    },
  );
  app.addHook('onClose', async () => {
    clearInterval(timer);
    clearInterval(sessionTimer);
    offAudit?.();
    for (const [name, fn] of Object.entries(listeners)) deps.bus.off(name as keyof StationEvents, fn);
  });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs it: the app is PromiseLike, so an async function's `return app` is typed as what it resolves to (a plain FastifyInstance).
  return Object.assign(app, { bridgeClients: clients, snapshots }) as Bridge;
}
