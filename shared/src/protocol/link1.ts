/** Link 1: pumps ↔ station (the station listens, default port 6000). See docs/protocol.md. */
import { z } from 'zod';
import {
  capacidad,
  comandoNombre,
  combustible,
  detalleError,
  estadoOperacion,
  estadoTransaccion,
  idAutorizacion,
  idSurtidor,
  limiteAutorizacion,
  metodoPago,
  modoAutorizacion,
  precios,
  timestamp,
  timestampMs,
  versionPrecios,
} from './common.js';
import { lecturaTanque, registroMedidor } from './gauges.js';
import { LIMITES_VENTA as L } from './sale-limits.js';

const texto = (max: number) => z.string().min(1).max(max);

// ── pump → station ──────────────────────────────────────────────────────────────────────────

export const registro = z.object({
  tipo: z.literal('registro'),
  id_surtidor: idSurtidor,
  nombre: texto(100),
  combustibles_soportados: z
    .array(combustible)
    .min(1)
    .max(4)
    .refine((l) => new Set(l).size === l.length, 'combustibles repetidos'),
  version: texto(32),
  token: z.string().max(256).optional(),
  combustible_actual: combustible.optional(),
  /** (ext) What the pump can do beyond the seed: `autorizacion` = it can run in `prepago` mode. */
  capacidades: z.array(capacidad).max(8).optional(),
});

export const estado = z.object({
  tipo: z.literal('estado'),
  id_surtidor: idSurtidor,
  estado_operacion: estadoOperacion,
  litros_actuales: z.number().min(0).max(1_000_000),
  monto_actual: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  tipo_combustible: combustible,
  timestamp,
  /** (ext) The authorization the pump is dispensing under (`autorizado`, `despachando` in prepago). */
  id_autorizacion: idAutorizacion.optional(),
});

/** A sale's date: ISO-8601, not before LIMITES_VENTA.fechaMinima (an unreadable one is the format's issue). */
const fechaVenta = timestamp.refine((v) => !(timestampMs(v) < L.fechaMinimaMs), {
  message: `anterior a ${L.fechaMinima}: ninguna venta es tan antigua`,
});

/** A litre meter reading. */
const totalizador = z.number().min(0).max(L.totalizadorMax);

/** Limits: sale-limits.ts (what no pump can ever sell); the station observes the rest. */
export const transaccionCompletada = z
  .object({
    tipo: z.literal('transaccion_completada'),
    id_surtidor: idSurtidor,
    tipo_combustible: combustible,
    litros: z.number().min(L.litrosMin).max(L.litrosMax),
    precio_por_litro: z.number().int().min(L.precioMin).max(L.precioMax),
    monto_total: z.number().int().min(0).max(L.montoMax),
    metodo_pago: metodoPago,
    fecha_inicio: fechaVenta,
    fecha_fin: fechaVenta,
    id_transaccion: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[\w.:-]+$/, 'solo letras, dígitos, _ . : -')
      .optional(),
    estado: estadoTransaccion.optional(),
    operador: z.string().max(100).optional(),
    secuencia: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    version_precios: versionPrecios.optional(),
    totalizador_inicio: totalizador.optional(),
    totalizador_fin: totalizador.optional(),
    /** (ext) The authorization the sale was dispensed under (pumps in `prepago` mode). */
    id_autorizacion: idAutorizacion.optional(),
  })
  .refine((t) => timestampMs(t.fecha_fin) >= timestampMs(t.fecha_inicio), {
    path: ['fecha_fin'],
    message: 'fecha_fin es anterior a fecha_inicio',
  })
  .refine(
    (t) =>
      t.totalizador_inicio === undefined ||
      t.totalizador_fin === undefined ||
      t.totalizador_fin >= t.totalizador_inicio,
    { path: ['totalizador_fin'], message: 'totalizador_fin es menor que totalizador_inicio' },
  );

export const errorSurtidor = z.object({
  tipo: z.literal('error'),
  id_surtidor: idSurtidor,
  codigo: texto(64),
  mensaje: z.string().max(1000),
  timestamp,
});

export const heartbeat = z.object({
  tipo: z.literal('heartbeat'),
  id_surtidor: idSurtidor,
  timestamp,
});

export const preciosAplicados = z.object({
  tipo: z.literal('precios_aplicados'),
  id_surtidor: idSurtidor,
  version: versionPrecios,
});

export const comandoEjecutado = z.object({
  tipo: z.literal('comando_ejecutado'),
  id_surtidor: idSurtidor,
  id_comando: texto(64),
  resultado: z.string().min(1).max(500),
});

export const pumpToStation = z.discriminatedUnion('tipo', [
  registro,
  estado,
  transaccionCompletada,
  errorSurtidor,
  heartbeat,
  preciosAplicados,
  comandoEjecutado,
  // (ext) Tank gauges on the same port (gauges.ts): a seed pump never sends them.
  registroMedidor,
  lecturaTanque,
]);

export type Registro = z.infer<typeof registro>;
export type Estado = z.infer<typeof estado>;
export type TransaccionCompletada = z.infer<typeof transaccionCompletada>;
export type ErrorSurtidor = z.infer<typeof errorSurtidor>;
export type Heartbeat = z.infer<typeof heartbeat>;
export type PreciosAplicados = z.infer<typeof preciosAplicados>;
export type ComandoEjecutado = z.infer<typeof comandoEjecutado>;
export type PumpToStation = z.infer<typeof pumpToStation>;

// ── station → pump ──────────────────────────────────────────────────────────────────────────

export const registroConfirmado = z.object({
  tipo: z.literal('registro_confirmado'),
  id_surtidor: idSurtidor,
  mensaje: z.string(),
  precios,
  version_precios: versionPrecios.optional(),
  /** (ext) Sent to pumps that declared the `autorizacion` capacity. */
  modo_autorizacion: modoAutorizacion.optional(),
});

/** (ext) The station changed the pump's authorization mode (only to pumps with `autorizacion`). */
export const configuracion = z.object({
  tipo: z.literal('configuracion'),
  id_surtidor: idSurtidor,
  modo_autorizacion: modoAutorizacion,
});

export const actualizacionPreciosSurtidor = z.object({
  tipo: z.literal('actualizacion_precios'),
  precios,
  timestamp,
  version: versionPrecios.optional(),
});

export const comando = z
  .object({
    tipo: z.literal('comando'),
    comando: comandoNombre,
    razon: z.string().max(500),
    id_comando: texto(64).optional(),
    /** (ext) `autorizar` and `cancelar_autorizacion`: which authorization. */
    id_autorizacion: idAutorizacion.optional(),
    /** (ext) `autorizar`: the preset the pump stops at by itself. */
    limite: limiteAutorizacion.optional(),
    /** (ext) `autorizar`: the fuels the customer may take (all the pump sells when absent). */
    combustibles: z.array(combustible).min(1).max(4).optional(),
    /** (ext) `autorizar`: dispensing must start within this many ms, else the pump drops it. */
    vence_en_ms: z.number().int().min(1000).max(3_600_000).optional(),
  })
  .refine((c) => c.comando !== 'autorizar' || (c.id_autorizacion !== undefined && c.limite !== undefined), {
    path: ['limite'],
    message: 'autorizar lleva id_autorizacion y limite',
  })
  .refine((c) => c.comando !== 'cancelar_autorizacion' || c.id_autorizacion !== undefined, {
    path: ['id_autorizacion'],
    message: 'cancelar_autorizacion lleva id_autorizacion',
  });

export const solicitudEstado = z.object({
  tipo: z.literal('solicitud_estado'),
  timestamp,
});

export const registroRechazado = z.object({
  tipo: z.literal('registro_rechazado'),
  codigo: z.string(),
  mensaje: z.string(),
  /** (ext) With LIMITE_EXCEDIDO after repeated failed registrations: milliseconds before trying again. */
  reintentar_ms: z.number().int().nonnegative().optional(),
});

export const transaccionConfirmada = z.object({
  tipo: z.literal('transaccion_confirmada'),
  id_transaccion: z.string().min(1).max(64),
  duplicada: z.boolean(),
  /**
   * (ext) true when the station already held a different sale with this id: it kept this one
   * durably as a conflict (never replacing the stored one), so the pump drops it from its outbox
   * like any confirmation. `duplicada` is then true when that conflict was already recorded.
   */
  conflicto: z.boolean().optional(),
});

export const errorMensaje = z.object({
  tipo: z.literal('error'),
  codigo: z.string(),
  mensaje: z.string(),
  detalles: z.array(detalleError).optional(),
});

export const stationToPump = z.discriminatedUnion('tipo', [
  registroConfirmado,
  configuracion,
  actualizacionPreciosSurtidor,
  comando,
  solicitudEstado,
  registroRechazado,
  transaccionConfirmada,
  errorMensaje,
]);

export type RegistroConfirmado = z.infer<typeof registroConfirmado>;
export type Configuracion = z.infer<typeof configuracion>;
export type ActualizacionPreciosSurtidor = z.infer<typeof actualizacionPreciosSurtidor>;
export type Comando = z.infer<typeof comando>;
export type SolicitudEstado = z.infer<typeof solicitudEstado>;
export type RegistroRechazado = z.infer<typeof registroRechazado>;
export type TransaccionConfirmada = z.infer<typeof transaccionConfirmada>;
export type ErrorMensaje = z.infer<typeof errorMensaje>;
export type StationToPump = z.infer<typeof stationToPump>;
