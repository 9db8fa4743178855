/** Link 2: company → station (the station listens, default port 5001; the company connects out). */
import { z } from 'zod';
import { precios, timestamp, versionPrecios } from './common.js';
import { errorMensaje } from './link1.js';
import { reporte, reportesRecibidos, seqReporte, suscripcionReportes } from './reports.js';

export const idEstacion = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w.-]+$/, 'solo letras, dígitos, _ . -')
  // "." and ".." are URL path segments that resolve away: /api/estaciones/.. would not be that station.
  .refine((id) => !/^\.+$/.test(id), 'no puede ser solo puntos');

export const estacionInfo = z.object({
  tipo: z.literal('estacion_info'),
  id_estacion: idEstacion,
  nombre: z.string().min(1).max(100),
  version_precios: versionPrecios,
  /** (ext) A scheduled version the station holds, not yet in force. */
  version_programada: versionPrecios.optional(),
  /**
   * (ext, issue 15) The station forwards reports: the last journal position it has written (0:
   * none yet). The company subscribes with `suscripcion_reportes` only to a station that sends it.
   */
  ultimo_seq: seqReporte.or(z.literal(0)).optional(),
});

export const autenticacion = z.object({
  tipo: z.literal('autenticacion'),
  empresa: z.string().min(1).max(100),
  token: z.string().max(256),
});

export const actualizacionPreciosEstacion = z.object({
  tipo: z.literal('actualizacion_precios'),
  precios,
  version: versionPrecios.min(1),
  timestamp,
  /**
   * (ext) When the version takes effect, by the station's clock: until then the station keeps it
   * durably beside the version in force. Absent (or past): at once. A station that does not know
   * the field applies the version at once.
   */
  vigencia: timestamp.optional(),
});

/** (ext) The company cancelled a scheduled version before it took effect. */
export const cancelacionPrecios = z.object({
  tipo: z.literal('cancelacion_precios'),
  version: versionPrecios.min(1),
  timestamp,
});

/**
 * (ext) The answer to `cancelacion_precios`: `cancelada` (it was scheduled here and is dropped),
 * `ya_aplicada` (it is already in force here: clock skew, or it came too late), `desconocida` (the
 * station never held it); `version_precios` is the version in force afterwards.
 */
export const cancelacionRecibida = z.object({
  tipo: z.literal('cancelacion_recibida'),
  version: versionPrecios,
  resultado: z.enum(['cancelada', 'ya_aplicada', 'desconocida']),
  version_precios: versionPrecios,
});

export const preciosRecibidos = z.object({
  tipo: z.literal('precios_recibidos'),
  version: versionPrecios,
});

export const ping = z.object({ tipo: z.literal('ping'), timestamp: timestamp.optional() });
export const pong = z.object({ tipo: z.literal('pong'), timestamp: timestamp.optional() });

export const companyToStation = z.discriminatedUnion('tipo', [
  autenticacion,
  actualizacionPreciosEstacion,
  cancelacionPrecios,
  suscripcionReportes,
  reportesRecibidos,
  ping,
  pong,
  errorMensaje,
]);

export const stationToCompany = z.discriminatedUnion('tipo', [
  estacionInfo,
  preciosRecibidos,
  cancelacionRecibida,
  reporte,
  ping,
  pong,
  errorMensaje,
]);

export type EstacionInfo = z.infer<typeof estacionInfo>;
export type Autenticacion = z.infer<typeof autenticacion>;
export type ActualizacionPreciosEstacion = z.infer<typeof actualizacionPreciosEstacion>;
export type PreciosRecibidos = z.infer<typeof preciosRecibidos>;
export type CancelacionPrecios = z.infer<typeof cancelacionPrecios>;
export type CancelacionRecibida = z.infer<typeof cancelacionRecibida>;
export type CompanyToStation = z.infer<typeof companyToStation>;
export type StationToCompany = z.infer<typeof stationToCompany>;
