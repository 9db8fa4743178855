/**
 * Invariant: a stored sale is a plausible sale. Every limit the station applies to a
 * `transaccion_completada` is in this one table (documented in docs/protocol.md):
 *
 * - REFUSED: what can never be a real sale. Answered `error MENSAJE_INVALIDO` with
 *   `detalles [{campo, problema}]`; nothing is stored and the pump keeps the sale in its outbox.
 *   Those that need no clock are in the wire schema (shared/src/protocol/sale-limits.ts, re-exported
 *   here); a date too far ahead of the station's clock is refused here.
 * - OBSERVED: odd but possible. Stored, with an observation (`CODIGO: detalle`) on the record,
 *   never a reason to drop it.
 *
 * Pure: the station's time comes in as a number (the service reads its injected clock).
 */
import {
  type DetalleError,
  LIMITES_VENTA,
  montoInconsistente,
  precioDe,
  type TransaccionCompletada,
  timestampMs,
} from '@combustible/shared';
import type { PriceBook } from './prices.js';
import type { Surtidor, VersionPrecios } from './types.js';

const HORA_MS = 3_600_000;

export const LIMITES = {
  // adelantoMaximoMs (REFUSED: a fecha_* that far after the station's now) and toleranciaMonto
  // (OBSERVED as MONTO_INCONSISTENTE beyond it) come from there: the company applies them too.
  ...LIMITES_VENTA,
  /** OBSERVED (FECHA_ADELANTADA): a fecha_* more than this after the station's now (clock skew allowed). */
  desfaseToleradoMs: 5 * 60_000,
  /** OBSERVED (LITROS_SOBRE_CAPACIDAD): litres per sale of a pump with no configuration of its own. */
  capacidadPorDefecto: 1_000,
  /** OBSERVED (PRECIO_INUSUAL): precio_por_litro this far (fraction) from the price book's. */
  desvioPrecioMaximo: 0.1,
  /** OBSERVED (MONTO_ELEVADO): monto_total above this (pesos), whatever the estado. */
  montoElevado: 5_000_000,
  /** OBSERVED (DURACION_EXCESIVA): fecha_fin − fecha_inicio above this. */
  duracionMaximaMs: 24 * HORA_MS,
  /** OBSERVED (TOTALIZADOR_INCONSISTENTE): |(totalizador_fin − totalizador_inicio) − litros| above this (L). */
  toleranciaTotalizador: 0.01,
} as const;

/**
 * The refusals that need the station's clock (the wire schema has already refused the rest): a
 * date more than `adelantoMaximoMs` ahead. Empty when the sale may be stored.
 */
export function rechazosVenta(t: TransaccionCompletada, ahoraMs: number): DetalleError[] {
  const limite = ahoraMs + LIMITES.adelantoMaximoMs;
  const rechazos: DetalleError[] = [];
  for (const campo of ['fecha_inicio', 'fecha_fin'] as const) {
    if (timestampMs(t[campo]) > limite) {
      rechazos.push({
        campo,
        problema: `posterior en más de ${LIMITES.adelantoMaximoMs / HORA_MS} h a la hora de la estación (${new Date(ahoraMs).toISOString()}): revise el reloj del surtidor`,
      });
    }
  }
  return rechazos;
}

export interface ContextoPlausibilidad {
  /** The pump's record at the station (its configuration and fuels); null when it has none. */
  surtidor: Surtidor | null;
  precios: PriceBook;
  /** Station time, epoch ms. */
  ahoraMs: number;
}

/** The price version a sale is compared with: the one it names when the book holds it, else the one in force. */
function versionDeReferencia(t: TransaccionCompletada, book: PriceBook): VersionPrecios {
  if (t.version_precios !== undefined && book.previous?.version === t.version_precios) return book.previous;
  return book.current;
}

const litros = (n: number) => `${Math.round(n * 1000) / 1000} L`;

/** What the station notices about a sale it stores, in a fixed order. Never a reason to drop it. */
export function observacionesVenta(t: TransaccionCompletada, ctx: ContextoPlausibilidad): string[] {
  const found: string[] = [];
  const monto = montoInconsistente(t);
  if (monto !== null) found.push(`MONTO_INCONSISTENTE: ${monto}`);
  const book = ctx.precios;
  if (t.version_precios !== undefined && !book.isRecent(t.version_precios)) {
    const anterior = book.previous ? ` ni la anterior (${book.previous.version})` : '';
    found.push(
      `VERSION_PRECIOS_ANTIGUA: vendida a la versión ${t.version_precios}, no es la vigente (${book.current.version})${anterior}`,
    );
  }
  const capacidad = ctx.surtidor?.configuracion.capacidad_maxima_litros ?? LIMITES.capacidadPorDefecto;
  if (t.litros > capacidad) {
    found.push(
      `LITROS_SOBRE_CAPACIDAD: ${litros(t.litros)} en una venta; la capacidad por venta del surtidor es ${litros(capacidad)}`,
    );
  }
  if (ctx.surtidor && !ctx.surtidor.combustibles_soportados.includes(t.tipo_combustible)) {
    found.push(
      `COMBUSTIBLE_NO_SOPORTADO: ${t.tipo_combustible} no está entre los combustibles del surtidor (${ctx.surtidor.combustibles_soportados.join(', ') || 'ninguno'})`,
    );
  }
  const referencia = versionDeReferencia(t, book);
  const precio = precioDe(referencia.precios, t.tipo_combustible);
  if (Math.abs(t.precio_por_litro - precio) > precio * LIMITES.desvioPrecioMaximo) {
    found.push(
      `PRECIO_INUSUAL: ${t.precio_por_litro} por litro; el de ${t.tipo_combustible} en la versión ${referencia.version} es ${precio} (más de ${LIMITES.desvioPrecioMaximo * 100} % de diferencia)`,
    );
  }
  if (t.monto_total > LIMITES.montoElevado) {
    found.push(
      `MONTO_ELEVADO: ${t.monto_total} pesos en una venta ${t.estado ?? 'completada'} (más de ${LIMITES.montoElevado})`,
    );
  }
  const inicio = timestampMs(t.fecha_inicio);
  const fin = timestampMs(t.fecha_fin);
  if (fin - inicio > LIMITES.duracionMaximaMs) {
    found.push(`DURACION_EXCESIVA: la venta duró ${((fin - inicio) / HORA_MS).toFixed(1)} h`);
  }
  if (Math.max(inicio, fin) > ctx.ahoraMs + LIMITES.desfaseToleradoMs) {
    found.push(
      `FECHA_ADELANTADA: fechada ${((Math.max(inicio, fin) - ctx.ahoraMs) / 60_000).toFixed(1)} min después de la hora de la estación`,
    );
  }
  if (t.totalizador_inicio !== undefined && t.totalizador_fin !== undefined) {
    const medido = t.totalizador_fin - t.totalizador_inicio;
    if (Math.abs(medido - t.litros) > LIMITES.toleranciaTotalizador) {
      found.push(
        `TOTALIZADOR_INCONSISTENTE: el totalizador avanzó ${litros(medido)} y la venta dice ${litros(t.litros)}`,
      );
    }
  }
  return found;
}
