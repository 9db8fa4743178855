import { z } from 'zod';
import { LIMITES_VENTA as L } from './sale-limits.js';

export const COMBUSTIBLES = ['93', '95', '97', 'diesel'] as const;
export const combustible = z.enum(COMBUSTIBLES);
export type Combustible = z.infer<typeof combustible>;

export const METODOS_PAGO = ['efectivo', 'tarjeta', 'transferencia'] as const;
export const metodoPago = z.enum(METODOS_PAGO);
export type MetodoPago = z.infer<typeof metodoPago>;

/**
 * A pump's state. `esperando_autorizacion` and `autorizado` are (ext), only for pumps in `prepago`
 * mode: nozzle lifted, waiting for the station; authorized, waiting for fuel to start flowing.
 */
export const ESTADOS_OPERACION = [
  'disponible',
  'despachando',
  'pausado',
  'esperando_autorizacion',
  'autorizado',
] as const;
export const estadoOperacion = z.enum(ESTADOS_OPERACION);
export type EstadoOperacion = z.infer<typeof estadoOperacion>;

export const ESTADOS_TRANSACCION = ['completada', 'cancelada', 'error'] as const;
export const estadoTransaccion = z.enum(ESTADOS_TRANSACCION);
export type EstadoTransaccion = z.infer<typeof estadoTransaccion>;

export const COMANDOS = ['pausar', 'reanudar', 'detener_emergencia', 'autorizar', 'cancelar_autorizacion'] as const;
export const comandoNombre = z.enum(COMANDOS);
export type ComandoNombre = z.infer<typeof comandoNombre>;

/** The commands an operator sends to a pump as such (authorizations have their own routes). */
export const COMANDOS_OPERADOR = ['pausar', 'reanudar', 'detener_emergencia'] as const;
export type ComandoOperador = (typeof COMANDOS_OPERADOR)[number];

/**
 * (ext) How a pump sells: `postpago` (the seed's behaviour, the default: a lifted nozzle dispenses
 * and the customer pays after) or `prepago` (a lifted nozzle waits for the station's `autorizar`).
 */
export const MODOS_AUTORIZACION = ['postpago', 'prepago'] as const;
export const modoAutorizacion = z.enum(MODOS_AUTORIZACION);
export type ModoAutorizacion = z.infer<typeof modoAutorizacion>;

/** (ext) What a pump declares it can do, in `registro.capacidades`. */
export const CAPACIDADES = ['autorizacion'] as const;
export const capacidad = z.enum(CAPACIDADES);
export type Capacidad = z.infer<typeof capacidad>;

/** An authorization id: issued by the station, quoted back by the pump in `estado` and in the sale. */
export const idAutorizacion = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w.:-]+$/, 'solo letras, dígitos, _ . : -');

/**
 * (ext) The preset of an authorization: up to an amount (integer pesos), up to a volume (litres),
 * or `lleno` (until the nozzle clicks off: bounded only by the pump's own maximum).
 */
export const limiteAutorizacion = z.discriminatedUnion('tipo', [
  z.object({ tipo: z.literal('monto'), valor: z.number().int().min(1).max(L.montoMax) }),
  z.object({ tipo: z.literal('litros'), valor: z.number().min(0.01).max(L.litrosMax) }),
  z.object({ tipo: z.literal('lleno') }),
]);
export type LimiteAutorizacion = z.infer<typeof limiteAutorizacion>;

export const idSurtidor = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** ISO-8601 date-time, with or without offset (the seed sends local times such as 2024-01-15T14:30:00). */
export const timestamp = z.iso.datetime({ offset: true, local: true });

const HAS_OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * The last timestamps parsed: a sale's two dates are read by its schema, the plausibility checks,
 * the record builder and the store, so the same two strings come back many times in a row.
 */
const parsedText = ['', ''];
const parsedMs = [Number.NaN, Number.NaN];
let parsedNext = 0;

/** Parses a wire timestamp into epoch milliseconds; local times without offset are read as UTC. */
export function timestampMs(value: string): number {
  if (value === parsedText[0]) return parsedMs[0] as number;
  if (value === parsedText[1]) return parsedMs[1] as number;
  const ms = Date.parse(HAS_OFFSET.test(value) ? value : `${value}Z`);
  parsedText[parsedNext] = value;
  parsedMs[parsedNext] = ms;
  parsedNext ^= 1;
  return ms;
}

/** A price version: 0 is the station's built-in default set, the company numbers its versions from 1. */
export const versionPrecios = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const precio = z.number().int().positive().max(1_000_000);

/** The full set of four prices, integer pesos per litre, spelled as the seed spells them. */
export const precios = z.object({
  precio_93: precio,
  precio_95: precio,
  precio_97: precio,
  precio_diesel: precio,
});
export type Precios = z.infer<typeof precios>;

/** Seed defaults, in force at a station until the company sends a version. */
export const PRECIOS_POR_DEFECTO: Precios = {
  precio_93: 1290,
  precio_95: 1350,
  precio_97: 1400,
  precio_diesel: 1120,
};

export function precioDe(p: Precios, c: Combustible): number {
  switch (c) {
    case '93':
      return p.precio_93;
    case '95':
      return p.precio_95;
    case '97':
      return p.precio_97;
    case 'diesel':
      return p.precio_diesel;
  }
}

/** The wire `error` message (both links, both directions). */
export const detalleError = z.object({ campo: z.string(), problema: z.string() });
export type DetalleError = z.infer<typeof detalleError>;
