/** Shapes exchanged between the hub benchmark's processes (parent ↔ load generator ↔ ceiling). */
import type { GeneratorLoad } from './generator.js';

/** How the simulated pumps speak TLS to the station (absent: plain TCP). */
export interface TlsClientConfig {
  /** PEM file of the CA that signed the station's certificate (checked, with servername `localhost`). */
  caFile: string;
  /** Mutual TLS: the folder of `surtidor-<id>.crt`/`.key` per pump (`estacion certificados dev`). */
  clientCertDir?: string;
}

export interface LoadConfig extends GeneratorLoad {
  /** TCP port on 127.0.0.1 to load. */
  port: number;
  tls?: TlsClientConfig;
  /** Each connection sends one `estado` per interval. */
  estadoIntervalMs: number;
  /** `transaccion_completada` per second, across all connections. */
  txPerSecond: number;
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  registered: number;
  /** Time to open and register every connection. */
  registerMs: number;
  /** Measured window, as actually timed by the generator. */
  windowS: number;
  /** Lines sent during the window. */
  sent: { total: number; estado: number; transaccion: number };
  /** Lines the generator could not send because their connection was gone (window). */
  skipped: number;
  /** `transaccion_confirmada` received during the window (whatever their send time). */
  confirmations: number;
  duplicates: number;
  /** Send → confirmation, for the transactions sent during the window (ms). */
  latency: LatencySummary | null;
  /** Transactions sent during the window still unconfirmed after the drain. */
  unconfirmed: number;
  /** Whole run, by `codigo`. */
  errors: Record<string, number>;
  /** Whole run, by `tipo`. */
  received: Record<string, number>;
  /** Connections closed by the other side (whole run). */
  connectionsLost: number;
  /** The generator's own CPU use during the window (% of one core). */
  generatorCpuPct: number;
  /** Worst lateness of the generator's scheduler tick (ms): large values mean the generator itself lagged. */
  maxTickLagMs: number;
}

/** Ceiling server: parent → child and its answer. */
export type CeilingCommand = { type: 'stats' };
export type CeilingStats = { type: 'stats'; lines: number; bytes: number; connections: number };
