/**
 * Making a close: the sales of the range read from the store as a stream (bounded memory whatever
 * their number), summed by domain/cierres.ts, stored once (the store refuses an overlapping close).
 */
import { randomUUID } from 'node:crypto';
import { type Clock, isoNow } from '@combustible/shared';
import { AcumuladorCierre } from '../domain/cierres.js';
import type { Cierre } from '../domain/types.js';
import type { StationStore } from '../store/port.js';
import { cierreReportado } from '../domain/reportes.js';
import type { ReportJournal } from './report-journal.js';

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

/**
 * `journal`: (ext, issue 15) the close stored is journaled for the company in the same write
 * (a refused one takes no position).
 */
export async function cerrar(
  store: StationStore,
  clock: Clock,
  p: PedidoCierre,
  journal?: ReportJournal,
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
    // Left for the wet-stock reconciliation (tanks): frozen with the close once it exists.
    conciliacion: null,
  };
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
