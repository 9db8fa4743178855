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
  // 4: (issue 15) reports upstream: what stations forward (sales, closes, alerts, pumps), what was
  // kept apart (rejected, conflicts), and each station's highest journal position stored.
  `
  CREATE TABLE ventas_empresa (
    id_estacion TEXT NOT NULL,
    id_surtidor INTEGER NOT NULL,
    id_transaccion TEXT NOT NULL,
    seq INTEGER NOT NULL,
    tipo_combustible TEXT NOT NULL,
    litros REAL NOT NULL,
    monto_total INTEGER NOT NULL,
    fecha_fin_ms INTEGER NOT NULL,         -- fecha_fin, epoch ms (filters, order, daily totals)
    datos TEXT NOT NULL,                   -- JSON, the sale as reported
    recibida_empresa TEXT NOT NULL,
    PRIMARY KEY (id_estacion, id_surtidor, id_transaccion)
  ) STRICT;
  CREATE INDEX ventas_empresa_fecha ON ventas_empresa (fecha_fin_ms, id_estacion, seq);
  CREATE INDEX ventas_empresa_estacion ON ventas_empresa (id_estacion, fecha_fin_ms);

  CREATE TABLE cierres_empresa (
    id_estacion TEXT NOT NULL,
    id_cierre TEXT NOT NULL,
    seq INTEGER NOT NULL,
    datos TEXT NOT NULL,
    recibida_empresa TEXT NOT NULL,
    PRIMARY KEY (id_estacion, id_cierre)
  ) STRICT;

  CREATE TABLE alertas_empresa (
    id_estacion TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    severidad TEXT NOT NULL,
    abierta INTEGER NOT NULL,              -- 0 / 1 (no resuelta)
    creada TEXT NOT NULL,
    datos TEXT NOT NULL,
    recibida_empresa TEXT NOT NULL,
    PRIMARY KEY (id_estacion, id)
  ) STRICT;
  CREATE INDEX alertas_empresa_abiertas ON alertas_empresa (abierta, id_estacion);

  CREATE TABLE surtidores_empresa (
    id_estacion TEXT NOT NULL,
    id_surtidor INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    actualizado_ms INTEGER NOT NULL,
    version_precios INTEGER,
    datos TEXT NOT NULL,
    recibida_empresa TEXT NOT NULL,
    PRIMARY KEY (id_estacion, id_surtidor)
  ) STRICT;

  CREATE TABLE reportes_apartados (
    id INTEGER PRIMARY KEY,
    tipo TEXT NOT NULL,                    -- rechazado / conflicto
    id_estacion TEXT NOT NULL,
    seq INTEGER NOT NULL,
    clase TEXT NOT NULL,
    codigo TEXT,
    motivo TEXT NOT NULL,
    datos TEXT NOT NULL,
    recibida_empresa TEXT NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX reportes_apartados_seq ON reportes_apartados (id_estacion, seq);
  CREATE INDEX reportes_apartados_tipo ON reportes_apartados (id_estacion, tipo, id);

  CREATE TABLE reportes_estaciones (
    id_estacion TEXT PRIMARY KEY,
    ultimo_seq INTEGER NOT NULL,
    rechazados INTEGER NOT NULL,
    conflictos INTEGER NOT NULL
  ) STRICT;
  `,
  // 5: (replicas) station link leases, live replicas, and a stamp of registry changes.
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
  // 6: (replicas) each lease carries its owner's link state, which the other replicas show.
  `
  ALTER TABLE arriendos ADD COLUMN estado TEXT;             -- null: not written since taken
  ALTER TABLE arriendos ADD COLUMN conectada INTEGER;
  ALTER TABLE arriendos ADD COLUMN version_confirmada INTEGER;
  ALTER TABLE arriendos ADD COLUMN ultimo_contacto TEXT;
  ALTER TABLE arriendos ADD COLUMN ultimo_error TEXT;
  `,
];
