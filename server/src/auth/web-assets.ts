/** Serves the shared login screen (`/comun/sesion.js`, `/comun/sesion.css`) to a service's pages. */
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * Compiled script (server/dist/web) and stylesheet (server/public) of the login screen. Both paths
 * go up to the package folder, so they are the same from dist/auth (the build) and from src/auth
 * (tests run the sources).
 */
export const AUTH_WEB_ROOTS = [
  fileURLToPath(new URL('../../dist/web', import.meta.url)),
  fileURLToPath(new URL('../../public', import.meta.url)),
];

export async function serveAuthAssets(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, {
    root: AUTH_WEB_ROOTS,
    prefix: '/comun/',
    decorateReply: false,
    wildcard: false,
    allowedPath: (path) => /^\/?sesion\.(js|css)$/.test(path),
  });
}
