/**
 * The outbox log's records, one JSON object per line:
 *   {"t":"p","id":3,"inst":"a1b2c3d4","seq":41,"tot":1234567}   a pump: identity, last secuencia, meter (ml)
 *   {"t":"pr","id":3,"v":7,"pr":{…}}                          the prices the pump sells at
 *   {"t":"v","id":3,"tx":{…transaccion_completada…}}          a finished sale, written before it is sent
 *   {"t":"a","id":3,"tx":"3-a1b2c3d4-41"}                     the station confirmed that sale
 */
import { type Precios, precios, type TransaccionCompletada, transaccionCompletada } from '@combustible/shared';
import { z } from 'zod';

const id = z.number().int().min(1);

const pumpRecord = z.object({
  t: z.literal('p'),
  id,
  inst: z.string().min(1).max(32),
  seq: z.number().int().min(0),
  tot: z.number().int().min(0),
});
const pricesRecord = z.object({ t: z.literal('pr'), id, v: z.number().int().min(0), pr: precios });
const saleRecord = z.object({ t: z.literal('v'), id, tx: transaccionCompletada });
const ackRecord = z.object({ t: z.literal('a'), id, tx: z.string().min(1) });

export const outboxRecord = z.discriminatedUnion('t', [pumpRecord, pricesRecord, saleRecord, ackRecord]);
export type OutboxRecord = z.infer<typeof outboxRecord>;

export const pumpLine = (pumpId: number, inst: string, seq: number, totMl: number) =>
  `${JSON.stringify({ t: 'p', id: pumpId, inst, seq, tot: totMl })}\n`;
export const pricesLine = (pumpId: number, v: number, pr: Precios) =>
  `${JSON.stringify({ t: 'pr', id: pumpId, v, pr })}\n`;
export const saleLine = (tx: TransaccionCompletada) => `${JSON.stringify({ t: 'v', id: tx.id_surtidor, tx })}\n`;
export const ackLine = (pumpId: number, idTransaccion: string) =>
  `${JSON.stringify({ t: 'a', id: pumpId, tx: idTransaccion })}\n`;

/** Reads one line; null when it is not a valid record. */
export function parseRecord(line: string): OutboxRecord | null {
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    return null;
  }
  const result = outboxRecord.safeParse(data);
  return result.success ? result.data : null;
}
