/** REST schemas (zod): request validation, response serialization and the OpenAPI document. */
import { decimalInt, pageQueryFields, saludBase } from '@combustible/server';
import {
  COMANDOS,
  COMANDOS_OPERADOR,
  combustible,
  estadoOperacion,
  estadoTransaccion,
  limiteAutorizacion,
  metodoPago,
  modoAutorizacion,
  precios,
  timestamp,
  timestampMs,
} from '@combustible/shared';
import { z } from 'zod';
import { LIMITES_TANQUE } from '../domain/tanks.js';
import { ESTADOS_AUTORIZACION } from '../domain/types.js';
import { ESTADOS_PLAYA } from '../hub/forecourt.js';

/** The one error shape of every service's API. */
export { errorRespuesta } from '@combustible/server';

/** A pump id in a path or a query: a plain decimal integer, 1 up to the wire's largest id. */
const idSurtidorTexto = decimalInt({ min: 1 });

export const idParams = z.object({ id: idSurtidorTexto });

/** `?limit&skip` of every list: 1–1000, default 50; the total is in x-total-count. */
export const paginaSimple = z.object(pageQueryFields());

/** (ext) A tank id in a path, a query or a pump's `configuracion.tanques`. */
const idTanqueTexto = decimalInt({ min: 1 });
const idTanqueNumero = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
/** `?formato` of every list route: csv answers the same filters as CSV, unpaged (see docs/api.md). */
export const formato = z
  .enum(['json', 'csv'])
  .optional()
  .describe('csv: every match of the filters as CSV (also with Accept: text/csv), without paging');

const configuracion = z.object({
  capacidad_maxima_litros: z.number().positive().max(100_000),
  velocidad_despacho: z.number().positive().max(100),
  tanques: z
    .partialRecord(combustible, idTanqueNumero)
    .optional()
    .describe('(ext) The tank each fuel draws from (absent: the only tank of that fuel)'),
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
    modo_autorizacion: modoAutorizacion.describe(
      '(ext) postpago: a lifted nozzle dispenses (the seed); prepago: it waits for POST /api/surtidores/{id}/autorizacion',
    ),
  })
  .meta({ id: 'Surtidor' });

/**
 * Present (true) only when a sum is not exact: stored values out of range (an older build, a
 * damaged file) made it overflow, and it was clamped to ±(2^53 − 1). Sums never fail a read.
 */
const saturado = z
  .literal(true)
  .optional()
  .describe('true when stored values out of range made a sum overflow; it is then clamped to ±(2^53 − 1)');

const totales = {
  total_transacciones: z.number().int(),
  litros_totales: z.number(),
  ingresos_totales: z.number().int(),
  saturado,
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
  /** (ext) prepago only for a pump that declared the capacity `autorizacion` (409 otherwise, when connected). */
  modo_autorizacion: modoAutorizacion.optional(),
});

export const cambiosSurtidor = nuevoSurtidor.partial().refine((c) => Object.keys(c).length > 0, 'nada que cambiar');

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
    id_autorizacion: z.string().nullable().describe('(ext) The authorization the pump dispensed under'),
    reembolso: z
      .number()
      .int()
      .nullable()
      .describe('(ext) Integer pesos to give back: the prepaid amount of its authorization minus monto_total'),
  })
  .meta({ id: 'Transaccion' });

/** (ext) A prepaid authorization. */
export const autorizacion = z
  .object({
    id_autorizacion: z.string(),
    id_surtidor: z.number().int(),
    estado: z.enum(ESTADOS_AUTORIZACION),
    limite: limiteAutorizacion,
    combustibles: z.array(combustible).nullable().describe('The fuels allowed; null: any the pump sells'),
    monto_prepagado: z
      .number()
      .int()
      .nullable()
      .describe('Integer pesos paid ahead (monto preset, or litros × the price of its one fuel); null for lleno'),
    usuario: z.string(),
    creada: z.string(),
    vence: z.string().describe('Dispensing must start by then (--authorization-timeout), else expirada'),
    actualizada: z.string(),
    id_transaccion: z.string().nullable().describe('The sale that completed it'),
    reembolso: z.number().int().nullable().describe('Integer pesos to refund once completada'),
    motivo: z.string().nullable(),
  })
  .meta({ id: 'Autorizacion' });

export const pedidoAutorizacion = z.object({
  limite: limiteAutorizacion,
  combustibles: z
    .array(combustible)
    .min(1)
    .max(4)
    .refine((l) => new Set(l).size === l.length, 'combustibles repetidos')
    .optional(),
});

export const filtroAutorizaciones = z.object({
  estado: z.enum(ESTADOS_AUTORIZACION).optional(),
  id_surtidor: idSurtidorTexto.optional(),
  ...pageQueryFields(),
  formato,
});

export const paginacion = z.object({
  ...pageQueryFields(),
  fecha_inicio: timestamp.optional(),
  fecha_fin: timestamp.optional(),
  formato,
});

export const filtroTransacciones = paginacion.extend({
  id_surtidor: idSurtidorTexto.optional(),
  tipo_combustible: combustible.optional(),
  metodo_pago: metodoPago.optional(),
});

export const comandoBody = z.object({
  comando: z.enum(COMANDOS_OPERADOR),
  razon: z.string().trim().min(1).max(500),
});

export const comandoRespuesta = z.object({
  id_surtidor: z.number().int(),
  id_comando: z.string(),
  comando: z.enum(COMANDOS),
  resultado: z.string(),
});

export const comandoPlayaBody = comandoBody.extend({
  plazo_ms: z
    .number()
    .int()
    .min(1)
    .max(60_000)
    .optional()
    .describe('How long to wait for the answers (ms); never more than --forecourt-command-timeout, its default'),
});

const entradaPlaya = z.object({
  id_surtidor: z.number().int(),
  estado: z
    .enum(ESTADOS_PLAYA)
    .describe('ejecutado: it answered; sin_respuesta: no answer by the deadline; no_conectado: not connected now'),
  ms: z.number().int().optional().describe('ejecutado: ms from sending the command to its comando_ejecutado'),
  resultado: z.string().optional().describe("ejecutado: the pump's resultado"),
  codigo: z
    .string()
    .optional()
    .describe(
      'sin_respuesta for another reason than the deadline (SURTIDOR_DESCONECTADO, COMANDOS_PENDIENTES_EXCEDIDOS)',
    ),
});

export const comandoPlayaRespuesta = z
  .object({
    comando: z.enum(COMANDOS_OPERADOR),
    plazo_ms: z.number().int().describe('The deadline used'),
    ms: z.number().int().describe('From the first send to the answer'),
    totales: z.object({
      surtidores: z.number().int(),
      ejecutado: z.number().int(),
      sin_respuesta: z.number().int(),
      no_conectado: z.number().int(),
    }),
    surtidores: z.array(entradaPlaya).describe('One entry per pump, by id (bounded by --max-pumps)'),
  })
  .meta({ id: 'ComandoPlaya' });

export const preciosRespuesta = z
  .object({
    version: z.number().int(),
    precios,
    actualizado: z.string(),
    origen: z.enum(['defecto', 'empresa', 'local']),
    programada: z
      .object({ version: z.number().int(), precios, vigencia: z.string(), actualizado: z.string() })
      .nullable()
      .describe('The scheduled version: kept here, in force at its vigencia by this station clock (null: none)'),
    surtidores: z
      .array(z.object({ id_surtidor: z.number().int(), version_precios: z.number().int().nullable() }))
      .describe('One page of the pumps (?limit&skip, by id_surtidor); how many there are in x-total-count'),
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
  id_surtidor: idSurtidorTexto.optional(),
  ...pageQueryFields(),
  formato,
});

/** por_hora's most rows: 31 days of 24 hours × 4 fuels. */
export const MAX_POR_HORA = 31 * 24 * 4;

const totalesVentas = { transacciones: z.number().int(), litros: z.number(), monto: z.number().int(), saturado };

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
    por_hora_truncado: z
      .boolean()
      .describe(`true when the range had more than ${MAX_POR_HORA} (hour, fuel) rows: por_hora keeps the newest`),
  })
  .meta({ id: 'Estadisticas' });

/** `limit` and `skip` page `por_surtidor` (its total in x-total-count); the other breakdowns are bounded. */
export const rangoEstadisticas = z.object({
  desde: timestamp.optional(),
  hasta: timestamp.optional(),
  ...pageQueryFields(),
});

export const salud = z.object({
  ...saludBase,
  estacion: z.object({ id: z.string(), nombre: z.string() }),
  surtidores_conectados: z.number().int(),
  version_precios: z.number().int(),
});

// ── tanques (ext, issue 14) ────────────────────────────────────────────────────────────────

export const idTanqueParams = z.object({ id: idTanqueTexto });

const puntoCalibracion = z.object({
  altura_mm: z.number().min(0).max(LIMITES_TANQUE.alturaMaxMm),
  litros: z.number().min(0).max(LIMITES_TANQUE.maxCapacidad),
});

const camposTanque = {
  nombre: z.string().trim().min(1).max(100),
  combustible,
  capacidad_litros: z.number().positive().max(LIMITES_TANQUE.maxCapacidad),
  calibracion: z
    .array(puntoCalibracion)
    .min(2)
    .max(LIMITES_TANQUE.maxPuntos)
    .describe(
      `Height (mm) → litres, from 0 mm, heights increasing, litres not decreasing; at most ${LIMITES_TANQUE.maxPuntos} points`,
    ),
  nivel_bajo_litros: z.number().min(0).max(LIMITES_TANQUE.maxCapacidad),
  agua_alta_mm: z.number().min(0).max(LIMITES_TANQUE.alturaMaxMm),
};

export const nuevoTanque = z.object({ id_tanque: idTanqueNumero, ...camposTanque });
export const cambiosTanque = z
  .object(camposTanque)
  .partial()
  .refine((c) => Object.keys(c).length > 0, 'nada que cambiar');

export const lecturaTanqueRespuesta = z
  .object({
    id_tanque: z.number().int(),
    id_medidor: z.number().int(),
    timestamp: z.string(),
    recibida: z.string(),
    altura_producto_mm: z.number(),
    altura_agua_mm: z.number(),
    temperatura_c: z.number(),
    litros: z.number(),
    litros_15c: z.number(),
    observaciones: z.array(z.string()),
    conservar: z.boolean(),
  })
  .meta({ id: 'LecturaTanque' });

/** A tank as read back: plain numbers (a stored record is never refused on the way out). */
export const tanque = z
  .object({
    id_tanque: z.number().int(),
    nombre: z.string(),
    combustible,
    capacidad_litros: z.number(),
    calibracion: z.array(z.object({ altura_mm: z.number(), litros: z.number() })),
    nivel_bajo_litros: z.number(),
    agua_alta_mm: z.number(),
    creado: z.string(),
    actualizado: z.string(),
    ultima_lectura: lecturaTanqueRespuesta.nullable(),
  })
  .meta({ id: 'Tanque' });

export const filtroLecturas = z.object({
  desde: timestamp.optional().describe('Inclusive lower bound on recibida'),
  hasta: timestamp.optional().describe('Inclusive upper bound on recibida'),
  ...pageQueryFields(),
  formato,
});

export const filtroDescargas = z.object({
  id_tanque: idTanqueTexto.optional(),
  ...pageQueryFields(),
  formato,
});

export const descarga = z
  .object({
    id: z.string(),
    id_tanque: z.number().int(),
    inicio: z.string(),
    fin: z.string(),
    litros: z.number(),
    litros_inicio: z.number(),
    litros_fin: z.number(),
    ventas_litros: z.number(),
  })
  .meta({ id: 'Descarga' });
const totalesCierre = {
  transacciones: z.number().int(),
  litros: z.number(),
  monto: z.number().int(),
  reembolsos: z.number().int().describe('Integer pesos owed back on prepaid sales (sum of their reembolso)'),
};

export const cierre = z
  .object({
    id_cierre: z.string(),
    desde: z.string().describe('Inclusive lower bound on fecha_fin (UTC)'),
    hasta: z.string().describe('Inclusive upper bound on fecha_fin (UTC)'),
    fecha: z.string().nullable().describe('The day closed (YYYY-MM-DD in zona_horaria) when asked by fecha'),
    turno: z.string().nullable(),
    zona_horaria: z.string(),
    creado: z.string(),
    usuario: z.string(),
    total: z.object(totalesCierre),
    por_surtidor: z.array(
      z.object({ id_surtidor: z.number().int(), nombre_surtidor: z.string().nullable(), ...totalesCierre }),
    ),
    por_combustible: z.array(z.object({ tipo_combustible: combustible, ...totalesCierre })),
    por_metodo_pago: z.array(z.object({ metodo_pago: metodoPago, ...totalesCierre })),
    por_operador: z.array(z.object({ operador: z.string().nullable(), ...totalesCierre })),
    por_operador_truncado: z.literal(true).optional(),
    conciliacion: z
      .unknown()
      .describe(
        'Wet-stock reconciliation frozen with the close: { cierre_anterior, tanques: [{ id_tanque, truncado, periodos: [one period, as GET /api/conciliacion] }] }; null without tanks',
      ),
  })
  .meta({ id: 'Cierre' });

/** The longest range a close may cover. */
export const MAX_DIAS_CIERRE = 31;

export const pedidoCierre = z
  .object({
    fecha: z.iso.date().optional().describe('A day in the station time zone (--zona-horaria); or desde and hasta'),
    desde: timestamp.optional().describe('Inclusive lower bound on fecha_fin'),
    hasta: timestamp.optional().describe('Inclusive upper bound on fecha_fin'),
    turno: z.string().trim().min(1).max(50).optional().describe('A shift name: closes of different shifts may overlap'),
  })
  .strict();

export const idCierreParams = z.object({ id_cierre: z.string().min(1).max(64) });

/** The longest range one reconciliation report may cover (a quarter). */
export const MAX_DIAS_CONCILIACION = 92;

const balanceVolumen = z.object({
  stock_inicial: z.number(),
  ventas: z.number(),
  descargas: z.number(),
  stock_esperado: z.number(),
  stock_medido: z.number(),
  varianza: z.number(),
  varianza_acumulada: z.number(),
});

export const filtroConciliacion = z
  .object({
    desde: timestamp
      .optional()
      .describe(
        'Start of the first period (a day or shift boundary at or before it); with hasta, or neither: the last 7 days',
      ),
    hasta: timestamp.optional().describe('End of the last period'),
    id_tanque: idTanqueTexto.optional(),
    turnos: z
      .string()
      .regex(/^\d{1,4}(,\d{1,4}){0,11}$/, 'minutos después de medianoche separados por comas')
      .transform((s) => s.split(',').map(Number))
      .refine((l) => l.every((m) => m < 1440), 'cada inicio de turno es un minuto entre 0 y 1439')
      .optional()
      .describe('Shift starts in minutes after midnight, comma-separated (e.g. 360,840,1320); absent: days'),
    offset_min: z
      .string()
      .regex(/^-?(0|[1-9][0-9]{0,2})$/, 'minutos enteros entre -840 y 840')
      .transform(Number)
      .refine((m) => Math.abs(m) <= 840, 'minutos enteros entre -840 y 840')
      .optional()
      .describe('UTC offset of the local midnight in minutes (e.g. -180); default 0'),
    formato,
  })
  .superRefine((q, ctx) => {
    if (q.desde === undefined || q.hasta === undefined) {
      if (q.desde !== q.hasta)
        ctx.addIssue({ code: 'custom', path: ['desde'], message: 'desde y hasta van juntos (o ninguno)' });
      return;
    }
    const span = timestampMs(q.hasta) - timestampMs(q.desde);
    if (!(span > 0)) ctx.addIssue({ code: 'custom', path: ['hasta'], message: 'hasta debe ser posterior a desde' });
    else if (span > MAX_DIAS_CONCILIACION * 86_400_000)
      ctx.addIssue({
        code: 'custom',
        path: ['hasta'],
        message: `el rango es de ${MAX_DIAS_CONCILIACION} días como máximo`,
      });
  });

export const conciliacionTanque = z.object({
  id_tanque: z.number().int(),
  truncado: z.boolean(),
  periodos: z.array(
    z.object({
      id_tanque: z.number().int(),
      desde: z.string(),
      hasta: z.string(),
      lectura_inicial: z.string().nullable(),
      lectura_final: z.string().nullable(),
      bruto: balanceVolumen.nullable(),
      neto_15c: balanceVolumen.nullable(),
    }),
  ),
});
