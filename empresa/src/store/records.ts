/**
 * Copies of the records with exactly the port's fields, so that whatever an adapter stores or
 * reads (driver `_id`, internal columns) never leaks through the port. Adding a field to a record
 * type makes these fail to compile until the field is stored too.
 */
import { asObject } from '@combustible/server';
import {
  type AlertaReportada,
  alertaReportada,
  type SurtidorReportado,
  surtidorReportado,
  type VentaReportada,
  ventaReportada,
} from '@combustible/shared';
import { z } from 'zod';
import { type LimiteCombustible, type LimitesPrecios, problemaLimite } from '../domain/price-limits.js';
import {
  type AlertaEmpresa,
  type EnlaceCompartido,
  ESTADOS_ENLACE,
  type Estacion,
  type EstadoReportes,
  type Procedencia,
  type ReporteApartado,
  type SurtidorEmpresa,
  type VentaEmpresa,
  type VersionPrecios,
} from '../domain/types.js';
import type { Lease, LeaseEnlace } from './port.js';

const textOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function pickVersionPrecios(v: VersionPrecios): VersionPrecios {
  return {
    version: v.version,
    precios: {
      precio_93: v.precios.precio_93,
      precio_95: v.precios.precio_95,
      precio_97: v.precios.precio_97,
      precio_diesel: v.precios.precio_diesel,
    },
    actualizado: v.actualizado,
    autor: v.autor,
    cambios: v.cambios.map((c) => ({ campo: c.campo, anterior: c.anterior, nuevo: c.nuevo })),
    // Versions stored before scheduling have neither field: in force at once, never cancelled.
    vigencia: textOrNull(v.vigencia),
    cancelada: textOrNull(v.cancelada),
  };
}

/**
 * The stored price limits, read leniently: a document that is not a full, plausible set (damaged,
 * or from another build) reads as null, so the defaults apply and no read ever fails on it.
 */
export function pickLimitesPrecios(raw: unknown): LimitesPrecios | null {
  if (raw === null || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  const l = (r.limites ?? {}) as Record<string, unknown>;
  const uno = (v: unknown): LimiteCombustible | null => {
    if (v === null || typeof v !== 'object') return null;
    const o = v as Record<string, unknown>;
    const limite = { minimo: o.minimo, maximo: o.maximo, cambio_max_pct: o.cambio_max_pct } as LimiteCombustible;
    return problemaLimite(limite) === null ? limite : null;
  };
  const [p93, p95, p97, pd] = [uno(l.precio_93), uno(l.precio_95), uno(l.precio_97), uno(l.precio_diesel)];
  if (!p93 || !p95 || !p97 || !pd) return null;
  return {
    limites: { precio_93: p93, precio_95: p95, precio_97: p97, precio_diesel: pd },
    actualizado: textOrNull(r.actualizado),
    autor: textOrNull(r.autor),
  };
}

export function pickEstacion(e: Estacion): Estacion {
  return {
    id_estacion: e.id_estacion,
    nombre: e.nombre,
    host: e.host,
    puerto: e.puerto,
    // Older documents (before TLS) have no field: plaintext.
    tls: e.tls === true,
    id_provisional: e.id_provisional,
    creada: e.creada,
    actualizada: e.actualizada,
    version_confirmada: e.version_confirmada,
    ultimo_contacto: e.ultimo_contacto,
  };
}

/** A limit as the adapters use it: a non-negative integer. */
export function nonNegativeInt(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

// ── reports upstream (issue 15) ────────────────────────────────────────────────────────────

const text = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v.slice(0, 10_000) : fallback);
const safeInt = (v: unknown): number => (typeof v === 'number' && Number.isSafeInteger(v) ? v : 0);

/**
 * A reader that never fails: every field of `schema` read from `raw`, a field that breaks its
 * schema (or is missing) replaced by its value in `neutral`; fields beyond the schema dropped.
 */
function lenient<T extends Record<string, unknown>>(schema: z.ZodObject, neutral: T): (raw: unknown) => T {
  const shape: Record<string, z.ZodType> = {};
  for (const [k, field] of Object.entries(schema.shape)) shape[k] = (field as z.ZodType).catch(neutral[k]);
  const reader = z.object(shape);
  return (raw) => {
    const parsed = reader.safeParse(asObject(raw));
    return (parsed.success ? parsed.data : neutral) as T;
  };
}

const FECHA_NEUTRA = '1970-01-01T00:00:00.000Z';

const ventaNeutra: VentaReportada = {
  id_transaccion: '',
  id_surtidor: 0,
  tipo_combustible: '93',
  litros: 0,
  precio_por_litro: 0,
  monto_total: 0,
  metodo_pago: 'efectivo',
  fecha_inicio: FECHA_NEUTRA,
  fecha_fin: FECHA_NEUTRA,
  estado: 'completada',
  operador: null,
  version_precios: null,
  id_autorizacion: null,
  recibida: FECHA_NEUTRA,
};
const leerVenta = lenient(ventaReportada, ventaNeutra);

/** The columns stored beside a record's JSON (what a damaged JSON falls back to). */
type Columnas = Record<string, unknown>;

function procedencia(c: Columnas): Procedencia {
  return { id_estacion: text(c.id_estacion), seq: safeInt(c.seq), recibida_empresa: text(c.recibida_empresa) };
}

/** A stored sale, read leniently: the JSON document, else its columns, else neutral values. */
export function pickVentaEmpresa(datos: unknown, c: Columnas): VentaEmpresa {
  const base = {
    ...ventaNeutra,
    id_transaccion: text(c.id_transaccion),
    id_surtidor: safeInt(c.id_surtidor),
    litros: typeof c.litros === 'number' && Number.isFinite(c.litros) ? c.litros : 0,
    monto_total: safeInt(c.monto_total),
  };
  const v = lenient(ventaReportada, base)(datos);
  return { ...procedencia(c), ...v, id_autorizacion: v.id_autorizacion ?? null };
}

const alertaNeutra: AlertaReportada = {
  id: '',
  codigo: '',
  severidad: 'info',
  mensaje: '',
  id_surtidor: null,
  creada: FECHA_NEUTRA,
  resuelta: null,
};
const leerAlerta = lenient(alertaReportada, alertaNeutra);

export function pickAlertaEmpresa(datos: unknown, c: Columnas): AlertaEmpresa {
  return { ...procedencia(c), ...leerAlerta(datos) };
}

const surtidorNeutro: SurtidorReportado = {
  id_surtidor: 0,
  nombre: null,
  version_precios: null,
  conectado: false,
  actualizado: FECHA_NEUTRA,
};

export function pickSurtidorEmpresa(datos: unknown, c: Columnas): SurtidorEmpresa {
  return {
    ...procedencia(c),
    ...lenient(surtidorReportado, { ...surtidorNeutro, id_surtidor: safeInt(c.id_surtidor) })(datos),
  };
}

export function pickApartado(datos: unknown, c: Columnas): ReporteApartado {
  return {
    ...procedencia(c),
    tipo: c.tipo === 'conflicto' ? 'conflicto' : 'rechazado',
    clase: text(c.clase),
    codigo: typeof c.codigo === 'string' ? c.codigo : null,
    motivo: text(c.motivo),
    datos: asObject(datos),
  };
}

export function pickEstadoReportes(c: Columnas): EstadoReportes {
  return {
    id_estacion: text(c.id_estacion),
    ultimo_seq: safeInt(c.ultimo_seq),
    rechazados: safeInt(c.rechazados),
    conflictos: safeInt(c.conflictos),
  };
}

/** A stored sale in its canonical form (the same fields in the same order): two equal sales give the same text. */
export function ventaCanonica(v: VentaReportada): string {
  return JSON.stringify(leerVenta(v));
}

/** Any record's datos as stored text. */
export const datosTexto = (d: unknown): string => JSON.stringify(d ?? null);

/** A stored lease read leniently: null (left out) unless every field has its type. */
export function pickLease(raw: unknown): Lease | null {
  if (raw === null || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  const { id_estacion, propietario, vence } = r;
  if (typeof id_estacion !== 'string' || typeof propietario !== 'string') return null;
  if (typeof vence !== 'number' || !Number.isFinite(vence)) return null;
  return { id_estacion, propietario, vence };
}

const ESTADOS = new Set<string>(ESTADOS_ENLACE);

/**
 * A link state stored on a lease, read leniently: null unless `estado` is one we know and
 * `conectada` is a boolean (SQLite: 0/1); any other field of the wrong type reads as null.
 */
export function pickEnlace(raw: unknown): EnlaceCompartido | null {
  if (raw === null || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  const { estado, conectada, version_confirmada } = r;
  if (typeof estado !== 'string' || !ESTADOS.has(estado)) return null;
  if (typeof conectada !== 'boolean' && conectada !== 0 && conectada !== 1) return null;
  return {
    estado: estado as EnlaceCompartido['estado'],
    conectada: conectada === true || conectada === 1,
    version_confirmada: Number.isSafeInteger(version_confirmada) ? (version_confirmada as number) : null,
    ultimo_contacto: textOrNull(r.ultimo_contacto),
    ultimo_error: textOrNull(r.ultimo_error),
  };
}

/** A stored lease with its link state: null (left out) when the lease is unreadable; an unreadable state reads as none. */
export function pickLeaseEnlace(raw: unknown, enlace: unknown): LeaseEnlace | null {
  const lease = pickLease(raw);
  return lease === null ? null : { ...lease, enlace: pickEnlace(enlace) };
}
