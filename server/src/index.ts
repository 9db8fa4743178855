/**
 * @combustible/server: what the station and the company share and the pump simulator must not
 * carry (it depends on Fastify, SQLite and MongoDB). Each area has its own index.
 */
export * from './audit/index.js';
export * from './auth/index.js';
export * from './http/index.js';
export * from './mongo/index.js';
export * from './safety/index.js';
export * from './sqlite/index.js';
export * from './store/index.js';
