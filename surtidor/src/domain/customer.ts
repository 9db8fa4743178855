/** Customers: when they arrive and what they ask for. Pure functions of a random source. */
import { type Combustible, METODOS_PAGO, type MetodoPago } from '@combustible/shared';
import { mlDeLitros, mlParaMonto } from './money.js';
import type { Customer, Pedido } from './types.js';

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
