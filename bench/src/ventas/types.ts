/** Shapes exchanged between the sales benchmark's processes (parent ↔ sale generator). */
import type { GeneratorLoad } from '../hub/generator.js';
import type { LatencySummary } from '../hub/types.js';

export interface SaleLoadConfig extends GeneratorLoad {
  /** TCP port on 127.0.0.1 of the station's pump hub. */
  port: number;
  /** Closed loop: sales each connection keeps sent and not yet confirmed. */
  inFlight: number;
}

export interface SaleLoadResult {
  /** Sale ids are `${tag}-${k}`, k = 0 … sent - 1. */
  tag: string;
  registered: number;
  registerMs: number;
  /** Measured window as timed by the generator (s). */
  windowS: number;
  /** Sales sent over the whole run (warm-up, window). */
  sent: number;
  /** `transaccion_confirmada` over the whole run, and within the window (by arrival time). */
  confirmed: number;
  confirmedInWindow: number;
  duplicates: number;
  /** Send → confirmation of the sales confirmed within the window (ms). */
  latency: LatencySummary | null;
  /** Ids sent and never confirmed, even after the drain (at most 1000 listed). */
  unconfirmed: number;
  unconfirmedIds: string[];
  errors: Record<string, number>;
  connectionsLost: number;
  /** The generator's own CPU in the window (% of one core): near 100 means it, not the station, was the limit. */
  generatorCpuPct: number;
}
