/** The simulated pump's vocabulary. Wire names are the seed's (Spanish); code structure is English. */
import type {
  Combustible,
  ComandoEjecutado,
  Estado,
  MetodoPago,
  ModoAutorizacion,
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

/** What a customer at a prepaid pump does besides asking (see prepaidHabits). */
export interface PrepaidHabits {
  /** Simulated ms after which they hang up if still not authorized (null: they wait). */
  abandonaTrasMs: number | null;
  /** With an amount or volume preset, the fraction of it where they stop (null: at the preset). */
  corteEn: number | null;
}

/** How a pump sells (the station's `modo_autorizacion` overrides `modo`). */
export interface AuthorizationOptions {
  /** The mode until the station says otherwise. */
  modo: ModoAutorizacion;
  /**
   * `--autorizar-solo`: in prepago the pump authorizes its own customers after they pay (a few
   * simulated seconds), with their own request as the preset, instead of waiting for the station.
   * For load tests only: the station never issued those authorizations.
   */
  selfAuthorize: boolean;
}

/** What a pump counts about authorizations (summed by the fleet). */
export interface AuthorizationCounters {
  /** `autorizar` commands received (accepted or not). */
  recibidas: number;
  /** `autorizar` commands answered with an error. */
  rechazadas: number;
  /** Authorizations the pump gave itself (--autorizar-solo). */
  propias: number;
  /** Authorizations dropped because dispensing did not start within `vence_en_ms`. */
  vencidas: number;
  /** Authorizations the station cancelled (`cancelar_autorizacion` answered ok). */
  canceladas: number;
  /** Customers who hung up while waiting for an authorization (no sale). */
  abandonos: number;
}

export function emptyAuthorizationCounters(): AuthorizationCounters {
  return { recibidas: 0, rechazadas: 0, propias: 0, vencidas: 0, canceladas: 0, abandonos: 0 };
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
  /** The meter just counted these millilitres of this fuel (the tank of that fuel loses them). */
  dispensed?(combustible: Combustible, ml: number): void;
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
