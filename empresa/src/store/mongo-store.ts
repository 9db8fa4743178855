/**
 * The MongoDB store (official driver), for a company run with `--mongo-url`. Every write uses
 * `{ w: 'majority', journal: true }`: a method that returned has its write journaled on a majority
 * of the replica set. Unique indexes keep price versions, station ids and station addresses
 * unique even with several company processes on one database. Driver `_id`s never leave this class.
 */
import { isDuplicateKeyError, MongoStoreBase, type MongoStoreOptions } from '@combustible/server';
import type { Collection } from 'mongodb';
import type { LimitesPrecios } from '../domain/price-limits.js';
import type { Estacion, VersionPrecios } from '../domain/types.js';
import type { CambioEstacion, CompanyStore, InsercionEstacion, Lease } from './port.js';
import { nonNegativeInt, pickEstacion, pickLease, pickLimitesPrecios, pickVersionPrecios } from './records.js';

const DEFAULT_DB_NAME = 'empresa';
/** The `ajustes` document of the price limits. */
const LIMITES_CLAVE = 'limites_precios';
/** The `ajustes` document whose `valor` counts registry changes (registryStamp). */
const REGISTRO_CLAVE = 'registro_cambios';
/** Claims written to the server at once (a round may claim thousands). */
const CLAIM_CONCURRENCY = 64;

export class MongoStore extends MongoStoreBase implements CompanyStore {
  private readonly precios: Collection<VersionPrecios>;
  private readonly estaciones: Collection<Estacion>;
  private readonly ajustes: Collection<{ clave: string; valor: unknown }>;
  private readonly arriendos: Collection<Lease>;
  private readonly replicas: Collection<{ id: string; vence: number }>;

  constructor(options: MongoStoreOptions) {
    super(options, DEFAULT_DB_NAME);
    this.precios = this.db.collection('precios');
    this.estaciones = this.db.collection('estaciones');
    this.ajustes = this.db.collection('ajustes');
    this.arriendos = this.db.collection('arriendos');
    this.replicas = this.db.collection('replicas');
  }

  async setup(): Promise<void> {
    await this.connect();
    await Promise.all([
      this.precios.createIndexes([{ key: { version: -1 }, name: 'version', unique: true }]),
      this.ajustes.createIndexes([{ key: { clave: 1 }, name: 'clave', unique: true }]),
      this.estaciones.createIndexes([
        { key: { id_estacion: 1 }, name: 'id_estacion', unique: true },
        { key: { host: 1, puerto: 1 }, name: 'direccion', unique: true },
      ]),
      this.arriendos.createIndexes([
        { key: { id_estacion: 1 }, name: 'id_estacion', unique: true },
        { key: { propietario: 1 }, name: 'propietario' },
      ]),
      this.replicas.createIndexes([{ key: { id: 1 }, name: 'id', unique: true }]),
    ]);
  }

  // ── precios ──────────────────────────────────────────────────────────────────────────────

  async appendPriceVersion(v: VersionPrecios): Promise<boolean> {
    this.open();
    try {
      // A copy: insertOne adds `_id` to the object it is given.
      await this.precios.insertOne(pickVersionPrecios(v));
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  async latestPriceVersion(): Promise<VersionPrecios | null> {
    this.open();
    const doc = await this.precios.find({}).sort({ version: -1 }).limit(1).next();
    return doc ? pickVersionPrecios(doc) : null;
  }

  async listPriceVersions(filter: { limit: number; antes?: number }): Promise<VersionPrecios[]> {
    this.open();
    const limit = nonNegativeInt(filter.limit);
    if (limit === 0) return [];
    const query = filter.antes === undefined ? {} : { version: { $lt: filter.antes } };
    const docs = await this.precios.find(query).sort({ version: -1 }).limit(limit).toArray();
    return docs.map(pickVersionPrecios);
  }

  async countPriceVersions(filter: { antes?: number }): Promise<number> {
    this.open();
    return this.precios.countDocuments(filter.antes === undefined ? {} : { version: { $lt: filter.antes } });
  }

  async cancelPriceVersion(version: number, at: string): Promise<boolean> {
    this.open();
    const result = await this.precios.updateOne(
      { version, $or: [{ cancelada: null }, { cancelada: { $exists: false } }] },
      { $set: { cancelada: at } },
    );
    return result.modifiedCount > 0;
  }

  async getPriceLimits(): Promise<LimitesPrecios | null> {
    this.open();
    const doc = await this.ajustes.findOne({ clave: LIMITES_CLAVE });
    return doc ? pickLimitesPrecios(doc.valor) : null;
  }

  async savePriceLimits(limites: LimitesPrecios): Promise<void> {
    this.open();
    const valor = pickLimitesPrecios(limites) ?? limites;
    await this.ajustes.replaceOne({ clave: LIMITES_CLAVE }, { clave: LIMITES_CLAVE, valor }, { upsert: true });
  }

  // ── estaciones ───────────────────────────────────────────────────────────────────────────

  async listStations(): Promise<Estacion[]> {
    this.open();
    const docs = await this.estaciones.find({}).sort({ id_estacion: 1 }).toArray();
    return docs.map(pickEstacion);
  }

  async getStation(id: string): Promise<Estacion | null> {
    this.open();
    const doc = await this.estaciones.findOne({ id_estacion: id });
    return doc ? pickEstacion(doc) : null;
  }

  async insertStation(e: Estacion): Promise<InsercionEstacion> {
    this.open();
    try {
      await this.estaciones.insertOne(pickEstacion(e));
      await this.bumpRegistry();
      return 'insertada';
    } catch (err) {
      const which = duplicateOf(err);
      if (which) return which;
      throw err;
    }
  }

  async replaceStation(id: string, e: Estacion): Promise<CambioEstacion> {
    this.open();
    try {
      // One document (its `_id` kept), so a rename is atomic and the unique indexes check it.
      const result = await this.estaciones.replaceOne({ id_estacion: id }, pickEstacion(e));
      if (result.matchedCount === 0) return 'no_encontrada';
      await this.bumpRegistry();
      return 'actualizada';
    } catch (err) {
      const which = duplicateOf(err);
      if (which) return which;
      throw err;
    }
  }

  async deleteStation(id: string): Promise<boolean> {
    this.open();
    const deleted = (await this.estaciones.deleteOne({ id_estacion: id })).deletedCount > 0;
    if (deleted) await this.bumpRegistry();
    return deleted;
  }

  async recordAck(id: string, version: number, at: string): Promise<boolean> {
    this.open();
    // `$max` on a null field sets it (null sorts below every number).
    const result = await this.estaciones.updateOne(
      { id_estacion: id },
      { $max: { version_confirmada: version }, $set: { ultimo_contacto: at } },
    );
    return result.matchedCount > 0;
  }

  async recordContact(id: string, at: string): Promise<boolean> {
    this.open();
    const result = await this.estaciones.updateOne({ id_estacion: id }, { $set: { ultimo_contacto: at } });
    return result.matchedCount > 0;
  }

  async registryStamp(): Promise<number> {
    this.open();
    const doc = await this.ajustes.findOne({ clave: REGISTRO_CLAVE });
    return typeof doc?.valor === 'number' ? doc.valor : 0;
  }

  /** After the registry write it follows (a replica that reads the stamp in between reloads twice, harmlessly). */
  private async bumpRegistry(): Promise<void> {
    await this.ajustes.updateOne({ clave: REGISTRO_CLAVE }, { $inc: { valor: 1 } as never }, { upsert: true });
  }

  // ── réplicas y arriendos ─────────────────────────────────────────────────────────────────

  async claimLeases(ids: readonly string[], propietario: string, ahora: number, vence: number): Promise<string[]> {
    this.open();
    const taken: string[] = [];
    const claimOne = async (id_estacion: string) => {
      try {
        // Compare-and-set: the filter matches a free, expired or own lease; a lease held by another
        // replica does not match, so the upsert inserts and the unique index refuses it.
        await this.arriendos.updateOne(
          { id_estacion, $or: [{ vence: { $lte: ahora } }, { propietario }] },
          { $set: { propietario, vence } },
          { upsert: true },
        );
        taken.push(id_estacion);
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
    };
    for (let i = 0; i < ids.length; i += CLAIM_CONCURRENCY) {
      await Promise.all(ids.slice(i, i + CLAIM_CONCURRENCY).map(claimOne));
    }
    const order = new Map(ids.map((id, i) => [id, i]));
    return taken.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  }

  async renewLeases(propietario: string, ahora: number, vence: number): Promise<string[]> {
    this.open();
    await this.arriendos.updateMany({ propietario, vence: { $gt: ahora } }, { $set: { vence } });
    // Renewed ones carry this round's `vence` and cannot have been taken since (they are not expired).
    const docs = await this.arriendos.find({ propietario, vence }).sort({ id_estacion: 1 }).toArray();
    return docs.map((d) => d.id_estacion);
  }

  async releaseLeases(propietario: string, ids?: readonly string[]): Promise<number> {
    this.open();
    if (ids?.length === 0) return 0;
    const filter = ids === undefined ? { propietario } : { propietario, id_estacion: { $in: [...ids] } };
    return (await this.arriendos.deleteMany(filter)).deletedCount;
  }

  async activeLeases(ahora: number): Promise<Lease[]> {
    this.open();
    const docs = await this.arriendos
      .find({ vence: { $gt: ahora } })
      .sort({ id_estacion: 1 })
      .toArray();
    return docs.map(pickLease).filter((l): l is Lease => l !== null);
  }

  async announceReplica(id: string, ahora: number, vence: number): Promise<void> {
    this.open();
    await this.replicas.deleteMany({ vence: { $lte: ahora }, id: { $ne: id } });
    await this.replicas.updateOne({ id }, { $set: { vence } }, { upsert: true });
  }

  async liveReplicas(ahora: number): Promise<string[]> {
    this.open();
    const docs = await this.replicas
      .find({ vence: { $gt: ahora } })
      .sort({ id: 1 })
      .toArray();
    return docs.map((d) => d.id).filter((id) => typeof id === 'string');
  }

  async retireReplica(id: string): Promise<void> {
    this.open();
    await this.replicas.deleteOne({ id });
  }
}

/** Which unique index a duplicate-key error hit, or null for any other error. */
function duplicateOf(err: unknown): 'id_duplicado' | 'direccion_duplicada' | null {
  if (!isDuplicateKeyError(err)) return null;
  const keys = Object.keys((err.keyPattern as Record<string, unknown> | undefined) ?? {});
  if (keys.includes('id_estacion')) return 'id_duplicado';
  if (keys.includes('host') || keys.includes('puerto')) return 'direccion_duplicada';
  return /id_estacion/.test(err.message) ? 'id_duplicado' : 'direccion_duplicada';
}
