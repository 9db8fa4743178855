/**
 * The embedded store: one SQLite file through better-sqlite3. Calls are synchronous inside the
 * async methods (better-sqlite3 is fastest that way and a station's load fits one connection).
 * WAL + `synchronous = FULL`: a method that returned has its commit fsynced.
 */
import type { Combustible, MetodoPago } from '@combustible/shared';
import { SqliteStoreBase } from '@combustible/server';
import type Database from 'better-sqlite3';
import { conflictoEntre } from '../domain/conflicts.js';
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
  HOUR_PREFIX_LENGTH,
  HOUR_SUFFIX,
  nonNegativeInt,
  type StatsQuery,
  type TransactionQuery,
  toStatsQuery,
  toTransactionQuery,
  toUtcIso,
  auditStartOf,
  desglose,
  estadisticasSurtidor,
} from './query.js';
import {
  asObject,
  parseJson,
  pickAlerta,
  pickAutorizacion,
  pickCierre,
  pickConflicto,
  pickDescarga,
  pickLectura,
  pickTanque,
  pickEstado,
  pickSurtidor,
  exactTransaccion,
  mergeBySeq,
  pickTransaccion,
  pickVersionPrecios,
} from './records.js';
import { MIGRATIONS } from './sqlite-schema.js';
import type { Descarga, Lectura, Tanque } from '../domain/tanks.js';
import {
  type ReporteAlmacenado,
  type ReporteNuevo,
  type ReporteResolucion,
  reporteDeResolucion,
  ventaReportada,
} from '../domain/reportes.js';

export const SQLITE_FILE = 'estacion.db';

/** The one statement a sale is stored with (named parameters: the columns of `transacciones`). */
export const INSERT_TRANSACCION_SQL = `INSERT INTO transacciones (id_surtidor, id_transaccion, tipo_combustible,
     metodo_pago, fecha_fin_utc, litros, monto_total, recibida, secuencia, totalizador_fin, doc, seq_reporte)
   VALUES (@id_surtidor, @id_transaccion, @tipo_combustible, @metodo_pago, @fecha_fin_utc,
     @litros, @monto_total, @recibida, @secuencia, @totalizador_fin, @doc, @seq_reporte)
   ON CONFLICT DO NOTHING`;

type Statement<P extends unknown[] | object = unknown[], R = unknown> = Database.Statement<P, R>;

interface SurtidorRow {
  id_surtidor: number;
  nombre: string;
  combustibles_soportados: string;
  combustible_actual: Combustible | null;
  configuracion: string;
  fecha_creacion: string;
  fecha_actualizacion: string;
  ultima_conexion: string | null;
  ip: string | null;
  version: string | null;
  modo_autorizacion: string | null;
}

interface AutorizacionRow {
  id_autorizacion: string;
  id_surtidor: number;
  estado: string;
  creada: string;
  /** The whole Autorizacion as JSON. */
  doc: string;
}

interface TransaccionRow {
  id_surtidor: number;
  id_transaccion: string;
  tipo_combustible: Combustible;
  metodo_pago: MetodoPago;
  fecha_fin_utc: string;
  litros: number;
  monto_total: number;
  recibida: string;
  secuencia: number | null;
  totalizador_fin: number | null;
  doc: string;
  /** (ext, issue 15) Its journal position (null: stored before the journal, never forwarded). */
  seq_reporte: number | null;
}

/** One group's sums as SQL returns them (TOTAL gives 0.0, not NULL, over no rows). */
interface SumsRow {
  transacciones: number;
  litros: number;
  monto: number;
}

type AlertaRow = Omit<Alerta, 'datos'> & { datos: string | null };

interface ConflictoRow {
  id: string;
  id_surtidor: number;
  id_transaccion: string;
  huella: string;
  detectado: string;
  /** The whole Conflicto as JSON. */
  doc: string;
}

interface CierreRow {
  id_cierre: string;
  desde: string;
  hasta: string;
  turno: string | null;
  /** The whole Cierre as JSON. */
  doc: string;
}

interface PreciosRow {
  version: number;
  precios: string;
  actualizado: string;
  origen: VersionPrecios['origen'];
  vigencia: string | null;
}

/** A live-state snapshot as stored: pausado_por as JSON. */
type EstadoRow = Omit<EstadoSurtidor, 'pausado_por'> & { pausado_por: string | null };

const toEstadoRow = (s: EstadoSurtidor): EstadoRow => {
  const picked = pickEstado(s);
  return { ...picked, pausado_por: picked.pausado_por ? JSON.stringify(picked.pausado_por) : null };
};
const fromEstadoRow = (r: EstadoRow): EstadoSurtidor =>
  pickEstado({ ...r, pausado_por: r.pausado_por === null ? null : (parseJson(r.pausado_por) ?? null) });

interface Statements {
  listPumps: Statement<[], SurtidorRow>;
  getPump: Statement<[number], SurtidorRow>;
  upsertPump: Statement<SurtidorRow>;
  nextPumpId: Statement<[], { next: number }>;
  deletePump: Statement<[number]>;
  setCredential: Statement<CredencialSurtidor>;
  getCredential: Statement<[number], CredencialSurtidor>;
  revokeCredential: Statement<[number]>;
  countCredentials: Statement<[], { n: number }>;
  saveState: Statement<EstadoRow>;
  listStates: Statement<[], EstadoRow>;
  deleteState: Statement<[number]>;
  insertTransaction: Statement<TransaccionRow>;
  getTransaction: Statement<[number, string], TransaccionRow>;
  insertConflict: Statement<ConflictoRow>;
  pumpStats: Statement<[number], { n: number; litros: number; ingresos: number }>;
  auditStart: Statement<[number], { secuencia: unknown; totalizador_fin: unknown }>;
  raiseAlert: Statement<AlertaRow>;
  resolveAlert: Statement<{ clave: string; at: string }, AlertaRow>;
  savePriceVersion: Statement<PreciosRow>;
  latestPriceVersions: Statement<[number], PreciosRow>;
  saveAuthorization: Statement<AutorizacionRow>;
  getAuthorization: Statement<[string], AutorizacionRow>;
  deletePriceVersion: Statement<[number]>;
  getCierre: Statement<[string], CierreRow>;
}

interface Prepared {
  st: Statements;
  insertBatch: (batch: Transaccion[], seqDesde: number | undefined) => InsertOutcome[];
  saveStates: (states: EstadoSurtidor[]) => void;
  upsertPumps: (pumps: Surtidor[]) => void;
  /** Items and total read in one transaction, so they agree. */
  listPage: (q: TransactionQuery) => Pagina<Transaccion>;
  listConflicts: (f: ConflictoFiltro) => Pagina<Conflicto>;
  listAuthorizations: (f: AutorizacionFiltro) => Pagina<Autorizacion>;
  insertReadings: (lecturas: Lectura[]) => void;
  listReadings: (f: LecturaFiltro) => Pagina<Lectura>;
  listDeliveries: (f: DescargaFiltro) => Pagina<Descarga>;
  /** Null when stored; else the stored close it collides with (checked and written in one transaction). */
  insertCierre: (c: Cierre, reporte: ReporteNuevo | undefined) => Cierre | null;
  /** The alert and, when it was stored, its journal entry, in one transaction. */
  raiseAlert: (row: AlertaRow, reporte: ReporteNuevo | undefined) => boolean;
  /** The resolution and, when there was an open alert, its journal entry, in one transaction. */
  resolveAlert: (clave: string, at: string, reporte: ReporteResolucion | undefined) => Alerta | null;
  appendReports: (reportes: ReporteNuevo[]) => void;
  /** Both sources of the journal read in one transaction, so they agree. */
  readReports: (despues: number, hasta: number, limit: number) => ReporteAlmacenado[];
  advanceCursor: (hasta: number) => number;
  listCierres: (f: { limit: number; skip: number }) => Pagina<Cierre>;
  /** Every part of the statistics read in one transaction, so they agree. */
  salesStats: (q: StatsQuery) => EstadisticasVentas;
  /**
   * A statement whose text depends on the filters used (one per combination), prepared on first
   * use and then reused, so each query keeps a plan that can use its index.
   */
  cached: <R>(sql: string) => Statement<object, R>;
}

function toSurtidorRow(pump: Surtidor): SurtidorRow {
  const p = pickSurtidor(pump);
  return {
    ...p,
    combustibles_soportados: JSON.stringify(p.combustibles_soportados),
    configuracion: JSON.stringify(p.configuracion),
  };
}

export class SqliteStore extends SqliteStoreBase<Prepared> implements StationStore {
  constructor({ dataDir }: { dataDir: string }) {
    super({ dataDir, file: SQLITE_FILE, migrations: MIGRATIONS, prepare });
  }

  // ── surtidores ───────────────────────────────────────────────────────────────────────────

  async listPumps(): Promise<Surtidor[]> {
    return this.ready().st.listPumps.all().map(toSurtidor);
  }

  async getPump(id: number): Promise<Surtidor | null> {
    const row = this.ready().st.getPump.get(id);
    return row ? toSurtidor(row) : null;
  }

  async upsertPump(pump: Surtidor): Promise<void> {
    this.ready().st.upsertPump.run(toSurtidorRow(pump));
  }

  async upsertPumps(pumps: Surtidor[]): Promise<void> {
    if (pumps.length > 0) this.ready().upsertPumps(pumps);
  }

  async nextPumpId(): Promise<number> {
    return this.ready().st.nextPumpId.get()?.next ?? 1;
  }

  async deletePump(id: number): Promise<boolean> {
    return this.ready().st.deletePump.run(id).changes > 0;
  }

  // ── credenciales_surtidor ────────────────────────────────────────────────────────────────

  async setPumpCredential(cred: CredencialSurtidor): Promise<void> {
    const { id_surtidor, hash, emitida } = cred;
    this.ready().st.setCredential.run({ id_surtidor, hash, emitida });
  }

  async getPumpCredential(id: number): Promise<CredencialSurtidor | null> {
    const row = this.ready().st.getCredential.get(id);
    return row ? { id_surtidor: row.id_surtidor, hash: row.hash, emitida: row.emitida } : null;
  }

  async revokePumpCredential(id: number): Promise<boolean> {
    return this.ready().st.revokeCredential.run(id).changes > 0;
  }

  async countPumpCredentials(): Promise<number> {
    return this.ready().st.countCredentials.get()?.n ?? 0;
  }

  // ── estado_surtidores ────────────────────────────────────────────────────────────────────

  async saveStates(states: EstadoSurtidor[]): Promise<void> {
    if (states.length === 0) return;
    this.ready().saveStates(states);
  }

  async listStates(): Promise<EstadoSurtidor[]> {
    return this.ready().st.listStates.all().map(fromEstadoRow);
  }

  async deleteState(id: number): Promise<void> {
    this.ready().st.deleteState.run(id);
  }

  // ── transacciones ────────────────────────────────────────────────────────────────────────

  async insertTransactions(batch: Transaccion[], seqDesde?: number): Promise<InsertOutcome[]> {
    if (batch.length === 0) return [];
    return this.ready().insertBatch(batch, seqDesde);
  }

  async getTransaction(idSurtidor: number, idTransaccion: string): Promise<Transaccion | null> {
    const row = this.ready().st.getTransaction.get(idSurtidor, idTransaccion);
    return row ? fromTransaccionRow(row) : null;
  }

  async listTransactions(filter: TransaccionFiltro): Promise<Pagina<Transaccion>> {
    return this.ready().listPage(toTransactionQuery(filter));
  }

  async listConflicts(filter: ConflictoFiltro): Promise<Pagina<Conflicto>> {
    return this.ready().listConflicts(filter);
  }

  async *iterateTransactions(filter: SinPagina<TransaccionFiltro>): AsyncIterable<Transaccion> {
    const { limit: _l, skip: _s, ...q } = toTransactionQuery({ ...filter, limit: 0, skip: 0 });
    const rows = this.keyset<TransaccionRow>('transacciones', transactionConds(q), q, TRANSACTION_KEYS);
    for await (const row of rows) yield fromTransaccionRow(row);
  }

  async *iterateConflicts(filter: SinPagina<ConflictoFiltro>): AsyncIterable<Conflicto> {
    const { conds, params } = conflictConditions(filter);
    for await (const row of this.keyset<ConflictoRow>('conflictos', conds, params, ['detectado', 'id']))
      yield fromConflictoRow(row);
  }

  /**
   * Every row of `table` matching `conds`, ordered by `keys` descending (they must identify a row),
   * read EXPORT_CHUNK rows at a time: each chunk starts after the last row of the previous one
   * (keyset paging), so no read holds the connection between chunks. One `.iterate()` over the
   * whole result would keep the station's only connection busy for the whole download, and every
   * sale written meanwhile would fail.
   */
  private async *keyset<R extends object>(
    table: string,
    conds: string[],
    params: object,
    keys: readonly (keyof R & string)[],
  ): AsyncGenerator<R> {
    const order = keys.map((k) => `${k} DESC`).join(', ');
    const after = `(${keys.join(', ')}) < (${keys.map((k) => `@k_${k}`).join(', ')})`;
    let last: R | undefined;
    for (;;) {
      const c = last === undefined ? conds : [...conds, after];
      const p: Record<string, unknown> = { ...params, chunk: EXPORT_CHUNK };
      if (last !== undefined) for (const k of keys) p[`k_${k}`] = last[k];
      const rows = this.ready()
        .cached<R>(`SELECT * FROM ${table} ${where(c)} ORDER BY ${order} LIMIT @chunk`)
        .all(p);
      for (const row of rows) yield row;
      if (rows.length < EXPORT_CHUNK) return;
      last = rows[rows.length - 1];
    }
  }

  async pumpStats(idSurtidor: number): Promise<EstadisticasSurtidor> {
    const r = this.ready().st.pumpStats.get(idSurtidor);
    return estadisticasSurtidor(r?.n ?? 0, r?.litros ?? 0, r?.ingresos ?? 0);
  }

  async salesStats(range: RangoEstadisticas): Promise<EstadisticasVentas> {
    return this.ready().salesStats(toStatsQuery(range));
  }

  async auditStart(idSurtidor: number): Promise<AuditoriaInicial> {
    const r = this.ready().st.auditStart.get(idSurtidor);
    return auditStartOf(r?.secuencia, r?.totalizador_fin);
  }

  // ── alertas ──────────────────────────────────────────────────────────────────────────────

  async raiseAlert(alerta: Alerta, reporte?: ReporteNuevo): Promise<boolean> {
    const a = pickAlerta(alerta);
    const row = { ...a, datos: a.datos === null ? null : JSON.stringify(a.datos) };
    return this.ready().raiseAlert(row, reporte);
  }

  async resolveAlert(clave: string, at: string, reporte?: ReporteResolucion): Promise<Alerta | null> {
    return this.ready().resolveAlert(clave, at, reporte);
  }

  async listAlerts(filter: FiltroAlertas & { limit: number; skip?: number }): Promise<Alerta[]> {
    const { conds, params } = alertConditions(filter);
    params.limit = nonNegativeInt(filter.limit);
    params.skip = nonNegativeInt(filter.skip ?? 0);
    const stmt = this.ready().cached<AlertaRow>(
      `SELECT * FROM alertas ${where(conds)} ORDER BY creada DESC, id DESC LIMIT @limit OFFSET @skip`,
    );
    return stmt.all(params).map(toAlerta);
  }

  async *iterateAlerts(filter: FiltroAlertas): AsyncIterable<Alerta> {
    const { conds, params } = alertConditions(filter);
    for await (const row of this.keyset<AlertaRow>('alertas', conds, params, ['creada', 'id'])) yield toAlerta(row);
  }

  async countAlerts(filter: FiltroAlertas): Promise<number> {
    const { conds, params } = alertConditions(filter);
    const stmt = this.ready().cached<{ n: number }>(`SELECT COUNT(*) AS n FROM alertas ${where(conds)}`);
    return stmt.get(params)?.n ?? 0;
  }

  // ── autorizaciones ───────────────────────────────────────────────────────────────────────

  async saveAuthorization(a: Autorizacion): Promise<void> {
    const doc = pickAutorizacion(a);
    this.ready().st.saveAuthorization.run({
      id_autorizacion: doc.id_autorizacion,
      id_surtidor: doc.id_surtidor,
      estado: doc.estado,
      creada: doc.creada,
      doc: JSON.stringify(doc),
    });
  }

  async getAuthorization(id: string): Promise<Autorizacion | null> {
    const row = this.ready().st.getAuthorization.get(id);
    return row ? fromAutorizacionRow(row) : null;
  }

  async listAuthorizations(filter: AutorizacionFiltro): Promise<Pagina<Autorizacion>> {
    return this.ready().listAuthorizations(filter);
  }

  // ── tanques (ext) ────────────────────────────────────────────────────────────────────────

  async listTanks(): Promise<Tanque[]> {
    return this.ready()
      .cached<{ id_tanque: number; doc: string }>('SELECT * FROM tanques ORDER BY id_tanque')
      .all({})
      .map((r) => pickTanque(asObject(parseJson(r.doc)), r));
  }

  async upsertTank(t: Tanque): Promise<void> {
    const doc = pickTanque(t);
    this.ready()
      .cached(
        `INSERT INTO tanques (id_tanque, doc) VALUES (@id_tanque, @doc)
         ON CONFLICT (id_tanque) DO UPDATE SET doc = excluded.doc`,
      )
      .run({ id_tanque: doc.id_tanque, doc: JSON.stringify(doc) });
  }

  async deleteTank(id: number): Promise<boolean> {
    return this.ready().cached('DELETE FROM tanques WHERE id_tanque = @id').run({ id }).changes > 0;
  }

  async insertReadings(lecturas: Lectura[]): Promise<void> {
    if (lecturas.length > 0) this.ready().insertReadings(lecturas);
  }

  async listReadings(filter: LecturaFiltro): Promise<Pagina<Lectura>> {
    return this.ready().listReadings(filter);
  }

  async lastReadings(): Promise<Lectura[]> {
    return this.ready()
      .cached<{ id_tanque: number; recibida: string; doc: string }>(
        `SELECT l.id_tanque, l.recibida, l.doc FROM (SELECT DISTINCT id_tanque FROM lecturas_tanque) t
         JOIN lecturas_tanque l ON l.rowid = (SELECT x.rowid FROM lecturas_tanque x WHERE x.id_tanque = t.id_tanque
           ORDER BY x.recibida DESC, x.rowid DESC LIMIT 1)
         ORDER BY l.id_tanque`,
      )
      .all({})
      .map(fromLecturaRow);
  }

  async pruneReadings(before: string): Promise<number> {
    return this.ready()
      .cached('DELETE FROM lecturas_tanque WHERE recibida < @before AND conservar = 0')
      .run({ before: toUtcIso(before) }).changes;
  }

  async saveDelivery(d: Descarga): Promise<void> {
    const doc = pickDescarga(d);
    this.ready()
      .cached(
        `INSERT INTO descargas (id, id_tanque, inicio, doc) VALUES (@id, @id_tanque, @inicio, @doc)
         ON CONFLICT (id) DO UPDATE SET id_tanque = excluded.id_tanque, inicio = excluded.inicio, doc = excluded.doc`,
      )
      .run({ id: doc.id, id_tanque: doc.id_tanque, inicio: doc.inicio, doc: JSON.stringify(doc) });
  }

  async listDeliveries(filter: DescargaFiltro): Promise<Pagina<Descarga>> {
    return this.ready().listDeliveries(filter);
  }

  async *iterateAuthorizations(filter: SinPagina<AutorizacionFiltro>): AsyncIterable<Autorizacion> {
    const { conds, params } = authorizationConditions(filter);
    const keys = ['creada', 'id_autorizacion'] as const;
    for await (const row of this.keyset<AutorizacionRow>('autorizaciones', conds, params, keys))
      yield fromAutorizacionRow(row);
  }

  // ── cierres ──────────────────────────────────────────────────────────────────────────────

  async insertCierre(cierre: Cierre, reporte?: ReporteNuevo): Promise<Cierre | null> {
    return this.ready().insertCierre(cierre, reporte);
  }

  async getCierre(id: string): Promise<Cierre | null> {
    const row = this.ready().st.getCierre.get(id);
    return row ? fromCierreRow(row) : null;
  }

  async listCierres(filter: { limit: number; skip: number }): Promise<Pagina<Cierre>> {
    return this.ready().listCierres(filter);
  }

  async *iterateCierres(): AsyncIterable<Cierre> {
    for await (const row of this.keyset<CierreRow>('cierres', [], {}, ['desde', 'id_cierre'])) yield fromCierreRow(row);
  }

  // ── reportes (ext, issue 15) ─────────────────────────────────────────────────────────────

  async appendReports(reportes: ReporteNuevo[]): Promise<void> {
    if (reportes.length > 0) this.ready().appendReports(reportes);
  }

  async readReports(despues: number, hasta: number, limit: number): Promise<ReporteAlmacenado[]> {
    const n = nonNegativeInt(limit);
    return n === 0 || hasta <= despues ? [] : this.ready().readReports(despues, hasta, n);
  }

  async lastReportSeq(): Promise<number> {
    const r = this.ready()
      .cached<{ seq: number | null }>(
        `SELECT max(coalesce((SELECT max(seq_reporte) FROM transacciones), 0), coalesce((SELECT max(seq) FROM reportes), 0)) AS seq`,
      )
      .get({});
    return r?.seq ?? 0;
  }

  async reportCursor(): Promise<number> {
    const r = this.ready().cached<{ hasta_seq: number }>('SELECT hasta_seq FROM cursor_reportes WHERE id = 1').get({});
    return r?.hasta_seq ?? 0;
  }

  async advanceReportCursor(hasta: number): Promise<number> {
    return this.ready().advanceCursor(hasta);
  }

  // ── precios ──────────────────────────────────────────────────────────────────────────────

  async savePriceVersion(v: VersionPrecios): Promise<void> {
    const p = pickVersionPrecios(v);
    this.ready().st.savePriceVersion.run({ ...p, precios: JSON.stringify(p.precios), vigencia: p.vigencia ?? null });
  }

  async deletePriceVersion(version: number): Promise<boolean> {
    return this.ready().st.deletePriceVersion.run(version).changes > 0;
  }

  async latestPriceVersions(limit: number): Promise<VersionPrecios[]> {
    return this.ready()
      .st.latestPriceVersions.all(nonNegativeInt(limit))
      .map((r) => pickVersionPrecios({ ...r, precios: parseJson(r.precios) }));
  }
}

function where(conds: string[]): string {
  return conds.length === 0 ? '' : `WHERE ${conds.join(' AND ')}`;
}

// Rows are read through the tolerant readers of records.ts: whatever a file holds (a row of an
// older build, a corrupted one), reading it never throws and returns a record of the right shape.

function toSurtidor(r: SurtidorRow): Surtidor {
  return pickSurtidor({
    ...r,
    combustibles_soportados: parseJson(r.combustibles_soportados),
    configuracion: parseJson(r.configuracion),
  });
}

function toAlerta(r: AlertaRow): Alerta {
  return pickAlerta({ ...r, datos: r.datos === null ? null : (parseJson(r.datos) ?? null) });
}

/** The record in `doc`, its missing or unreadable fields taken from the row's columns. */
function fromTransaccionRow(r: TransaccionRow): Transaccion {
  const { doc, fecha_fin_utc, seq_reporte: _seq, ...columns } = r;
  return pickTransaccion(asObject(parseJson(doc)), { ...columns, fecha_fin: fecha_fin_utc });
}

function fromLecturaRow(r: { id_tanque: number; recibida: string; doc: string }): Lectura {
  return pickLectura(asObject(parseJson(r.doc)), r);
}

function fromAutorizacionRow(r: AutorizacionRow): Autorizacion {
  const { doc, ...columns } = r;
  return pickAutorizacion(asObject(parseJson(doc)), columns);
}

function fromCierreRow(r: CierreRow): Cierre {
  const { doc, ...columns } = r;
  return pickCierre(asObject(parseJson(doc)), columns);
}

/** The order of listTransactions, which identifies a row: the keys of its export. */
const TRANSACTION_KEYS = ['fecha_fin_utc', 'recibida', 'id_surtidor', 'id_transaccion'] as const;

/** The WHERE of listTransactions and iterateTransactions. */
function transactionConds(q: Omit<TransactionQuery, 'limit' | 'skip'>): string[] {
  const conds: string[] = [];
  if (q.id_surtidor !== undefined) conds.push('id_surtidor = @id_surtidor');
  if (q.tipo_combustible !== undefined) conds.push('tipo_combustible = @tipo_combustible');
  if (q.metodo_pago !== undefined) conds.push('metodo_pago = @metodo_pago');
  if (q.desde !== undefined) conds.push('fecha_fin_utc >= @desde');
  if (q.hasta !== undefined) conds.push('fecha_fin_utc <= @hasta');
  return conds;
}

/** The WHERE of listConflicts and iterateConflicts. */
function conflictConditions(f: SinPagina<ConflictoFiltro>): { conds: string[]; params: Record<string, unknown> } {
  const conds: string[] = [];
  const params: Record<string, unknown> = {};
  if (f.id_surtidor !== undefined) {
    conds.push('id_surtidor = @id_surtidor');
    params.id_surtidor = f.id_surtidor;
  }
  if (f.id_transaccion !== undefined) {
    conds.push('id_transaccion = @id_transaccion');
    params.id_transaccion = f.id_transaccion;
  }
  return { conds, params };
}

/** The WHERE of listAuthorizations and iterateAuthorizations. */
function authorizationConditions(f: SinPagina<AutorizacionFiltro>): {
  conds: string[];
  params: Record<string, unknown>;
} {
  const conds: string[] = [];
  const params: Record<string, unknown> = {};
  if (f.estados !== undefined) {
    // Named parameters, one per state (the list is short and bounded by the enumeration).
    const names = f.estados.map((e, i) => {
      params[`estado${i}`] = e;
      return `@estado${i}`;
    });
    conds.push(names.length === 0 ? '0' : `estado IN (${names.join(', ')})`);
  }
  if (f.id_surtidor !== undefined) {
    conds.push('id_surtidor = @id_surtidor');
    params.id_surtidor = f.id_surtidor;
  }
  return { conds, params };
}

function fromConflictoRow(r: ConflictoRow): Conflicto {
  const { doc, ...columns } = r;
  return pickConflicto(asObject(parseJson(doc)), columns);
}

function toTransaccionRow(t: Transaccion, seq: number | null): TransaccionRow {
  const doc = exactTransaccion(t);
  return {
    id_surtidor: doc.id_surtidor,
    id_transaccion: doc.id_transaccion,
    tipo_combustible: doc.tipo_combustible,
    metodo_pago: doc.metodo_pago,
    fecha_fin_utc: toUtcIso(doc.fecha_fin),
    litros: doc.litros,
    monto_total: doc.monto_total,
    recibida: doc.recibida,
    secuencia: doc.secuencia,
    totalizador_fin: doc.totalizador_fin,
    doc: JSON.stringify(doc),
    seq_reporte: seq,
  };
}

/** The WHERE of listAlerts and countAlerts. */
function alertConditions(filter: FiltroAlertas): { conds: string[]; params: Record<string, unknown> } {
  const conds: string[] = [];
  const params: Record<string, unknown> = {};
  if (filter.abiertas === true) conds.push('resuelta IS NULL');
  if (filter.abiertas === false) conds.push('resuelta IS NOT NULL');
  if (filter.id_surtidor !== undefined) {
    conds.push('id_surtidor = @id_surtidor');
    params.id_surtidor = filter.id_surtidor;
  }
  return { conds, params };
}

function prepare(db: Database.Database): Prepared {
  const st: Statements = {
    listPumps: db.prepare('SELECT * FROM surtidores ORDER BY id_surtidor'),
    getPump: db.prepare('SELECT * FROM surtidores WHERE id_surtidor = ?'),
    upsertPump: db.prepare(
      `INSERT INTO surtidores (id_surtidor, nombre, combustibles_soportados, combustible_actual, configuracion,
         fecha_creacion, fecha_actualizacion, ultima_conexion, ip, version, modo_autorizacion)
       VALUES (@id_surtidor, @nombre, @combustibles_soportados, @combustible_actual, @configuracion,
         @fecha_creacion, @fecha_actualizacion, @ultima_conexion, @ip, @version, @modo_autorizacion)
       ON CONFLICT (id_surtidor) DO UPDATE SET
         nombre = excluded.nombre,
         combustibles_soportados = excluded.combustibles_soportados,
         combustible_actual = excluded.combustible_actual,
         configuracion = excluded.configuracion,
         fecha_creacion = excluded.fecha_creacion,
         fecha_actualizacion = excluded.fecha_actualizacion,
         ultima_conexion = excluded.ultima_conexion,
         ip = excluded.ip,
         version = excluded.version,
         modo_autorizacion = excluded.modo_autorizacion`,
    ),
    nextPumpId: db.prepare('SELECT COALESCE(MAX(id_surtidor), 0) + 1 AS next FROM surtidores'),
    deletePump: db.prepare('DELETE FROM surtidores WHERE id_surtidor = ?'),
    setCredential: db.prepare(
      'INSERT OR REPLACE INTO credenciales_surtidor (id_surtidor, hash, emitida) VALUES (@id_surtidor, @hash, @emitida)',
    ),
    getCredential: db.prepare('SELECT id_surtidor, hash, emitida FROM credenciales_surtidor WHERE id_surtidor = ?'),
    revokeCredential: db.prepare('DELETE FROM credenciales_surtidor WHERE id_surtidor = ?'),
    countCredentials: db.prepare('SELECT COUNT(*) AS n FROM credenciales_surtidor'),
    saveState: db.prepare(
      `INSERT INTO estado_surtidores (id_surtidor, estado_conexion, estado_operacion, litros_actuales, monto_actual,
         tipo_combustible, precio_por_litro, version_precios, desfase_reloj_ms, timestamp, ultima_actividad, pausado_por)
       VALUES (@id_surtidor, @estado_conexion, @estado_operacion, @litros_actuales, @monto_actual,
         @tipo_combustible, @precio_por_litro, @version_precios, @desfase_reloj_ms, @timestamp, @ultima_actividad,
         @pausado_por)
       ON CONFLICT (id_surtidor) DO UPDATE SET
         estado_conexion = excluded.estado_conexion,
         estado_operacion = excluded.estado_operacion,
         litros_actuales = excluded.litros_actuales,
         monto_actual = excluded.monto_actual,
         tipo_combustible = excluded.tipo_combustible,
         precio_por_litro = excluded.precio_por_litro,
         version_precios = excluded.version_precios,
         desfase_reloj_ms = excluded.desfase_reloj_ms,
         timestamp = excluded.timestamp,
         ultima_actividad = excluded.ultima_actividad,
         pausado_por = excluded.pausado_por`,
    ),
    listStates: db.prepare('SELECT * FROM estado_surtidores ORDER BY id_surtidor'),
    deleteState: db.prepare('DELETE FROM estado_surtidores WHERE id_surtidor = ?'),
    insertTransaction: db.prepare(INSERT_TRANSACCION_SQL),
    getTransaction: db.prepare('SELECT * FROM transacciones WHERE id_surtidor = ? AND id_transaccion = ?'),
    insertConflict: db.prepare(
      `INSERT INTO conflictos (id, id_surtidor, id_transaccion, huella, detectado, doc)
       VALUES (@id, @id_surtidor, @id_transaccion, @huella, @detectado, @doc)
       ON CONFLICT DO NOTHING`,
    ),
    pumpStats: db.prepare(
      `SELECT COUNT(*) AS n, TOTAL(litros) AS litros, TOTAL(monto_total) AS ingresos
       FROM transacciones WHERE id_surtidor = ?`,
    ),
    auditStart: db.prepare(
      `SELECT secuencia, totalizador_fin FROM transacciones
       WHERE id_surtidor = ? AND secuencia IS NOT NULL
       ORDER BY secuencia DESC, recibida DESC LIMIT 1`,
    ),
    raiseAlert: db.prepare(
      `INSERT INTO alertas (id, clave, codigo, mensaje, severidad, id_surtidor, creada, resuelta, datos)
       VALUES (@id, @clave, @codigo, @mensaje, @severidad, @id_surtidor, @creada, @resuelta, @datos)
       ON CONFLICT (clave) WHERE resuelta IS NULL DO NOTHING`,
    ),
    resolveAlert: db.prepare('UPDATE alertas SET resuelta = @at WHERE clave = @clave AND resuelta IS NULL RETURNING *'),
    savePriceVersion: db.prepare(
      `INSERT INTO precios (version, precios, actualizado, origen, vigencia)
       VALUES (@version, @precios, @actualizado, @origen, @vigencia)
       ON CONFLICT (version) DO UPDATE SET
         precios = excluded.precios, actualizado = excluded.actualizado, origen = excluded.origen,
         vigencia = excluded.vigencia`,
    ),
    deletePriceVersion: db.prepare('DELETE FROM precios WHERE version = ?'),
    latestPriceVersions: db.prepare('SELECT * FROM precios ORDER BY version DESC LIMIT ?'),
    saveAuthorization: db.prepare(
      `INSERT INTO autorizaciones (id_autorizacion, id_surtidor, estado, creada, doc)
       VALUES (@id_autorizacion, @id_surtidor, @estado, @creada, @doc)
       ON CONFLICT (id_autorizacion) DO UPDATE SET
         id_surtidor = excluded.id_surtidor, estado = excluded.estado, creada = excluded.creada, doc = excluded.doc`,
    ),
    getAuthorization: db.prepare('SELECT * FROM autorizaciones WHERE id_autorizacion = ?'),
    getCierre: db.prepare('SELECT * FROM cierres WHERE id_cierre = ?'),
  };

  /** A sale whose key is taken: the same content is a duplicate, other content a conflict kept beside it. */
  const insertOther = (t: Transaccion): InsertOutcome => {
    const stored = st.getTransaction.get(t.id_surtidor, t.id_transaccion);
    if (!stored) throw new Error(`transacción ${t.id_surtidor}/${t.id_transaccion} no insertada ni encontrada`);
    const conflicto = conflictoEntre(fromTransaccionRow(stored), pickTransaccion(t));
    if (!conflicto) return 'duplicada';
    const changes = st.insertConflict.run({
      id: conflicto.id,
      id_surtidor: conflicto.id_surtidor,
      id_transaccion: conflicto.id_transaccion,
      huella: conflicto.huella,
      detectado: conflicto.detectado,
      doc: JSON.stringify(pickConflicto(conflicto)),
    }).changes;
    return changes === 1 ? 'conflicto' : 'conflicto_repetido';
  };
  const insertBatch = db.transaction((batch: Transaccion[], seqDesde: number | undefined): InsertOutcome[] => {
    // Rows are built first so a bad record fails the batch before anything is written.
    const rows = batch.map((t, i) => toTransaccionRow(t, seqDesde === undefined ? null : seqDesde + i));
    return rows.map((row, i) =>
      st.insertTransaction.run(row).changes === 1 ? 'insertada' : insertOther(batch[i] as Transaccion),
    );
  });
  const saveStates = db.transaction((states: EstadoSurtidor[]) => {
    for (const s of states) st.saveState.run(toEstadoRow(s));
  });
  const upsertPumps = db.transaction((pumps: Surtidor[]) => {
    const rows = pumps.map(toSurtidorRow);
    for (const row of rows) st.upsertPump.run(row);
  });

  const statements = new Map<string, Statement<object, unknown>>();
  const cached = <R>(sql: string): Statement<object, R> => {
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = db.prepare<object, unknown>(sql);
      statements.set(sql, stmt);
    }
    return stmt as Statement<object, R>;
  };

  const listPage = db.transaction((q: TransactionQuery): Pagina<Transaccion> => {
    const conds = transactionConds(q);
    const { limit, skip, ...filters } = q;
    const total = cached<{ total: number }>(`SELECT COUNT(*) AS total FROM transacciones ${where(conds)}`).get(filters);
    const rows =
      limit === 0
        ? []
        : cached<TransaccionRow>(
            `SELECT * FROM transacciones ${where(conds)}
             ORDER BY fecha_fin_utc DESC, recibida DESC, id_surtidor DESC, id_transaccion DESC
             LIMIT @limit OFFSET @skip`,
          ).all({ ...filters, limit, skip });
    return { items: rows.map(fromTransaccionRow), total: total?.total ?? 0 };
  });

  const listConflicts = db.transaction((f: ConflictoFiltro): Pagina<Conflicto> => {
    const { conds, params } = conflictConditions(f);
    const limit = nonNegativeInt(f.limit);
    const total = cached<{ total: number }>(`SELECT COUNT(*) AS total FROM conflictos ${where(conds)}`).get(params);
    const rows =
      limit === 0
        ? []
        : cached<ConflictoRow>(
            `SELECT * FROM conflictos ${where(conds)} ORDER BY detectado DESC, id DESC LIMIT @limit OFFSET @skip`,
          ).all({ ...params, limit, skip: nonNegativeInt(f.skip) });
    return { items: rows.map(fromConflictoRow), total: total?.total ?? 0 };
  });

  const listAuthorizations = db.transaction((f: AutorizacionFiltro): Pagina<Autorizacion> => {
    const { conds, params } = authorizationConditions(f);
    const limit = nonNegativeInt(f.limit);
    const total = cached<{ total: number }>(`SELECT COUNT(*) AS total FROM autorizaciones ${where(conds)}`).get(params);
    const rows =
      limit === 0
        ? []
        : cached<AutorizacionRow>(
            `SELECT * FROM autorizaciones ${where(conds)}
             ORDER BY creada DESC, id_autorizacion DESC LIMIT @limit OFFSET @skip`,
          ).all({ ...params, limit, skip: nonNegativeInt(f.skip) });
    return { items: rows.map(fromAutorizacionRow), total: total?.total ?? 0 };
  });

  const insertReading = db.prepare<{ id_tanque: number; recibida: string; conservar: number; doc: string }>(
    'INSERT INTO lecturas_tanque (id_tanque, recibida, conservar, doc) VALUES (@id_tanque, @recibida, @conservar, @doc)',
  );
  const insertReadings = db.transaction((lecturas: Lectura[]) => {
    for (const l of lecturas) {
      const doc = pickLectura(l);
      insertReading.run({
        id_tanque: doc.id_tanque,
        recibida: toUtcIso(doc.recibida),
        conservar: doc.conservar ? 1 : 0,
        doc: JSON.stringify(doc),
      });
    }
  });

  const listReadings = db.transaction((f: LecturaFiltro): Pagina<Lectura> => {
    const conds = ['id_tanque = @id_tanque'];
    const params: Record<string, unknown> = { id_tanque: f.id_tanque };
    if (f.desde !== undefined) {
      conds.push('recibida >= @desde');
      params.desde = toUtcIso(f.desde);
    }
    if (f.hasta !== undefined) {
      conds.push('recibida <= @hasta');
      params.hasta = toUtcIso(f.hasta);
    }
    const limit = nonNegativeInt(f.limit);
    const total = cached<{ total: number }>(`SELECT COUNT(*) AS total FROM lecturas_tanque ${where(conds)}`).get(
      params,
    );
    const rows =
      limit === 0
        ? []
        : cached<{ id_tanque: number; recibida: string; doc: string }>(
            `SELECT id_tanque, recibida, doc FROM lecturas_tanque ${where(conds)}
             ORDER BY recibida DESC, rowid DESC LIMIT @limit OFFSET @skip`,
          ).all({ ...params, limit, skip: nonNegativeInt(f.skip) });
    return { items: rows.map(fromLecturaRow), total: total?.total ?? 0 };
  });

  const listDeliveries = db.transaction((f: DescargaFiltro): Pagina<Descarga> => {
    const conds: string[] = [];
    const params: Record<string, unknown> = {};
    if (f.id_tanque !== undefined) {
      conds.push('id_tanque = @id_tanque');
      params.id_tanque = f.id_tanque;
    }
    const limit = nonNegativeInt(f.limit);
    const total = cached<{ total: number }>(`SELECT COUNT(*) AS total FROM descargas ${where(conds)}`).get(params);
    const rows =
      limit === 0
        ? []
        : cached<{ id: string; id_tanque: number; inicio: string; doc: string }>(
            `SELECT * FROM descargas ${where(conds)} ORDER BY inicio DESC, id DESC LIMIT @limit OFFSET @skip`,
          ).all({ ...params, limit, skip: nonNegativeInt(f.skip) });
    return { items: rows.map((r) => pickDescarga(asObject(parseJson(r.doc)), r)), total: total?.total ?? 0 };
  });

  const candidatos = db.prepare<{ desde: string; hasta: string }, CierreRow>(
    'SELECT * FROM cierres WHERE desde <= @hasta AND hasta >= @desde ORDER BY desde, id_cierre',
  );
  const insertCierreRow = db.prepare<CierreRow>(
    'INSERT INTO cierres (id_cierre, desde, hasta, turno, doc) VALUES (@id_cierre, @desde, @hasta, @turno, @doc)',
  );
  const insertReporte = db.prepare<{ seq: number; clase: string; datos: string }>(
    'INSERT INTO reportes (seq, clase, datos) VALUES (@seq, @clase, @datos)',
  );
  const journal = (r: ReporteNuevo) =>
    insertReporte.run({ seq: r.seq, clase: r.clase, datos: JSON.stringify(r.datos) });
  const appendReports = db.transaction((reportes: ReporteNuevo[]) => {
    for (const r of reportes) journal(r);
  });
  const raiseAlert = db.transaction((row: AlertaRow, reporte: ReporteNuevo | undefined): boolean => {
    const stored = st.raiseAlert.run(row).changes > 0;
    if (stored && reporte !== undefined) journal(reporte);
    return stored;
  });
  const resolveAlert = db.transaction((clave: string, at: string, r: ReporteResolucion | undefined): Alerta | null => {
    const row = st.resolveAlert.get({ clave, at });
    if (!row) return null;
    const alerta = toAlerta(row);
    const reporte = reporteDeResolucion(alerta, r);
    if (reporte !== null) journal(reporte);
    return alerta;
  });
  const salesAfter = db.prepare<{ despues: number; hasta: number; limit: number }, TransaccionRow>(
    `SELECT * FROM transacciones WHERE seq_reporte > @despues AND seq_reporte <= @hasta
     ORDER BY seq_reporte LIMIT @limit`,
  );
  const entriesAfter = db.prepare<
    { despues: number; hasta: number; limit: number },
    { seq: number; clase: string; datos: string }
  >('SELECT seq, clase, datos FROM reportes WHERE seq > @despues AND seq <= @hasta ORDER BY seq LIMIT @limit');
  const readReports = db.transaction((despues: number, hasta: number, limit: number): ReporteAlmacenado[] => {
    const q = { despues, hasta, limit };
    const ventas = salesAfter.all(q).map((r) => ({
      seq: r.seq_reporte as number,
      clase: 'venta',
      datos: { ...ventaReportada(fromTransaccionRow(r)) },
    }));
    const otras = entriesAfter.all(q).map((r) => ({ seq: r.seq, clase: r.clase, datos: asObject(parseJson(r.datos)) }));
    return mergeBySeq(ventas, otras, limit);
  });
  const advanceCursorRow = db.prepare<[number], { hasta_seq: number }>(
    `INSERT INTO cursor_reportes (id, hasta_seq) VALUES (1, ?)
     ON CONFLICT (id) DO UPDATE SET hasta_seq = max(hasta_seq, excluded.hasta_seq) RETURNING hasta_seq`,
  );
  const advanceCursor = (hasta: number): number => advanceCursorRow.get(hasta)?.hasta_seq ?? hasta;

  const insertCierre = db.transaction((c: Cierre, reporte: ReporteNuevo | undefined): Cierre | null => {
    const doc = pickCierre(c);
    // The rule itself (domain/cierres.ts) decides among the ranges that share an instant.
    for (const row of candidatos.all({ desde: doc.desde, hasta: doc.hasta })) {
      const stored = fromCierreRow(row);
      if (cierresChocan(stored, doc)) return stored;
    }
    const { id_cierre, desde, hasta, turno } = doc;
    insertCierreRow.run({ id_cierre, desde, hasta, turno, doc: JSON.stringify(doc) });
    if (reporte !== undefined) journal(reporte);
    return null;
  });
  const listCierres = db.transaction((f: { limit: number; skip: number }): Pagina<Cierre> => {
    const limit = nonNegativeInt(f.limit);
    const total = cached<{ total: number }>('SELECT COUNT(*) AS total FROM cierres').get({});
    const rows =
      limit === 0
        ? []
        : cached<CierreRow>('SELECT * FROM cierres ORDER BY desde DESC, id_cierre DESC LIMIT @limit OFFSET @skip').all({
            limit,
            skip: nonNegativeInt(f.skip),
          });
    return { items: rows.map(fromCierreRow), total: total?.total ?? 0 };
  });

  const salesStats = db.transaction((q: StatsQuery): EstadisticasVentas => {
    // The same bounds on the outer rows (t) and, for the pump's name, on its latest sale (u).
    const bounds = (alias: string) => {
      const conds: string[] = [];
      if (q.desde !== undefined) conds.push(`${alias}.fecha_fin_utc >= @desde`);
      if (q.hasta !== undefined) conds.push(`${alias}.fecha_fin_utc <= @hasta`);
      return conds;
    };
    const from = `FROM transacciones t ${where(bounds('t'))}`;
    const sums = 'COUNT(*) AS transacciones, TOTAL(t.litros) AS litros, TOTAL(t.monto_total) AS monto';
    const total = cached<SumsRow>(`SELECT ${sums} ${from}`).get(q);
    const porCombustible = cached<SumsRow & { tipo_combustible: unknown }>(
      `SELECT t.tipo_combustible, ${sums} ${from} GROUP BY t.tipo_combustible ORDER BY t.tipo_combustible`,
    ).all(q);
    // The name comes from the pump's most recent sale in the range, found on transacciones_surtidor_fecha
    // (a doc that is not JSON gives none, instead of failing the whole read).
    const porSurtidor = cached<SumsRow & { id_surtidor: unknown; nombre_surtidor: unknown }>(
      `SELECT t.id_surtidor, ${sums},
         (SELECT CASE WHEN json_valid(u.doc) THEN json_extract(u.doc, '$.nombre_surtidor') END FROM transacciones u
          ${where(['u.id_surtidor = t.id_surtidor', ...bounds('u')])}
          ORDER BY u.fecha_fin_utc DESC, u.recibida DESC, u.id_transaccion DESC LIMIT 1) AS nombre_surtidor
       ${from} GROUP BY t.id_surtidor ORDER BY t.id_surtidor`,
    ).all(q);
    const porMetodoPago = cached<SumsRow & { metodo_pago: unknown }>(
      `SELECT t.metodo_pago, ${sums} ${from} GROUP BY t.metodo_pago ORDER BY t.metodo_pago`,
    ).all(q);
    const porHora = cached<SumsRow & { hora: unknown; tipo_combustible: unknown }>(
      `SELECT substr(t.fecha_fin_utc, 1, ${HOUR_PREFIX_LENGTH}) || '${HOUR_SUFFIX}' AS hora, t.tipo_combustible, ${sums}
       ${from} GROUP BY hora, t.tipo_combustible ORDER BY hora, t.tipo_combustible`,
    ).all(q);
    return {
      desde: q.desde ?? null,
      hasta: q.hasta ?? null,
      ...desglose({
        total,
        por_combustible: porCombustible,
        por_surtidor: porSurtidor,
        por_metodo_pago: porMetodoPago,
        por_hora: porHora,
      }),
    };
  });

  return {
    st,
    insertBatch: (batch, seqDesde) => insertBatch.immediate(batch, seqDesde),
    saveStates: (states) => saveStates.immediate(states),
    upsertPumps: (pumps) => upsertPumps.immediate(pumps),
    listPage: (q) => listPage(q),
    listConflicts: (f) => listConflicts(f),
    listAuthorizations: (f) => listAuthorizations(f),
    insertReadings: (l) => insertReadings.immediate(l),
    listReadings: (f) => listReadings(f),
    listDeliveries: (f) => listDeliveries(f),
    insertCierre: (c, r) => insertCierre.immediate(c, r),
    raiseAlert: (row, r) => raiseAlert.immediate(row, r),
    resolveAlert: (clave, at, r) => resolveAlert.immediate(clave, at, r),
    appendReports: (r) => appendReports.immediate(r),
    readReports: (despues, hasta, limit) => readReports(despues, hasta, limit),
    advanceCursor,
    listCierres: (f) => listCierres(f),
    salesStats: (q) => salesStats(q),
    cached,
  };
}
