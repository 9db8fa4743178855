/** Link 2: company → station (the station listens, default port 5001; the company connects out). */
import { z } from 'zod';
import { precios, timestamp, versionPrecios } from './common.js';
import { errorMensaje } from './link1.js';

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
  ping,
  pong,
  errorMensaje,
]);

export const stationToCompany = z.discriminatedUnion('tipo', [
  estacionInfo,
  preciosRecibidos,
  ping,
  pong,
  errorMensaje,
]);

export type EstacionInfo = z.infer<typeof estacionInfo>;
export type Autenticacion = z.infer<typeof autenticacion>;
export type ActualizacionPreciosEstacion = z.infer<typeof actualizacionPreciosEstacion>;
export type PreciosRecibidos = z.infer<typeof preciosRecibidos>;
export type CompanyToStation = z.infer<typeof companyToStation>;
export type StationToCompany = z.infer<typeof stationToCompany>;
