/**
 * The SQLite schema as numbered migrations; `PRAGMA user_version` records how many ran. Append new
 * steps, never edit a released one.
 */
import type Database from 'better-sqlite3';

export const MIGRATIONS: readonly string[] = [
  // 1: initial schema
  `
  CREATE TABLE precios (
    version INTEGER PRIMARY KEY,
    precios TEXT NOT NULL,                 -- JSON object, the four prices
    actualizado TEXT NOT NULL,
    autor TEXT NOT NULL,
    cambios TEXT NOT NULL                  -- JSON array
  ) STRICT;

  CREATE TABLE estaciones (
    id_estacion TEXT PRIMARY KEY,
    nombre TEXT NOT NULL,
    host TEXT NOT NULL,
    puerto INTEGER NOT NULL,
    id_provisional INTEGER NOT NULL,       -- 0 / 1
    creada TEXT NOT NULL,
    actualizada TEXT NOT NULL,
    version_confirmada INTEGER,
    ultimo_contacto TEXT
  ) STRICT;
  CREATE UNIQUE INDEX estaciones_direccion ON estaciones (host, puerto);
  `,
];

/**
 * Runs the missing migrations in one immediate transaction (so two processes opening the same file
 * cannot both migrate). Refuses a database written by a newer build.
 */
export function migrate(db: Database.Database): void {
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new Error(
        `empresa.db tiene el esquema ${current}, más nuevo que el de esta versión (${MIGRATIONS.length})`,
      );
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}
