/**
 * What no pump can ever sell: the hard limits of a `transaccion_completada`, enforced by its wire
 * schema (link1.ts), so that the `error MENSAJE_INVALIDO` names the field. A sale beyond them is
 * refused (nothing stored; the pump keeps it in its outbox), so they are wide: only what can never
 * be a real sale. The station's full table (these, the refusals that need its clock, and the
 * observations it stores with odd but possible sales) is estacion/src/domain/plausibility.ts,
 * documented in docs/protocol.md.
 */
export const LIMITES_VENTA = {
  /** Litres: the least a meter registers (1 mL) … more than a tanker truck holds. */
  litrosMin: 0.001,
  litrosMax: 100_000,
  /** Integer pesos per litre. */
  precioMin: 1,
  precioMax: 100_000,
  /** Integer pesos (10^10: far beyond litrosMax × a real price, and exact in a double). */
  montoMax: 10_000_000_000,
  /** No sale is dated before this instant (fecha_inicio and fecha_fin). */
  fechaMinima: '2000-01-01T00:00:00Z',
  fechaMinimaMs: Date.UTC(2000, 0, 1),
  /** A pump's litre meter (totalizador_*), with 3 decimals still exact in a double. */
  totalizadorMax: 1_000_000_000_000,
  /**
   * A date more than this after the receiver's clock is refused (a clock a day ahead is broken):
   * by the station for a pump's sale, by the company for a station's report.
   */
  adelantoMaximoMs: 24 * 3_600_000,
  /** |monto_total − round(litros × precio_por_litro)| above this (pesos) is inconsistent. */
  toleranciaMonto: 1,
} as const;

/**
 * What is wrong with a sale's amount, or null: `monto_total` is off `round(litros ×
 * precio_por_litro)` by more than `toleranciaMonto`. The station notes it on the sale it stores
 * (MONTO_INCONSISTENTE), the company on the sale a station forwards; neither refuses the sale.
 */
export function montoInconsistente(v: {
  litros: number;
  precio_por_litro: number;
  monto_total: number;
}): string | null {
  const esperado = Math.round(v.litros * v.precio_por_litro);
  if (Math.abs(v.monto_total - esperado) <= LIMITES_VENTA.toleranciaMonto) return null;
  return `monto_total ${v.monto_total} difiere de litros × precio_por_litro = ${esperado}`;
}
