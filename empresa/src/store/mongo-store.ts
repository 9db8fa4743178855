/**
 * The MongoDB store (official driver), for a company run with `--mongo-url`. Every write uses
 * `{ w: 'majority', journal: true }`: a method that returned has its write journaled on a majority
 * of the replica set. Unique indexes keep price versions, station ids and station addresses
 * unique even with several company processes on one database. Driver `_id`s never leave this class.
 */
import { isDuplicateKeyError, MongoStoreBase, type MongoStoreOptions, parseJson } from '@combustible/server';
import { timestampMs } from '@combustible/shared';
import type { Collection, Document, Filter } from 'mongodb';
import type { LimitesPrecios } from '../domain/price-limits.js';
import { CUARTO_MS, type ReporteEntrante, type ResultadoReporte } from '../domain/reports.js';
import type {
  AlertaEmpresa,
  Estacion,
  EstadoReportes,
  ReporteApartado,
  SurtidorEmpresa,
  VentaEmpresa,
  VersionPrecios,
} from '../domain/types.js';
import type {
  AckRecord,
  AlertasPorSeveridad,
  CambioEstacion,
  CompanyStore,
  FiltroVentas,
  InsercionEstacion,
  ResumenAlmacen,
  SurtidoresPorVersion,
  EnlaceCompartido,
  Lease,
  LeaseEnlace,
} from './port.js';
import {
  datosTexto,
  nonNegativeInt,
  pickAlertaEmpresa,
  pickApartado,
  pickEstacion,
  pickEstadoReportes,
  pickLease,
  pickLeaseEnlace,
  pickLimitesPrecios,
  pickSurtidorEmpresa,
  pickVentaEmpresa,
  pickVersionPrecios,
  ventaCanonica,
} from './records.js';

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
  // Reports (issue 15): each document keeps its columns and, in `datos`, the record as JSON text
  // (read leniently, like the SQLite rows).
  private readonly ventas: Collection<Document>;
  private readonly cierres: Collection<Document>;
  private readonly alertas: Collection<Document>;
  private readonly surtidores: Collection<Document>;
  private readonly apartados: Collection<Document>;
  private readonly estadoReportes: Collection<Document>;
  /** Leases, each with its owner's link state (`enlace`, absent until written). */
  private readonly arriendos: Collection<Lease & { enlace?: EnlaceCompartido }>;
  private readonly replicas: Collection<{ id: string; vence: number }>;

  constructor(options: MongoStoreOptions) {
    super(options, DEFAULT_DB_NAME);
    this.precios = this.db.collection('precios');
    this.estaciones = this.db.collection('estaciones');
    this.ajustes = this.db.collection('ajustes');
    this.ventas = this.db.collection('ventas_empresa');
    this.cierres = this.db.collection('cierres_empresa');
    this.alertas = this.db.collection('alertas_empresa');
    this.surtidores = this.db.collection('surtidores_empresa');
    this.apartados = this.db.collection('reportes_apartados');
    this.estadoReportes = this.db.collection('reportes_estaciones');
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
      this.ventas.createIndexes([
        { key: { id_estacion: 1, id_surtidor: 1, id_transaccion: 1 }, name: 'clave', unique: true },
        { key: { fecha_fin_ms: -1, id_estacion: -1, seq: -1 }, name: 'fecha' },
        { key: { id_estacion: 1, fecha_fin_ms: -1 }, name: 'estacion' },
      ]),
      this.cierres.createIndexes([{ key: { id_estacion: 1, id_cierre: 1 }, name: 'clave', unique: true }]),
      this.alertas.createIndexes([
        { key: { id_estacion: 1, id: 1 }, name: 'clave', unique: true },
        { key: { abierta: 1, id_estacion: 1 }, name: 'abiertas' },
      ]),
      this.surtidores.createIndexes([{ key: { id_estacion: 1, id_surtidor: 1 }, name: 'clave', unique: true }]),
      this.apartados.createIndexes([
        { key: { id_estacion: 1, seq: 1 }, name: 'seq', unique: true },
        { key: { id_estacion: 1, tipo: 1, _id: -1 }, name: 'tipo' },
      ]),
      this.estadoReportes.createIndexes([{ key: { id_estacion: 1 }, name: 'id_estacion', unique: true }]),
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

  async recordAcks(acks: readonly AckRecord[]): Promise<void> {
    this.open();
    if (acks.length === 0) return;
    await this.estaciones.bulkWrite(
      acks.map((a) => ({
        updateOne: {
          filter: { id_estacion: a.id },
          update: { $max: { version_confirmada: a.version }, $set: { ultimo_contacto: a.at } },
        },
      })),
      { ordered: true },
    );
  }

  async recordContact(id: string, at: string): Promise<boolean> {
    this.open();
    const result = await this.estaciones.updateOne({ id_estacion: id }, { $set: { ultimo_contacto: at } });
    return result.matchedCount > 0;
  }

  // ── reportes (issue 15) ──────────────────────────────────────────────────────────────────

  /**
   * One write per report, in order (each journaled on a majority); a batch cut by a failure is
   * written again when the station resends it, and every write is idempotent.
   */
  async saveReports(
    lote: readonly ReporteEntrante[],
    { maxApartados }: { maxApartados: number },
  ): Promise<ResultadoReporte[]> {
    this.open();
    const estados = new Map<string, { ultimo_seq: number; rechazados: number; conflictos: number }>();
    const out: ResultadoReporte[] = [];
    for (const r of lote) {
      const e = estados.get(r.id_estacion) ?? { ultimo_seq: 0, rechazados: 0, conflictos: 0 };
      estados.set(r.id_estacion, e);
      e.ultimo_seq = Math.max(e.ultimo_seq, r.seq);
      const resultado = await this.saveReport(r);
      if (resultado === 'rechazado' && (await this.setAside(r, 'rechazado'))) e.rechazados++;
      if (resultado === 'conflicto' && (await this.setAside(r, 'conflicto'))) e.conflictos++;
      out.push(resultado);
    }
    const max = Math.max(1, Math.floor(maxApartados));
    for (const [id_estacion, e] of estados) {
      await this.estadoReportes.updateOne(
        { id_estacion },
        { $max: { ultimo_seq: e.ultimo_seq }, $inc: { rechazados: e.rechazados, conflictos: e.conflictos } },
        { upsert: true },
      );
      for (const tipo of ['rechazado', 'conflicto'] as const) {
        if ((tipo === 'rechazado' ? e.rechazados : e.conflictos) === 0) continue;
        const [oldestKept] = await this.apartados
          .find({ id_estacion, tipo })
          .sort({ _id: -1 })
          .skip(max - 1)
          .limit(1)
          .toArray();
        if (oldestKept) await this.apartados.deleteMany({ id_estacion, tipo, _id: { $lt: oldestKept._id } });
      }
    }
    return out;
  }

  private async saveReport(r: ReporteEntrante): Promise<ResultadoReporte> {
    const base = { id_estacion: r.id_estacion, seq: r.seq, recibida_empresa: r.recibida };
    const insertOrCompare = async (c: Collection<Document>, key: Document, doc: Document) => {
      try {
        await c.insertOne({ ...doc });
        return 'nuevo';
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      const stored = await c.findOne(key, { projection: { datos: 1 } });
      return stored?.datos === doc.datos ? 'duplicado' : 'conflicto';
    };
    switch (r.clase) {
      case 'venta': {
        const v = r.datos;
        const key = { id_estacion: r.id_estacion, id_surtidor: v.id_surtidor, id_transaccion: v.id_transaccion };
        return insertOrCompare(this.ventas, key, {
          ...base,
          ...key,
          tipo_combustible: v.tipo_combustible,
          litros: v.litros,
          monto_total: v.monto_total,
          fecha_fin_ms: timestampMs(v.fecha_fin),
          datos: ventaCanonica(v),
        });
      }
      case 'cierre': {
        const key = { id_estacion: r.id_estacion, id_cierre: r.datos.id_cierre };
        return insertOrCompare(this.cierres, key, { ...base, ...key, datos: datosTexto(r.datos) });
      }
      case 'alerta': {
        const a = r.datos;
        const doc = {
          ...base,
          id: a.id,
          severidad: a.severidad,
          abierta: a.resuelta === null,
          creada: a.creada,
          datos: datosTexto(a),
        };
        return this.upsertNewer(this.alertas, { id_estacion: r.id_estacion, id: a.id }, doc, { seq: { $lt: r.seq } });
      }
      case 'surtidor': {
        const p = r.datos;
        const actualizado_ms = timestampMs(p.actualizado);
        const doc = {
          ...base,
          id_surtidor: p.id_surtidor,
          actualizado_ms,
          version_precios: p.version_precios,
          datos: datosTexto(p),
        };
        const older = {
          $or: [{ actualizado_ms: { $lt: actualizado_ms } }, { actualizado_ms, seq: { $lt: r.seq } }],
        };
        return this.upsertNewer(
          this.surtidores,
          { id_estacion: r.id_estacion, id_surtidor: p.id_surtidor },
          doc,
          older,
        );
      }
      case 'rechazado':
        return 'rechazado';
    }
  }

  /** Inserts `doc`, or replaces the stored one when it matches `older`; 'duplicado' when neither. */
  private async upsertNewer(
    c: Collection<Document>,
    key: Document,
    doc: Document,
    older: Filter<Document>,
  ): Promise<ResultadoReporte> {
    const replaced = await c.replaceOne({ ...key, ...older }, doc);
    if (replaced.matchedCount > 0) return 'nuevo';
    try {
      await c.insertOne({ ...doc });
      return 'nuevo';
    } catch (err) {
      if (isDuplicateKeyError(err)) return 'duplicado'; // stored, and newer
      throw err;
    }
  }

  /** Keeps a report apart once per (station, seq); false when it already was. */
  private async setAside(r: ReporteEntrante, tipo: 'rechazado' | 'conflicto'): Promise<boolean> {
    const valido = r.clase !== 'rechazado';
    try {
      await this.apartados.insertOne({
        tipo,
        id_estacion: r.id_estacion,
        seq: r.seq,
        clase: valido ? r.clase : r.clase_reportada,
        codigo: valido ? null : r.codigo,
        motivo: valido ? `${r.clase} ya guardada con otro contenido` : r.motivo,
        datos: datosTexto(r.datos),
        recibida_empresa: r.recibida,
      });
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  async listSales(filtro: FiltroVentas, pagina: { limit: number; skip: number }): Promise<VentaEmpresa[]> {
    this.open();
    const limit = nonNegativeInt(pagina.limit);
    if (limit === 0) return [];
    const docs = await this.ventas
      .find(salesQuery(filtro))
      .sort(SALES_SORT)
      .skip(nonNegativeInt(pagina.skip))
      .limit(limit)
      .toArray();
    return docs.map(toVenta);
  }

  async countSales(filtro: FiltroVentas): Promise<number> {
    this.open();
    return this.ventas.countDocuments(salesQuery(filtro));
  }

  async *iterateSales(filtro: FiltroVentas): AsyncIterable<VentaEmpresa> {
    this.open();
    const cursor = this.ventas.find(salesQuery(filtro)).sort(SALES_SORT).batchSize(500);
    try {
      for await (const d of cursor) yield toVenta(d);
    } finally {
      await cursor.close();
    }
  }

  async summarizeSales(f: {
    desde_ms: number;
    hasta_ms: number;
    id_estacion?: string | undefined;
  }): Promise<ResumenAlmacen> {
    this.open();
    const match = salesQuery({ desde_ms: f.desde_ms, hasta_ms: f.hasta_ms, id_estacion: f.id_estacion });
    const [r] = await this.ventas
      .aggregate([
        { $match: match },
        {
          $facet: {
            total: [{ $group: { _id: null, ...SUMS } }],
            por_estacion: [{ $group: { _id: '$id_estacion', ...SUMS } }, { $sort: { _id: 1 } }],
            por_combustible: [{ $group: { _id: '$tipo_combustible', ...SUMS } }, { $sort: { _id: 1 } }],
            por_cuarto: [
              {
                $group: {
                  _id: {
                    cuarto: { $floor: { $divide: ['$fecha_fin_ms', CUARTO_MS] } },
                    tipo_combustible: '$tipo_combustible',
                  },
                  ...SUMS,
                },
              },
              { $sort: { '_id.cuarto': 1, '_id.tipo_combustible': 1 } },
            ],
          },
        },
      ])
      .toArray();
    const rows = (k: string) => (r?.[k] ?? []) as Document[];
    return {
      total: totales(rows('total')[0]),
      por_estacion: rows('por_estacion').map((d) => ({ id_estacion: String(d._id), ...totales(d) })),
      por_combustible: rows('por_combustible').map((d) => ({ tipo_combustible: String(d._id), ...totales(d) })),
      por_cuarto: rows('por_cuarto').map((d) => {
        const id = (d._id ?? {}) as Document;
        return {
          cuarto: Number(id.cuarto),
          tipo_combustible: id.tipo_combustible as ResumenAlmacen['por_cuarto'][number]['tipo_combustible'],
          ...totales(d),
        };
      }),
    };
  }

  async listReportedPumps(id_estacion: string): Promise<SurtidorEmpresa[]> {
    this.open();
    const docs = await this.surtidores.find({ id_estacion }).sort({ id_surtidor: 1 }).toArray();
    return docs.map((d) => pickSurtidorEmpresa(parseJson(d.datos), d));
  }

  async countPumpsByVersion(): Promise<SurtidoresPorVersion[]> {
    this.open();
    const docs = await this.surtidores
      .aggregate([
        { $group: { _id: { id_estacion: '$id_estacion', version_precios: '$version_precios' }, n: { $sum: 1 } } },
        { $sort: { '_id.id_estacion': 1 } },
      ])
      .toArray();
    return docs.map((d) => {
      const id = (d._id ?? {}) as Document;
      return {
        id_estacion: String(id.id_estacion),
        version_precios: typeof id.version_precios === 'number' ? id.version_precios : null,
        n: Number(d.n),
      };
    });
  }

  async listOpenAlerts(id_estacion: string, limit: number): Promise<AlertaEmpresa[]> {
    this.open();
    const n = nonNegativeInt(limit);
    if (n === 0) return [];
    const docs = await this.alertas
      .find({ abierta: true, id_estacion })
      .sort({ creada: -1, id: -1 })
      .limit(n)
      .toArray();
    return docs.map((d) => pickAlertaEmpresa(parseJson(d.datos), d));
  }

  async countOpenAlerts(): Promise<AlertasPorSeveridad[]> {
    this.open();
    const docs = await this.alertas
      .aggregate([
        { $match: { abierta: true } },
        { $group: { _id: { id_estacion: '$id_estacion', severidad: '$severidad' }, n: { $sum: 1 } } },
        { $sort: { '_id.id_estacion': 1, '_id.severidad': 1 } },
      ])
      .toArray();
    return docs.map((d) => {
      const id = (d._id ?? {}) as Document;
      return { id_estacion: String(id.id_estacion), severidad: String(id.severidad), n: Number(d.n) };
    });
  }

  async listReportStates(): Promise<EstadoReportes[]> {
    this.open();
    const docs = await this.estadoReportes.find({}).sort({ id_estacion: 1 }).toArray();
    return docs.map(pickEstadoReportes);
  }

  async listSetAside(id_estacion: string, limit: number): Promise<ReporteApartado[]> {
    this.open();
    const n = nonNegativeInt(limit);
    if (n === 0) return [];
    const docs = await this.apartados.find({ id_estacion }).sort({ _id: -1 }).limit(n).toArray();
    return docs.map((d) => pickApartado(parseJson(d.datos), d));
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
          // A lease taken starts with no link state (the owner writes its own in its next round).
          { $set: { propietario, vence }, $unset: { enlace: '' } },
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
    return (await this.activeLeaseDocs(ahora)).map(pickLease).filter((l): l is Lease => l !== null);
  }

  /** The lease documents not expired at `ahora`, by station id. */
  private activeLeaseDocs(ahora: number) {
    this.open();
    return this.arriendos
      .find({ vence: { $gt: ahora } })
      .sort({ id_estacion: 1 })
      .toArray();
  }

  async recordLinkStates(
    propietario: string,
    estados: readonly (EnlaceCompartido & { id_estacion: string })[],
  ): Promise<number> {
    this.open();
    if (estados.length === 0) return 0;
    const r = await this.arriendos.bulkWrite(
      estados.map(({ id_estacion, ...enlace }) => ({
        updateOne: { filter: { id_estacion, propietario }, update: { $set: { enlace } } },
      })),
      { ordered: false },
    );
    return r.matchedCount;
  }

  async activeLeaseLinks(ahora: number): Promise<LeaseEnlace[]> {
    const docs = await this.activeLeaseDocs(ahora);
    return docs.map((d) => pickLeaseEnlace(d, d.enlace)).filter((l): l is LeaseEnlace => l !== null);
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

/** The query of a sales filter. */
function salesQuery(f: FiltroVentas): Filter<Document> {
  const q: Filter<Document> = {};
  if (f.id_estacion !== undefined) q.id_estacion = f.id_estacion;
  if (f.tipo_combustible !== undefined) q.tipo_combustible = f.tipo_combustible;
  if (f.id_surtidor !== undefined) q.id_surtidor = f.id_surtidor;
  if (f.desde_ms !== undefined || f.hasta_ms !== undefined) {
    q.fecha_fin_ms = {
      ...(f.desde_ms === undefined ? {} : { $gte: f.desde_ms }),
      ...(f.hasta_ms === undefined ? {} : { $lte: f.hasta_ms }),
    };
  }
  return q;
}

const SALES_SORT = { fecha_fin_ms: -1, id_estacion: -1, seq: -1 } as const;
const toVenta = (d: Document): VentaEmpresa => pickVentaEmpresa(parseJson(d.datos), d);
const SUMS = {
  transacciones: { $sum: 1 },
  litros: { $sum: '$litros' },
  monto: { $sum: '$monto_total' },
} as const;
const totales = (d: Document | undefined) => ({
  transacciones: Number(d?.transacciones ?? 0),
  litros: Number(d?.litros ?? 0),
  monto: Number(d?.monto ?? 0),
});

/** Which unique index a duplicate-key error hit, or null for any other error. */
function duplicateOf(err: unknown): 'id_duplicado' | 'direccion_duplicada' | null {
  if (!isDuplicateKeyError(err)) return null;
  const keys = Object.keys((err.keyPattern as Record<string, unknown> | undefined) ?? {});
  if (keys.includes('id_estacion')) return 'id_duplicado';
  if (keys.includes('host') || keys.includes('puerto')) return 'direccion_duplicada';
  return /id_estacion/.test(err.message) ? 'id_duplicado' : 'direccion_duplicada';
}
