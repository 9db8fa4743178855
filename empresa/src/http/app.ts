/**
 * The company's REST API and staff page: the common base from @combustible/server (zod types,
 * errors, rate limit, /docs), the auth plugin checking every route against COMPANY_ROUTES, plus
 * the company's routes. buildApi() returns the app without listening, so tests drive it with
 * inject().
 */
import { AUTH_TAGS, createApiApp, registerAuth, serveAuthAssets, serveWeb } from '@combustible/server';
import { COMPANY_ERRORS } from '../errors.js';
import { COMPANY_ROUTES } from './access.js';
import type { ApiDeps } from './deps.js';
import { estacionesRoutes } from './routes/estaciones.js';
import { preciosRoutes } from './routes/precios.js';
import { redRoutes } from './routes/red.js';
import { sistemaRoutes } from './routes/sistema.js';

export async function buildApi(deps: ApiDeps) {
  const app = await createApiApp({
    log: deps.log,
    title: `API de ${deps.empresa.nombre}`,
    description: 'Libro de precios versionado, registro de estaciones y estado de los enlaces con ellas.',
    tags: [
      { name: 'precios', description: 'Precios vigentes, cambios e historial' },
      { name: 'estaciones', description: 'Registro de estaciones y estado de sus enlaces' },
      { name: 'red', description: 'Ventas, totales y estado de la red según informan las estaciones' },
      { name: 'sistema', description: 'Salud y métricas' },
      ...AUTH_TAGS,
    ],
    errors: COMPANY_ERRORS,
    rateLimitPerMinute: deps.rateLimitPerMinute,
  });

  // Before any route: its onRoute hook gives each route its rule from the table (and refuses a
  // route that has none); then the shared login screen at /comun/sesion.{js,css}.
  await registerAuth(app, { auth: deps.auth, table: COMPANY_ROUTES });
  await serveAuthAssets(app);

  await app.register(preciosRoutes, deps);
  await app.register(estacionesRoutes, deps);
  await app.register(redRoutes, deps);
  await app.register(sistemaRoutes, deps);

  await serveWeb(app, deps.webRoots);
  return app;
}

export type Api = Awaited<ReturnType<typeof buildApi>>;
