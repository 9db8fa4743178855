/** Customers: when they arrive and what they ask for. Pure functions of a random source. */
import { type Combustible, type LimiteAutorizacion, METODOS_PAGO, type MetodoPago } from '@combustible/shared';
import { mlDeLitros, mlParaMonto } from './money.js';
import type { Customer, Pedido, PrepaidHabits } from './types.js';

export type Random = () => number;

/** Exponentially distributed wait with the given mean (a Poisson arrival process). */
export function nextArrivalDelay(random: Random, meanMs: number): number {
  return Math.max(0, -Math.log(1 - random()) * meanMs);
}

function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.min(items.length - 1, Math.floor(random() * items.length))];
  if (item === undefined) throw new RangeError('pick from an empty list');
  return item;
}

/** How customers pay: mostly card, then cash, a few transfers. */
const PAGO_PESOS: Record<MetodoPago, number> = { tarjeta: 0.6, efectivo: 0.3, transferencia: 0.1 };

function metodoPago(random: Random): MetodoPago {
  let r = random();
  for (const m of METODOS_PAGO) {
    r -= PAGO_PESOS[m];
    if (r < 0) return m;
  }
  return 'tarjeta';
}

/** Litres: 5 to 50 whole litres; amount: 5 000 to 50 000 pesos in thousands; fill-up: 15 to 70 L. */
function pedido(random: Random): Pedido {
  const r = random();
  if (r < 0.4) return { tipo: 'litros', litros: 5 + Math.floor(random() * 46) };
  if (r < 0.8) return { tipo: 'monto', monto: 1000 * (5 + Math.floor(random() * 46)) };
  return { tipo: 'lleno', litros: Math.round((15 + random() * 55) * 1000) / 1000 };
}

export function chooseCustomer(random: Random, combustibles: readonly Combustible[]): Customer {
  return { combustible: pick(random, combustibles), metodo_pago: metodoPago(random), pedido: pedido(random) };
}

/** How many millilitres the sale will dispense, capped by the pump's capacity (at least 1 ml). */
export function targetMl(p: Pedido, precioPorLitro: number, capacidadLitros: number): number {
  const wanted = p.tipo === 'monto' ? mlParaMonto(p.monto, precioPorLitro) : mlDeLitros(p.litros);
  return Math.max(1, Math.min(wanted, Math.floor(capacidadLitros * 1000)));
}

/** A prepaid customer sometimes hangs up while waiting for the authorization: this often… */
export const PROB_ABANDONO = 0.05;
/** …after 5 s to 2 min (simulated) of waiting. */
const PACIENCIA_MIN_MS = 5000;
const PACIENCIA_MAX_MS = 120_000;
/** With an amount or volume preset, a customer sometimes stops early: this often… */
export const PROB_CORTE_ANTICIPADO = 0.1;
/** …somewhere between 20 % and 90 % of the preset. */
const CORTE_MIN = 0.2;
const CORTE_MAX = 0.9;

/**
 * How a prepaid customer behaves beyond what they ask for. Always four draws, in this order:
 * walks away?, after how long, stops early?, where.
 */
export function prepaidHabits(random: Random): PrepaidHabits {
  const walks = random() < PROB_ABANDONO;
  const patience = PACIENCIA_MIN_MS + random() * (PACIENCIA_MAX_MS - PACIENCIA_MIN_MS);
  const stops = random() < PROB_CORTE_ANTICIPADO;
  const fraction = CORTE_MIN + random() * (CORTE_MAX - CORTE_MIN);
  return { abandonaTrasMs: walks ? patience : null, corteEn: stops ? fraction : null };
}

/**
 * Where a pump stops by itself under an authorization, in millilitres, never above the pump's
 * maximum: `monto`, the most the amount pays for at this price (rounded down to the millilitre,
 * priced as the station checks it, so possibly 0); `litros`, the volume (rounded down to the
 * millilitre); `lleno`, what the customer's tank takes (their own request).
 */
export function presetMl(
  limite: LimiteAutorizacion,
  p: Pedido,
  precioPorLitro: number,
  capacidadLitros: number,
): number {
  const maxMl = Math.floor(capacidadLitros * 1000);
  switch (limite.tipo) {
    case 'monto':
      return Math.min(mlParaMonto(limite.valor, precioPorLitro), maxMl);
    case 'litros':
      return Math.min(Math.floor(limite.valor * 1000 + 1e-6), maxMl);
    case 'lleno':
      return targetMl(p, precioPorLitro, capacidadLitros);
  }
}
