/** The fleet's shards and their parent: configuration and IPC messages. */
import type { Contadores } from './estacion-simulada.js';

/** One shard: stations `primerIndice` … `primerIndice + cantidad − 1` of the fleet, in one process. */
export interface ShardConfig {
  primerIndice: number;
  cantidad: number;
  /** Station ids are `${prefijo}-${índice}`. */
  prefijo: string;
  /** Where the stations listen (a loopback address such as 127.0.0.1). */
  host: string;
  /** Station i listens on puertoBase + i − 1; 0: each on a port the system picks. */
  puertoBase: number;
  /** Company tokens the stations accept (empty: no `autenticacion` needed). */
  tokens: string[];
  /** Sales per second of each station (fractions allowed). */
  ventasPorSeg: number;
  /** The one timer of the shard: scheduled versions, the sales rate, deadlines. */
  tickMs: number;
  authTimeoutMs: number;
  /** A company connection silent this long is closed (the company pings well within it). */
  idleTimeoutMs: number;
}

export interface EstacionEscuchando {
  id: string;
  host: string;
  puerto: number;
}

export interface EstadoShard {
  estaciones: number;
  conexiones: number;
  autenticadas: number;
  suscritas: number;
  /** Price version in force → stations holding it. */
  versiones: Record<string, number>;
  /** Sales "stored" (sum of ultimo_seq) and acknowledged by the company (sum of the cursors). */
  ventas: number;
  confirmadas: number;
  contadores: Contadores;
  rssKiB: number;
}

/** Parent → shard. */
export type ShardCommand =
  /** From now on, note the first `actualizacion_precios` of version ≥ `version` each station receives. */
  | { type: 'armar'; version: number }
  | { type: 'recepciones' }
  | { type: 'ventas'; porSegundo: number }
  | { type: 'estado' }
  | { type: 'cerrar' };

/** Shard → parent. */
export type ShardMessage =
  | { type: 'escuchando'; estaciones: EstacionEscuchando[] }
  /** Per station of the shard, in order: when (epoch ms) it received the armed version; null: not yet. */
  | { type: 'recepciones'; tiempos: (number | null)[] }
  | { type: 'armada' }
  | { type: 'ventas-ok' }
  | { type: 'estado'; estado: EstadoShard }
  | { type: 'fatal'; message: string };
