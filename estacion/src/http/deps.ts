import type { AuthService, StationRole } from '@combustible/server';
import type { Clock, Logger } from '@combustible/shared';
import type { ConciliacionService } from '../app/conciliacion-service.js';
import type { StationMetrics } from '../app/metrics.js';
import type { StationService } from '../app/station-service.js';
import type { TankService } from '../app/tank-service.js';
import { initialState } from '../domain/live-state.js';
import type { EstadoSurtidor, Surtidor } from '../domain/types.js';
import type { PumpHub } from '../hub/pump-hub.js';
import type { Exportar } from './exportar.js';
import type { StationStore } from '../store/port.js';

export interface ApiDeps {
  service: StationService;
  /** (ext) Tanks and gauges. */
  tanks: TankService;
  /** (ext) Reconciliation of the tanks' stock by day or shift. */
  conciliacion: ConciliacionService;
  hub: PumpHub;
  store: StationStore;
  metrics: StationMetrics;
  /** Sessions and roles; its audit log records every change made through the API. */
  auth: AuthService<StationRole>;
  log: Logger;
  estacion: { id: string; nombre: string };
  /** Port of the WebSocket bridge, told to the dashboard. */
  wsPort: number;
  /** Folders with the dashboard's static files; none to serve no dashboard. */
  webRoots: string[];
  /** Requests per minute per client address. */
  rateLimitPerMinute?: number;
  /** The station's clock (default: the system's); a close is stamped with it. */
  clock?: Clock;
  /** CSV exports at once (--max-exports; default 4). */
  maxExports?: number;
  /** The station's IANA time zone (--zona-horaria; default America/Santiago). */
  zonaHoraria?: string;
  /** Serve HTTPS with this certificate and key (--tls-api). */
  https?: import('node:tls').SecureContextOptions | undefined;
}

/** What the route plugins get: the API's dependencies plus the CSV exporter built from them. */
export interface RouteDeps extends ApiDeps {
  exportar: Exportar;
}

/** A pump as the API shows it: its configuration plus its live state. */
export function presentPump(p: Surtidor, live: EstadoSurtidor | undefined) {
  const estado = live ?? initialState(p.id_surtidor);
  return {
    ...p,
    estado: estado.estado_conexion === 'conectado' ? estado.estado_operacion : estado.estado_conexion,
    estado_conexion: estado.estado_conexion,
    version_precios: estado.version_precios,
  };
}
