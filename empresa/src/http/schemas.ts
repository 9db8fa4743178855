/** REST schemas (zod): request validation, response serialization and the OpenAPI document. */
import { decimalInt, PAGE_DEFAULT, PAGE_MAX, pageQueryFields, saludBase } from '@combustible/server';
import {
  alertaReportada,
  combustible,
  idEstacion,
  precios,
  surtidorReportado,
  timestamp,
  ventaReportada,
} from '@combustible/shared';
import { z } from 'zod';
import { PRECIO_MAX, PRECIO_MIN } from '../domain/price-book.js';
import { ESTADOS_ENLACE } from '../domain/types.js';

/** The one error shape of every service's API. */
export { errorRespuesta } from '@combustible/server';

const campoPrecio = z.enum(['precio_93', 'precio_95', 'precio_97', 'precio_diesel']);

export const versionPrecios = z
  .object({
    version: z.number().int(),
    precios,
    actualizado: z.string(),
    autor: z.string(),
    cambios: z.array(z.object({ campo: campoPrecio, anterior: z.number().int().nullable(), nuevo: z.number().int() })),
    vigencia: z.string().nullable().describe('When it takes effect (null: in force from its creation)'),
    cancelada: z.string().nullable().describe('When a scheduled version was cancelled (null: not cancelled)'),
  })
  .meta({ id: 'VersionPrecios' });

export const preciosVigentes = versionPrecios
  .extend({
    programada: versionPrecios
      .nullable()
      .describe('The scheduled version, sent to the stations, not yet in force (null: none)'),
  })
  .meta({ id: 'PreciosVigentes' });

const limiteCombustible = z.strictObject({
  minimo: z.number().int().describe('Lowest price accepted, pesos per litre'),
  maximo: z.number().int().describe('Highest price accepted, pesos per litre'),
  cambio_max_pct: z.number().int().describe('Largest change in one version, % of the price in force'),
});

export const limites = z
  .strictObject({
    precio_93: limiteCombustible,
    precio_95: limiteCombustible,
    precio_97: limiteCombustible,
    precio_diesel: limiteCombustible,
  })
  .meta({ id: 'Limites' });

export const limitesPrecios = z
  .object({
    limites,
    actualizado: z.string().nullable().describe('null: the defaults, never set'),
    autor: z.string().nullable(),
  })
  .meta({ id: 'LimitesPrecios' });

export const cambioLimites = z.strictObject({ limites }).meta({ id: 'CambioLimites' });

export const resultadoCambio = versionPrecios
  .extend({ creada: z.boolean().describe('false when no price changed (no new version)') })
  .meta({ id: 'ResultadoCambioPrecios' });

const precio = z
  .number()
  .int('debe ser un número entero')
  .positive('debe ser positivo')
  // The prices rule (shared with the stations): nothing a station would refuse is ever created.
  .min(PRECIO_MIN, `debe estar entre ${PRECIO_MIN} y ${PRECIO_MAX} pesos por litro`)
  .max(PRECIO_MAX, `debe estar entre ${PRECIO_MIN} y ${PRECIO_MAX} pesos por litro`);

/**
 * The author of a change is the session's user, never a field of the body: a body that still sends
 * `autor` is refused (400 VALIDACION) rather than silently ignored, so that no client believes it
 * chose the name in the history.
 */
export const cambioPrecios = z
  .strictObject(
    {
      precio_93: precio.optional(),
      precio_95: precio.optional(),
      precio_97: precio.optional(),
      precio_diesel: precio.optional(),
      vigencia: z.iso
        .datetime({ offset: true, error: 'fecha y hora ISO-8601 con zona, p. ej. 2026-01-16T08:00:00Z' })
        .optional()
        .describe('Schedules the version: in force at this instant (future, at most 90 days ahead)'),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys' && issue.keys.includes('autor')
          ? 'no se acepta "autor": el autor del cambio es el usuario de la sesión'
          : undefined,
    },
  )
  .refine((b) => [b.precio_93, b.precio_95, b.precio_97, b.precio_diesel].some((p) => p !== undefined), {
    message: 'indique al menos uno de precio_93, precio_95, precio_97, precio_diesel',
  })
  .meta({ id: 'CambioPrecios' });

export const filtroHistorial = z.object({
  limit: decimalInt({ min: 1, max: PAGE_MAX })
    .default(PAGE_DEFAULT)
    .describe(`Versions in this page (1–${PAGE_MAX}, default ${PAGE_DEFAULT}); how many match in x-total-count`),
  antes: decimalInt({ min: 1 }).optional().describe('Only versions below this one (paging)'),
});

/** `?limit&skip` of a list: 1–1000, default 50; the total is in x-total-count. */
export const paginaSimple = z.object(pageQueryFields());

export const idParams = z.object({ id: idEstacion });

const puerto = z.number().int().min(1).max(65_535);
const host = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^[\w.:-]+$/, 'nombre de host o dirección IP');

export const nuevaEstacion = z
  .strictObject({
    id_estacion: idEstacion
      .optional()
      .describe('Omitted: HOST-PORT until the station tells its own id in estacion_info'),
    nombre: z.string().trim().min(1).max(100).optional(),
    host,
    puerto: puerto.default(5001),
    tls: z.boolean().default(false).describe('The station serves its company port over TLS (--tls-cert)'),
  })
  .meta({ id: 'NuevaEstacion' });

export const cambiosEstacion = z
  .strictObject({
    nombre: z.string().trim().min(1).max(100).optional(),
    host: host.optional(),
    puerto: puerto.optional(),
    tls: z.boolean().optional(),
  })
  .refine((b) => b.nombre !== undefined || b.host !== undefined || b.puerto !== undefined || b.tls !== undefined, {
    message: 'indique nombre, host, puerto o tls',
  })
  .meta({ id: 'CambiosEstacion' });

/** A station link's state; for a station another replica holds, what that replica shares (the rest null or 0). */
export const enlace = z
  .object({
    estado: z.enum(ESTADOS_ENLACE),
    conectada: z.boolean(),
    ultimo_contacto: z.string().nullable(),
    version_confirmada: z.number().int().nullable(),
    version_informada: z.number().int().nullable(),
    id_informado: z.string().nullable(),
    nombre_informado: z.string().nullable(),
    ultimo_error: z.string().nullable(),
    reconexiones: z.number().int(),
    anomalia: z
      .object({
        codigo: z.literal('VERSION_DESCONOCIDA'),
        version_reportada: z.number().int().describe('What the station said it holds, above the company newest'),
        version_empresa: z.number().int(),
        desde: z.string(),
      })
      .nullable()
      .describe('The station reported a price version the company never made: not al día until it reports one it made'),
  })
  .meta({ id: 'Enlace' });

export const estacion = z
  .object({
    id_estacion: z.string(),
    nombre: z.string(),
    host: z.string(),
    puerto: z.number().int(),
    tls: z.boolean(),
    id_provisional: z.boolean(),
    creada: z.string(),
    actualizada: z.string(),
    conectada: z.boolean(),
    ultimo_contacto: z.string().nullable(),
    version_confirmada: z.number().int().nullable(),
    al_dia: z
      .boolean()
      .describe('version_confirmada is the newest version not cancelled, and no version anomaly is open'),
    programada_recibida: z
      .boolean()
      .nullable()
      .describe('The station acknowledged the scheduled version (null: none is scheduled)'),
    ultimo_error: z.string().nullable(),
    enlace: enlace.nullable(),
    propietario: z
      .string()
      .nullable()
      .describe('The replica (--replica-id) whose process holds the link to this station (its lease); null: none'),
  })
  .meta({ id: 'Estacion' });

// ── reports upstream (issue 15) ────────────────────────────────────────────────────────────

/** The most rows /api/ventas skips (deeper pages: narrow the filters, or ?formato=csv). */
export const MAX_OFFSET_VENTAS = 100_000;

const procedencia = {
  id_estacion: z.string(),
  seq: z.number().int().describe("The report's position in the station's journal"),
  recibida_empresa: z.string().describe('When the company stored it'),
};

export const filtroVentas = z.object({
  estacion: idEstacion.optional().describe('Only this station'),
  combustible: combustible.optional(),
  surtidor: decimalInt({ min: 1, max: Number.MAX_SAFE_INTEGER }).optional().describe('Only this pump (id_surtidor)'),
  desde: timestamp.optional().describe('Inclusive lower bound on fecha_fin'),
  hasta: timestamp.optional().describe('Inclusive upper bound on fecha_fin'),
  limit: decimalInt({ min: 1, max: PAGE_MAX })
    .default(PAGE_DEFAULT)
    .describe(`Sales in this page (1–${PAGE_MAX}, default ${PAGE_DEFAULT}); the total is in x-total-count`),
  offset: decimalInt({ min: 0, max: MAX_OFFSET_VENTAS })
    .default(0)
    .describe(`Sales to skip (at most ${MAX_OFFSET_VENTAS}: narrow the filters, or export CSV)`),
  formato: z.enum(['json', 'csv']).optional().describe('csv: every matching sale as a CSV file (or Accept: text/csv)'),
});

export const ventaEmpresa = z.object({ ...procedencia, ...ventaReportada.shape }).meta({ id: 'VentaEmpresa' });

const totales = {
  transacciones: z.number().int(),
  litros: z.number().describe('Rounded to 3 decimals'),
  monto: z.number().int().describe('Integer pesos'),
};

export const filtroResumen = z.object({
  desde: timestamp.optional().describe('Inclusive lower bound on fecha_fin (default: 7 days before hasta)'),
  hasta: timestamp
    .optional()
    .describe('Inclusive upper bound on fecha_fin (default: now); at most 366 days after desde'),
  estacion: idEstacion.optional().describe('Only this station'),
});

export const resumen = z
  .object({
    desde: z.string(),
    hasta: z.string(),
    zona_horaria: z.string().describe('The zone of por_dia (--zona-horaria)'),
    total: z.object(totales),
    por_estacion: z.array(z.object({ ...totales, id_estacion: z.string() })),
    por_combustible: z.array(z.object({ ...totales, tipo_combustible: z.string() })),
    por_dia: z.array(
      z.object({ ...totales, fecha: z.string().describe('YYYY-MM-DD in zona_horaria'), tipo_combustible: z.string() }),
    ),
  })
  .meta({ id: 'Resumen' });

const reportesEstacion = z
  .object({
    ultimo_seq_recibido: z.number().int().describe('The highest journal position stored here (0: none)'),
    ultimo_seq_estacion: z
      .number()
      .int()
      .nullable()
      .describe("The station's last journal position as its link told (null: unknown here)"),
    pendientes: z.number().int().nullable().describe('Reports the station has that the company has not stored yet'),
    rechazados: z.number().int().describe('Reports ever rejected (kept apart): class unknown, invalid or implausible'),
    conflictos: z.number().int().describe('Reports ever in conflict with a stored record of the same id (kept apart)'),
  })
  .meta({ id: 'ReportesEstacion' });

const alertasAbiertas = z.object({
  total: z.number().int(),
  critica: z.number().int(),
  advertencia: z.number().int(),
  info: z.number().int(),
});

export const red = z
  .object({
    generado: z.string(),
    version_vigente: z.number().int().describe('The newest price version in force'),
    zona_horaria: z.string().describe('The zone of "today" (--zona-horaria)'),
    totales: z.object({
      estaciones: z.number().int(),
      conectadas: z.number().int(),
      surtidores: z.number().int(),
      surtidores_al_dia: z.number().int(),
      ventas_hoy: z.object(totales),
      alertas_abiertas: z.number().int(),
    }),
    estaciones: z.array(
      z.object({
        id_estacion: z.string(),
        nombre: z.string(),
        conectada: z.boolean(),
        estado: z.string().nullable().describe('The link state (null: no link in this process)'),
        ultimo_contacto: z.string().nullable(),
        version_confirmada: z.number().int().nullable(),
        surtidores: z.object({
          total: z.number().int(),
          al_dia: z.number().int().describe('Pumps that report the version in force (version_vigente)'),
        }),
        ventas_hoy: z.object(totales),
        alertas_abiertas: alertasAbiertas,
        reportes: reportesEstacion,
        propietario: z
          .string()
          .nullable()
          .describe('The replica (--replica-id) whose process holds the link to this station (its lease); null: none'),
      }),
    ),
  })
  .meta({ id: 'Red' });

export const estacionDetalle = estacion
  .extend({
    surtidores: z.array(z.object({ ...procedencia, ...surtidorReportado.shape })),
    alertas_abiertas: z.array(z.object({ ...procedencia, ...alertaReportada.shape })),
    reportes: reportesEstacion,
    reportes_apartados: z
      .array(
        z.object({
          ...procedencia,
          tipo: z.enum(['rechazado', 'conflicto']),
          clase: z.string(),
          codigo: z.string().nullable(),
          motivo: z.string(),
          datos: z.record(z.string(), z.unknown()),
        }),
      )
      .describe('The newest reports kept apart (at most 100)'),
  })
  .meta({ id: 'EstacionDetalle' });

export const salud = z.object({
  ...saludBase,
  empresa: z.object({ nombre: z.string() }),
  version_precios: z.number().int(),
  estaciones: z.object({ total: z.number().int(), conectadas: z.number().int(), al_dia: z.number().int() }),
});
