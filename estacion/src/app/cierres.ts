/**
 * Making a close: the sales of the range read from the store as a stream (bounded memory whatever
 * their number), summed by domain/cierres.ts, the tanks' reconciliation over the range frozen with
 * it, stored once (the store refuses an overlapping close).
 */
import { randomUUID } from 'node:crypto';
import { type Clock, isoNow } from '@combustible/shared';
import { AcumuladorCierre } from '../domain/cierres.js';
import type { Cierre } from '../domain/types.js';
import type { StationStore } from '../store/port.js';
import { cierreReportado } from '../domain/reportes.js';
import type { ReportJournal } from './report-journal.js';
import type { ConciliacionTanque } from './conciliacion-service.js';

/**
 * The wet-stock reconciliation a close freezes: one period per tank, the close's range. The
 * cumulative variance carries on from `cierre_anterior`, the newest close of the same shift name
 * (or of none) that ended before this one began; null: it starts at this close.
 */
export interface ConciliacionCierre {
  cierre_anterior: string | null;
  tanques: ConciliacionTanque[];
}

/** The tanks' reconciliation over [desde, hasta] (ConciliacionService.conciliarRango). */
export type ConciliarRango = (desde: number, hasta: number) => Promise<ConciliacionTanque[]>;

/** Closes looked at for the previous one of the same shift. */
const CIERRES_ANTERIORES = 100;

/** A stored close's cumulative variances per tank (gross, net), read leniently: a record is only data. */
function acumuladas(c: Cierre): Map<number, { bruto: number | null; neto: number | null }> {
  const out = new Map<number, { bruto: number | null; neto: number | null }>();
  const tanques = (c.conciliacion as { tanques?: unknown } | null)?.tanques;
  if (!Array.isArray(tanques)) return out;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  for (const t of tanques as { id_tanque?: unknown; periodos?: unknown }[]) {
    const p = (Array.isArray(t?.periodos) ? t.periodos[0] : undefined) as
      | { bruto?: { varianza_acumulada?: unknown } | null; neto_15c?: { varianza_acumulada?: unknown } | null }
      | undefined;
    const id = num(t?.id_tanque);
    if (id !== null && p)
      out.set(id, { bruto: num(p.bruto?.varianza_acumulada), neto: num(p.neto_15c?.varianza_acumulada) });
  }
  return out;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

async function conciliacionDelCierre(
  store: StationStore,
  conciliarRango: ConciliarRango,
  p: PedidoCierre,
): Promise<ConciliacionCierre | null> {
  const tanques = await conciliarRango(Date.parse(p.desde), Date.parse(p.hasta));
  if (tanques.length === 0) return null;
  const { items } = await store.listCierres({ limit: CIERRES_ANTERIORES, skip: 0 });
  const anterior = items.find((c) => c.turno === p.turno && c.hasta < p.desde && c.conciliacion !== null);
  const previas = anterior ? acumuladas(anterior) : new Map<number, { bruto: number | null; neto: number | null }>();
  for (const t of tanques) {
    const previa = previas.get(t.id_tanque);
    for (const periodo of t.periodos) {
      if (periodo.bruto) periodo.bruto.varianza_acumulada = r1(periodo.bruto.varianza + (previa?.bruto ?? 0));
      if (periodo.neto_15c) periodo.neto_15c.varianza_acumulada = r1(periodo.neto_15c.varianza + (previa?.neto ?? 0));
    }
  }
  return { cierre_anterior: anterior?.id_cierre ?? null, tanques };
}

export interface PedidoCierre {
  /** Inclusive bounds on fecha_fin, normalized UTC ISO. */
  desde: string;
  hasta: string;
  fecha: string | null;
  turno: string | null;
  zona_horaria: string;
  usuario: string;
}

/** The close made and stored, or the stored close that refused it (nothing stored then). */
export type ResultadoCierre = { cierre: Cierre } | { superpuesto: Cierre };

export async function cerrar(
  store: StationStore,
  clock: Clock,
  p: PedidoCierre,
  extras: {
    /** Absent (or a station without tanks): the close has no reconciliation (`conciliacion: null`). */
    conciliarRango?: ConciliarRango;
    /**
     * (ext, issue 15) The close stored is journaled for the company in the same write (a refused
     * one takes no position).
     */
    journal?: ReportJournal;
  } = {},
): Promise<ResultadoCierre> {
  const acumulador = new AcumuladorCierre();
  for await (const venta of store.iterateTransactions({ fecha_inicio: p.desde, fecha_fin: p.hasta }))
    acumulador.agregar(venta);
  const cierre: Cierre = {
    id_cierre: randomUUID(),
    desde: p.desde,
    hasta: p.hasta,
    fecha: p.fecha,
    turno: p.turno,
    zona_horaria: p.zona_horaria,
    creado: isoNow(clock),
    usuario: p.usuario,
    ...acumulador.totales(),
    conciliacion: extras.conciliarRango ? await conciliacionDelCierre(store, extras.conciliarRango, p) : null,
  };
  const { journal } = extras;
  const superpuesto =
    journal === undefined
      ? await store.insertCierre(cierre)
      : await journal.write(
          1,
          (seq) => store.insertCierre(cierre, { seq, clase: 'cierre', datos: { ...cierreReportado(cierre) } }),
          (chocan) => chocan === null,
        );
  return superpuesto ? { superpuesto } : { cierre };
}
