/** REST schemas (zod): request validation, response serialization and the OpenAPI document. */
import { saludBase } from '@combustible/server';
import {
  COMANDOS,
  combustible,
  estadoOperacion,
  estadoTransaccion,
  idSurtidor,
  metodoPago,
  precios,
  timestamp,
} from '@combustible/shared';
import { z } from 'zod';

/** The one error shape of every service's API. */
export { errorRespuesta } from '@combustible/server';

export const idParams = z.object({ id: z.coerce.number().pipe(idSurtidor) });

const configuracion = z.object({
  capacidad_maxima_litros: z.number().positive().max(100_000),
  velocidad_despacho: z.number().positive().max(100),
});

const estadoConexion = z.enum(['conectado', 'desconectado', 'timeout', 'error']);

export const estadoSurtidor = z
  .object({
    id_surtidor: z.number().int(),
    estado_conexion: estadoConexion,
    estado_operacion: estadoOperacion,
    litros_actuales: z.number(),
    monto_actual: z.number().int(),
    tipo_combustible: combustible.nullable(),
    precio_por_litro: z.number().int().nullable(),
    version_precios: z.number().int().nullable(),
    desfase_reloj_ms: z.number().nullable(),
    timestamp: z.string().nullable(),
    ultima_actividad: z.string().nullable(),
    pausado_por: z
      .object({
        usuario: z.string(),
        comando: z.enum(['pausar', 'detener_emergencia']),
        razon: z.string(),
        fecha: z.string(),
      })
      .nullable()
      .describe('Who paused (or stopped) the pump from the station and why; null when nobody holds it paused'),
  })
  .meta({ id: 'EstadoSurtidor' });

export const surtidor = z
  .object({
    id_surtidor: z.number().int(),
    nombre: z.string(),
    estado: z.string().describe('estado_operacion when connected, otherwise the connection state'),
    estado_conexion: estadoConexion,
    combustibles_soportados: z.array(combustible),
    combustible_actual: combustible.nullable(),
    configuracion,
    fecha_creacion: z.string(),
    fecha_actualizacion: z.string(),
    ultima_conexion: z.string().nullable(),
    ip: z.string().nullable(),
    version: z.string().nullable(),
    version_precios: z.number().int().nullable(),
  })
  .meta({ id: 'Surtidor' });

const totales = {
  total_transacciones: z.number().int(),
  litros_totales: z.number(),
  ingresos_totales: z.number().int(),
};

export const surtidorDetalle = surtidor
  .extend({ estado_actual: estadoSurtidor, estadisticas: z.object(totales) })
  .meta({ id: 'SurtidorDetalle' });

export const nuevoSurtidor = z.object({
  nombre: z.string().trim().min(1).max(100),
  combustibles_soportados: z
    .array(combustible)
    .min(1)
    .max(4)
    .refine((l) => new Set(l).size === l.length, 'combustibles repetidos'),
  combustible_actual: combustible.optional(),
  configuracion: configuracion.partial().optional(),
});

export const cambiosSurtidor = nuevoSurtidor
  .partial()
  .refine((c) => Object.keys(c).length > 0, 'nada que cambiar');

export const transaccion = z
  .object({
    id_transaccion: z.string(),
    id_derivado: z.boolean(),
    id_surtidor: z.number().int(),
    nombre_surtidor: z.string().nullable(),
    tipo_combustible: combustible,
    litros: z.number(),
    precio_por_litro: z.number().int(),
    monto_total: z.number().int(),
    metodo_pago: metodoPago,
    fecha_inicio: z.string(),
    fecha_fin: z.string(),
    estado: estadoTransaccion,
    operador: z.string().nullable(),
    secuencia: z.number().int().nullable(),
    version_precios: z.number().int().nullable(),
    totalizador_inicio: z.number().nullable(),
    totalizador_fin: z.number().nullable(),
    observaciones: z.array(z.string()),
    detalles: z.object({ duracion_segundos: z.number(), velocidad_promedio: z.number() }),
    recibida: z.string(),
  })
  .meta({ id: 'Transaccion' });

export const paginacion = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  skip: z.coerce.number().int().min(0).default(0),
  fecha_inicio: timestamp.optional(),
  fecha_fin: timestamp.optional(),
});

export const filtroTransacciones = paginacion.extend({
  id_surtidor: z.coerce.number().pipe(idSurtidor).optional(),
  tipo_combustible: combustible.optional(),
  metodo_pago: metodoPago.optional(),
});

export const comandoBody = z.object({
  comando: z.enum(COMANDOS),
  razon: z.string().trim().min(1).max(500),
});

export const comandoRespuesta = z.object({
  id_surtidor: z.number().int(),
  id_comando: z.string(),
  comando: z.enum(COMANDOS),
  resultado: z.string(),
});

export const preciosRespuesta = z
  .object({
    version: z.number().int(),
    precios,
    actualizado: z.string(),
    origen: z.enum(['defecto', 'empresa', 'local']),
    surtidores: z.array(
      z.object({ id_surtidor: z.number().int(), version_precios: z.number().int().nullable() }),
    ),
  })
  .meta({ id: 'Precios' });

export const alerta = z
  .object({
    id: z.string(),
    clave: z.string(),
    codigo: z.string(),
    mensaje: z.string(),
    severidad: z.enum(['info', 'advertencia', 'critica']),
    id_surtidor: z.number().int().nullable(),
    creada: z.string(),
    resuelta: z.string().nullable(),
    datos: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'Alerta' });

export const filtroAlertas = z.object({
  abiertas: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  id_surtidor: z.coerce.number().pipe(idSurtidor).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const totalesVentas = { transacciones: z.number().int(), litros: z.number(), monto: z.number().int() };

export const estadisticas = z
  .object({
    desde: z.string().nullable(),
    hasta: z.string().nullable(),
    total: z.object(totalesVentas),
    por_combustible: z.array(z.object({ ...totalesVentas, tipo_combustible: combustible })),
    por_surtidor: z.array(
      z.object({ ...totalesVentas, id_surtidor: z.number().int(), nombre_surtidor: z.string().nullable() }),
    ),
    por_metodo_pago: z.array(z.object({ ...totalesVentas, metodo_pago: metodoPago })),
    por_hora: z.array(z.object({ ...totalesVentas, hora: z.string(), tipo_combustible: combustible })),
  })
  .meta({ id: 'Estadisticas' });

export const rangoEstadisticas = z.object({ desde: timestamp.optional(), hasta: timestamp.optional() });

export const salud = z.object({
  ...saludBase,
  estacion: z.object({ id: z.string(), nombre: z.string() }),
  surtidores_conectados: z.number().int(),
  version_precios: z.number().int(),
});
