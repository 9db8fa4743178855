/** Shapes exchanged between `bench pares` and its child processes (generators, subscriber, aedes). */

/** How the generator's peers talk to the server: the station's NDJSON (link 1) or MQTT 3.1.1. */
export type Protocol = 'ndjson' | 'mqtt';

/** argv[2] of a generator, as JSON. */
export interface GeneratorConfig {
  protocol: Protocol;
  port: number;
  /** id of this generator's first pump: generators own disjoint id ranges. */
  firstId: number;
  /** Connections opened at once while connecting. */
  batchSize: number;
  /** connect (+ registro → registro_confirmado, or CONNECT → CONNACK), per connection. */
  connectTimeoutMs: number;
  /**
   * Bytes a connection may hold unsent before the generator stops writing to it: the server has
   * stopped reading (it is saturated). Lines not written for this reason are counted as blocked.
   */
  maxBufferedBytes: number;
}

/** One open-loop run: this generator's share of the rates, for `seconds`. */
export interface RunSpec {
  /** Tags the sales' ids, so acks of an earlier run are not taken for this one. */
  run: number;
  estadoPerS: number;
  ventasPerS: number;
  seconds: number;
  /** After sending stops, how long to wait for the last acknowledgements. */
  drainMs: number;
}

export type GeneratorCommand = { type: 'connect'; count: number } | ({ type: 'run' } & RunSpec) | { type: 'close' };

export interface RunResult {
  /** Wall time actually spent sending (ms). */
  windowMs: number;
  offered: { estado: number; ventas: number };
  sent: { estado: number; ventas: number };
  /** Not written: the connection held more than maxBufferedBytes (server not reading). */
  blocked: number;
  /** Not written: the generator itself was more than a catch-up budget behind (its CPU). */
  notGenerated: number;
  /** Not written: the connection was gone. */
  lost: number;
  /** Sales acknowledged (transaccion_confirmada / PUBACK) before the drain ended. */
  acked: number;
  /** Sale → acknowledgement (ms), one per acknowledged sale. */
  latencies: number[];
  /** Worst lateness of the generator's scheduling tick (ms). */
  maxLagMs: number;
  /** `error` lines from the server, by codigo (NDJSON only). */
  errors: Record<string, number>;
}

export type GeneratorMessage =
  | { type: 'connected'; open: number; failures: string[]; ms: number }
  | { type: 'sending-done' }
  | { type: 'ran'; result: RunResult }
  | { type: 'fatal'; message: string };

/** Counters a child server or the subscriber answers over IPC ({type:'stats'}). */
export interface CountStats {
  type: 'stats';
  /** Messages taken from clients (aedes: PUBLISH from clients; subscriber: messages received). */
  messages: number;
  connections: number;
}
