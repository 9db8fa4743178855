/** The simulated pump's vocabulary. Wire names are the seed's (Spanish); code structure is English. */
import type {
  Combustible,
  ComandoEjecutado,
  Estado,
  MetodoPago,
  Precios,
  PreciosAplicados,
  TransaccionCompletada,
} from '@combustible/shared';

/** The seed's pump record, as far as a terminal knows it. */
export interface PumpConfig {
  id_surtidor: number;
  nombre: string;
  combustibles_soportados: Combustible[];
  combustible_actual: Combustible;
  configuracion: {
    /** The most one sale can dispense. */
    capacidad_maxima_litros: number;
    /** Litres per second (at speed 1). */
    velocidad_despacho: number;
  };
}

/** A set of prices and the version it belongs to. */
export interface PriceVersion {
  version: number;
  precios: Precios;
}

/** What the pump remembers across restarts (kept in the outbox log beside the unconfirmed sales). */
export interface PumpMemory {
  /** Random per pump and outbox: makes `id_transaccion` unique even if the outbox is ever reset. */
  instancia: string;
  /** The last sale number used (0: none yet). */
  secuencia: number;
  /** The litre meter, in millilitres (an integer, so it never drifts). */
  totalizadorMl: number;
  /** The prices the pump sells at. */
  precios: PriceVersion;
}

/** What one customer wants. */
export type Pedido =
  { tipo: 'litros'; litros: number } | { tipo: 'monto'; monto: number } | { tipo: 'lleno'; litros: number };

export interface Customer {
  combustible: Combustible;
  metodo_pago: MetodoPago;
  pedido: Pedido;
}

/** Live messages the pump emits (sales go through the outbox instead). */
export type PumpMessage = Estado | PreciosAplicados | ComandoEjecutado;

/** Where a pump's output goes; the fleet wires it to the outbox and the link. */
export interface PumpSink {
  send(message: PumpMessage): void;
  /** A finished (or cancelled) sale: it must be written durably before it is sent. */
  sale(tx: TransaccionCompletada): void;
  /** The pump now sells at new prices (to persist them). */
  pricesApplied?(prices: PriceVersion): void;
}

/** Time knobs of the simulation. */
export interface PumpTiming {
  /** Simulated time runs this many times faster than real time (customers and dispensing). */
  speed: number;
  /** Mean simulated time between one customer leaving and the next arriving. */
  meanIntervalMs: number;
  /** An `estado` every this many real ms while dispensing. */
  estadoIntervalMs: number;
}
