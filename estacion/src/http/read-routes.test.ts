/**
 * Invariant: a stored record can never make a read fail. For any records the write side takes
 * (sales built from any wire-valid message, conflicts, pumps, live states, alerts and price
 * versions) plus rows that bypass it (written straight into SQLite, as a corrupted file or a
 * record of an older build would be: huge or negative numbers, sums that overflow a double, wrong
 * types, missing fields, unreadable JSON, very long strings), the station starts, every GET of the
 * route table answers 200 with a body that passes its response schema (the serializer validates
 * it: a body out of schema is a 500), and the WebSocket snapshot passes the same schemas.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LIMITES_VENTA, PRECIO_MAX, PRECIO_MIN, type TransaccionCompletada } from '@combustible/shared';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PriceBook } from '../domain/prices.js';
import { buildTransaction } from '../domain/transactions.js';
import type { Alerta, EstadoSurtidor, Surtidor, Transaccion, VersionPrecios } from '../domain/types.js';
import { SQLITE_FILE, SqliteStore } from '../store/sqlite-store.js';
import { unaDescarga, unaLectura, unTanque } from '../store/test-builders.js';
import { buildBridge } from '../ws/bridge.js';
import { STATION_ROUTES } from './access.js';
import { conflicto } from './routes/conflictos.js';
import { unCierre } from '../store/test-builders.js';
import {
  alerta,
  descarga,
  cierre,
  estadisticas,
  lecturaTanqueRespuesta,
  tanque,
  estadoSurtidor,
  preciosRespuesta,
  surtidor,
  surtidorDetalle,
  transaccion,
} from './schemas.js';
import { createApiHarness } from './test-harness.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const NOW = Date.parse('2026-01-15T14:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const COMBUSTIBLES = ['93', '95', '97', 'diesel'] as const;

// ── what the write side takes ────────────────────────────────────────────────────────────────

const texto = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' });
const fecha = fc.integer({ min: LIMITES_VENTA.fechaMinimaMs, max: NOW + 86_400_000 }).map(iso);
const precio = fc.integer({ min: PRECIO_MIN, max: PRECIO_MAX });
const precios = fc.record({ precio_93: precio, precio_95: precio, precio_97: precio, precio_diesel: precio });

const unSurtidor = (id: number): fc.Arbitrary<Surtidor> =>
  fc.record({
    id_surtidor: fc.constant(id),
    nombre: texto,
    combustibles_soportados: fc.subarray([...COMBUSTIBLES], { minLength: 1 }),
    combustible_actual: fc.option(fc.constantFrom(...COMBUSTIBLES), { nil: null }),
    configuracion: fc.record({
      capacidad_maxima_litros: fc.double({ min: 0.001, max: 100_000, noNaN: true }),
      velocidad_despacho: fc.double({ min: 0.001, max: 100, noNaN: true }),
    }),
    fecha_creacion: fecha,
    fecha_actualizacion: fecha,
    ultima_conexion: fc.option(fecha, { nil: null }),
    ip: fc.option(fc.ipV4(), { nil: null }),
    version: fc.option(texto, { nil: null }),
    modo_autorizacion: fc.constantFrom('postpago' as const, 'prepago' as const),
  });

const unEstado = (id: number): fc.Arbitrary<EstadoSurtidor> =>
  fc.record({
    id_surtidor: fc.constant(id),
    estado_conexion: fc.constantFrom(
      'conectado' as const,
      'desconectado' as const,
      'timeout' as const,
      'error' as const,
    ),
    estado_operacion: fc.constantFrom('disponible' as const, 'despachando' as const, 'pausado' as const),
    litros_actuales: fc.double({ min: 0, max: 1_000_000, noNaN: true }),
    monto_actual: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    tipo_combustible: fc.option(fc.constantFrom(...COMBUSTIBLES), { nil: null }),
    precio_por_litro: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: null }),
    version_precios: fc.option(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), { nil: null }),
    desfase_reloj_ms: fc.option(fc.integer({ min: -1e14, max: 1e14 }), { nil: null }),
    timestamp: fc.option(fecha, { nil: null }),
    ultima_actividad: fc.option(fecha, { nil: null }),
    pausado_por: fc.option(
      fc.record({
        usuario: texto,
        comando: fc.constantFrom('pausar' as const, 'detener_emergencia' as const),
        razon: texto,
        fecha,
      }),
      { nil: null },
    ),
  });

/** Any `transaccion_completada` the wire schema takes. */
const ventaValida = (ids: number[]): fc.Arbitrary<TransaccionCompletada> =>
  fc
    .record({
      id_surtidor: fc.constantFrom(...ids),
      id_transaccion: fc.stringMatching(/^[\w.:-]{1,64}$/),
      tipo_combustible: fc.constantFrom(...COMBUSTIBLES),
      litros: fc.double({ min: LIMITES_VENTA.litrosMin, max: LIMITES_VENTA.litrosMax, noNaN: true }),
      precio_por_litro: fc.integer({ min: LIMITES_VENTA.precioMin, max: LIMITES_VENTA.precioMax }),
      monto_total: fc.integer({ min: 0, max: LIMITES_VENTA.montoMax }),
      metodo_pago: fc.constantFrom('efectivo' as const, 'tarjeta' as const, 'transferencia' as const),
      inicio: fc.integer({ min: LIMITES_VENTA.fechaMinimaMs, max: NOW }),
      duracion: fc.integer({ min: 0, max: 86_400_000 }),
      estado: fc.constantFrom('completada' as const, 'cancelada' as const, 'error' as const),
      operador: fc.option(fc.string({ maxLength: 100 }), { nil: undefined }),
      secuencia: fc.option(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), { nil: undefined }),
      version_precios: fc.option(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), { nil: undefined }),
      totalizador: fc.option(fc.double({ min: 0, max: LIMITES_VENTA.totalizadorMax / 2, noNaN: true }), {
        nil: undefined,
      }),
    })
    .map(({ inicio, duracion, totalizador, operador, secuencia, version_precios, ...f }) => {
      const v: TransaccionCompletada = {
        tipo: 'transaccion_completada',
        ...f,
        fecha_inicio: iso(inicio),
        fecha_fin: iso(inicio + duracion),
      };
      if (operador !== undefined) v.operador = operador;
      if (secuencia !== undefined) v.secuencia = secuencia;
      if (version_precios !== undefined) v.version_precios = version_precios;
      if (totalizador !== undefined) {
        v.totalizador_inicio = totalizador;
        v.totalizador_fin = totalizador + f.litros;
      }
      return v;
    });

const unaAlerta: fc.Arbitrary<Alerta> = fc.record({
  id: fc.uuid(),
  clave: texto,
  codigo: texto,
  mensaje: fc.string({ maxLength: 200 }),
  severidad: fc.constantFrom('info' as const, 'advertencia' as const, 'critica' as const),
  id_surtidor: fc.option(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), { nil: null }),
  creada: fecha,
  resuelta: fc.option(fecha, { nil: null }),
  datos: fc.option(fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), {
    nil: null,
  }),
});

const unaVersion: fc.Arbitrary<VersionPrecios> = fc.record({
  version: fc.integer({ min: 0, max: 1000 }),
  precios,
  actualizado: fecha,
  origen: fc.constantFrom('defecto' as const, 'empresa' as const, 'local' as const),
});

const escritos = fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 4 }).chain((ids) =>
  fc.record({
    surtidores: fc.tuple(...ids.map(unSurtidor)),
    estados: fc.tuple(...ids.map(unEstado)),
    ventas: fc.array(ventaValida(ids), { maxLength: 12 }),
    /** Sales sent again under an id already used, with other content: conflicts. */
    reenvios: fc.array(fc.tuple(fc.nat(), ventaValida(ids)), { maxLength: 4 }),
    alertas: fc.array(unaAlerta, { maxLength: 4 }),
    versiones: fc.array(unaVersion, { maxLength: 3 }),
    /** Closes of consecutive days, any shift. */
    cierres: fc.array(fc.option(texto, { nil: null }), { maxLength: 3 }),
  }),
);

// ── what bypasses it (written straight into SQLite) ──────────────────────────────────────────

const raro = fc.constantFrom(1e308, -1e308, -0, 5e-324, 2 ** 60, -(2 ** 60), 0.5, -1, 1e20, 0);
const textoRaro = fc.constantFrom('', 'x'.repeat(100_000), '\u0000\uffff', 'gas', '2024-13-45T99:99:99', 'null');
const docRaro = fc.constantFrom(
  'no es JSON',
  'null',
  '[1,2,3]',
  '"texto"',
  '42',
  '{}',
  JSON.stringify({ litros: 'diez', monto_total: null, fecha_fin: 5, observaciones: 'x', detalles: [] }),
  JSON.stringify({ tipo_combustible: 'gas', metodo_pago: 'cheque', estado: 'perdida', secuencia: 1.5 }),
  JSON.stringify({ nombre_surtidor: 'y'.repeat(100_000), operador: { a: 1 }, observaciones: [1, null, 'ok'] }),
);

interface FilaVenta {
  id_surtidor: number;
  id_transaccion: string;
  tipo_combustible: string;
  metodo_pago: string;
  fecha_fin_utc: string;
  litros: number;
  monto_total: number;
  recibida: string;
  secuencia: number | null;
  totalizador_fin: number | null;
  doc: string;
}

const filaVenta = (ids: number[]): fc.Arbitrary<FilaVenta> =>
  fc.record({
    id_surtidor: fc.oneof(fc.constantFrom(...ids), fc.constantFrom(0, -7, 2 ** 60)),
    id_transaccion: fc.stringMatching(/^raro-[a-z0-9]{1,8}$/),
    tipo_combustible: fc.oneof(fc.constantFrom(...COMBUSTIBLES), textoRaro),
    metodo_pago: fc.oneof(fc.constant('efectivo'), textoRaro),
    fecha_fin_utc: fc.oneof(fecha, textoRaro),
    litros: raro,
    monto_total: raro,
    recibida: fc.oneof(fecha, textoRaro),
    secuencia: fc.option(fc.constantFrom(0, 2 ** 62, -5), { nil: null }),
    totalizador_fin: fc.option(raro, { nil: null }),
    doc: docRaro,
  });

const corruptos = (ids: number[]) =>
  fc.record({
    ventas: fc.array(filaVenta(ids), { maxLength: 6 }),
    /** Pumps: bad JSON, unknown fuels, out-of-range configuration, huge names. */
    surtidores: fc.array(
      fc.record({
        id_surtidor: fc.integer({ min: 60, max: 70 }),
        nombre: fc.oneof(texto, textoRaro),
        combustibles_soportados: fc.constantFrom('no json', '["gas"]', '[]', '{"a":1}', '["95","95"]', 'null'),
        combustible_actual: fc.option(fc.oneof(fc.constant('95'), textoRaro), { nil: null }),
        configuracion: fc.constantFrom(
          'no json',
          '{}',
          'null',
          '{"capacidad_maxima_litros":-1,"velocidad_despacho":1e308}',
          '{"capacidad_maxima_litros":"mucho"}',
        ),
        fecha_creacion: fc.oneof(fecha, textoRaro),
        version: fc.option(textoRaro, { nil: null }),
      }),
      { maxLength: 3 },
    ),
    estados: fc.array(
      fc.record({
        id_surtidor: fc.oneof(fc.constantFrom(...ids), fc.integer({ min: 60, max: 70 })),
        estado_conexion: fc.oneof(fc.constant('conectado'), textoRaro),
        estado_operacion: fc.oneof(fc.constant('despachando'), textoRaro),
        litros_actuales: raro,
        monto_actual: raro,
        tipo_combustible: fc.option(fc.oneof(fc.constant('95'), textoRaro), { nil: null }),
        precio_por_litro: fc.option(raro, { nil: null }),
        version_precios: fc.option(fc.constantFrom(-1, 2 ** 62), { nil: null }),
        desfase_reloj_ms: fc.option(raro, { nil: null }),
        pausado_por: fc.option(fc.constantFrom('no json', '{"usuario":5}', '[]', 'null'), { nil: null }),
      }),
      { maxLength: 3 },
    ),
    alertas: fc.array(
      fc.record({
        id: fc.uuid(),
        severidad: fc.oneof(fc.constant('critica'), textoRaro),
        id_surtidor: fc.option(fc.constantFrom(2 ** 62, -1, 3), { nil: null }),
        creada: fc.oneof(fecha, textoRaro),
        resuelta: fc.option(fc.oneof(fecha, textoRaro), { nil: null }),
        datos: fc.option(fc.constantFrom('no json', '[1,2]', '"x"', '5', '{"a":{"b":[1e308]}}'), { nil: null }),
      }),
      { maxLength: 3 },
    ),
    /** Price versions, possibly newer than any valid one (then the station starts on them). */
    precios: fc.array(
      fc.record({
        version: fc.constantFrom(2 ** 62, -3, 7),
        precios: fc.constantFrom(
          'no json',
          '{}',
          '{"precio_93":-5,"precio_95":1.5,"precio_97":1e308,"precio_diesel":"x"}',
        ),
        origen: fc.oneof(fc.constant('empresa'), textoRaro),
      }),
      { maxLength: 2 },
    ),
    conflictos: fc.array(fc.record({ id: fc.uuid(), id_surtidor: fc.constantFrom(...ids), doc: docRaro }), {
      maxLength: 2,
    }),
    /** (ext) Tanks, readings and deliveries whose document is anything. */
    tanques: fc.array(fc.record({ id_tanque: fc.constantFrom(...ids, 40, 41), doc: docRaro }), { maxLength: 3 }),
    lecturas: fc.array(
      fc.record({ id_tanque: fc.constantFrom(...ids), recibida: fc.oneof(fecha, textoRaro), doc: docRaro }),
      { maxLength: 3 },
    ),
    descargas: fc.array(fc.record({ id: fc.uuid(), id_tanque: fc.constantFrom(...ids), doc: docRaro }), {
      maxLength: 2,
    }),
    cierres: fc.array(
      fc.record({
        id: fc.uuid(),
        desde: fc.oneof(fecha, textoRaro),
        doc: fc.oneof(
          docRaro,
          fc.constantFrom(
            JSON.stringify({ total: { monto: 1e308, litros: 'x' }, por_surtidor: [null, 5, { id_surtidor: 2 ** 60 }] }),
            JSON.stringify({
              por_combustible: [{ tipo_combustible: 'gas' }],
              por_operador: 'x',
              conciliacion: [1e308],
            }),
          ),
        ),
      }),
      { maxLength: 2 },
    ),
  });

type Corruptos = ReturnType<typeof corruptos> extends fc.Arbitrary<infer T> ? T : never;

/** Writes the damaged rows straight into the store's SQLite file, bypassing the store. */
function escribirCorruptos(file: string, c: Corruptos): void {
  const db = new Database(file);
  try {
    const run = (sql: string, params: Record<string, unknown>) => db.prepare(sql).run(params);
    for (const v of c.ventas)
      run(
        `INSERT OR IGNORE INTO transacciones (id_surtidor, id_transaccion, tipo_combustible, metodo_pago, fecha_fin_utc,
           litros, monto_total, recibida, secuencia, totalizador_fin, doc)
         VALUES (@id_surtidor, @id_transaccion, @tipo_combustible, @metodo_pago, @fecha_fin_utc,
           @litros, @monto_total, @recibida, @secuencia, @totalizador_fin, @doc)`,
        { ...v, id_surtidor: BigInt(v.id_surtidor), secuencia: v.secuencia === null ? null : BigInt(v.secuencia) },
      );
    for (const p of c.surtidores)
      run(
        `INSERT OR REPLACE INTO surtidores (id_surtidor, nombre, combustibles_soportados, combustible_actual, configuracion,
           fecha_creacion, fecha_actualizacion, ultima_conexion, ip, version)
         VALUES (@id_surtidor, @nombre, @combustibles_soportados, @combustible_actual, @configuracion,
           @fecha_creacion, @fecha_creacion, NULL, NULL, @version)`,
        p,
      );
    for (const s of c.estados)
      run(
        `INSERT OR REPLACE INTO estado_surtidores (id_surtidor, estado_conexion, estado_operacion, litros_actuales, monto_actual,
           tipo_combustible, precio_por_litro, version_precios, desfase_reloj_ms, timestamp, ultima_actividad, pausado_por)
         VALUES (@id_surtidor, @estado_conexion, @estado_operacion, @litros_actuales, @monto_actual,
           @tipo_combustible, @precio_por_litro, @version_precios, @desfase_reloj_ms, NULL, NULL, @pausado_por)`,
        { ...s, version_precios: s.version_precios === null ? null : BigInt(s.version_precios) },
      );
    for (const a of c.alertas)
      run(
        `INSERT INTO alertas (id, clave, codigo, mensaje, severidad, id_surtidor, creada, resuelta, datos)
         VALUES (@id, @id, 'RARA', 'x', @severidad, @id_surtidor, @creada, @resuelta, @datos)`,
        { ...a, id_surtidor: a.id_surtidor === null ? null : BigInt(a.id_surtidor) },
      );
    for (const p of c.precios)
      run(
        `INSERT OR REPLACE INTO precios (version, precios, actualizado, origen) VALUES (@version, @precios, 'ayer', @origen)`,
        { ...p, version: BigInt(p.version) },
      );
    for (const k of c.cierres)
      run(`INSERT INTO cierres (id_cierre, desde, hasta, turno, doc) VALUES (@id, @desde, @desde, NULL, @doc)`, k);
    for (const k of c.conflictos)
      run(
        `INSERT INTO conflictos (id, id_surtidor, id_transaccion, huella, detectado, doc)
         VALUES (@id, @id_surtidor, 'raro', @id, '2026-01-15T13:00:00.000Z', @doc)`,
        k,
      );
    for (const tk of c.tanques) run('INSERT OR REPLACE INTO tanques (id_tanque, doc) VALUES (@id_tanque, @doc)', tk);
    for (const l of c.lecturas)
      run(
        'INSERT INTO lecturas_tanque (id_tanque, recibida, conservar, doc) VALUES (@id_tanque, @recibida, 0, @doc)',
        l,
      );
    for (const d of c.descargas)
      run("INSERT INTO descargas (id, id_tanque, inicio, doc) VALUES (@id, @id_tanque, '2026-01-15', @doc)", d);
  } finally {
    db.close();
  }
}

// ── reading everything back ──────────────────────────────────────────────────────────────────

/** The response schemas of the station's own read routes (the serializer checks them too). */
const SCHEMAS: Record<string, z.ZodType> = {
  'GET /api/surtidores': z.array(surtidor),
  'GET /api/surtidores/estado/conectados': z.array(estadoSurtidor),
  'GET /api/surtidores/:id': surtidorDetalle,
  'GET /api/surtidores/:id/estado': estadoSurtidor,
  'GET /api/surtidores/:id/transacciones': z.array(transaccion),
  'GET /api/transacciones': z.array(transaccion),
  'GET /api/transacciones/:id_surtidor/:id_transaccion': transaccion.extend({ conflictos: z.array(conflicto) }),
  'GET /api/conflictos': z.array(conflicto),
  'GET /api/precios': preciosRespuesta,
  'GET /api/alertas': z.array(alerta),
  'GET /api/estadisticas': estadisticas,
  'GET /api/tanques': z.array(tanque),
  'GET /api/tanques/:id': tanque,
  'GET /api/tanques/:id/lecturas': z.array(lecturaTanqueRespuesta),
  'GET /api/descargas': z.array(descarga),
  'GET /api/cierres': z.array(cierre),
  'GET /api/cierres/:id_cierre': cierre,
};

/** The lists that answer CSV too (?formato=csv): each is read that way as well. */
const CSV = new Set([
  'GET /api/surtidores/:id/transacciones',
  'GET /api/transacciones',
  'GET /api/alertas',
  'GET /api/autorizaciones',
  'GET /api/conflictos',
  'GET /api/cierres',
]);

const snapshotSchema = z.object({
  tipo: z.literal('snapshot'),
  datos: z.object({
    surtidores: z.array(surtidor.extend({ estado_actual: estadoSurtidor.nullable() })),
    precios: preciosRespuesta.omit({ surtidores: true }),
    transacciones: z.array(transaccion),
    alertas: z.array(alerta),
    tanques: z.array(tanque),
  }),
});

/** The route table's GET paths with their parameters filled from what is stored. */
async function urlsFor(
  route: string,
  ids: { pumps: number[]; tanks: number[]; sales: [number, string][]; cierres: string[] },
): Promise<string[]> {
  const [, pattern = ''] = route.split(' ');
  if (pattern.startsWith('/api/tanques/:id')) return ids.tanks.map((id) => pattern.replace(':id', String(id)));
  if (pattern.includes(':id_cierre'))
    return ids.cierres.map((id) => pattern.replace(':id_cierre', encodeURIComponent(id)));
  if (pattern.includes(':id_surtidor/:id_transaccion'))
    return ids.sales.map(([p, t]) =>
      pattern.replace(':id_surtidor', String(p)).replace(':id_transaccion', encodeURIComponent(t)),
    );
  if (pattern.includes(':id'))
    return ids.pumps.flatMap((id) => {
      const url = pattern.replace(':id', String(id));
      return CSV.has(route) ? [url, `${url}?formato=csv`] : [url];
    });
  if (pattern.includes(':')) throw new Error(`read-routes.test: no values for the parameters of ${route}`);
  return [pattern, `${pattern}?limit=1000`, ...(CSV.has(route) ? [`${pattern}?formato=csv`] : [])];
}

const GETS = Object.keys(STATION_ROUTES).filter((k) => k.startsWith('GET '));

/** fc.assert, with long strings of the counterexample cut (some are 100,000 characters long). */
async function assertCompact<T>(property: fc.IAsyncProperty<T>, params: fc.Parameters<T>): Promise<void> {
  const out = await fc.check(property, params);
  if (!out.failed) return;
  const shown = JSON.stringify(out.counterexample, (_k, v: unknown) =>
    typeof v === 'string' && v.length > 80
      ? `${v.slice(0, 40)}…(${v.length} caracteres)`
      : typeof v === 'bigint'
        ? String(v)
        : v,
  );
  const cause = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
  throw new Error(
    `${cause}\nafter ${out.numRuns} runs; seed ${out.seed}, path ${out.counterexamplePath}\ncounterexample: ${shown.slice(0, 6000)}`,
  );
}

describe('no stored record can make a read fail', () => {
  it('every GET route answers 200 within its schema, and the WebSocket snapshot too, whatever was stored', async () => {
    expect(GETS.length).toBeGreaterThan(10);
    const started = Date.now();
    await assertCompact(
      fc.asyncProperty(
        escritos.chain((e) => fc.record({ e: fc.constant(e), c: corruptos(e.surtidores.map((s) => s.id_surtidor)) })),
        async ({ e, c }) => {
          const dir = mkdtempSync(path.join(os.tmpdir(), 'lecturas-'));
          dirs.push(dir);
          const store = new SqliteStore({ dataDir: dir });
          await store.setup();
          // The write side: the store's own methods, with records the station builds.
          for (const p of e.surtidores) await store.upsertPump(p);
          await store.saveStates(e.estados);
          for (const v of e.versiones) await store.savePriceVersion(v);
          const book = PriceBook.withDefaults(iso(NOW));
          const build = (v: TransaccionCompletada) =>
            buildTransaction(v, {
              now: iso(NOW),
              nombreSurtidor: 'Isla',
              prices: book,
              surtidor: e.surtidores.find((s) => s.id_surtidor === v.id_surtidor) ?? null,
            });
          const sales: Transaccion[] = e.ventas.map(build);
          await store.insertTransactions(sales);
          const again = e.reenvios.flatMap(([i, v]) => {
            const first = sales[i % Math.max(1, sales.length)];
            return first ? [build({ ...v, id_surtidor: first.id_surtidor, id_transaccion: first.id_transaccion })] : [];
          });
          await store.insertTransactions(again);
          for (const a of e.alertas) await store.raiseAlert(a);
          // (ext) Tanks, readings and deliveries as the station writes them.
          for (const tk of e.surtidores.map((p) => unTanque({ id_tanque: p.id_surtidor }))) await store.upsertTank(tk);
          await store.insertReadings(e.surtidores.map((p) => unaLectura({ id_tanque: p.id_surtidor })));
          for (const p of e.surtidores) await store.saveDelivery(unaDescarga({ id_tanque: p.id_surtidor }));
          for (const [i, turno] of e.cierres.entries()) {
            const dia = new Date(NOW - (i + 1) * 86_400_000).toISOString().slice(0, 10);
            await store.insertCierre(
              unCierre({ desde: `${dia}T03:00:00.000Z`, hasta: `${dia}T23:00:00.000Z`, fecha: dia, turno }),
            );
          }
          await store.close();
          // What bypassed it.
          escribirCorruptos(path.join(dir, SQLITE_FILE), c);

          const t = await createApiHarness({}, new SqliteStore({ dataDir: dir }));
          const bridge = await buildBridge({
            service: t.h.service,
            tanks: t.h.tanks,
            bus: t.h.bus,
            store: t.h.store,
            log: t.h.log,
            auth: t.h.auth,
            audit: t.h.audit,
          });
          try {
            const ids = {
              pumps: t.h.service.allPumps().map((p) => p.id_surtidor),
              tanks: t.h.tanks
                .all()
                .map((tk) => tk.id_tanque)
                .filter((id) => id >= 1),
              sales: [
                ...sales.map((s): [number, string] => [s.id_surtidor, s.id_transaccion]),
                ...c.ventas
                  .filter((v) => v.id_surtidor > 0)
                  .map((v): [number, string] => [v.id_surtidor, v.id_transaccion]),
              ]
                // "." and ".." are valid ids on the wire but no URL path can name them (they are path steps).
                .filter(([p, id]) => Number.isSafeInteger(p) && id !== '.' && id !== '..'),
              cierres: (await t.h.store.listCierres({ limit: 100, skip: 0 })).items.map((x) => x.id_cierre),
            };
            expect(ids.cierres).toHaveLength(e.cierres.length + c.cierres.length);
            for (const route of GETS) {
              const rol = STATION_ROUTES[route] === 'admin' ? 'admin' : 'lectura';
              for (const url of await urlsFor(route, ids)) {
                const res = await t.api.inject({ url, headers: t.as(rol) });
                expect(res.statusCode, `${url}: ${res.body.slice(0, 500)}`).toBe(200);
                const schema = SCHEMAS[route];
                if (schema && !url.includes('formato=csv')) {
                  const parsed = schema.safeParse(res.json());
                  expect(parsed.success, `${url}: ${parsed.error?.message.slice(0, 500)}`).toBe(true);
                }
              }
            }
            await bridge.ready();
            // The listener goes on before the handshake: the snapshot may come right after it.
            let first: Promise<string> | undefined;
            const ws = await bridge.injectWS(
              '/',
              { headers: t.as('lectura') },
              {
                onInit: (w) => {
                  first = new Promise((resolve) => w.once('message', (m: Buffer) => resolve(String(m))));
                },
              },
            );
            const snapshot = await (first ?? '');
            ws.terminate();
            const snap = snapshotSchema.safeParse(JSON.parse(snapshot));
            expect(snap.success, snap.error?.message.slice(0, 500)).toBe(true);
          } finally {
            await bridge.close();
            await t.close();
          }
        },
      ),
      {
        // READ_ROUTES_RUNS / READ_ROUTES_SEED: a longer or replayed run (the default keeps CI under ~15 s).
        numRuns: Number(process.env.READ_ROUTES_RUNS ?? 25),
        interruptAfterTimeLimit: process.env.READ_ROUTES_RUNS ? 600_000 : 15_000,
        ...(process.env.READ_ROUTES_SEED ? { seed: Number(process.env.READ_ROUTES_SEED) } : {}),
      },
    );
    if (!process.env.READ_ROUTES_RUNS) expect(Date.now() - started).toBeLessThan(25_000);
  }, 900_000);
});
