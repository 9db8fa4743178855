/**
 * One command for the whole forecourt (POST /api/surtidores/comando): what each pump answered,
 * gathered into one entry per pump and totals. Pure: the hub sends and waits (PumpHub.commandAll),
 * this only sorts the answers out.
 */
import type { ComandoOperador } from '@combustible/shared';

/** What became of the command on one pump. */
export const ESTADOS_PLAYA = ['ejecutado', 'sin_respuesta', 'no_conectado'] as const;
export type EstadoPlaya = (typeof ESTADOS_PLAYA)[number];

/** One pump's outcome. */
export interface EntradaPlaya {
  id_surtidor: number;
  estado: EstadoPlaya;
  /** ejecutado: ms from sending the command to its `comando_ejecutado`. */
  ms?: number;
  /** ejecutado: the pump's `resultado` (`ok`, or why it could not). */
  resultado?: string;
  /** sin_respuesta: why, when it is not the deadline (SURTIDOR_DESCONECTADO, COMANDOS_PENDIENTES_EXCEDIDOS). */
  codigo?: string;
}

export type TotalesPlaya = Record<EstadoPlaya, number> & { surtidores: number };

export interface ResultadoPlaya {
  comando: ComandoOperador;
  /** The deadline used (ms). */
  plazo_ms: number;
  /** From the first send to the answer (ms). */
  ms: number;
  totales: TotalesPlaya;
  /** One entry per pump, by id. */
  surtidores: EntradaPlaya[];
}

/**
 * The entries of every pump, by id: the connected ones as they answered, and each known pump that
 * was not connected as `no_conectado`.
 */
export function resumirPlaya(
  conocidos: Iterable<number>,
  respuestas: readonly EntradaPlaya[],
): {
  totales: TotalesPlaya;
  surtidores: EntradaPlaya[];
} {
  const porId = new Map<number, EntradaPlaya>();
  for (const r of respuestas) porId.set(r.id_surtidor, r);
  for (const id of conocidos) if (!porId.has(id)) porId.set(id, { id_surtidor: id, estado: 'no_conectado' });
  const surtidores = [...porId.values()].sort((a, b) => a.id_surtidor - b.id_surtidor);
  const totales: TotalesPlaya = { surtidores: surtidores.length, ejecutado: 0, sin_respuesta: 0, no_conectado: 0 };
  for (const e of surtidores) totales[e.estado] += 1;
  return { totales, surtidores };
}

/** The deadline of one forecourt command: the one asked for, never past the station's bound. */
export function plazoPlaya(pedido: number | undefined, maximo: number): number {
  return pedido === undefined ? maximo : Math.min(pedido, maximo);
}
