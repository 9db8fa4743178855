/**
 * The embedded store: one SQLite file (`empresa.db`) through better-sqlite3. WAL +
 * `synchronous = FULL`: a method that returned has its commit fsynced. The company's load (price
 * changes by staff, a few acknowledgements per change and station) fits one connection easily.
 */
import { SqliteStoreBase } from '@combustible/server';
import type Database from 'better-sqlite3';
import type { LimitesPrecios } from '../domain/price-limits.js';
import type { CambioPrecio, Estacion, VersionPrecios } from '../domain/types.js';
import type { CambioEstacion, CompanyStore, InsercionEstacion, Lease } from './port.js';
import { nonNegativeInt, pickEstacion, pickLease, pickLimitesPrecios, pickVersionPrecios } from './records.js';
import { MIGRATIONS } from './sqlite-schema.js';

export const SQLITE_FILE = 'empresa.db';

/** The `ajustes` row of the price limits. */
const LIMITES_CLAVE = 'limites_precios';

interface PreciosRow {
  version: number;
  precios: string;
  actualizado: string;
  autor: string;
  cambios: string;
  vigencia: string | null;
  cancelada: string | null;
}

type EstacionRow = Omit<Estacion, 'id_provisional' | 'tls'> & { id_provisional: number; tls: number };

const toVersion = (r: PreciosRow): VersionPrecios =>
  pickVersionPrecios({
    version: r.version,
    precios: JSON.parse(r.precios) as VersionPrecios['precios'],
    actualizado: r.actualizado,
    autor: r.autor,
    cambios: JSON.parse(r.cambios) as CambioPrecio[],
    vigencia: r.vigencia,
    cancelada: r.cancelada,
  });

const toEstacion = (r: EstacionRow): Estacion =>
  pickEstacion({ ...r, id_provisional: r.id_provisional === 1, tls: r.tls === 1 });
const toRow = (e: Estacion): EstacionRow => ({
  ...pickEstacion(e),
  id_provisional: e.id_provisional ? 1 : 0,
  tls: e.tls ? 1 : 0,
});

interface LeaseArgs {
  id: string;
  propietario: string;
  ahora: number;
  vence: number;
}

type Statement<P extends unknown[] | object = unknown[], R = unknown> = Database.Statement<P, R>;

interface Prepared {
  st: {
    insertVersion: Statement<PreciosRow>;
    latestVersion: Statement<[], PreciosRow>;
    listVersions: Statement<[number, number], PreciosRow>;
    countVersions: Statement<[number], { n: number }>;
    cancelVersion: Statement<{ version: number; at: string }>;
    getSetting: Statement<[string], { valor: string }>;
    putSetting: Statement<{ clave: string; valor: string }>;
    listStations: Statement<[], EstacionRow>;
    getStation: Statement<[string], EstacionRow>;
    byAddress: Statement<[string, number], { id_estacion: string }>;
    insertStation: Statement<EstacionRow>;
    deleteStation: Statement<[string]>;
    recordAck: Statement<{ id: string; version: number; at: string }>;
    recordContact: Statement<{ id: string; at: string }>;
    registryStamp: Statement<[], { n: number }>;
    claimLease: Statement<LeaseArgs, { id_estacion: string }>;
    renewLeases: Statement<Omit<LeaseArgs, 'id'>, { id_estacion: string }>;
    releaseLease: Statement<[string, string]>;
    releaseAll: Statement<[string]>;
    activeLeases: Statement<[number], unknown>;
    announceReplica: Statement<{ id: string; vence: number }>;
    pruneReplicas: Statement<[number]>;
    liveReplicas: Statement<[number], { id: string }>;
    retireReplica: Statement<[string]>;
  };
  /** One transaction (one fsync) for a whole round's claims, and for a release of several. */
  claimLeases: Database.Transaction<(ids: readonly string[], args: Omit<LeaseArgs, 'id'>) => string[]>;
  releaseLeases: Database.Transaction<(propietario: string, ids: readonly string[]) => number>;
  /** Check, then write: run with .immediate() so no other connection writes in between. */
  insertStation: Database.Transaction<(e: Estacion) => InsercionEstacion>;
  replaceStation: Database.Transaction<(id: string, e: Estacion) => CambioEstacion>;
}

function prepare(db: Database.Database): Prepared {
  const st: Prepared['st'] = {
    insertVersion: db.prepare<PreciosRow>(
      `INSERT INTO precios (version, precios, actualizado, autor, cambios, vigencia, cancelada)
       VALUES (@version, @precios, @actualizado, @autor, @cambios, @vigencia, @cancelada) ON CONFLICT (version) DO NOTHING`,
    ),
    latestVersion: db.prepare<[], PreciosRow>('SELECT * FROM precios ORDER BY version DESC LIMIT 1'),
    listVersions: db.prepare<[number, number], PreciosRow>(
      'SELECT * FROM precios WHERE version < ? ORDER BY version DESC LIMIT ?',
    ),
    countVersions: db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM precios WHERE version < ?'),
    cancelVersion: db.prepare<{ version: number; at: string }>(
      'UPDATE precios SET cancelada = @at WHERE version = @version AND cancelada IS NULL',
    ),
    getSetting: db.prepare<[string], { valor: string }>('SELECT valor FROM ajustes WHERE clave = ?'),
    putSetting: db.prepare<{ clave: string; valor: string }>(
      'INSERT INTO ajustes (clave, valor) VALUES (@clave, @valor) ON CONFLICT (clave) DO UPDATE SET valor = excluded.valor',
    ),
    listStations: db.prepare<[], EstacionRow>('SELECT * FROM estaciones ORDER BY id_estacion'),
    getStation: db.prepare<[string], EstacionRow>('SELECT * FROM estaciones WHERE id_estacion = ?'),
    byAddress: db.prepare<[string, number], { id_estacion: string }>(
      'SELECT id_estacion FROM estaciones WHERE host = ? AND puerto = ?',
    ),
    insertStation: db.prepare<EstacionRow>(
      `INSERT INTO estaciones (id_estacion, nombre, host, puerto, tls, id_provisional, creada, actualizada,
         version_confirmada, ultimo_contacto)
       VALUES (@id_estacion, @nombre, @host, @puerto, @tls, @id_provisional, @creada, @actualizada,
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
    registryStamp: db.prepare<[], { n: number }>('SELECT n FROM registro_cambios WHERE id = 1'),
    // Compare-and-set in one statement: a row held by another replica and not expired stays as it is.
    claimLease: db.prepare<LeaseArgs, { id_estacion: string }>(
      `INSERT INTO arriendos (id_estacion, propietario, vence) VALUES (@id, @propietario, @vence)
       ON CONFLICT (id_estacion) DO UPDATE SET propietario = excluded.propietario, vence = excluded.vence
       WHERE arriendos.vence <= @ahora OR arriendos.propietario = excluded.propietario
       RETURNING id_estacion`,
    ),
    renewLeases: db.prepare<Omit<LeaseArgs, 'id'>, { id_estacion: string }>(
      `UPDATE arriendos SET vence = @vence WHERE propietario = @propietario AND vence > @ahora
       RETURNING id_estacion`,
    ),
    releaseLease: db.prepare<[string, string]>('DELETE FROM arriendos WHERE propietario = ? AND id_estacion = ?'),
    releaseAll: db.prepare<[string]>('DELETE FROM arriendos WHERE propietario = ?'),
    activeLeases: db.prepare<[number], unknown>(
      'SELECT id_estacion, propietario, vence FROM arriendos WHERE vence > ? ORDER BY id_estacion',
    ),
    announceReplica: db.prepare<{ id: string; vence: number }>(
      'INSERT INTO replicas (id, vence) VALUES (@id, @vence) ON CONFLICT (id) DO UPDATE SET vence = excluded.vence',
    ),
    pruneReplicas: db.prepare<[number]>('DELETE FROM replicas WHERE vence <= ?'),
    liveReplicas: db.prepare<[number], { id: string }>('SELECT id FROM replicas WHERE vence > ? ORDER BY id'),
    retireReplica: db.prepare<[string]>('DELETE FROM replicas WHERE id = ?'),
  };

  const claimLeases = db.transaction((ids: readonly string[], args: Omit<LeaseArgs, 'id'>): string[] =>
    ids.filter((id) => st.claimLease.get({ ...args, id }) !== undefined),
  );
  const releaseLeases = db.transaction((propietario: string, ids: readonly string[]): number =>
    ids.reduce((n, id) => n + st.releaseLease.run(propietario, id).changes, 0),
  );

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

  return { st, insertStation, replaceStation, claimLeases, releaseLeases };
}

export class SqliteStore extends SqliteStoreBase<Prepared> implements CompanyStore {
  constructor({ dataDir }: { dataDir: string }) {
    super({ dataDir, file: SQLITE_FILE, migrations: MIGRATIONS, prepare });
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

  async countPriceVersions(filter: { antes?: number }): Promise<number> {
    const antes = filter.antes ?? Number.MAX_SAFE_INTEGER;
    return this.ready().st.countVersions.get(antes)?.n ?? 0;
  }

  async cancelPriceVersion(version: number, at: string): Promise<boolean> {
    return this.ready().st.cancelVersion.run({ version, at }).changes > 0;
  }

  async getPriceLimits(): Promise<LimitesPrecios | null> {
    const row = this.ready().st.getSetting.get(LIMITES_CLAVE);
    if (!row) return null;
    try {
      return pickLimitesPrecios(JSON.parse(row.valor));
    } catch {
      return null; // a damaged row never fails the read: the defaults apply
    }
  }

  async savePriceLimits(limites: LimitesPrecios): Promise<void> {
    const valor = JSON.stringify(pickLimitesPrecios(limites) ?? limites);
    this.ready().st.putSetting.run({ clave: LIMITES_CLAVE, valor });
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

  async registryStamp(): Promise<number> {
    return this.ready().st.registryStamp.get()?.n ?? 0;
  }

  // ── réplicas y arriendos ─────────────────────────────────────────────────────────────────

  async claimLeases(ids: readonly string[], propietario: string, ahora: number, vence: number): Promise<string[]> {
    if (ids.length === 0) return [];
    return this.ready().claimLeases.immediate(ids, { propietario, ahora, vence });
  }

  async renewLeases(propietario: string, ahora: number, vence: number): Promise<string[]> {
    return this.ready()
      .st.renewLeases.all({ propietario, ahora, vence })
      .map((r) => r.id_estacion);
  }

  async releaseLeases(propietario: string, ids?: readonly string[]): Promise<number> {
    const p = this.ready();
    if (ids === undefined) return p.st.releaseAll.run(propietario).changes;
    return ids.length === 0 ? 0 : p.releaseLeases.immediate(propietario, ids);
  }

  async activeLeases(ahora: number): Promise<Lease[]> {
    return this.ready()
      .st.activeLeases.all(ahora)
      .map(pickLease)
      .filter((l): l is Lease => l !== null);
  }

  async announceReplica(id: string, ahora: number, vence: number): Promise<void> {
    const { st } = this.ready();
    st.pruneReplicas.run(ahora);
    st.announceReplica.run({ id, vence });
  }

  async liveReplicas(ahora: number): Promise<string[]> {
    return this.ready()
      .st.liveReplicas.all(ahora)
      .map((r) => r.id);
  }

  async retireReplica(id: string): Promise<void> {
    this.ready().st.retireReplica.run(id);
  }
}
