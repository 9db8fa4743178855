/** Shapes exchanged between the forecourt benchmark's processes (parent ↔ pumps, parent ↔ baseline server). */

export interface PumpsConfig {
  /** TCP port on 127.0.0.1 of the server the pumps connect to. */
  port: number;
  pumps: number;
  /** Connections opened (and registered) at once. */
  batchSize: number;
  registerTimeoutMs: number;
}

/** One command round as the pumps saw it: times on the shared clock (performance.timeOrigin + now()). */
export interface PumpsRound {
  comandos: number;
  firstCommandAt: number | null;
  lastAnswerAt: number | null;
}

export type PumpsMessage =
  | { type: 'registered'; pumps: number; ms: number }
  | ({ type: 'round' } & PumpsRound)
  | { type: 'lost'; count: number }
  | { type: 'fatal'; message: string };

/** `round`: report the round since the last one and start a new one. */
export type PumpsCommand = { type: 'round' };

/** The baseline server: write the same command line to every socket, time until every answer. */
export type BaselineCommand = { type: 'fire'; expected: number; line: string };
export type BaselineMessage = { type: 'fired'; ms: number; answers: number; sockets: number };

/** The same clock in every process of the run (ms since the epoch, sub-millisecond). */
export const sharedNow = (): number => performance.timeOrigin + performance.now();
