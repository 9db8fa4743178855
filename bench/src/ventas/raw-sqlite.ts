/**
 * The floor for the sales benchmark: the rows the station stored, inserted again with nothing but
 * better-sqlite3 into a fresh file with the station's schema, pragmas (openSqlite: WAL,
 * synchronous=FULL) and insert statement, in as many transactions as the station's group commit
 * used (the same batch sizes on average), each committed with BEGIN IMMEDIATE … COMMIT.
 */
import { performance } from 'node:perf_hooks';
import { INSERT_TRANSACCION_SQL, SQLITE_FILE, SQLITE_MIGRATIONS } from '@combustible/estacion';
import { openSqlite, sqliteSettings } from '@combustible/server';
import Database from 'better-sqlite3';

export interface RawResult {
  rows: number;
  commits: number;
  meanBatch: number;
  seconds: number;
  rowsPerS: number;
  /** Wall time per row (µs), commit and fsync included. */
  usPerRow: number;
  /** CPU of this process while inserting (% of one core). */
  cpuPct: number;
  pragmas: ReturnType<typeof sqliteSettings>;
}

type Row = Record<string, unknown>;

/** Every stored sale of `sourceDir`'s station file, in insertion order. */
export function readStoredRows(sourceDir: string): Row[] {
  const db = new Database(`${sourceDir}/${SQLITE_FILE}`, { readonly: true });
  try {
    return db
      .prepare(
        `SELECT id_surtidor, id_transaccion, tipo_combustible, metodo_pago, fecha_fin_utc, litros, monto_total,
           recibida, secuencia, totalizador_fin, doc, seq_reporte FROM transacciones ORDER BY rowid`,
      )
      .all() as Row[];
  } finally {
    db.close();
  }
}

/** Inserts `rows` into a new station file in `targetDir`, in `commits` transactions of (nearly) equal size. */
export function insertRaw(rows: Row[], commits: number, targetDir: string): RawResult {
  const db = openSqlite({ dataDir: targetDir, file: SQLITE_FILE, migrations: SQLITE_MIGRATIONS });
  try {
    const insert = db.prepare(INSERT_TRANSACCION_SQL);
    const batch = db.transaction((items: Row[]) => {
      for (const row of items) insert.run(row);
    });
    const n = Math.max(1, Math.min(commits, rows.length));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const from = Math.floor((i * rows.length) / n);
      const to = Math.floor(((i + 1) * rows.length) / n);
      batch.immediate(rows.slice(from, to));
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return {
      rows: rows.length,
      commits: n,
      meanBatch: rows.length / n,
      seconds: ms / 1000,
      rowsPerS: (rows.length * 1000) / ms,
      usPerRow: (ms * 1000) / Math.max(1, rows.length),
      cpuPct: ((cpu.user + cpu.system) / 1000 / ms) * 100,
      pragmas: sqliteSettings(db),
    };
  } finally {
    db.close();
  }
}
