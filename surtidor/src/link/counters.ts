/** What the links of a process count together (read by the live table and the periodic summary). */
export interface LinkCounters {
  /** Sales the station confirmed (first time each). */
  confirmadas: number;
  /** Confirmations that said `duplicada: true` (a resend of a sale already stored). */
  duplicadas: number;
  /**
   * Confirmations that said `conflicto: true`: the station already held a different sale with the
   * same id and kept this one apart as a conflict (the sale leaves the outbox all the same).
   */
  conflictos: number;
  /** Sales sent again because no confirmation came in time. */
  reenvios: number;
  /** `error` messages received, by codigo. */
  errores: Record<string, number>;
  /** Lines written to the station. */
  enviadas: number;
  /** Lines from the station that did not parse. */
  lineasInvalidas: number;
  /** Registrations refused, by codigo. */
  rechazos: Record<string, number>;
}

export function emptyCounters(): LinkCounters {
  return {
    confirmadas: 0,
    duplicadas: 0,
    conflictos: 0,
    reenvios: 0,
    enviadas: 0,
    errores: {},
    lineasInvalidas: 0,
    rechazos: {},
  };
}

export function countCode(table: Record<string, number>, code: string): void {
  table[code] = (table[code] ?? 0) + 1;
}
