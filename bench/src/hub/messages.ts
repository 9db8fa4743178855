/** Valid pump → station lines for the load generator (see docs/protocol.md, link 1). */

const FUELS = ['93', '95', '97', 'diesel'] as const;
type Fuel = (typeof FUELS)[number];
const PAYMENT = ['efectivo', 'tarjeta', 'transferencia'] as const;
const DEFAULT_PRICE = 1300;

/** What one simulated pump remembers between lines. */
export interface PumpState {
  id: number;
  fuel: Fuel;
  /** Pesos per litre of `fuel`, from `registro_confirmado`. */
  price: number;
  estados: number;
  secuencia: number;
  totalizador: number;
}

export function newPumpState(id: number): PumpState {
  return {
    id,
    fuel: FUELS[id % FUELS.length] ?? '95',
    price: DEFAULT_PRICE,
    estados: 0,
    secuencia: 0,
    totalizador: 0,
  };
}

/** Reads the pump's price out of a `registro_confirmado`; keeps the default when absent. */
export function applyPrices(pump: PumpState, msg: Record<string, unknown>): void {
  const precios = msg.precios as Record<string, unknown> | undefined;
  const price = precios?.[`precio_${pump.fuel}`];
  if (typeof price === 'number' && Number.isInteger(price) && price > 0) pump.price = price;
}

export function registroLine(pump: PumpState): string {
  return `${JSON.stringify({
    tipo: 'registro',
    id_surtidor: pump.id,
    nombre: `Bench ${pump.id}`,
    combustibles_soportados: [pump.fuel],
    version: 'bench-1',
    combustible_actual: pump.fuel,
  })}\n`;
}

/** A dispensing cycle of five reports: four `despachando` with growing litres, then `disponible`. */
export function estadoLine(pump: PumpState): string {
  const step = pump.estados++ % 5;
  const litros = step === 4 ? 0 : (step + 1) * 2.5;
  return `${JSON.stringify({
    tipo: 'estado',
    id_surtidor: pump.id,
    estado_operacion: step === 4 ? 'disponible' : 'despachando',
    litros_actuales: litros,
    monto_actual: Math.round(litros * pump.price),
    tipo_combustible: pump.fuel,
    timestamp: new Date().toISOString(),
  })}\n`;
}

/** A sale with whole litres, so monto_total = litros × precio_por_litro exactly. */
export function transaccionLine(pump: PumpState, idTransaccion: string, nowMs: number): string {
  const litros = 1 + ((pump.secuencia * 7 + pump.id) % 60);
  pump.secuencia += 1;
  const totalizadorInicio = pump.totalizador;
  pump.totalizador += litros;
  return `${JSON.stringify({
    tipo: 'transaccion_completada',
    id_surtidor: pump.id,
    tipo_combustible: pump.fuel,
    litros,
    precio_por_litro: pump.price,
    monto_total: litros * pump.price,
    metodo_pago: PAYMENT[pump.secuencia % PAYMENT.length],
    fecha_inicio: new Date(nowMs - 90_000).toISOString(),
    fecha_fin: new Date(nowMs).toISOString(),
    id_transaccion: idTransaccion,
    secuencia: pump.secuencia,
    totalizador_inicio: totalizadorInicio,
    totalizador_fin: pump.totalizador,
  })}\n`;
}
