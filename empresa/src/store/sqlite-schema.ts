/**
 * The SQLite schema as numbered migrations; `PRAGMA user_version` records how many ran
 * (openSqlite() in @combustible/server runs them). Append new steps, never edit a released one.
 */
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
  // 2: a station's link may be TLS
  `
  ALTER TABLE estaciones ADD COLUMN tls INTEGER NOT NULL DEFAULT 0;   -- 0 / 1
  `,
  // 3: scheduled price versions (and their cancellation); the admin's price limits (one JSON row)
  `
  ALTER TABLE precios ADD COLUMN vigencia TEXT;
  ALTER TABLE precios ADD COLUMN cancelada TEXT;
  CREATE TABLE ajustes (
    clave TEXT PRIMARY KEY,
    valor TEXT NOT NULL                    -- JSON
  ) STRICT;
  `,
  // (replicas) station link leases, live replicas, and a stamp of registry changes. Self-contained:
  // another branch may append its own step before it.
  `
  CREATE TABLE arriendos (
    id_estacion TEXT PRIMARY KEY,
    propietario TEXT NOT NULL,             -- --replica-id of the process that holds it
    vence INTEGER NOT NULL                 -- ms since the epoch
  ) STRICT;
  CREATE INDEX arriendos_propietario ON arriendos (propietario);
  CREATE TABLE replicas (
    id TEXT PRIMARY KEY,
    vence INTEGER NOT NULL                 -- ms since the epoch
  ) STRICT;
  CREATE TABLE registro_cambios (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n INTEGER NOT NULL
  ) STRICT;
  INSERT INTO registro_cambios (id, n) VALUES (1, 0);
  CREATE TRIGGER estaciones_insertada AFTER INSERT ON estaciones
    BEGIN UPDATE registro_cambios SET n = n + 1 WHERE id = 1; END;
  CREATE TRIGGER estaciones_eliminada AFTER DELETE ON estaciones
    BEGIN UPDATE registro_cambios SET n = n + 1 WHERE id = 1; END;
  CREATE TRIGGER estaciones_cambiada AFTER UPDATE OF id_estacion, nombre, host, puerto, tls, id_provisional
    ON estaciones BEGIN UPDATE registro_cambios SET n = n + 1 WHERE id = 1; END;
  `,
];
