import { createHash } from 'node:crypto';
import { type TransaccionCompletada, timestampMs } from '@combustible/shared';
import { LIMITES, observacionesVenta } from './plausibility.js';
import type { PriceBook } from './prices.js';
import type { Surtidor, Transaccion } from './types.js';

/** Largest gap between monto_total and litros × precio_por_litro that is still rounding (pesos). */
export const TOLERANCIA_MONTO = LIMITES.toleranciaMonto;

/**
 * A deterministic id for a sale sent without `id_transaccion`: the same content always gives the
 * same id, so a resend is recognised as a duplicate.
 */
export function derivedTransactionId(t: TransaccionCompletada): string {
  const canonical = JSON.stringify([
    t.id_surtidor,
    t.tipo_combustible,
    t.litros,
    t.precio_por_litro,
    t.monto_total,
    t.metodo_pago,
    timestampMs(t.fecha_inicio),
    timestampMs(t.fecha_fin),
    t.estado ?? 'completada',
    t.secuencia ?? null,
    t.totalizador_inicio ?? null,
    t.totalizador_fin ?? null,
  ]);
  return `h-${createHash('sha256').update(canonical).digest('hex').slice(0, 40)}`;
}

export interface TransactionContext {
  /** Station time, ISO-8601. */
  now: string;
  nombreSurtidor: string | null;
  prices: PriceBook;
  /** The pump's record (its capacity and fuels, for the observations); null or absent when none. */
  surtidor?: Surtidor | null;
  /** (ext) What the authorization checks found (observations, after the plausibility ones) and the refund. */
  autorizacion?: { observaciones: string[]; reembolso: number | null };
}

/** Builds the record to store from a validated `transaccion_completada`. Pure. */
export function buildTransaction(t: TransaccionCompletada, ctx: TransactionContext): Transaccion {
  const duracion = Math.max(0, (timestampMs(t.fecha_fin) - timestampMs(t.fecha_inicio)) / 1000);
  return {
    id_transaccion: t.id_transaccion ?? derivedTransactionId(t),
    id_derivado: t.id_transaccion === undefined,
    id_surtidor: t.id_surtidor,
    nombre_surtidor: ctx.nombreSurtidor,
    tipo_combustible: t.tipo_combustible,
    litros: t.litros,
    precio_por_litro: t.precio_por_litro,
    monto_total: t.monto_total,
    metodo_pago: t.metodo_pago,
    fecha_inicio: t.fecha_inicio,
    fecha_fin: t.fecha_fin,
    estado: t.estado ?? 'completada',
    operador: t.operador ?? null,
    secuencia: t.secuencia ?? null,
    version_precios: t.version_precios ?? null,
    totalizador_inicio: t.totalizador_inicio ?? null,
    totalizador_fin: t.totalizador_fin ?? null,
    observaciones: [
      ...observacionesVenta(t, {
        surtidor: ctx.surtidor ?? null,
        precios: ctx.prices,
        ahoraMs: timestampMs(ctx.now),
      }),
      ...(ctx.autorizacion?.observaciones ?? []),
    ],
    detalles: {
      duracion_segundos: duracion,
      velocidad_promedio: duracion > 0 ? Math.round((t.litros / duracion) * 1000) / 1000 : 0,
    },
    recibida: ctx.now,
    id_autorizacion: t.id_autorizacion ?? null,
    reembolso: ctx.autorizacion?.reembolso ?? null,
  };
}
