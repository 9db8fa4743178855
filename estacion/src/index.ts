export * from './app/events.js';
export * from './app/station-service.js';
export * from './config.js';
export * from './domain/types.js';
export * from './errors.js';
export * from './http/access.js';
export * from './hub/pump-hub.js';
export * from './station.js';
export * from './store/port.js';
// For the benchmarks: the SQLite file, schema and sale insert, to compare with raw better-sqlite3.
export { MIGRATIONS as SQLITE_MIGRATIONS } from './store/sqlite-schema.js';
export { INSERT_TRANSACCION_SQL, SQLITE_FILE } from './store/sqlite-store.js';
export * from './domain/conciliacion.js';
export * from './domain/fugas.js';
export * from './domain/perdida-subita.js';
export { calibracionCilindro, revisarLectura, type Tanque as TanqueEstacion } from './domain/tanks.js';
