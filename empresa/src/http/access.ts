/**
 * Who may call each route of the company API: the one table the auth plugin checks on every
 * request (401 NO_AUTENTICADO / 403 SIN_PERMISO), that /docs shows per route and that the 401/403
 * test matrix is generated from. The plugin refuses to start if an /api route or /metrics is
 * missing here. Roles: lectura < precios < admin (each includes the ones before it).
 */
import { authRouteTable, type CompanyRole, type RouteTable } from '@combustible/server';

export const COMPANY_ROUTES: RouteTable<CompanyRole> = {
  // Sessions, users, API tokens and the audit log (served by the auth plugin).
  ...authRouteTable<CompanyRole>('admin', 'lectura'),
  // Prices: anyone logged in reads them; changing them needs `precios`.
  'GET /api/precios': 'lectura',
  'GET /api/precios/historial': 'lectura',
  'PUT /api/precios': 'precios',
  'DELETE /api/precios/programada': 'precios',
  // The sanity limits bound what `precios` may publish, so only an admin sets them.
  'GET /api/precios/limites': 'lectura',
  'PUT /api/precios/limites': 'admin',
  // Stations: the registry decides where the company opens connections, so it is `admin` only.
  'GET /api/estaciones': 'lectura',
  'GET /api/estaciones/:id': 'lectura',
  'POST /api/estaciones': 'admin',
  'PUT /api/estaciones/:id': 'admin',
  'DELETE /api/estaciones/:id': 'admin',
  // What the stations report (issue 15): anyone logged in reads it.
  'GET /api/ventas': 'lectura',
  'GET /api/resumen': 'lectura',
  'GET /api/red': 'lectura',
  // Probes: /health stays open for load balancers; /metrics needs a bearer token (a scraper's).
  'GET /health': 'publico',
  'GET /metrics': 'lectura',
};
