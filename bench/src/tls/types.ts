/** Shapes exchanged between the tls benchmark and its storm generator (a forked child). */
import type { TlsClientConfig } from '../hub/types.js';

export interface StormConfig {
  /** Pumps 1..pumps, all over TLS. */
  pumps: number;
  tls: TlsClientConfig;
  /** Per attempt: connect + handshake + `registro` → `registro_confirmado`. */
  registerTimeoutMs: number;
  /** Per storm: pumps not registered by then are given up (and reported). */
  deadlineMs: number;
}

/** Parent → generator. */
export type StormCommand =
  /** Every pump connects at once to 127.0.0.1:port and retries until registered. */
  | {
      type: 'storm';
      port: number;
      /** Offer each pump's last TLS session ticket (resumption on). */
      offerSession: boolean;
      /** First close every live connection from the pumps' side (a network cut). */
      cut: boolean;
    }
  /** Answer `closed` once the station has closed every connection. */
  | { type: 'wait-closed' };

export interface StormResult {
  pumps: number;
  registered: number;
  /** From the order to the last registration (ms); null when some pump never registered. */
  allRegisteredMs: number | null;
  halfRegisteredMs: number | null;
  /** Most registrations within any one second of the storm. */
  peakPerS: number;
  /** Registrations in each second of the storm. */
  perSecond: number[];
  /** Connection attempts, first ones included. */
  attempts: number;
  /** Failed attempts, by kind (`error de conexión ECONNRESET`, `registro_rechazado LIMITE_EXCEDIDO`...). */
  failures: Record<string, number>;
  /** `registro_rechazado` with `reintentar_ms`: honoured, the pump waited at least that long. */
  retryAfter: { count: number; maxMs: number };
  /** Attempts that offered a TLS session ticket, and registrations over a resumed session. */
  offeredSessions: number;
  resumed: number;
  /** The generator's own CPU during the storm (% of one core). */
  generatorCpuPct: number;
  /**
   * How long the generator took to open the N connections (the synchronous `connect` calls): its
   * own cost of starting N handshakes in one process, part of the storm's times.
   */
  dialMs: number;
}

/** Where a storm stands, every few seconds. */
export interface StormProgress {
  elapsedMs: number;
  registered: number;
  attempts: number;
  failed: number;
}

/** Generator → parent. */
export type StormMessage =
  | { type: 'ready' }
  | ({ type: 'progress' } & StormProgress)
  | { type: 'storm-result'; result: StormResult }
  | { type: 'closed'; lost: number; stillOpen: number }
  | { type: 'fatal'; message: string };
