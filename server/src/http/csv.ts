/**
 * CSV export of a list route: asked with `Accept: text/csv` or `?formato=csv`, streamed from a
 * store iterator through csv-stringify (RFC 4180 quoting) into the response, with backpressure:
 * the next record is read from the store only when the socket took the previous ones.
 *
 * The format is the one Excel opens as-is in es-CL: UTF-8 with a BOM, `;` between cells, CRLF
 * between rows, numbers with a decimal comma and no thousands separator (`1234,567`), booleans as
 * `sí`/`no`, absent values as empty cells, a header row first. A text cell that starts with
 * `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a spreadsheet never takes a
 * value sent by a pump as a formula (CSV injection).
 */
import { pipeline, Readable } from 'node:stream';
import { setImmediate as turno } from 'node:timers/promises';
import { stringify } from 'csv-stringify';
import type { FastifyReply, FastifyRequest } from 'fastify';

export type CeldaCsv = string | number | boolean | null | undefined;

/** One column of an export: its header and the cell of a record. */
export interface ColumnaCsv<T> {
  encabezado: string;
  valor: (registro: T) => CeldaCsv;
}

export const CSV_SEPARADOR = ';';

/**
 * Rows written between two turns of the event loop. A client that reads as fast as loopback goes
 * never fills the socket, so without a turn the store reads, the encoding and the writes would
 * chain as promises and starve every other request (and the pumps' lines) until the export ends.
 */
export const FILAS_POR_TURNO = 500;
export const CSV_TIPO = 'text/csv; charset=utf-8';

/** The characters that make a spreadsheet read a cell as a formula. */
const INICIO_FORMULA = /^[=+\-@\t\r]/;

/** A cell as text: see the module's comment for the format. */
export function celdaCsv(v: CeldaCsv): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'sí' : 'no';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v).replace('.', ',') : '';
  return INICIO_FORMULA.test(v) ? `'${v}` : v;
}

/**
 * Which of `tipos` the Accept header names first (parameters and q-values aside: clients that ask
 * for CSV or HTML name it first), or undefined when it names none of them.
 */
export function aceptaPrimero(req: FastifyRequest, tipos: readonly string[]): string | undefined {
  return (req.headers.accept ?? '')
    .split(',')
    .map((t) => t.split(';')[0]?.trim().toLowerCase() ?? '')
    .find((t) => tipos.includes(t));
}

/**
 * Whether the request asks for CSV: `?formato=csv`, or (without `?formato=json`) an Accept header
 * that names text/csv before application/json (or without it).
 */
export function pideCsv(req: FastifyRequest): boolean {
  const formato = (req.query as { formato?: unknown } | undefined)?.formato;
  if (formato === 'csv') return true;
  if (formato === 'json') return false;
  return aceptaPrimero(req, ['text/csv', 'application/json']) === 'text/csv';
}

export interface ExportacionCsv<T> {
  /** The file name offered to the browser (`Content-Disposition: attachment`). */
  archivo: string;
  columnas: readonly ColumnaCsv<T>[];
  filas: AsyncIterable<T>;
  /** Called once when the export ends, however (finished, failed, client gone), with the rows sent. */
  alTerminar?: (filas: number, error?: Error) => void;
}

/**
 * Sends the rows as CSV. The first record is read before the answer starts, so a failure there
 * (an unreadable filter) is an ordinary error answer; a later failure cuts the download (the
 * status was already sent) and is logged.
 */
export async function enviarCsv<T>(reply: FastifyReply, e: ExportacionCsv<T>): Promise<FastifyReply> {
  let filas = 0;
  let terminado = false;
  const terminar = (error?: Error) => {
    if (terminado) return;
    terminado = true;
    e.alTerminar?.(filas, error);
  };
  const it: AsyncIterator<T, unknown> = e.filas[Symbol.asyncIterator]();
  let primera: IteratorResult<T, unknown>;
  try {
    primera = await it.next();
  } catch (err) {
    terminar(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
  async function* registros(): AsyncGenerator<string[]> {
    try {
      for (let r = primera; r.done !== true; r = await it.next()) {
        const registro: T = r.value;
        filas++;
        yield e.columnas.map((c) => celdaCsv(c.valor(registro)));
        if (filas % FILAS_POR_TURNO === 0) await turno();
      }
    } finally {
      // A client that hung up: the store's iterator is closed (its cursor released) at once.
      await it.return?.();
    }
  }
  const csv = stringify({
    delimiter: CSV_SEPARADOR,
    record_delimiter: 'windows',
    bom: true,
    header: true,
    columns: e.columnas.map((c) => c.encabezado),
  });
  const body = pipeline(Readable.from(registros()), csv, (err) => {
    if (err) reply.log.warn({ err, archivo: e.archivo, filas }, 'exportación CSV interrumpida');
    terminar(err ?? undefined);
  });
  reply.type(CSV_TIPO).header('content-disposition', `attachment; filename="${e.archivo.replace(/[^\w.-]/g, '_')}"`);
  return reply.send(body);
}

/**
 * How many exports may run at once: each holds a store reader and a socket for as long as the
 * client takes to download, so a client could otherwise start any number.
 */
export class CupoExportaciones {
  private enCurso = 0;

  constructor(readonly maximo: number) {}

  get activas(): number {
    return this.enCurso;
  }

  /** A slot, released by calling the function returned (once); null when all are taken. */
  tomar(): (() => void) | null {
    if (this.enCurso >= this.maximo) return null;
    this.enCurso++;
    let liberado = false;
    return () => {
      if (liberado) return;
      liberado = true;
      this.enCurso--;
    };
  }
}
