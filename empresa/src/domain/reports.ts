/**
 * Reports upstream (issue 15), the company's side: what a station's `reporte` becomes before it is
 * stored, and the daily totals. Pure: the company's time comes in as a number.
 *
 * A report is checked by its class (REPORTES_POR_CLASE of the wire contract), then for plausibility
 * (the limits the station applies to its pumps' sales, LIMITES_VENTA, by the company's clock): a
 * report of a class this build does not know, or whose `datos` is invalid or implausible, is kept
 * apart as rejected with its code (REPORT_REJECTIONS) and reason, and acknowledged like any other.
 */
import {
  type AlertaReportada,
  type CierreReportado,
  CLASES_REPORTE,
  type ClaseReporte,
  type Combustible,
  fechaEnZona,
  LIMITES_VENTA,
  montoInconsistente,
  REPORTES_POR_CLASE,
  type Reporte,
  type SurtidorReportado,
  timestampMs,
  type VentaReportada,
} from '@combustible/shared';
import type { z } from 'zod';

/** Why a report was kept apart (stored as `codigo` in reportes_rechazados). */
export const REPORT_REJECTIONS = {
  CLASE_DESCONOCIDA: 'The report names a `clase` this company build does not know (a newer station).',
  DATOS_INVALIDOS: "The report's `datos` break the schema of its class; `motivo` names the fields.",
  DATOS_IMPLAUSIBLES:
    "The report's `datos` are valid but cannot be true: a date more than 24 h after the company's clock or before 2000, a range that ends before it starts. (A sale whose monto_total differs from litros × precio_por_litro by more than 1 peso is not kept apart: the station stored it, and the company stores and counts it with the difference in its `observaciones`.)",
} as const;

export type CodigoRechazo = keyof typeof REPORT_REJECTIONS;

/** What a valid report holds, by class. */
export type RegistroValido =
  | { clase: 'venta'; datos: VentaReportada }
  | { clase: 'cierre'; datos: CierreReportado }
  | { clase: 'alerta'; datos: AlertaReportada }
  | { clase: 'surtidor'; datos: SurtidorReportado };

/** A report kept apart: its class as sent, why, and its `datos` as sent. */
export interface RegistroRechazado {
  clase: 'rechazado';
  clase_reportada: string;
  codigo: CodigoRechazo;
  motivo: string;
  datos: Record<string, unknown>;
}

export type RegistroReporte = RegistroValido | RegistroRechazado;

/** One report as the store receives it: who sent it, its journal position, when the company took it. */
export type ReporteEntrante = RegistroReporte & {
  id_estacion: string;
  seq: number;
  /** Company time it was received (ISO-8601). */
  recibida: string;
};

/**
 * What storing one report did: a new record (or a newer state of an alert or pump), a repeat that
 * changed nothing (the same record again, or an older state), a record whose id is taken by one
 * with different content (kept apart as a conflict; the first stays), or a rejected report kept apart.
 */
export type ResultadoReporte = 'nuevo' | 'duplicado' | 'conflicto' | 'rechazado';
export const RESULTADOS_REPORTE: readonly ResultadoReporte[] = ['nuevo', 'duplicado', 'conflicto', 'rechazado'];

const esClase = (c: string): c is ClaseReporte => (CLASES_REPORTE as readonly string[]).includes(c);

/** The timestamps of each class that are checked against the clock. */
const FECHAS: Record<ClaseReporte, readonly string[]> = {
  venta: ['fecha_inicio', 'fecha_fin', 'recibida'],
  cierre: ['desde', 'hasta', 'creado'],
  alerta: ['creada', 'resuelta'],
  surtidor: ['actualizado'],
};

/** The problems that make valid `datos` implausible (empty: plausible). */
export function problemasPlausibilidad(r: RegistroValido, ahoraMs: number): string[] {
  const problemas: string[] = [];
  const datos = r.datos as Record<string, unknown>;
  const limite = ahoraMs + LIMITES_VENTA.adelantoMaximoMs;
  for (const campo of FECHAS[r.clase]) {
    const v = datos[campo];
    if (typeof v !== 'string') continue;
    const ms = timestampMs(v);
    if (ms > limite) {
      problemas.push(`${campo}: posterior en más de 24 h a la hora de la empresa (${new Date(ahoraMs).toISOString()})`);
    } else if (ms < LIMITES_VENTA.fechaMinimaMs) {
      problemas.push(`${campo}: anterior a ${LIMITES_VENTA.fechaMinima}`);
    }
  }
  const orden = (desde: string, hasta: string) => {
    const a = datos[desde];
    const b = datos[hasta];
    if (typeof a === 'string' && typeof b === 'string' && timestampMs(b) < timestampMs(a)) {
      problemas.push(`${hasta}: anterior a ${desde}`);
    }
  };
  if (r.clase === 'venta') {
    orden('fecha_inicio', 'fecha_fin');
  } else if (r.clase === 'cierre') {
    orden('desde', 'hasta');
  } else if (r.clase === 'alerta') {
    orden('creada', 'resuelta');
  }
  return problemas;
}

const detalle = (issues: readonly z.core.$ZodIssue[]) =>
  issues
    .slice(0, 10)
    .map((i) => `${i.path.join('.') || '(datos)'}: ${i.message}`)
    .join('; ');

/** What the company makes of one `reporte` (its envelope already checked), by its clock (epoch ms). */
export function evaluarReporte(r: Pick<Reporte, 'clase' | 'datos'>, ahoraMs: number): RegistroReporte {
  const rechazo = ({ codigo, motivo }: { codigo: CodigoRechazo; motivo: string }): RegistroRechazado => ({
    clase: 'rechazado',
    clase_reportada: r.clase,
    codigo,
    motivo,
    datos: r.datos,
  });
  if (!esClase(r.clase)) {
    const motivo = `clase "${r.clase}" desconocida (se conocen: ${CLASES_REPORTE.join(', ')})`;
    return rechazo({ codigo: 'CLASE_DESCONOCIDA', motivo });
  }
  const parsed = REPORTES_POR_CLASE[r.clase].safeParse(r.datos);
  if (!parsed.success) return rechazo({ codigo: 'DATOS_INVALIDOS', motivo: detalle(parsed.error.issues) });
  const valido = { clase: r.clase, datos: parsed.data } as RegistroValido;
  const problemas = problemasPlausibilidad(valido, ahoraMs);
  if (problemas.length > 0) return rechazo({ codigo: 'DATOS_IMPLAUSIBLES', motivo: problemas.join('; ') });
  return valido.clase === 'venta' ? { clase: 'venta', datos: conNotaDeMonto(valido.datos) } : valido;
}

/**
 * A sale whose amount is not litros × precio_por_litro (beyond a peso of rounding) was charged
 * that amount all the same: the station stored it with a note, and so does the company (once: a
 * resent sale gets the same note, so it stays a repeat, not a conflict).
 */
export function conNotaDeMonto(v: VentaReportada): VentaReportada {
  const monto = montoInconsistente(v);
  if (monto === null) return v;
  const nota = `empresa: ${monto}`;
  const observaciones = v.observaciones ?? [];
  if (observaciones.includes(nota)) return v;
  return { ...v, observaciones: [...observaciones, nota].slice(-20) };
}

/** The key a record is unique by within its station (sales by pump and transaction, closes by id…). */
export function claveRegistro(r: RegistroValido): string {
  switch (r.clase) {
    case 'venta':
      return `${r.datos.id_surtidor}/${r.datos.id_transaccion}`;
    case 'cierre':
      return r.datos.id_cierre;
    case 'alerta':
      return r.datos.id;
    case 'surtidor':
      return String(r.datos.id_surtidor);
  }
}

// ── totals ───────────────────────────────────────────────────────────────────────────────────

/** Totals of a set of sales: monto in integer pesos, litros rounded to 3 decimals. */
export interface Totales {
  transacciones: number;
  litros: number;
  monto: number;
}

export const totalesCero = (): Totales => ({ transacciones: 0, litros: 0, monto: 0 });

/** Litres as shown: 3 decimals. */
export const litros3 = (n: number): number => Math.round(n * 1000) / 1000;

export function sumarTotales(a: Totales, b: Totales): Totales {
  return { transacciones: a.transacciones + b.transacciones, litros: a.litros + b.litros, monto: a.monto + b.monto };
}

export const redondearTotales = <T extends Totales>(t: T): T => ({ ...t, litros: litros3(t.litros) });

/**
 * The store sums sales in quarters of an hour (UTC): every time zone's midnight falls on one
 * (offsets are whole quarters), so the quarters fold exactly into local days.
 */
export const CUARTO_MS = 15 * 60_000;

export interface TotalesCuarto extends Totales {
  /** floor(fecha_fin_ms / CUARTO_MS). */
  cuarto: number;
  tipo_combustible: Combustible;
}

export interface TotalesDia extends Totales {
  fecha: string;
  tipo_combustible: Combustible;
}

/** Folds quarter-hour totals into days of `zona` by fuel, ordered by day then fuel. */
export function totalesPorDia(cuartos: readonly TotalesCuarto[], zona: string): TotalesDia[] {
  const dias = new Map<string, TotalesDia>();
  for (const c of cuartos) {
    const fecha = fechaEnZona(c.cuarto * CUARTO_MS, zona);
    const clave = `${fecha}|${c.tipo_combustible}`;
    const d = dias.get(clave) ?? { fecha, tipo_combustible: c.tipo_combustible, ...totalesCero() };
    d.transacciones += c.transacciones;
    d.litros += c.litros;
    d.monto += c.monto;
    dias.set(clave, d);
  }
  return [...dias.values()]
    .map((d) => ({ ...d, litros: litros3(d.litros) }))
    .sort((a, b) =>
      a.fecha === b.fecha ? (a.tipo_combustible < b.tipo_combustible ? -1 : 1) : a.fecha < b.fecha ? -1 : 1,
    );
}
