/**
 * Day and shift closes: pure functions. The range of a day in the station's time zone, the rule
 * that refuses a close overlapping another, and the totals accumulated one sale at a time (so a
 * close of any number of sales reads them as a stream, in bounded memory).
 */
import type { Combustible, MetodoPago } from '@combustible/shared';
import type { Cierre, TotalesCierre, Transaccion } from './types.js';

/** The station's time zone when none is configured (--zona-horaria), its check and the bounds of a day: shared with the company. */
export { rangoDelDia, ZONA_HORARIA_POR_DEFECTO, zonaValida } from '@combustible/shared';

/** The frozen totals of a close. */
export type TotalesDeCierre = Pick<
  Cierre,
  'total' | 'por_surtidor' | 'por_combustible' | 'por_metodo_pago' | 'por_operador' | 'por_operador_truncado'
>;

/** What decides whether two closes may coexist. */
export type RangoCierre = Pick<Cierre, 'desde' | 'hasta' | 'turno'>;

/**
 * Two closes collide when their ranges share an instant, unless both name a shift and the shifts
 * differ (a station may close "mañana" and "tarde" over the same day, never the same sales twice
 * under one name, nor a whole range twice).
 */
export function cierresChocan(a: RangoCierre, b: RangoCierre): boolean {
  if (a.turno !== null && b.turno !== null && a.turno !== b.turno) return false;
  return a.desde <= b.hasta && b.desde <= a.hasta;
}

/**
 * The most attendants a close lists one by one: `operador` is whatever the pumps sent, so a close
 * holds at most this many groups; the sales of further names are summed under OTROS_OPERADORES
 * and the close says `por_operador_truncado: true`.
 */
export const MAX_OPERADORES_CIERRE = 500;
/** The group of the attendants past MAX_OPERADORES_CIERRE. */
export const OTROS_OPERADORES = '(otros)';

const ceros = (): TotalesCierre => ({ transacciones: 0, litros: 0, monto: 0, reembolsos: 0 });

/** Adds one sale to a group; money stays integer, the sums finite. */
function sumar(t: TotalesCierre, s: Transaccion): void {
  t.transacciones += 1;
  t.litros += Number.isFinite(s.litros) ? s.litros : 0;
  t.monto += Number.isSafeInteger(s.monto_total) ? s.monto_total : Math.round(s.monto_total) || 0;
  t.reembolsos += s.reembolso !== null && Number.isFinite(s.reembolso) ? Math.round(s.reembolso) : 0;
}

const redondear = (t: TotalesCierre): TotalesCierre => {
  const litros = Math.round(t.litros * 1000) / 1000;
  return { ...t, litros: litros === 0 ? 0 : litros };
};

const porClave = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Totals built one sale at a time (`agregar`), then frozen (`totales`). Memory grows with the
 * number of groups (pumps, fuels, payment methods, attendants), never with the number of sales.
 */
export class AcumuladorCierre {
  private readonly total = ceros();
  private readonly surtidores = new Map<number, { t: TotalesCierre; nombre: string | null; orden: string }>();
  private readonly combustibles = new Map<Combustible, TotalesCierre>();
  private readonly metodos = new Map<MetodoPago, TotalesCierre>();
  private readonly operadores = new Map<string | null, TotalesCierre>();
  private truncado = false;

  agregar(s: Transaccion): void {
    sumar(this.total, s);
    let surtidor = this.surtidores.get(s.id_surtidor);
    if (!surtidor) {
      surtidor = { t: ceros(), nombre: s.nombre_surtidor, orden: '' };
      this.surtidores.set(s.id_surtidor, surtidor);
    }
    sumar(surtidor.t, s);
    // The pump's name is that of its latest sale in the range, as in salesStats.
    const orden = `${s.fecha_fin}|${s.recibida}`;
    if (orden >= surtidor.orden) {
      surtidor.orden = orden;
      surtidor.nombre = s.nombre_surtidor;
    }
    sumar(grupo(this.combustibles, s.tipo_combustible), s);
    sumar(grupo(this.metodos, s.metodo_pago), s);
    let operador = s.operador;
    if (!this.operadores.has(operador) && this.operadores.size >= MAX_OPERADORES_CIERRE) {
      operador = OTROS_OPERADORES;
      this.truncado = true;
    }
    sumar(grupo(this.operadores, operador), s);
  }

  totales(): TotalesDeCierre {
    return {
      ...(this.truncado && { por_operador_truncado: true as const }),
      total: redondear(this.total),
      por_surtidor: [...this.surtidores]
        .sort(([a], [b]) => a - b)
        .map(([id_surtidor, g]) => ({ id_surtidor, nombre_surtidor: g.nombre, ...redondear(g.t) })),
      por_combustible: [...this.combustibles]
        .sort(([a], [b]) => porClave(a, b))
        .map(([tipo_combustible, t]) => ({ tipo_combustible, ...redondear(t) })),
      por_metodo_pago: [...this.metodos]
        .sort(([a], [b]) => porClave(a, b))
        .map(([metodo_pago, t]) => ({ metodo_pago, ...redondear(t) })),
      // Sales with no attendant last.
      por_operador: [...this.operadores]
        .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : porClave(a, b)))
        .map(([operador, t]) => ({ operador, ...redondear(t) })),
    };
  }
}

function grupo<K>(m: Map<K, TotalesCierre>, k: K): TotalesCierre {
  let t = m.get(k);
  if (!t) {
    t = ceros();
    m.set(k, t);
  }
  return t;
}
