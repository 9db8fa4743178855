/** What a fleet reports: the live table, the periodic `resumen` log and the final summary. */
import type { ChaosCounters } from '../chaos.js';
import type { TankStats } from '../domain/medidor.js';
import type { AuthorizationCounters } from '../domain/types.js';
import type { LinkCounters } from '../link/counters.js';
import type { OutboxStats } from '../outbox/outbox.js';

export interface ProducedCounters {
  /** Sales made in this run (completed and cancelled). */
  ventas: number;
  canceladas: number;
  /** Pesos and litres of those sales. */
  monto: number;
  litros: number;
}

export interface FleetStats extends ProducedCounters, Omit<LinkCounters, 'errores' | 'rechazos'> {
  surtidores: number;
  /** Registered with the station right now. */
  conectados: number;
  despachando: number;
  pausados: number;
  /** Sales in the outbox not yet confirmed by the station. */
  pendientes: number;
  /** Successful reconnections, summed over the pumps. */
  reconexiones: number;
  /** Links stopped for good (e.g. token refused). */
  detenidos: number;
  errores: Record<string, number>;
  rechazos: Record<string, number>;
  outbox: OutboxStats;
  caos?: ChaosCounters;
  /** Present once a pump is (or was) in prepago. */
  autorizacion?: AuthorizationStats;
  /** The gauge console (--tanques). */
  medidor?: GaugeStats;
  tanques?: TankStats[];
}

export interface GaugeStats {
  id_medidor: number;
  /** Registered with the station right now. */
  conectado: boolean;
  /** Readings sent. */
  lecturas: number;
}

/** Prepago across the fleet: the pumps' counters summed, and where the pumps are now. */
export interface AuthorizationStats extends AuthorizationCounters {
  /** Pumps in prepago mode now. */
  prepago: number;
  /** Pumps whose customer waits for an authorization (`esperando_autorizacion`). */
  esperando: number;
  /** Pumps authorized, fuel not flowing yet (`autorizado`). */
  autorizados: number;
}

/** The shared tick over a reporting window. */
export interface TickStats {
  ticks: number;
  /** Mean and worst time one tick took (ms). */
  media_ms: number;
  max_ms: number;
  /** Worst lateness of a tick against its schedule (ms): the simulation falling behind. */
  retraso_max_ms: number;
}

/** What pumps report for the authorization stats. */
export interface AuthorizationSource {
  modoAutorizacion: string;
  estadoOperacion: string;
  authorizationCounters: Readonly<AuthorizationCounters>;
}

/** Sums the pumps' prepago figures; undefined while no pump is or was in prepago. */
export function sumAuthorization(pumps: readonly AuthorizationSource[]): AuthorizationStats | undefined {
  const total: AuthorizationStats = {
    prepago: 0,
    esperando: 0,
    autorizados: 0,
    recibidas: 0,
    rechazadas: 0,
    propias: 0,
    vencidas: 0,
    canceladas: 0,
    abandonos: 0,
  };
  let seen = false;
  for (const p of pumps) {
    if (p.modoAutorizacion === 'prepago') total.prepago += 1;
    if (p.estadoOperacion === 'esperando_autorizacion') total.esperando += 1;
    else if (p.estadoOperacion === 'autorizado') total.autorizados += 1;
    const c = p.authorizationCounters;
    total.recibidas += c.recibidas;
    total.rechazadas += c.rechazadas;
    total.propias += c.propias;
    total.vencidas += c.vencidas;
    total.canceladas += c.canceladas;
    total.abandonos += c.abandonos;
    if (!seen && (c.recibidas > 0 || c.propias > 0 || c.abandonos > 0)) seen = true;
  }
  return seen || total.prepago > 0 ? total : undefined;
}

export function sumChaos(all: ChaosCounters[]): ChaosCounters | undefined {
  if (all.length === 0) return undefined;
  const total: ChaosCounters = { dropped: 0, duplicated: 0, reordered: 0, delayed: 0, halfOpen: 0 };
  for (const c of all) {
    total.dropped += c.dropped;
    total.duplicated += c.duplicated;
    total.reordered += c.reordered;
    total.delayed += c.delayed;
    total.halfOpen += c.halfOpen;
  }
  return total;
}
