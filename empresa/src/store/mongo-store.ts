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
import type { CambioEstacion, CompanyStore, InsercionEstacion } from './port.js';
import { nonNegativeInt, pickEstacion, pickLimitesPrecios, pickVersionPrecios } from './records.js';

const DEFAULT_DB_NAME = 'empresa';
/** The `ajustes` document of the price limits. */
const LIMITES_CLAVE = 'limites_precios';

export class MongoStore extends MongoStoreBase implements CompanyStore {
  private readonly precios: Collection<VersionPrecios>;
  private readonly estaciones: Collection<Estacion>;
  private readonly ajustes: Collection<{ clave: string; valor: unknown }>;

  constructor(options: MongoStoreOptions) {
    super(options, DEFAULT_DB_NAME);
    this.precios = this.db.collection('precios');
    this.estaciones = this.db.collection('estaciones');
    this.ajustes = this.db.collection('ajustes');
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
      return result.matchedCount === 0 ? 'no_encontrada' : 'actualizada';
    } catch (err) {
      const which = duplicateOf(err);
      if (which) return which;
      throw err;
    }
  }

  async deleteStation(id: string): Promise<boolean> {
    this.open();
    return (await this.estaciones.deleteOne({ id_estacion: id })).deletedCount > 0;
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
}

/** Which unique index a duplicate-key error hit, or null for any other error. */
function duplicateOf(err: unknown): 'id_duplicado' | 'direccion_duplicada' | null {
  if (!isDuplicateKeyError(err)) return null;
  const keys = Object.keys((err.keyPattern as Record<string, unknown> | undefined) ?? {});
  if (keys.includes('id_estacion')) return 'id_duplicado';
  if (keys.includes('host') || keys.includes('puerto')) return 'direccion_duplicada';
  return /id_estacion/.test(err.message) ? 'id_duplicado' : 'direccion_duplicada';
}
