/**
 * The station's REST API and dashboard: the common base from @combustible/server (zod types,
 * errors, rate limit, /docs) plus the station's routes. buildApi() returns the app without
 * listening, so tests drive it with inject().
 */
import { AUTH_TAGS, createApiApp, registerAuth, serveAuthAssets, serveWeb } from '@combustible/server';
import { STATION_ERRORS } from '../errors.js';
import { STATION_ROUTES } from './access.js';
import type { ApiDeps } from './deps.js';
import { alertasRoutes } from './routes/alertas.js';
import { autorizacionesRoutes } from './routes/autorizaciones.js';
import { cierresRoutes } from './routes/cierres.js';
import { crearExportador } from './exportar.js';
import { conflictosRoutes } from './routes/conflictos.js';
import { preciosRoutes } from './routes/precios.js';
import { sistemaRoutes } from './routes/sistema.js';
import { surtidoresRoutes } from './routes/surtidores.js';
import { tanquesRoutes } from './routes/tanques.js';
import { transaccionesRoutes } from './routes/transacciones.js';

export async function buildApi(deps: ApiDeps) {
  const app = await createApiApp({
    log: deps.log,
    title: `API de la estación ${deps.estacion.nombre}`,
    description: 'Surtidores, transacciones, precios, alertas y estadísticas de una estación de servicio.',
    tags: [
      { name: 'surtidores', description: 'Configuración, estado en vivo y comandos' },
      { name: 'transacciones', description: 'Ventas almacenadas' },
      { name: 'precios', description: 'Precios vigentes' },
      { name: 'alertas', description: 'Alertas de la estación y los surtidores' },
      { name: 'tanques', description: 'Tanques, lecturas de sus medidores y descargas' },
      { name: 'estadisticas', description: 'Totales de ventas' },
      { name: 'cierres', description: 'Cierres del día o del turno: totales congelados, para imprimir y firmar' },
      { name: 'sistema', description: 'Salud, métricas y configuración' },
      ...AUTH_TAGS,
    ],
    errors: STATION_ERRORS,
    rateLimitPerMinute: deps.rateLimitPerMinute,
    https: deps.https,
  });

  // Before the routes: the plugin's onRoute hook gives each route its rule from the one table
  // (and refuses to start if an /api route has none).
  await registerAuth(app, { auth: deps.auth, table: STATION_ROUTES, secureCookie: deps.https !== undefined });
  await serveAuthAssets(app);

  const rutas = {
    ...deps,
    exportar: crearExportador({ metrics: deps.metrics, idEstacion: deps.estacion.id, maximo: deps.maxExports }),
  };
  await app.register(surtidoresRoutes, rutas);
  await app.register(autorizacionesRoutes, rutas);
  await app.register(transaccionesRoutes, rutas);
  await app.register(conflictosRoutes, rutas);
  await app.register(preciosRoutes, rutas);
  await app.register(alertasRoutes, rutas);
  await app.register(tanquesRoutes, rutas);
  await app.register(cierresRoutes, rutas);
  await app.register(sistemaRoutes, rutas);

  await serveWeb(app, deps.webRoots);
  return app;
}

export type Api = Awaited<ReturnType<typeof buildApi>>;
