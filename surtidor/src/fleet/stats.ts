/** What a fleet reports: the live table, the periodic `resumen` log and the final summary. */
import type { ChaosCounters } from '../chaos.js';
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
