/**
 * The simulator's error registry: every code it raises or logs, in one table. Each code is
 * documented in surtidor/README.md (a test checks that).
 */
export const SURTIDOR_ERRORS = {
  CONFIGURACION_INVALIDA: 'A flag or environment variable is missing or out of range; the message names it.',
  OUTBOX_EN_USO: 'Another running surtidor process holds the outbox directory (see outbox.lock).',
  OUTBOX_ILEGIBLE: 'The outbox directory or log cannot be created, read or locked.',
  OUTBOX_ESCRITURA:
    'Writing or fsyncing the outbox failed; the sales stay in memory, unsent, and the write is retried.',
  OUTBOX_REGISTRO_CORRUPTO: 'A line of the outbox log could not be read at start-up and was skipped.',
  REGISTRO_RECHAZADO: "The station refused a pump's `registro`; the pump retries with backoff.",
  REGISTRO_DIFERIDO:
    'The station deferred a `registro` (SOBRECARGA, its admission rate): the pump comes back after the `reintentar_ms` it was given, with no backoff of its own.',
  AUTENTICACION_FALLIDA: "The station refused the pump's token; that pump's link stops for good.",
  SIN_CONFIRMACION_REGISTRO: 'No `registro_confirmado` arrived in time; the pump drops the connection and retries.',
  CAOS_MEDIO_ABIERTA:
    'Chaos mode: a half-open connection was given up after --chaos-half-open-ms; the pump reconnects.',
  TODOS_RECHAZADOS: 'Every pump of the process was refused for good (e.g. a wrong token): the process exits 1.',
  TANQUE_VACIO:
    'A simulated pump sold fuel its tank did not have (--tanques without --descargas runs the tanks dry); the sale stands.',
  CIERRE_INCOMPLETO: 'On shutdown some sales were still unconfirmed; they stay in the outbox for the next run.',
} as const;

export type SurtidorErrorCode = keyof typeof SURTIDOR_ERRORS;

export class SurtidorError extends Error {
  constructor(
    readonly code: SurtidorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SurtidorError';
  }
}

/** Wire codes after which retrying the link is pointless. */
export const FATAL_WIRE_CODES: ReadonlySet<string> = new Set(['AUTENTICACION_FALLIDA']);

/** An error that carries a wire or registry code (how links report why they stopped). */
export function withCode(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}
