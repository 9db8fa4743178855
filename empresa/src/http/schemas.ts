/** REST schemas (zod): request validation, response serialization and the OpenAPI document. */
import { decimalInt, PAGE_DEFAULT, PAGE_MAX, pageQueryFields, saludBase } from '@combustible/server';
import { idEstacion, precios } from '@combustible/shared';
import { z } from 'zod';
import { PRECIO_MAX, PRECIO_MIN } from '../domain/price-book.js';

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

export const enlace = z
  .object({
    estado: z.enum(['conectando', 'saludo', 'sincronizando', 'sincronizado', 'desconectado', 'detenido']),
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

export const salud = z.object({
  ...saludBase,
  empresa: z.object({ nombre: z.string() }),
  version_precios: z.number().int(),
  estaciones: z.object({ total: z.number().int(), conectadas: z.number().int(), al_dia: z.number().int() }),
});
