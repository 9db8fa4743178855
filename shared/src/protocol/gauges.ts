/**
 * (ext) Tank gauges (ATG probes) on link 1. A gauge is a device on the pump port, like a pump: it
 * registers first (`registro_medidor`), then reports one `lectura_tanque` per tank it measures
 * every few seconds and on change. Its id is its own (`id_medidor`), apart from the pumps' ids.
 * See docs/protocol.md. These schemas are what both sides agree on; the station adds them to the
 * pump port's message union.
 */
import { z } from 'zod';
import { timestamp } from './common.js';

/** A gauge's id, and a tank's: positive integers, as pump ids. */
export const idMedidor = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
export const idTanque = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** What no real tank reading can be: the wire refuses it (the station judges the rest). */
export const LIMITES_LECTURA = {
  /** Millimetres of product or water: a tank deeper than 10 m is not a forecourt tank. */
  alturaMaxMm: 10_000,
  /** Degrees Celsius of the product. */
  temperaturaMinC: -50,
  temperaturaMaxC: 80,
  /** Litres in one tank. */
  litrosMax: 1_000_000,
  /** Tanks per gauge console. */
  tanquesPorMedidor: 16,
} as const;

const L = LIMITES_LECTURA;
const altura = z.number().min(0).max(L.alturaMaxMm);
const litros = z.number().min(0).max(L.litrosMax);

export const registroMedidor = z.object({
  tipo: z.literal('registro_medidor'),
  id_medidor: idMedidor,
  nombre: z.string().min(1).max(100),
  version: z.string().min(1).max(32),
  /** The tanks this gauge measures (their probes). */
  tanques: z
    .array(idTanque)
    .min(1)
    .max(L.tanquesPorMedidor)
    .refine((l) => new Set(l).size === l.length, 'tanques repetidos'),
  token: z.string().max(256).optional(),
});

/** One probe reading: heights, temperature, and the volumes the gauge computed from its own chart. */
export const lecturaTanque = z.object({
  tipo: z.literal('lectura_tanque'),
  id_medidor: idMedidor,
  id_tanque: idTanque,
  timestamp,
  altura_producto_mm: altura,
  altura_agua_mm: altura,
  temperatura_c: z.number().min(L.temperaturaMinC).max(L.temperaturaMaxC),
  /** Gross product volume at the measured temperature. */
  litros: litros,
  /** Net volume corrected to 15 °C. */
  litros_15c: litros,
});

/** station → gauge: registered. */
export const medidorConfirmado = z.object({
  tipo: z.literal('medidor_confirmado'),
  id_medidor: idMedidor,
  mensaje: z.string(),
});

export type RegistroMedidor = z.infer<typeof registroMedidor>;
export type LecturaTanque = z.infer<typeof lecturaTanque>;
export type MedidorConfirmado = z.infer<typeof medidorConfirmado>;
