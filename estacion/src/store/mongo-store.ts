/**
 * The MongoDB store (official driver), for a station run with `--mongo-url`. Every write uses
 * `{ w: 'majority', journal: true }`: a method that returned has its write journaled on a majority
 * of the replica set. Documents are the domain records plus internal fields (`_id`,
 * `fecha_fin_utc`, `abierta`) that are stripped on the way out: no driver type leaves this class.
 */

import type { Combustible, MetodoPago } from '@combustible/shared';
import { DUPLICATE_KEY, isDuplicateKeyError, MongoStoreBase, type MongoStoreOptions } from '@combustible/server';
import { type Collection, type Filter, type FindCursor, MongoBulkWriteError } from 'mongodb';
import { conflictoEntre } from '../domain/conflicts.js';
import type { Descarga, Lectura, Tanque } from '../domain/tanks.js';
import {
  type ReporteAlmacenado,
  type ReporteNuevo,
  type ReporteResolucion,
  reporteDeResolucion,
  ventaReportada,
} from '../domain/reportes.js';
import type {
  Alerta,
  Autorizacion,
  Cierre,
  Conflicto,
  EstadoSurtidor,
  Surtidor,
  Transaccion,
  VersionPrecios,
} from '../domain/types.js';
import type {
  AuditoriaInicial,
  AutorizacionFiltro,
  ConflictoFiltro,
  CredencialSurtidor,
  DescargaFiltro,
  EstadisticasSurtidor,
  EstadisticasVentas,
  FiltroAlertas,
  InsertOutcome,
  LecturaFiltro,
  Pagina,
  RangoEstadisticas,
  SinPagina,
  StationStore,
  TransaccionFiltro,
} from './port.js';
import { EXPORT_CHUNK } from './port.js';
import { cierresChocan } from '../domain/cierres.js';
import {
  auditStartOf,
  desglose,
  estadisticasSurtidor,
  HOUR_PREFIX_LENGTH,
  HOUR_SUFFIX,
  nonNegativeInt,
  toStatsQuery,
  type TransactionQuery,
  toTransactionQuery,
  toUtcIso,
} from './query.js';
import {
  asObject,
  mergeBySeq,
  pickAlerta,
  pickAutorizacion,
  pickCierre,
  pickConflicto,
  pickDescarga,
  pickEstado,
  pickLectura,
  pickTanque,
  pickSurtidor,
  pickTransaccion,
  pickVersionPrecios,
} from './records.js';

const DEFAULT_DB_NAME = 'estacion';

/** `seq_reporte`: (ext, issue 15) its journal position, absent on sales stored before the journal. */
type TransaccionDoc = Transaccion & { fecha_fin_utc: string; seq_reporte?: number };
/** `_id` is the journal position of an entry other than a sale. */
interface ReporteDoc {
  _id: number;
  clase: string;
  datos: Record<string, unknown>;
}
/** The one cursor document (`_id: 'reportes'`). */
interface CursorDoc {
  _id: string;
  hasta_seq: number;
}
/** `_id` is the alert id; `abierta: true` only while unresolved (a partial unique index on clave uses it). */
type AlertaDoc = Omit<Alerta, 'id'> & { _id: string; abierta?: true };
/** `_id` is the conflict id, which includes the new version's content hash: one document per version. */
type ConflictoDoc = Omit<Conflicto, 'id'> & { _id: string };
/** `_id` is the close id. */
type CierreDoc = Omit<Cierre, 'id_cierre'> & { _id: string };
/** `_id` is the authorization id. */
type AutorizacionDoc = Omit<Autorizacion, 'id_autorizacion'> & { _id: string };

/** A reading with its recibida normalized (what ranges and retention compare). */
type LecturaDoc = Lectura & { recibida_utc: string };
/** `_id` is the delivery id. */
type DescargaDoc = Omit<Descarga, 'id'> & { _id: string };

/** Newest first; the last two keys make pages stable. The 'listado' index follows it exactly. */
const TRANSACTION_ORDER = { fecha_fin_utc: -1, recibida: -1, id_surtidor: -1, id_transaccion: -1 } as const;
/** By pump, each pump's newest first: the 'surtidor_listado' index follows it exactly. */
const PUMP_ORDER = { id_surtidor: 1, fecha_fin_utc: -1, recibida: -1, id_transaccion: -1 } as const;

/** One group's sums as `$group` returns them. */
interface Sums {
  transacciones: number;
  litros: number;
  monto: number;
}

/** The single document of the `salesStats` `$facet`. */
interface StatsFacets {
  total: Sums[];
  por_combustible: (Sums & { _id: Combustible })[];
  por_surtidor: (Sums & { _id: number; nombre_surtidor: string | null })[];
  por_metodo_pago: (Sums & { _id: MetodoPago })[];
  por_hora: (Sums & { _id: { hora: string; tipo_combustible: Combustible } })[];
}

export class MongoStore extends MongoStoreBase implements StationStore {
  private readonly surtidores: Collection<Surtidor>;
  private readonly estados: Collection<EstadoSurtidor>;
  private readonly transacciones: Collection<TransaccionDoc>;
  private readonly alertas: Collection<AlertaDoc>;
  private readonly precios: Collection<VersionPrecios>;
  private readonly conflictos: Collection<ConflictoDoc>;
  private readonly credenciales: Collection<CredencialSurtidor>;
  private readonly autorizaciones: Collection<AutorizacionDoc>;
  private readonly tanques: Collection<Tanque>;
  private readonly lecturas: Collection<LecturaDoc>;
  private readonly descargas: Collection<DescargaDoc>;
  private readonly cierres: Collection<CierreDoc>;
  private readonly reportes: Collection<ReporteDoc>;
  private readonly cursores: Collection<CursorDoc>;

  constructor(options: MongoStoreOptions) {
    super(options, DEFAULT_DB_NAME);
    this.surtidores = this.db.collection('surtidores');
    this.estados = this.db.collection('estado_surtidores');
    this.transacciones = this.db.collection('transacciones');
    this.alertas = this.db.collection('alertas');
    this.precios = this.db.collection('precios');
    this.conflictos = this.db.collection('conflictos');
    this.credenciales = this.db.collection('credenciales_surtidor');
    this.autorizaciones = this.db.collection('autorizaciones');
    this.tanques = this.db.collection('tanques');
    this.lecturas = this.db.collection('lecturas_tanque');
    this.descargas = this.db.collection('descargas');
    this.cierres = this.db.collection('cierres');
    this.reportes = this.db.collection('reportes');
    this.cursores = this.db.collection('cursor_reportes');
  }

  async setup(): Promise<void> {
    await this.connect();
    await Promise.all([
      this.surtidores.createIndexes([{ key: { id_surtidor: 1 }, name: 'id_surtidor', unique: true }]),
      this.estados.createIndexes([{ key: { id_surtidor: 1 }, name: 'id_surtidor', unique: true }]),
      this.transacciones.createIndexes([
        // The dedupe: one record per (pump, transaction id).
        { key: { id_surtidor: 1, id_transaccion: 1 }, name: 'surtidor_transaccion', unique: true },
        { key: TRANSACTION_ORDER, name: 'listado' },
        {
          key: { id_surtidor: 1, fecha_fin_utc: -1, recibida: -1, id_transaccion: -1 },
          name: 'surtidor_listado',
        },
        { key: { id_surtidor: 1, secuencia: -1 }, name: 'surtidor_secuencia' },
        {
          key: { seq_reporte: 1 },
          name: 'seq_reporte',
          unique: true,
          partialFilterExpression: { seq_reporte: { $exists: true } },
        },
      ]),
      this.alertas.createIndexes([
        // At most one open alert per clave (a partial filter on `abierta`, not on `resuelta: null`).
        {
          key: { clave: 1 },
          name: 'clave_abierta',
          unique: true,
          partialFilterExpression: { abierta: true },
        },
        { key: { creada: -1, _id: -1 }, name: 'creada' },
      ]),
      this.precios.createIndexes([{ key: { version: -1 }, name: 'version', unique: true }]),
      this.credenciales.createIndexes([{ key: { id_surtidor: 1 }, name: 'id_surtidor', unique: true }]),
      this.cierres.createIndexes([
        { key: { desde: -1, _id: -1 }, name: 'listado' },
        { key: { hasta: 1 }, name: 'hasta' },
      ]),
      this.autorizaciones.createIndexes([
        { key: { creada: -1, _id: -1 }, name: 'creada' },
        { key: { estado: 1, creada: -1, _id: -1 }, name: 'estado' },
        { key: { id_surtidor: 1, creada: -1, _id: -1 }, name: 'surtidor' },
      ]),
      this.tanques.createIndexes([{ key: { id_tanque: 1 }, name: 'id_tanque', unique: true }]),
      this.lecturas.createIndexes([
        { key: { id_tanque: 1, recibida_utc: -1, _id: -1 }, name: 'tanque_recibida' },
        { key: { recibida_utc: 1 }, name: 'poda', partialFilterExpression: { conservar: false } },
      ]),
      this.descargas.createIndexes([
        { key: { inicio: -1, _id: -1 }, name: 'inicio' },
        { key: { id_tanque: 1, inicio: -1, _id: -1 }, name: 'tanque' },
      ]),
      // `_id` already makes each (pump, transaction, version content) one document.
      this.conflictos.createIndexes([
        { key: { detectado: -1, _id: -1 }, name: 'detectado' },
        { key: { id_surtidor: 1, id_transaccion: 1, detectado: -1, _id: -1 }, name: 'transaccion' },
      ]),
    ]);
  }

  // ── surtidores ───────────────────────────────────────────────────────────────────────────

  async listPumps(): Promise<Surtidor[]> {
    this.open();
    const docs = await this.surtidores.find({}).sort({ id_surtidor: 1 }).toArray();
    return docs.map((d) => pickSurtidor(d));
  }

  async getPump(id: number): Promise<Surtidor | null> {
    this.open();
    const doc = await this.surtidores.findOne({ id_surtidor: id });
    return doc ? pickSurtidor(doc) : null;
  }

  async upsertPump(pump: Surtidor): Promise<void> {
    this.open();
    await this.surtidores.replaceOne({ id_surtidor: pump.id_surtidor }, pickSurtidor(pump), { upsert: true });
  }

  async upsertPumps(pumps: Surtidor[]): Promise<void> {
    this.open();
    const latest = new Map<number, Surtidor>();
    for (const p of pumps) latest.set(p.id_surtidor, p);
    if (latest.size === 0) return;
    await this.surtidores.bulkWrite(
      [...latest.values()].map((p) => ({
        replaceOne: { filter: { id_surtidor: p.id_surtidor }, replacement: pickSurtidor(p), upsert: true },
      })),
      { ordered: false },
    );
  }

  async nextPumpId(): Promise<number> {
    this.open();
    const last = await this.surtidores.findOne({}, { sort: { id_surtidor: -1 }, projection: { id_surtidor: 1 } });
    return (last?.id_surtidor ?? 0) + 1;
  }

  async deletePump(id: number): Promise<boolean> {
    this.open();
    const r = await this.surtidores.deleteOne({ id_surtidor: id });
    return r.deletedCount > 0;
  }

  // ── credenciales_surtidor ────────────────────────────────────────────────────────────────

  async setPumpCredential(cred: CredencialSurtidor): Promise<void> {
    this.open();
    const { id_surtidor, hash, emitida } = cred;
    await this.credenciales.replaceOne({ id_surtidor }, { id_surtidor, hash, emitida }, { upsert: true });
  }

  async getPumpCredential(id: number): Promise<CredencialSurtidor | null> {
    this.open();
    const doc = await this.credenciales.findOne({ id_surtidor: id });
    return doc ? { id_surtidor: doc.id_surtidor, hash: doc.hash, emitida: doc.emitida } : null;
  }

  async revokePumpCredential(id: number): Promise<boolean> {
    this.open();
    const r = await this.credenciales.deleteOne({ id_surtidor: id });
    return r.deletedCount > 0;
  }

  async countPumpCredentials(): Promise<number> {
    this.open();
    return this.credenciales.countDocuments({});
  }

  // ── estado_surtidores ────────────────────────────────────────────────────────────────────

  async saveStates(states: EstadoSurtidor[]): Promise<void> {
    this.open();
    // Latest wins: keep the last snapshot of each pump, then one unordered bulk write.
    const latest = new Map<number, EstadoSurtidor>();
    for (const s of states) latest.set(s.id_surtidor, s);
    if (latest.size === 0) return;
    await this.estados.bulkWrite(
      [...latest.values()].map((s) => ({
        replaceOne: { filter: { id_surtidor: s.id_surtidor }, replacement: pickEstado(s), upsert: true },
      })),
      { ordered: false },
    );
  }

  async listStates(): Promise<EstadoSurtidor[]> {
    this.open();
    const docs = await this.estados.find({}).sort({ id_surtidor: 1 }).toArray();
    return docs.map((d) => pickEstado(d));
  }

  async deleteState(id: number): Promise<void> {
    this.open();
    await this.estados.deleteOne({ id_surtidor: id });
  }

  // ── transacciones ────────────────────────────────────────────────────────────────────────

  async insertTransactions(batch: Transaccion[], seqDesde?: number): Promise<InsertOutcome[]> {
    this.open();
    if (batch.length === 0) return [];
    // Fresh documents: insertMany adds `_id` to what it is given, and the caller's records stay clean.
    // The journal position is on the document: a sale stored is journaled in the same write.
    const docs: TransaccionDoc[] = batch.map((t, i) => ({
      ...pickTransaccion(t),
      fecha_fin_utc: toUtcIso(t.fecha_fin),
      ...(seqDesde === undefined ? {} : { seq_reporte: seqDesde + i }),
    }));
    let outcomes: InsertOutcome[];
    try {
      await this.transacciones.insertMany(docs, { ordered: false });
      return batch.map(() => 'insertada');
    } catch (err) {
      const known = outcomesOfDuplicates(err, batch.length);
      if (!known) throw err;
      outcomes = known;
    }
    return this.sortOutTaken(batch, outcomes);
  }

  /**
   * The sales whose key was taken: the same content is a duplicate; other content is a conflict,
   * written to `conflictos` (one document per version: the same version again is
   * `conflicto_repetido`). Every step can be repeated: when this fails, nothing was acknowledged,
   * the pump resends, and the same outcome is reached.
   */
  private async sortOutTaken(batch: Transaccion[], outcomes: InsertOutcome[]): Promise<InsertOutcome[]> {
    const taken = [...outcomes.keys()].filter((i) => outcomes[i] === 'duplicada');
    const key = (t: { id_surtidor: number; id_transaccion: string }) =>
      JSON.stringify([t.id_surtidor, t.id_transaccion]);
    const stored = new Map<string, Transaccion>();
    const wanted = [...new Map(taken.map((i) => [key(batch[i] as Transaccion), batch[i] as Transaccion])).values()];
    const found = await this.transacciones
      .find({ $or: wanted.map((t) => ({ id_surtidor: t.id_surtidor, id_transaccion: t.id_transaccion })) })
      .toArray();
    for (const doc of found) stored.set(key(doc), pickTransaccion(doc));
    const conflicts: { index: number; doc: ConflictoDoc }[] = [];
    for (const i of taken) {
      const t = batch[i] as Transaccion;
      const original = stored.get(key(t));
      if (!original) throw new Error(`transacción ${t.id_surtidor}/${t.id_transaccion} no insertada ni encontrada`);
      const conflicto = conflictoEntre(original, pickTransaccion(t));
      if (!conflicto) continue;
      const { id, ...rest } = pickConflicto(conflicto);
      conflicts.push({ index: i, doc: { _id: id, ...rest } });
    }
    if (conflicts.length === 0) return outcomes;
    const result = [...outcomes];
    let repeated = new Set<number>();
    try {
      await this.conflictos.insertMany(
        conflicts.map((c) => c.doc),
        { ordered: false },
      );
    } catch (err) {
      const known = duplicateIndexes(err, conflicts.length);
      if (!known) throw err;
      repeated = known;
    }
    for (const [j, c] of conflicts.entries()) result[c.index] = repeated.has(j) ? 'conflicto_repetido' : 'conflicto';
    return result;
  }

  async getTransaction(idSurtidor: number, idTransaccion: string): Promise<Transaccion | null> {
    this.open();
    const doc = await this.transacciones.findOne({ id_surtidor: idSurtidor, id_transaccion: idTransaccion });
    return doc ? pickTransaccion(doc) : null;
  }

  async listTransactions(filter: TransaccionFiltro): Promise<Pagina<Transaccion>> {
    this.open();
    const q = toTransactionQuery(filter);
    const where = transactionWhere(q);
    const [docs, total] = await Promise.all([
      // limit(0) would mean "no limit" to MongoDB.
      q.limit === 0
        ? Promise.resolve([])
        : this.transacciones.find(where).sort(TRANSACTION_ORDER).skip(q.skip).limit(q.limit).toArray(),
      this.transacciones.countDocuments(where),
    ]);
    return { items: docs.map((d) => pickTransaccion(d)), total };
  }

  async *iterateTransactions(filter: SinPagina<TransaccionFiltro>): AsyncIterable<Transaccion> {
    this.open();
    const where = transactionWhere(toTransactionQuery({ ...filter, limit: 0, skip: 0 }));
    for await (const doc of exported(this.transacciones.find(where).sort(TRANSACTION_ORDER)))
      yield pickTransaccion(doc);
  }

  async *iterateConflicts(filter: SinPagina<ConflictoFiltro>): AsyncIterable<Conflicto> {
    this.open();
    const cursor = this.conflictos.find(conflictWhere(filter)).sort({ detectado: -1, _id: -1 });
    for await (const { _id, ...doc } of exported(cursor)) yield pickConflicto({ ...doc, id: _id });
  }

  async listConflicts(filter: ConflictoFiltro): Promise<Pagina<Conflicto>> {
    this.open();
    const where = conflictWhere(filter);
    const limit = nonNegativeInt(filter.limit);
    const [docs, total] = await Promise.all([
      // limit(0) would mean "no limit" to MongoDB.
      limit === 0
        ? Promise.resolve([])
        : this.conflictos
            .find(where)
            .sort({ detectado: -1, _id: -1 })
            .skip(nonNegativeInt(filter.skip))
            .limit(limit)
            .toArray(),
      this.conflictos.countDocuments(where),
    ]);
    return { items: docs.map(({ _id, ...doc }) => pickConflicto({ ...doc, id: _id })), total };
  }

  async pumpStats(idSurtidor: number): Promise<EstadisticasSurtidor> {
    this.open();
    const [r] = await this.transacciones
      .aggregate<{ n: number; litros: number; ingresos: number }>([
        { $match: { id_surtidor: idSurtidor } },
        {
          $group: {
            _id: null,
            n: { $sum: 1 },
            litros: { $sum: '$litros' },
            ingresos: { $sum: '$monto_total' },
          },
        },
      ])
      .toArray();
    return estadisticasSurtidor(r?.n ?? 0, r?.litros ?? 0, r?.ingresos ?? 0);
  }

  async salesStats(range: RangoEstadisticas): Promise<EstadisticasVentas> {
    this.open();
    const q = toStatsQuery(range);
    const where: Filter<TransaccionDoc> = {};
    if (q.desde !== undefined || q.hasta !== undefined) {
      where.fecha_fin_utc = {
        ...(q.desde !== undefined && { $gte: q.desde }),
        ...(q.hasta !== undefined && { $lte: q.hasta }),
      };
    }
    const sums = {
      transacciones: { $sum: 1 },
      litros: { $sum: '$litros' },
      monto: { $sum: '$monto_total' },
    };
    // One aggregation, so every part reads the same documents. They arrive in PUMP_ORDER (which the
    // 'surtidor_listado' index can provide), so `$first` is the name of each pump's most recent sale.
    const [r] = await this.transacciones
      .aggregate<StatsFacets>(
        [
          { $match: where },
          { $sort: PUMP_ORDER },
          {
            $project: {
              _id: 0,
              id_surtidor: 1,
              nombre_surtidor: 1,
              tipo_combustible: 1,
              metodo_pago: 1,
              fecha_fin_utc: 1,
              litros: 1,
              monto_total: 1,
            },
          },
          {
            $facet: {
              total: [{ $group: { _id: null, ...sums } }],
              por_combustible: [{ $group: { _id: '$tipo_combustible', ...sums } }, { $sort: { _id: 1 } }],
              por_surtidor: [
                { $group: { _id: '$id_surtidor', nombre_surtidor: { $first: '$nombre_surtidor' }, ...sums } },
                { $sort: { _id: 1 } },
              ],
              por_metodo_pago: [{ $group: { _id: '$metodo_pago', ...sums } }, { $sort: { _id: 1 } }],
              por_hora: [
                {
                  $group: {
                    _id: {
                      hora: {
                        // A damaged document whose fecha_fin_utc is not text must not fail the read.
                        $cond: [
                          { $eq: [{ $type: '$fecha_fin_utc' }, 'string'] },
                          { $concat: [{ $substrBytes: ['$fecha_fin_utc', 0, HOUR_PREFIX_LENGTH] }, HOUR_SUFFIX] },
                          null,
                        ],
                      },
                      tipo_combustible: '$tipo_combustible',
                    },
                    ...sums,
                  },
                },
                { $sort: { '_id.hora': 1, '_id.tipo_combustible': 1 } },
              ],
            },
          },
        ],
        { allowDiskUse: true },
      )
      .toArray();
    // Whatever the documents hold, the sums and keys are checked on the way out (query.ts).
    return {
      desde: q.desde ?? null,
      hasta: q.hasta ?? null,
      ...desglose({
        total: r?.total[0],
        por_combustible: (r?.por_combustible ?? []).map((g) => ({ ...g, tipo_combustible: g._id })),
        por_surtidor: (r?.por_surtidor ?? []).map((g) => ({ ...g, id_surtidor: g._id })),
        por_metodo_pago: (r?.por_metodo_pago ?? []).map((g) => ({ ...g, metodo_pago: g._id })),
        por_hora: (r?.por_hora ?? []).map((g) => ({
          ...g,
          hora: g._id?.hora,
          tipo_combustible: g._id?.tipo_combustible,
        })),
      }),
    };
  }

  async auditStart(idSurtidor: number): Promise<AuditoriaInicial> {
    this.open();
    const doc = await this.transacciones.findOne(
      { id_surtidor: idSurtidor, secuencia: { $ne: null } },
      { sort: { secuencia: -1, recibida: -1 }, projection: { secuencia: 1, totalizador_fin: 1 } },
    );
    return auditStartOf(doc?.secuencia, doc?.totalizador_fin);
  }

  // ── alertas ──────────────────────────────────────────────────────────────────────────────

  async raiseAlert(alerta: Alerta, reporte?: ReporteNuevo): Promise<boolean> {
    this.open();
    const { id, ...rest } = pickAlerta(alerta);
    const doc: AlertaDoc = rest.resuelta === null ? { _id: id, ...rest, abierta: true } : { _id: id, ...rest };
    try {
      await this.alertas.insertOne(doc);
      if (reporte !== undefined) await this.appendReports([reporte]);
      return true;
    } catch (err) {
      // A duplicate key is the open-alert index unless the id itself collided (then rethrow).
      if (isDuplicateKeyError(err)) {
        const open = await this.alertas.countDocuments({ clave: rest.clave, abierta: true }, { limit: 1 });
        if (open > 0) return false;
      }
      throw err;
    }
  }

  async resolveAlert(clave: string, at: string, r?: ReporteResolucion): Promise<Alerta | null> {
    this.open();
    const doc = await this.alertas.findOneAndUpdate(
      { clave, abierta: true },
      { $set: { resuelta: at }, $unset: { abierta: '' } },
      { returnDocument: 'after' },
    );
    if (!doc) return null;
    const alerta = toAlerta(doc);
    const reporte = reporteDeResolucion(alerta, r);
    if (reporte !== null) await this.appendReports([reporte]);
    return alerta;
  }

  async listAlerts(filter: FiltroAlertas & { limit: number; skip?: number }): Promise<Alerta[]> {
    this.open();
    const limit = nonNegativeInt(filter.limit);
    if (limit === 0) return [];
    const docs = await this.alertas
      .find(alertWhere(filter))
      .sort({ creada: -1, _id: -1 })
      .skip(nonNegativeInt(filter.skip ?? 0))
      .limit(limit)
      .toArray();
    return docs.map(toAlerta);
  }

  async *iterateAlerts(filter: FiltroAlertas): AsyncIterable<Alerta> {
    this.open();
    for await (const doc of exported(this.alertas.find(alertWhere(filter)).sort({ creada: -1, _id: -1 })))
      yield toAlerta(doc);
  }

  async countAlerts(filter: FiltroAlertas): Promise<number> {
    this.open();
    return this.alertas.countDocuments(alertWhere(filter));
  }

  // ── autorizaciones ───────────────────────────────────────────────────────────────────────

  async saveAuthorization(a: Autorizacion): Promise<void> {
    this.open();
    const { id_autorizacion, ...rest } = pickAutorizacion(a);
    await this.autorizaciones.replaceOne({ _id: id_autorizacion }, rest, { upsert: true });
  }

  async getAuthorization(id: string): Promise<Autorizacion | null> {
    this.open();
    const doc = await this.autorizaciones.findOne({ _id: id });
    return doc ? toAutorizacion(doc) : null;
  }

  async *iterateAuthorizations(filter: SinPagina<AutorizacionFiltro>): AsyncIterable<Autorizacion> {
    this.open();
    const cursor = this.autorizaciones.find(authorizationWhere(filter)).sort({ creada: -1, _id: -1 });
    for await (const doc of exported(cursor)) yield toAutorizacion(doc);
  }

  async listAuthorizations(filter: AutorizacionFiltro): Promise<Pagina<Autorizacion>> {
    this.open();
    const where = authorizationWhere(filter);
    const limit = nonNegativeInt(filter.limit);
    const [docs, total] = await Promise.all([
      // limit(0) would mean "no limit" to MongoDB.
      limit === 0
        ? Promise.resolve([])
        : this.autorizaciones
            .find(where)
            .sort({ creada: -1, _id: -1 })
            .skip(nonNegativeInt(filter.skip))
            .limit(limit)
            .toArray(),
      this.autorizaciones.countDocuments(where),
    ]);
    return { items: docs.map(toAutorizacion), total };
  }

  // ── tanques (ext) ────────────────────────────────────────────────────────────────────────

  async listTanks(): Promise<Tanque[]> {
    this.open();
    const docs = await this.tanques
      .find({}, { projection: { _id: 0 } })
      .sort({ id_tanque: 1 })
      .toArray();
    return docs.map((d) => pickTanque(d));
  }

  async upsertTank(t: Tanque): Promise<void> {
    this.open();
    const doc = pickTanque(t);
    await this.tanques.replaceOne({ id_tanque: doc.id_tanque }, doc, { upsert: true });
  }

  async deleteTank(id: number): Promise<boolean> {
    this.open();
    return (await this.tanques.deleteOne({ id_tanque: id })).deletedCount > 0;
  }

  async insertReadings(lecturas: Lectura[]): Promise<void> {
    this.open();
    if (lecturas.length === 0) return;
    await this.lecturas.insertMany(
      lecturas.map((l) => {
        const doc = pickLectura(l);
        return { ...doc, recibida_utc: toUtcIso(doc.recibida) };
      }),
      { ordered: true },
    );
  }

  async listReadings(filter: LecturaFiltro): Promise<Pagina<Lectura>> {
    this.open();
    const where: Filter<LecturaDoc> = { id_tanque: filter.id_tanque };
    const range: { $gte?: string; $lte?: string } = {};
    if (filter.desde !== undefined) range.$gte = toUtcIso(filter.desde);
    if (filter.hasta !== undefined) range.$lte = toUtcIso(filter.hasta);
    if (Object.keys(range).length > 0) where.recibida_utc = range;
    const limit = nonNegativeInt(filter.limit);
    const [docs, total] = await Promise.all([
      limit === 0
        ? Promise.resolve([])
        : this.lecturas
            .find(where)
            .sort({ id_tanque: 1, recibida_utc: -1, _id: -1 })
            .skip(nonNegativeInt(filter.skip))
            .limit(limit)
            .toArray(),
      this.lecturas.countDocuments(where),
    ]);
    return { items: docs.map((d) => pickLectura(d)), total };
  }

  async lastReadings(): Promise<Lectura[]> {
    this.open();
    const ids = (await this.lecturas.distinct('id_tanque')).filter((v): v is number => typeof v === 'number');
    const out: Lectura[] = [];
    for (const id of ids.sort((a, b) => a - b)) {
      const doc = await this.lecturas.find({ id_tanque: id }).sort({ recibida_utc: -1, _id: -1 }).limit(1).next();
      if (doc) out.push(pickLectura(doc));
    }
    return out;
  }

  async pruneReadings(before: string): Promise<number> {
    this.open();
    const r = await this.lecturas.deleteMany({ recibida_utc: { $lt: toUtcIso(before) }, conservar: false });
    return r.deletedCount;
  }

  async saveDelivery(d: Descarga): Promise<void> {
    this.open();
    const { id, ...rest } = pickDescarga(d);
    await this.descargas.replaceOne({ _id: id }, rest, { upsert: true });
  }

  async listDeliveries(filter: DescargaFiltro): Promise<Pagina<Descarga>> {
    this.open();
    const where: Filter<DescargaDoc> = filter.id_tanque === undefined ? {} : { id_tanque: filter.id_tanque };
    const limit = nonNegativeInt(filter.limit);
    const [docs, total] = await Promise.all([
      limit === 0
        ? Promise.resolve([])
        : this.descargas
            .find(where)
            .sort({ inicio: -1, _id: -1 })
            .skip(nonNegativeInt(filter.skip))
            .limit(limit)
            .toArray(),
      this.descargas.countDocuments(where),
    ]);
    return { items: docs.map(({ _id, ...rest }) => pickDescarga({ ...rest, id: _id })), total };
  }

  // ── cierres ──────────────────────────────────────────────────────────────────────────────

  /**
   * The check and the insert are two operations: two closes over the same range made at the same
   * instant on two station processes sharing one database could both be stored (a station runs as
   * one process; SQLite checks and writes in one transaction).
   */
  async insertCierre(cierre: Cierre, reporte?: ReporteNuevo): Promise<Cierre | null> {
    this.open();
    const { id_cierre, ...doc } = pickCierre(cierre);
    const candidatos = this.cierres.find({ desde: { $lte: doc.hasta }, hasta: { $gte: doc.desde } }).sort({ desde: 1 });
    for await (const stored of candidatos) {
      const c = toCierre(stored);
      if (cierresChocan(c, doc)) return c;
    }
    await this.cierres.insertOne({ _id: id_cierre, ...doc });
    if (reporte !== undefined) await this.appendReports([reporte]);
    return null;
  }

  // ── reportes (ext, issue 15) ─────────────────────────────────────────────────────────────
  // Without multi-document transactions, an alert's or a close's entry is a second write right
  // after the record's (SQLite writes both in one transaction); a sale's is on its own document.

  async appendReports(reportes: ReporteNuevo[]): Promise<void> {
    this.open();
    if (reportes.length === 0) return;
    await this.reportes.insertMany(
      reportes.map((r) => ({ _id: r.seq, clase: r.clase, datos: r.datos })),
      { ordered: true },
    );
  }

  async readReports(despues: number, hasta: number, limit: number): Promise<ReporteAlmacenado[]> {
    this.open();
    const n = nonNegativeInt(limit);
    if (n === 0 || hasta <= despues) return [];
    const range = { $gt: despues, $lte: hasta };
    const [ventas, otras] = await Promise.all([
      this.transacciones.find({ seq_reporte: range }).sort({ seq_reporte: 1 }).limit(n).toArray(),
      this.reportes.find({ _id: range }).sort({ _id: 1 }).limit(n).toArray(),
    ]);
    return mergeBySeq(
      ventas.map((d) => ({
        seq: d.seq_reporte as number,
        clase: 'venta',
        datos: { ...ventaReportada(pickTransaccion(d)) },
      })),
      otras.map((d) => ({ seq: d._id, clase: String(d.clase), datos: asObject(d.datos) })),
      n,
    );
  }

  async lastReportSeq(): Promise<number> {
    this.open();
    const [venta, otra] = await Promise.all([
      this.transacciones.findOne(
        { seq_reporte: { $exists: true } },
        { sort: { seq_reporte: -1 }, projection: { seq_reporte: 1 } },
      ),
      this.reportes.findOne({}, { sort: { _id: -1 }, projection: { _id: 1 } }),
    ]);
    return Math.max(venta?.seq_reporte ?? 0, otra?._id ?? 0);
  }

  async reportCursor(): Promise<number> {
    this.open();
    const doc = await this.cursores.findOne({ _id: 'reportes' });
    return doc?.hasta_seq ?? 0;
  }

  async advanceReportCursor(hasta: number): Promise<number> {
    this.open();
    const doc = await this.cursores.findOneAndUpdate(
      { _id: 'reportes' },
      { $max: { hasta_seq: hasta } },
      { upsert: true, returnDocument: 'after' },
    );
    return doc?.hasta_seq ?? hasta;
  }

  async getCierre(id: string): Promise<Cierre | null> {
    this.open();
    const doc = await this.cierres.findOne({ _id: id });
    return doc ? toCierre(doc) : null;
  }

  async listCierres(filter: { limit: number; skip: number }): Promise<Pagina<Cierre>> {
    this.open();
    const limit = nonNegativeInt(filter.limit);
    const [docs, total] = await Promise.all([
      // limit(0) would mean "no limit" to MongoDB.
      limit === 0
        ? Promise.resolve([])
        : this.cierres.find({}).sort({ desde: -1, _id: -1 }).skip(nonNegativeInt(filter.skip)).limit(limit).toArray(),
      this.cierres.countDocuments({}),
    ]);
    return { items: docs.map(toCierre), total };
  }

  async *iterateCierres(): AsyncIterable<Cierre> {
    this.open();
    for await (const doc of exported(this.cierres.find({}).sort({ desde: -1, _id: -1 }))) yield toCierre(doc);
  }

  // ── precios ──────────────────────────────────────────────────────────────────────────────

  async savePriceVersion(v: VersionPrecios): Promise<void> {
    this.open();
    await this.precios.replaceOne({ version: v.version }, pickVersionPrecios(v), { upsert: true });
  }

  async deletePriceVersion(version: number): Promise<boolean> {
    this.open();
    return (await this.precios.deleteOne({ version })).deletedCount > 0;
  }

  async latestPriceVersions(limit: number): Promise<VersionPrecios[]> {
    this.open();
    const n = nonNegativeInt(limit);
    if (n === 0) return [];
    const docs = await this.precios.find({}).sort({ version: -1 }).limit(n).toArray();
    return docs.map((d) => pickVersionPrecios(d));
  }
}

function toAutorizacion({ _id, ...doc }: AutorizacionDoc): Autorizacion {
  return pickAutorizacion({ ...doc, id_autorizacion: _id });
}

function toCierre({ _id, ...doc }: CierreDoc): Cierre {
  return pickCierre({ ...doc, id_cierre: _id });
}

/**
 * A cursor read EXPORT_CHUNK documents per batch, closed when the consumer stops early (a client
 * that hung up): the server-side cursor is not left open until it times out.
 */
async function* exported<T>(cursor: FindCursor<T>): AsyncGenerator<T> {
  try {
    for await (const doc of cursor.batchSize(EXPORT_CHUNK)) yield doc;
  } finally {
    await cursor.close();
  }
}

/** The filter of listTransactions and iterateTransactions. */
function transactionWhere(q: Omit<TransactionQuery, 'limit' | 'skip'>): Filter<TransaccionDoc> {
  const where: Filter<TransaccionDoc> = {};
  if (q.id_surtidor !== undefined) where.id_surtidor = q.id_surtidor;
  if (q.tipo_combustible !== undefined) where.tipo_combustible = q.tipo_combustible;
  if (q.metodo_pago !== undefined) where.metodo_pago = q.metodo_pago;
  if (q.desde !== undefined || q.hasta !== undefined) {
    where.fecha_fin_utc = {
      ...(q.desde !== undefined && { $gte: q.desde }),
      ...(q.hasta !== undefined && { $lte: q.hasta }),
    };
  }
  return where;
}

/** The filter of listConflicts and iterateConflicts. */
function conflictWhere(filter: SinPagina<ConflictoFiltro>): Filter<ConflictoDoc> {
  const where: Filter<ConflictoDoc> = {};
  if (filter.id_surtidor !== undefined) where.id_surtidor = filter.id_surtidor;
  if (filter.id_transaccion !== undefined) where.id_transaccion = filter.id_transaccion;
  return where;
}

/** The filter of listAuthorizations and iterateAuthorizations. */
function authorizationWhere(filter: SinPagina<AutorizacionFiltro>): Filter<AutorizacionDoc> {
  const where: Filter<AutorizacionDoc> = {};
  if (filter.estados !== undefined) where.estado = { $in: filter.estados };
  if (filter.id_surtidor !== undefined) where.id_surtidor = filter.id_surtidor;
  return where;
}

function toAlerta({ _id, ...doc }: AlertaDoc): Alerta {
  return pickAlerta({ ...doc, id: _id });
}

/**
 * The outcome of each record when an unordered insertMany failed only on duplicate keys: the
 * records named by the write errors are `duplicada` (a later copy inside the batch included), the
 * rest `insertada`. Null when anything else went wrong (another error, a write concern error, or
 * counts that do not add up): then the caller rethrows and nothing is acknowledged.
 */
export function outcomesOfDuplicates(err: unknown, size: number): InsertOutcome[] | null {
  const duplicates = duplicateIndexes(err, size);
  if (!duplicates) return null;
  return Array.from({ length: size }, (_, i): InsertOutcome => (duplicates.has(i) ? 'duplicada' : 'insertada'));
}

/**
 * The indexes of the documents an unordered insertMany refused as duplicate keys, when that is
 * all that went wrong; null otherwise (another error, a write concern error, counts that do not
 * add up).
 */
export function duplicateIndexes(err: unknown, size: number): Set<number> | null {
  if (!(err instanceof MongoBulkWriteError)) return null;
  const writeErrors = [err.writeErrors].flat();
  if (writeErrors.length === 0 || writeErrors.some((e) => e.code !== DUPLICATE_KEY)) return null;
  const result = err.result as { getWriteConcernError?: () => unknown; insertedCount?: unknown } | undefined;
  if (typeof result?.getWriteConcernError !== 'function' || result.getWriteConcernError()) return null;
  if (typeof result.insertedCount !== 'number' || result.insertedCount + writeErrors.length !== size) return null;
  const indexes = new Set<number>();
  for (const e of writeErrors) {
    if (e.index < 0 || e.index >= size) return null;
    indexes.add(e.index);
  }
  return indexes;
}

/** The filter of listAlerts and countAlerts. */
function alertWhere(filter: FiltroAlertas): Filter<AlertaDoc> {
  const where: Filter<AlertaDoc> = {};
  if (filter.abiertas === true) where.abierta = true;
  if (filter.abiertas === false) where.resuelta = { $ne: null };
  if (filter.id_surtidor !== undefined) where.id_surtidor = filter.id_surtidor;
  return where;
}
