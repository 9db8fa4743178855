/**
 * Audit of a pump's money stream: every sale carries `secuencia` (+1 per sale) and the pump's litre
 * meter. A gap in the sequence raises SECUENCIA_FALTANTE until the missing sale arrives; a meter that
 * does not continue where the previous sale ended raises TOTALIZADOR_DISCONTINUO. Pure: it returns
 * what to raise and resolve, the caller stores it.
 */
import type { StationAlertCode } from './alert-codes.js';
import type { Transaccion } from './types.js';

/** A gap wider than this is reported as one alert instead of one per missing sale. */
export const MAX_ALERTAS_POR_SALTO = 100;
const EPSILON_LITROS = 0.001;

export interface AuditState {
  ultimaSecuencia: number | null;
  ultimoTotalizadorFin: number | null;
  /** Missing sequence numbers with an open alert; null while there are none (most pumps). */
  faltantes: Set<number> | null;
}

export type AuditAction =
  | { kind: 'raise'; codigo: StationAlertCode; clave: string; mensaje: string; datos: Record<string, unknown> }
  | { kind: 'resolve'; clave: string };

export function emptyAuditState(): AuditState {
  return { ultimaSecuencia: null, ultimoTotalizadorFin: null, faltantes: null };
}

export const claveFaltante = (idSurtidor: number, secuencia: number) => `SECUENCIA_FALTANTE:${idSurtidor}:${secuencia}`;

/** Reads the missing number back from an open alert's clave (to rebuild the state after a restart). */
export function secuenciaDeClave(idSurtidor: number, clave: string): number | null {
  const prefix = `SECUENCIA_FALTANTE:${idSurtidor}:`;
  if (!clave.startsWith(prefix)) return null;
  const n = Number(clave.slice(prefix.length));
  return Number.isSafeInteger(n) ? n : null;
}

/** Updates `state` with a newly stored sale and returns the alerts to raise or resolve. */
export function auditSale(state: AuditState, t: Transaccion): AuditAction[] {
  const actions: AuditAction[] = [];
  const s = t.secuencia;
  const last = state.ultimaSecuencia;
  let inOrder = true;

  if (s !== null) {
    if (last !== null && s > last + 1) {
      const missing = s - last - 1;
      if (missing <= MAX_ALERTAS_POR_SALTO) {
        for (let k = last + 1; k < s; k++) {
          (state.faltantes ??= new Set()).add(k);
          actions.push({
            kind: 'raise',
            codigo: 'SECUENCIA_FALTANTE',
            clave: claveFaltante(t.id_surtidor, k),
            mensaje: `Surtidor ${t.id_surtidor}: falta la venta ${k} (llegó la ${s})`,
            datos: { secuencia_faltante: k, secuencia_recibida: s },
          });
        }
      } else {
        actions.push({
          kind: 'raise',
          codigo: 'SECUENCIA_SALTO',
          clave: `SECUENCIA_SALTO:${t.id_surtidor}:${last + 1}-${s - 1}`,
          mensaje: `Surtidor ${t.id_surtidor}: faltan ${missing} ventas (${last + 1} a ${s - 1})`,
          datos: { desde: last + 1, hasta: s - 1 },
        });
      }
    }
    if (last !== null && s <= last) {
      inOrder = false;
      if (state.faltantes?.delete(s)) actions.push({ kind: 'resolve', clave: claveFaltante(t.id_surtidor, s) });
    } else {
      state.ultimaSecuencia = s;
    }
  }

  // The meter is checked against the sale that immediately precedes this one.
  const consecutive = s === null || last === null || s === last + 1;
  if (
    inOrder &&
    consecutive &&
    state.ultimoTotalizadorFin !== null &&
    t.totalizador_inicio !== null &&
    Math.abs(t.totalizador_inicio - state.ultimoTotalizadorFin) > EPSILON_LITROS
  ) {
    actions.push({
      kind: 'raise',
      codigo: 'TOTALIZADOR_DISCONTINUO',
      clave: `TOTALIZADOR_DISCONTINUO:${t.id_surtidor}:${t.id_transaccion}`,
      mensaje: `Surtidor ${t.id_surtidor}: el totalizador empieza en ${t.totalizador_inicio} y la venta anterior terminó en ${state.ultimoTotalizadorFin}`,
      datos: {
        esperado: state.ultimoTotalizadorFin,
        recibido: t.totalizador_inicio,
        id_transaccion: t.id_transaccion,
      },
    });
  }
  if (inOrder && t.totalizador_fin !== null) state.ultimoTotalizadorFin = t.totalizador_fin;
  return actions;
}
