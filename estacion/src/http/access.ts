/**
 * Who may call each route of the station's API: the one table the auth plugin checks (401
 * NO_AUTENTICADO, 403 SIN_PERMISO), the OpenAPI document shows and the 401/403 test matrix is
 * generated from. The plugin refuses to start when an /api route or /metrics is missing here.
 * Roles form a ladder: lectura < operador < supervisor < admin.
 */
import { authRouteTable, type RouteTable, type StationRole } from '@combustible/server';

export const STATION_ROUTES: RouteTable<StationRole> = {
  // Sessions, users, API tokens and the audit log (served by the auth plugin).
  ...authRouteTable<StationRole>('admin', 'lectura'),

  // Pumps: reading is for everyone with a session, configuring for supervisors.
  'GET /api/surtidores': 'lectura',
  'GET /api/surtidores/estado/conectados': 'lectura',
  'GET /api/surtidores/:id': 'lectura',
  'GET /api/surtidores/:id/estado': 'lectura',
  'GET /api/surtidores/:id/transacciones': 'lectura',
  'POST /api/surtidores': 'supervisor',
  'PUT /api/surtidores/:id': 'supervisor',
  'DELETE /api/surtidores/:id': 'supervisor',
  // An operator pauses and resumes; only a supervisor may stop a pump in an emergency.
  'POST /api/surtidores/:id/comando': {
    rol: 'operador',
    segun: { campo: 'comando', roles: { detener_emergencia: 'supervisor' } },
  },
  // The same command for every connected pump at once, under the same rule.
  'POST /api/surtidores/comando': {
    rol: 'operador',
    segun: { campo: 'comando', roles: { detener_emergencia: 'supervisor' } },
  },

  // (ext) Prepaid authorizations: an operator authorizes (or cancels) a waiting pump.
  'POST /api/surtidores/:id/autorizacion': 'operador',
  'DELETE /api/surtidores/:id/autorizacion': 'operador',
  'GET /api/autorizaciones': 'lectura',

  // (ext) Tanks: reading for everyone with a session, configuring for supervisors.
  'GET /api/tanques': 'lectura',
  'GET /api/tanques/:id': 'lectura',
  'GET /api/tanques/:id/lecturas': 'lectura',
  'POST /api/tanques': 'supervisor',
  'PUT /api/tanques/:id': 'supervisor',
  'DELETE /api/tanques/:id': 'supervisor',
  'GET /api/descargas': 'lectura',
  // Wet-stock reconciliation by day or shift.
  'GET /api/conciliacion': 'lectura',

  'GET /api/transacciones': 'lectura',
  'GET /api/transacciones/:id_surtidor/:id_transaccion': 'lectura',
  // Sales that arrived with a stored sale's id but other content (both versions kept).
  'GET /api/conflictos': 'lectura',
  'GET /api/precios': 'lectura',
  'GET /api/alertas': 'lectura',
  'GET /api/estadisticas': 'lectura',
  // Day and shift closes: a supervisor freezes the totals; anyone with a session reads and prints them.
  'POST /api/cierres': 'supervisor',
  'GET /api/cierres': 'lectura',
  'GET /api/cierres/:id_cierre': 'lectura',
  'GET /cierres/:id_cierre/imprimir': 'lectura',
  // What the dashboard needs once logged in (station name, WebSocket port).
  'GET /api/config': 'lectura',

  // Prometheus scrapes with an API token (`POST /api/tokens` with rol lectura).
  'GET /metrics': 'lectura',
  // Probes (Docker, load balancers) must always get through.
  'GET /health': 'publico',
};
