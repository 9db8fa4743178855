/**
 * The embedded store: one SQLite file (`empresa.db`) through better-sqlite3. WAL +
 * `synchronous = FULL`: a method that returned has its commit fsynced. The company's load (price
 * changes by staff, a few acknowledgements per change and station) fits one connection easily.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { CambioPrecio, Estacion, VersionPrecios } from '../domain/types.js';
import type { CambioEstacion, CompanyStore, InsercionEstacion } from './port.js';
import { nonNegativeInt, pickEstacion, pickVersionPrecios } from './records.js';
import { migrate } from './sqlite-schema.js';

export const SQLITE_FILE = 'empresa.db';
const BUSY_TIMEOUT_MS = 5_000;

interface PreciosRow {
  version: number;
  precios: string;
  actualizado: string;
  autor: string;
  cambios: string;
}

type EstacionRow = Omit<Estacion, 'id_provisional'> & { id_provisional: number };

const toVersion = (r: PreciosRow): VersionPrecios =>
  pickVersionPrecios({
    version: r.version,
    precios: JSON.parse(r.precios) as VersionPrecios['precios'],
    actualizado: r.actualizado,
    autor: r.autor,
    cambios: JSON.parse(r.cambios) as CambioPrecio[],
  });

const toEstacion = (r: EstacionRow): Estacion =>
  pickEstacion({ ...r, id_provisional: r.id_provisional === 1 });
const toRow = (e: Estacion): EstacionRow => ({
  ...pickEstacion(e),
  id_provisional: e.id_provisional ? 1 : 0,
});

function prepare(db: Database.Database) {
  const st = {
    insertVersion: db.prepare<PreciosRow>(
      `INSERT INTO precios (version, precios, actualizado, autor, cambios)
       VALUES (@version, @precios, @actualizado, @autor, @cambios) ON CONFLICT (version) DO NOTHING`,
    ),
    latestVersion: db.prepare<[], PreciosRow>('SELECT * FROM precios ORDER BY version DESC LIMIT 1'),
    listVersions: db.prepare<[number, number], PreciosRow>(
      'SELECT * FROM precios WHERE version < ? ORDER BY version DESC LIMIT ?',
    ),
    listStations: db.prepare<[], EstacionRow>('SELECT * FROM estaciones ORDER BY id_estacion'),
    getStation: db.prepare<[string], EstacionRow>('SELECT * FROM estaciones WHERE id_estacion = ?'),
    byAddress: db.prepare<[string, number], { id_estacion: string }>(
      'SELECT id_estacion FROM estaciones WHERE host = ? AND puerto = ?',
    ),
    insertStation: db.prepare<EstacionRow>(
      `INSERT INTO estaciones (id_estacion, nombre, host, puerto, id_provisional, creada, actualizada,
         version_confirmada, ultimo_contacto)
       VALUES (@id_estacion, @nombre, @host, @puerto, @id_provisional, @creada, @actualizada,
         @version_confirmada, @ultimo_contacto)`,
    ),
    deleteStation: db.prepare<[string]>('DELETE FROM estaciones WHERE id_estacion = ?'),
    recordAck: db.prepare<{ id: string; version: number; at: string }>(
      `UPDATE estaciones SET version_confirmada = MAX(COALESCE(version_confirmada, @version), @version),
         ultimo_contacto = @at WHERE id_estacion = @id`,
    ),
    recordContact: db.prepare<{ id: string; at: string }>(
      'UPDATE estaciones SET ultimo_contacto = @at WHERE id_estacion = @id',
    ),
    ping: db.prepare<[], { ok: number }>('SELECT 1 AS ok'),
  };

  const insertStation = db.transaction((e: Estacion): InsercionEstacion => {
    if (st.getStation.get(e.id_estacion)) return 'id_duplicado';
    if (st.byAddress.get(e.host, e.puerto)) return 'direccion_duplicada';
    st.insertStation.run(toRow(e));
    return 'insertada';
  });

  const replaceStation = db.transaction((id: string, e: Estacion): CambioEstacion => {
    if (!st.getStation.get(id)) return 'no_encontrada';
    if (e.id_estacion !== id && st.getStation.get(e.id_estacion)) return 'id_duplicado';
    const owner = st.byAddress.get(e.host, e.puerto);
    if (owner && owner.id_estacion !== id) return 'direccion_duplicada';
    st.deleteStation.run(id);
    st.insertStation.run(toRow(e));
    return 'actualizada';
  });

  return { db, st, insertStation, replaceStation };
}

type Prepared = ReturnType<typeof prepare>;

export class SqliteStore implements CompanyStore {
  readonly kind = 'sqlite' as const;
  /** The database file, or ':memory:'. */
  readonly file: string;
  private readonly dataDir: string;
  private p: Prepared | null = null;

  constructor({ dataDir }: { dataDir: string }) {
    this.dataDir = dataDir;
    this.file = dataDir === ':memory:' ? ':memory:' : join(dataDir, SQLITE_FILE);
  }

  async setup(): Promise<void> {
    if (this.p) return;
    if (this.file !== ':memory:') mkdirSync(this.dataDir, { recursive: true });
    const db = new Database(this.file, { timeout: BUSY_TIMEOUT_MS });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      migrate(db);
      this.p = prepare(db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    const p = this.p;
    this.p = null;
    p?.db.close();
  }

  async ping(): Promise<void> {
    this.ready().st.ping.get();
  }

  /** journal_mode and synchronous in force (read back by the adapter's own tests). */
  settings(): { journal_mode: string; synchronous: number } {
    const { db } = this.ready();
    return {
      journal_mode: String(db.pragma('journal_mode', { simple: true })),
      synchronous: Number(db.pragma('synchronous', { simple: true })),
    };
  }

  // ── precios ──────────────────────────────────────────────────────────────────────────────

  async appendPriceVersion(v: VersionPrecios): Promise<boolean> {
    const p = pickVersionPrecios(v);
    const result = this.ready().st.insertVersion.run({
      ...p,
      precios: JSON.stringify(p.precios),
      cambios: JSON.stringify(p.cambios),
    });
    return result.changes > 0;
  }

  async latestPriceVersion(): Promise<VersionPrecios | null> {
    const row = this.ready().st.latestVersion.get();
    return row ? toVersion(row) : null;
  }

  async listPriceVersions(filter: { limit: number; antes?: number }): Promise<VersionPrecios[]> {
    const limit = nonNegativeInt(filter.limit);
    if (limit === 0) return [];
    const antes = filter.antes ?? Number.MAX_SAFE_INTEGER;
    return this.ready().st.listVersions.all(antes, limit).map(toVersion);
  }

  // ── estaciones ───────────────────────────────────────────────────────────────────────────

  async listStations(): Promise<Estacion[]> {
    return this.ready().st.listStations.all().map(toEstacion);
  }

  async getStation(id: string): Promise<Estacion | null> {
    const row = this.ready().st.getStation.get(id);
    return row ? toEstacion(row) : null;
  }

  async insertStation(e: Estacion): Promise<InsercionEstacion> {
    return this.ready().insertStation.immediate(e);
  }

  async replaceStation(id: string, e: Estacion): Promise<CambioEstacion> {
    return this.ready().replaceStation.immediate(id, e);
  }

  async deleteStation(id: string): Promise<boolean> {
    return this.ready().st.deleteStation.run(id).changes > 0;
  }

  async recordAck(id: string, version: number, at: string): Promise<boolean> {
    return this.ready().st.recordAck.run({ id, version, at }).changes > 0;
  }

  async recordContact(id: string, at: string): Promise<boolean> {
    return this.ready().st.recordContact.run({ id, at }).changes > 0;
  }

  private ready(): Prepared {
    if (!this.p) throw new Error('SqliteStore: llame a setup() antes de usarlo (o ya está cerrado)');
    return this.p;
  }
}
