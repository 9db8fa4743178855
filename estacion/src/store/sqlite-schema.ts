/**
 * The SQLite schema as numbered migrations; `PRAGMA user_version` records how many ran
 * (openSqlite() in @combustible/server runs them). Append new steps, never edit a released one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: initial schema
  `
  CREATE TABLE surtidores (
    id_surtidor INTEGER PRIMARY KEY,
    nombre TEXT NOT NULL,
    combustibles_soportados TEXT NOT NULL, -- JSON array
    combustible_actual TEXT,
    configuracion TEXT NOT NULL,           -- JSON object
    fecha_creacion TEXT NOT NULL,
    fecha_actualizacion TEXT NOT NULL,
    ultima_conexion TEXT,
    ip TEXT,
    version TEXT
  ) STRICT;

  CREATE TABLE estado_surtidores (
    id_surtidor INTEGER PRIMARY KEY,
    estado_conexion TEXT NOT NULL,
    estado_operacion TEXT NOT NULL,
    litros_actuales REAL NOT NULL,
    monto_actual REAL NOT NULL,
    tipo_combustible TEXT,
    precio_por_litro REAL,
    version_precios INTEGER,
    desfase_reloj_ms REAL,
    timestamp TEXT,
    ultima_actividad TEXT
  ) STRICT;

  -- Real columns for what is filtered, sorted or summed; the record itself is in doc (JSON).
  CREATE TABLE transacciones (
    id_surtidor INTEGER NOT NULL,
    id_transaccion TEXT NOT NULL,
    tipo_combustible TEXT NOT NULL,
    metodo_pago TEXT NOT NULL,
    fecha_fin_utc TEXT NOT NULL,           -- fecha_fin as YYYY-MM-DDTHH:mm:ss.sssZ
    litros REAL NOT NULL,
    monto_total REAL NOT NULL,
    recibida TEXT NOT NULL,
    secuencia INTEGER,
    totalizador_fin REAL,
    doc TEXT NOT NULL,
    PRIMARY KEY (id_surtidor, id_transaccion)
  ) STRICT;
  CREATE INDEX transacciones_fecha ON transacciones (fecha_fin_utc, recibida, id_surtidor, id_transaccion);
  CREATE INDEX transacciones_surtidor_fecha ON transacciones (id_surtidor, fecha_fin_utc, recibida, id_transaccion);
  CREATE INDEX transacciones_surtidor_secuencia ON transacciones (id_surtidor, secuencia);

  CREATE TABLE alertas (
    id TEXT PRIMARY KEY,
    clave TEXT NOT NULL,
    codigo TEXT NOT NULL,
    mensaje TEXT NOT NULL,
    severidad TEXT NOT NULL,
    id_surtidor INTEGER,
    creada TEXT NOT NULL,
    resuelta TEXT,
    datos TEXT                             -- JSON object or NULL
  ) STRICT;
  -- At most one open alert per clave.
  CREATE UNIQUE INDEX alertas_clave_abierta ON alertas (clave) WHERE resuelta IS NULL;
  CREATE INDEX alertas_creada ON alertas (creada, id);

  CREATE TABLE precios (
    version INTEGER PRIMARY KEY,
    precios TEXT NOT NULL,                 -- JSON object
    actualizado TEXT NOT NULL,
    origen TEXT NOT NULL
  ) STRICT;
  `,
  // 2: who paused a pump from the station, and why (JSON object or NULL)
  `
  ALTER TABLE estado_surtidores ADD COLUMN pausado_por TEXT;
  `,
  // 3: sales received with a stored (id_surtidor, id_transaccion) but different content. One row
  // per distinct version (the same version again is the same conflict); doc holds both versions.
  `
  CREATE TABLE conflictos (
    id TEXT PRIMARY KEY,
    id_surtidor INTEGER NOT NULL,
    id_transaccion TEXT NOT NULL,
    huella TEXT NOT NULL,
    detectado TEXT NOT NULL,
    doc TEXT NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX conflictos_version ON conflictos (id_surtidor, id_transaccion, huella);
  CREATE INDEX conflictos_detectado ON conflictos (detectado, id);
  CREATE INDEX conflictos_transaccion ON conflictos (id_surtidor, id_transaccion, detectado, id);
  `,
  // 4: per-pump credentials: only the SHA-256 of each pump's token (one per pump).
  `
  CREATE TABLE credenciales_surtidor (
    id_surtidor INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    emitida TEXT NOT NULL
  ) STRICT;
  `,
  // 5: (ext) prepaid authorization: each pump's mode (NULL, from an older build, reads as postpago)
  // and the authorizations, the record in doc (JSON), the columns for filtering and sorting.
  `
  ALTER TABLE surtidores ADD COLUMN modo_autorizacion TEXT;
  CREATE TABLE autorizaciones (
    id_autorizacion TEXT PRIMARY KEY,
    id_surtidor INTEGER NOT NULL,
    estado TEXT NOT NULL,
    creada TEXT NOT NULL,
    doc TEXT NOT NULL
  ) STRICT;
  CREATE INDEX autorizaciones_creada ON autorizaciones (creada, id_autorizacion);
  CREATE INDEX autorizaciones_estado ON autorizaciones (estado, creada, id_autorizacion);
  CREATE INDEX autorizaciones_surtidor ON autorizaciones (id_surtidor, creada, id_autorizacion);
  `,
  // 6: a scheduled price version: when it takes effect (NULL: in force when received)
  `
  ALTER TABLE precios ADD COLUMN vigencia TEXT;
  `,
  // 7: (ext) tanks, their gauges' readings (raw ones pruned after --lecturas-dias, except those
  // marked conservar: the first of each tank in each UTC hour) and the deliveries detected.
  `
  CREATE TABLE tanques (
    id_tanque INTEGER PRIMARY KEY,
    doc TEXT NOT NULL
  ) STRICT;
  CREATE TABLE lecturas_tanque (
    id_tanque INTEGER NOT NULL,
    recibida TEXT NOT NULL,
    conservar INTEGER NOT NULL,
    doc TEXT NOT NULL
  ) STRICT;
  CREATE INDEX lecturas_tanque_recibida ON lecturas_tanque (id_tanque, recibida);
  CREATE INDEX lecturas_tanque_poda ON lecturas_tanque (recibida) WHERE conservar = 0;
  CREATE TABLE descargas (
    id TEXT PRIMARY KEY,
    id_tanque INTEGER NOT NULL,
    inicio TEXT NOT NULL,
    doc TEXT NOT NULL
  ) STRICT;
  CREATE INDEX descargas_inicio ON descargas (inicio, id);
  CREATE INDEX descargas_tanque ON descargas (id_tanque, inicio, id);
  `,
  // 8: day and shift closes, immutable: the record in doc (JSON), the columns for the overlap check
  // and the listing.
  `
  CREATE TABLE cierres (
    id_cierre TEXT PRIMARY KEY,
    desde TEXT NOT NULL,
    hasta TEXT NOT NULL,
    turno TEXT,
    doc TEXT NOT NULL
  ) STRICT;
  CREATE INDEX cierres_desde ON cierres (desde, id_cierre);
  `,
  // 9: (ext, issue 15) the journal the station forwards to the company. A sale's position is on its
  // own row (written with it); the other classes' entries are in reportes; the cursor is the
  // highest position the company acknowledged. Sales stored before this step have none.
  `
  ALTER TABLE transacciones ADD COLUMN seq_reporte INTEGER;
  CREATE UNIQUE INDEX transacciones_seq_reporte ON transacciones (seq_reporte) WHERE seq_reporte IS NOT NULL;
  CREATE TABLE reportes (
    seq INTEGER PRIMARY KEY,
    clase TEXT NOT NULL,
    datos TEXT NOT NULL                    -- JSON object
  ) STRICT;
  CREATE TABLE cursor_reportes (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    hasta_seq INTEGER NOT NULL
  ) STRICT;
  `,
];
