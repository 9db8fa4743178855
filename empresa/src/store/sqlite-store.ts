/**
 * The embedded store: one SQLite file (`empresa.db`) through better-sqlite3. WAL +
 * `synchronous = FULL`: a method that returned has its commit fsynced. The company's load (price
 * changes by staff, a few acknowledgements per change and station) fits one connection easily.
 */
import { parseJson, SqliteStoreBase } from '@combustible/server';
import type Database from 'better-sqlite3';
import { timestampMs } from '@combustible/shared';
import type { LimitesPrecios } from '../domain/price-limits.js';
import { CUARTO_MS, type ReporteEntrante, type ResultadoReporte } from '../domain/reports.js';
import type {
  AlertaEmpresa,
  CambioPrecio,
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

/** A link state written on a lease (conectada as 0/1). */
interface LinkStateArgs {
  id_estacion: string;
  propietario: string;
  estado: string;
  conectada: number;
  version_confirmada: number | null;
  ultimo_contacto: string | null;
  ultimo_error: string | null;
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
    recordLinkState: Statement<LinkStateArgs>;
    activeLeaseLinks: Statement<[number], unknown>;
  };
  /** One transaction (one fsync) for a whole round's claims, and for a release of several. */
  claimLeases: Database.Transaction<(ids: readonly string[], args: Omit<LeaseArgs, 'id'>) => string[]>;
  releaseLeases: Database.Transaction<(propietario: string, ids: readonly string[]) => number>;
  recordLinkStates: Database.Transaction<(args: readonly LinkStateArgs[]) => number>;
  /** Check, then write: run with .immediate() so no other connection writes in between. */
  insertStation: Database.Transaction<(e: Estacion) => InsercionEstacion>;
  replaceStation: Database.Transaction<(id: string, e: Estacion) => CambioEstacion>;
  recordAcks: Database.Transaction<(acks: readonly AckRecord[]) => void>;
  /** One batch of reports, one transaction (run with .immediate()). */
  saveReports: Database.Transaction<(lote: readonly ReporteEntrante[], maxApartados: number) => ResultadoReporte[]>;
  /** The three sums of summarizeSales, read in one transaction so they agree. */
  summarize: Database.Transaction<(q: ResumenQuery) => ResumenAlmacen>;
  /** A statement whose text depends on the filters used, prepared on first use and then reused. */
  cached: <R>(sql: string) => Statement<object, R>;
}

type Fila = Record<string, unknown>;
interface ResumenQuery {
  desde: number;
  hasta: number;
  id_estacion: string | null;
}

/** Rows an export reads at a time (keyset paging: no read holds the connection between chunks). */
const EXPORT_CHUNK = 500;

function where(conds: string[]): string {
  return conds.length === 0 ? '' : `WHERE ${conds.join(' AND ')}`;
}

/** The WHERE of the sales queries, with its parameters. */
function salesWhere(f: FiltroVentas): { conds: string[]; params: Fila } {
  const conds: string[] = [];
  const params: Fila = {};
  const add = (cond: string, key: string, value: unknown) => {
    if (value === undefined) return;
    conds.push(cond);
    params[key] = value;
  };
  add('id_estacion = @id_estacion', 'id_estacion', f.id_estacion);
  add('tipo_combustible = @tipo_combustible', 'tipo_combustible', f.tipo_combustible);
  add('id_surtidor = @id_surtidor', 'id_surtidor', f.id_surtidor);
  add('fecha_fin_ms >= @desde_ms', 'desde_ms', f.desde_ms);
  add('fecha_fin_ms <= @hasta_ms', 'hasta_ms', f.hasta_ms);
  return { conds, params };
}

const SALES_ORDER = 'fecha_fin_ms DESC, id_estacion DESC, seq DESC';
const toVenta = (r: Fila): VentaEmpresa => pickVentaEmpresa(parseJson(r.datos), r);
const totales = (r: Fila | undefined) => ({
  transacciones: Number(r?.transacciones ?? 0),
  litros: Number(r?.litros ?? 0),
  monto: Number(r?.monto ?? 0),
});

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
       ON CONFLICT (id_estacion) DO UPDATE SET propietario = excluded.propietario, vence = excluded.vence,
         estado = NULL, conectada = NULL, version_confirmada = NULL, ultimo_contacto = NULL, ultimo_error = NULL
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
    recordLinkState: db.prepare<LinkStateArgs>(
      `UPDATE arriendos SET estado = @estado, conectada = @conectada, version_confirmada = @version_confirmada,
         ultimo_contacto = @ultimo_contacto, ultimo_error = @ultimo_error
       WHERE id_estacion = @id_estacion AND propietario = @propietario`,
    ),
    activeLeaseLinks: db.prepare<[number], unknown>(
      `SELECT id_estacion, propietario, vence, estado, conectada, version_confirmada, ultimo_contacto, ultimo_error
       FROM arriendos WHERE vence > ? ORDER BY id_estacion`,
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

  const recordLinkStates = db.transaction((args: readonly LinkStateArgs[]): number =>
    args.reduce((n, a) => n + st.recordLinkState.run(a).changes, 0),
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

  const rp = {
    insertSale: db.prepare(
      `INSERT INTO ventas_empresa (id_estacion, id_surtidor, id_transaccion, seq, tipo_combustible, litros,
         monto_total, fecha_fin_ms, datos, recibida_empresa)
       VALUES (@id_estacion, @id_surtidor, @id_transaccion, @seq, @tipo_combustible, @litros, @monto_total,
         @fecha_fin_ms, @datos, @recibida_empresa) ON CONFLICT DO NOTHING`,
    ),
    getSale: db.prepare<[string, number, string], { datos: string }>(
      'SELECT datos FROM ventas_empresa WHERE id_estacion = ? AND id_surtidor = ? AND id_transaccion = ?',
    ),
    insertClose: db.prepare(
      `INSERT INTO cierres_empresa (id_estacion, id_cierre, seq, datos, recibida_empresa)
       VALUES (@id_estacion, @id_cierre, @seq, @datos, @recibida_empresa) ON CONFLICT DO NOTHING`,
    ),
    getClose: db.prepare<[string, string], { datos: string }>(
      'SELECT datos FROM cierres_empresa WHERE id_estacion = ? AND id_cierre = ?',
    ),
    upsertAlert: db.prepare(
      `INSERT INTO alertas_empresa (id_estacion, id, seq, severidad, abierta, creada, datos, recibida_empresa)
       VALUES (@id_estacion, @id, @seq, @severidad, @abierta, @creada, @datos, @recibida_empresa)
       ON CONFLICT (id_estacion, id) DO UPDATE SET seq = excluded.seq, severidad = excluded.severidad,
         abierta = excluded.abierta, creada = excluded.creada, datos = excluded.datos,
         recibida_empresa = excluded.recibida_empresa
       WHERE excluded.seq > alertas_empresa.seq`,
    ),
    upsertPump: db.prepare(
      `INSERT INTO surtidores_empresa (id_estacion, id_surtidor, seq, actualizado_ms, version_precios, datos,
         recibida_empresa)
       VALUES (@id_estacion, @id_surtidor, @seq, @actualizado_ms, @version_precios, @datos, @recibida_empresa)
       ON CONFLICT (id_estacion, id_surtidor) DO UPDATE SET seq = excluded.seq,
         actualizado_ms = excluded.actualizado_ms, version_precios = excluded.version_precios,
         datos = excluded.datos, recibida_empresa = excluded.recibida_empresa
       WHERE excluded.actualizado_ms > surtidores_empresa.actualizado_ms
         OR (excluded.actualizado_ms = surtidores_empresa.actualizado_ms AND excluded.seq > surtidores_empresa.seq)`,
    ),
    insertSetAside: db.prepare(
      `INSERT INTO reportes_apartados (tipo, id_estacion, seq, clase, codigo, motivo, datos, recibida_empresa)
       VALUES (@tipo, @id_estacion, @seq, @clase, @codigo, @motivo, @datos, @recibida_empresa) ON CONFLICT DO NOTHING`,
    ),
    pruneSetAside: db.prepare<{ id_estacion: string; tipo: string; max: number }>(
      `DELETE FROM reportes_apartados WHERE id_estacion = @id_estacion AND tipo = @tipo AND id <
         COALESCE((SELECT id FROM reportes_apartados WHERE id_estacion = @id_estacion AND tipo = @tipo
           ORDER BY id DESC LIMIT 1 OFFSET @max - 1), 0)`,
    ),
    bumpState: db.prepare(
      `INSERT INTO reportes_estaciones (id_estacion, ultimo_seq, rechazados, conflictos)
       VALUES (@id_estacion, @ultimo_seq, @rechazados, @conflictos)
       ON CONFLICT (id_estacion) DO UPDATE SET ultimo_seq = MAX(ultimo_seq, excluded.ultimo_seq),
         rechazados = rechazados + excluded.rechazados, conflictos = conflictos + excluded.conflictos`,
    ),
  };

  const setAside = (r: ReporteEntrante, tipo: 'rechazado' | 'conflicto', codigo: string | null, motivo: string) =>
    rp.insertSetAside.run({
      tipo,
      id_estacion: r.id_estacion,
      seq: r.seq,
      clase: r.clase === 'rechazado' ? r.clase_reportada : r.clase,
      codigo,
      motivo,
      datos: datosTexto(r.datos),
      recibida_empresa: r.recibida,
    }).changes > 0;

  const saveReports = db.transaction((lote: readonly ReporteEntrante[], maxApartados: number) => {
    const estados = new Map<
      string,
      { id_estacion: string; ultimo_seq: number; rechazados: number; conflictos: number }
    >();
    const out = lote.map((r): ResultadoReporte => {
      const e = estados.get(r.id_estacion) ?? {
        id_estacion: r.id_estacion,
        ultimo_seq: 0,
        rechazados: 0,
        conflictos: 0,
      };
      estados.set(r.id_estacion, e);
      e.ultimo_seq = Math.max(e.ultimo_seq, r.seq);
      const base = { id_estacion: r.id_estacion, seq: r.seq, recibida_empresa: r.recibida };
      const conflict = (clave: string, stored: string | undefined, mine: string): ResultadoReporte => {
        if (stored === mine) return 'duplicado';
        if (setAside(r, 'conflicto', null, `${r.clase} ${clave} ya guardada con otro contenido`)) e.conflictos++;
        return 'conflicto';
      };
      switch (r.clase) {
        case 'venta': {
          const v = r.datos;
          const datos = ventaCanonica(v);
          const inserted = rp.insertSale.run({
            ...base,
            id_surtidor: v.id_surtidor,
            id_transaccion: v.id_transaccion,
            tipo_combustible: v.tipo_combustible,
            litros: v.litros,
            monto_total: v.monto_total,
            fecha_fin_ms: timestampMs(v.fecha_fin),
            datos,
          }).changes;
          if (inserted > 0) return 'nuevo';
          const stored = rp.getSale.get(r.id_estacion, v.id_surtidor, v.id_transaccion)?.datos;
          return conflict(`${v.id_surtidor}/${v.id_transaccion}`, stored, datos);
        }
        case 'cierre': {
          const datos = datosTexto(r.datos);
          if (rp.insertClose.run({ ...base, id_cierre: r.datos.id_cierre, datos }).changes > 0) return 'nuevo';
          return conflict(r.datos.id_cierre, rp.getClose.get(r.id_estacion, r.datos.id_cierre)?.datos, datos);
        }
        case 'alerta': {
          const a = r.datos;
          const changed = rp.upsertAlert.run({
            ...base,
            id: a.id,
            severidad: a.severidad,
            abierta: a.resuelta === null ? 1 : 0,
            creada: a.creada,
            datos: datosTexto(a),
          }).changes;
          return changed > 0 ? 'nuevo' : 'duplicado';
        }
        case 'surtidor': {
          const p = r.datos;
          const changed = rp.upsertPump.run({
            ...base,
            id_surtidor: p.id_surtidor,
            actualizado_ms: timestampMs(p.actualizado),
            version_precios: p.version_precios,
            datos: datosTexto(p),
          }).changes;
          return changed > 0 ? 'nuevo' : 'duplicado';
        }
        case 'rechazado':
          if (setAside(r, 'rechazado', r.codigo, r.motivo)) e.rechazados++;
          return 'rechazado';
      }
    });
    const max = Math.max(1, Math.floor(maxApartados));
    for (const e of estados.values()) {
      rp.bumpState.run(e);
      if (e.rechazados > 0) rp.pruneSetAside.run({ id_estacion: e.id_estacion, tipo: 'rechazado', max });
      if (e.conflictos > 0) rp.pruneSetAside.run({ id_estacion: e.id_estacion, tipo: 'conflicto', max });
    }
    return out;
  });

  const statements = new Map<string, Statement<object, unknown>>();
  const cached = <R>(sql: string): Statement<object, R> => {
    let stmt = statements.get(sql);
    if (stmt === undefined) {
      stmt = db.prepare<object, unknown>(sql);
      statements.set(sql, stmt);
    }
    return stmt as Statement<object, R>;
  };

  const sums = 'COUNT(*) AS transacciones, COALESCE(SUM(litros), 0) AS litros, COALESCE(SUM(monto_total), 0) AS monto';
  const summarize = db.transaction((q: ResumenQuery): ResumenAlmacen => {
    const conds = ['fecha_fin_ms >= @desde', 'fecha_fin_ms <= @hasta'];
    if (q.id_estacion !== null) conds.push('id_estacion = @id_estacion');
    const w = where(conds);
    const all = <R>(sql: string) => cached<R>(sql).all(q);
    return {
      total: totales(cached<Fila>(`SELECT ${sums} FROM ventas_empresa ${w}`).get(q)),
      por_estacion: all<Fila>(
        `SELECT id_estacion, ${sums} FROM ventas_empresa ${w} GROUP BY id_estacion ORDER BY id_estacion`,
      ).map((r) => ({ id_estacion: String(r.id_estacion), ...totales(r) })),
      por_combustible: all<Fila>(
        `SELECT tipo_combustible, ${sums} FROM ventas_empresa ${w} GROUP BY tipo_combustible ORDER BY tipo_combustible`,
      ).map((r) => ({ tipo_combustible: String(r.tipo_combustible), ...totales(r) })),
      por_cuarto: all<Fila>(
        `SELECT fecha_fin_ms / ${CUARTO_MS} AS cuarto, tipo_combustible, ${sums} FROM ventas_empresa ${w}
         GROUP BY cuarto, tipo_combustible ORDER BY cuarto, tipo_combustible`,
      ).map((r) => ({
        cuarto: Number(r.cuarto),
        tipo_combustible: r.tipo_combustible as ResumenAlmacen['por_cuarto'][number]['tipo_combustible'],
        ...totales(r),
      })),
    };
  });

  const recordAcks = db.transaction((acks: readonly AckRecord[]) => {
    for (const a of acks) st.recordAck.run({ id: a.id, version: a.version, at: a.at });
  });

  return {
    st,
    insertStation,
    replaceStation,
    recordAcks,
    saveReports,
    summarize,
    cached,
    claimLeases,
    releaseLeases,
    recordLinkStates,
  };
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

  async recordAcks(acks: readonly AckRecord[]): Promise<void> {
    if (acks.length > 0) this.ready().recordAcks(acks);
  }

  async recordContact(id: string, at: string): Promise<boolean> {
    return this.ready().st.recordContact.run({ id, at }).changes > 0;
  }

  // ── reportes (issue 15) ──────────────────────────────────────────────────────────────────

  async saveReports(lote: readonly ReporteEntrante[], { maxApartados }: { maxApartados: number }) {
    if (lote.length === 0) return [];
    return this.ready().saveReports.immediate(lote, maxApartados);
  }

  async listSales(filtro: FiltroVentas, pagina: { limit: number; skip: number }): Promise<VentaEmpresa[]> {
    const limit = nonNegativeInt(pagina.limit);
    if (limit === 0) return [];
    const { conds, params } = salesWhere(filtro);
    return this.ready()
      .cached<Fila>(`SELECT * FROM ventas_empresa ${where(conds)} ORDER BY ${SALES_ORDER} LIMIT @limit OFFSET @skip`)
      .all({ ...params, limit, skip: nonNegativeInt(pagina.skip) })
      .map(toVenta);
  }

  async countSales(filtro: FiltroVentas): Promise<number> {
    const { conds, params } = salesWhere(filtro);
    return (
      this.ready()
        .cached<{ n: number }>(`SELECT COUNT(*) AS n FROM ventas_empresa ${where(conds)}`)
        .get(params)?.n ?? 0
    );
  }

  async *iterateSales(filtro: FiltroVentas): AsyncIterable<VentaEmpresa> {
    const { conds, params } = salesWhere(filtro);
    const after = '(fecha_fin_ms, id_estacion, seq) < (@k_f, @k_e, @k_s)';
    let last: Fila | undefined;
    for (;;) {
      const c = last === undefined ? conds : [...conds, after];
      const p: Fila = { ...params, chunk: EXPORT_CHUNK };
      if (last !== undefined) Object.assign(p, { k_f: last.fecha_fin_ms, k_e: last.id_estacion, k_s: last.seq });
      const rows = this.ready()
        .cached<Fila>(`SELECT * FROM ventas_empresa ${where(c)} ORDER BY ${SALES_ORDER} LIMIT @chunk`)
        .all(p);
      for (const row of rows) yield toVenta(row);
      if (rows.length < EXPORT_CHUNK) return;
      last = rows[rows.length - 1];
    }
  }

  async summarizeSales(f: { desde_ms: number; hasta_ms: number; id_estacion?: string | undefined }) {
    return this.ready().summarize({ desde: f.desde_ms, hasta: f.hasta_ms, id_estacion: f.id_estacion ?? null });
  }

  async listReportedPumps(id_estacion: string): Promise<SurtidorEmpresa[]> {
    return this.ready()
      .cached<Fila>('SELECT * FROM surtidores_empresa WHERE id_estacion = ? ORDER BY id_surtidor')
      .all([id_estacion])
      .map((r) => pickSurtidorEmpresa(parseJson(r.datos), r));
  }

  async countPumpsByVersion(): Promise<SurtidoresPorVersion[]> {
    return this.ready()
      .cached<Fila>(
        `SELECT id_estacion, version_precios, COUNT(*) AS n FROM surtidores_empresa
         GROUP BY id_estacion, version_precios ORDER BY id_estacion`,
      )
      .all({})
      .map((r) => ({
        id_estacion: String(r.id_estacion),
        version_precios: typeof r.version_precios === 'number' ? r.version_precios : null,
        n: Number(r.n),
      }));
  }

  async listOpenAlerts(id_estacion: string, limit: number): Promise<AlertaEmpresa[]> {
    return this.ready()
      .cached<Fila>(
        'SELECT * FROM alertas_empresa WHERE abierta = 1 AND id_estacion = @id ORDER BY creada DESC, id DESC LIMIT @limit',
      )
      .all({ id: id_estacion, limit: nonNegativeInt(limit) })
      .map((r) => pickAlertaEmpresa(parseJson(r.datos), r));
  }

  async countOpenAlerts(): Promise<AlertasPorSeveridad[]> {
    return this.ready()
      .cached<Fila>(
        `SELECT id_estacion, severidad, COUNT(*) AS n FROM alertas_empresa WHERE abierta = 1
         GROUP BY id_estacion, severidad ORDER BY id_estacion, severidad`,
      )
      .all({})
      .map((r) => ({ id_estacion: String(r.id_estacion), severidad: String(r.severidad), n: Number(r.n) }));
  }

  async listReportStates(): Promise<EstadoReportes[]> {
    return this.ready()
      .cached<Fila>('SELECT * FROM reportes_estaciones ORDER BY id_estacion')
      .all({})
      .map(pickEstadoReportes);
  }

  async listSetAside(id_estacion: string, limit: number): Promise<ReporteApartado[]> {
    return this.ready()
      .cached<Fila>('SELECT * FROM reportes_apartados WHERE id_estacion = @id ORDER BY id DESC LIMIT @limit')
      .all({ id: id_estacion, limit: nonNegativeInt(limit) })
      .map((r) => pickApartado(parseJson(r.datos), r));
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

  async recordLinkStates(
    propietario: string,
    estados: readonly (EnlaceCompartido & { id_estacion: string })[],
  ): Promise<number> {
    if (estados.length === 0) return 0;
    return this.ready().recordLinkStates.immediate(
      estados.map((e) => ({
        id_estacion: e.id_estacion,
        propietario,
        estado: e.estado,
        conectada: e.conectada ? 1 : 0,
        version_confirmada: e.version_confirmada,
        ultimo_contacto: e.ultimo_contacto,
        ultimo_error: e.ultimo_error,
      })),
    );
  }

  async activeLeaseLinks(ahora: number): Promise<LeaseEnlace[]> {
    return this.ready()
      .st.activeLeaseLinks.all(ahora)
      .map((r) => pickLeaseEnlace(r, r))
      .filter((l): l is LeaseEnlace => l !== null);
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
