import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { aceptaPrimero, celdaCsv, CupoExportaciones, enviarCsv, pideCsv } from './csv.js';

const req = (accept: string | undefined, query: Record<string, string> = {}) =>
  ({ headers: accept === undefined ? {} : { accept }, query }) as unknown as FastifyRequest;

describe('celdaCsv', () => {
  it('writes numbers with a decimal comma and no thousands separator', () => {
    expect(celdaCsv(1234.567)).toBe('1234,567');
    expect(celdaCsv(25_800)).toBe('25800');
    expect(celdaCsv(-0.5)).toBe('-0,5');
    expect(celdaCsv(Number.NaN)).toBe('');
  });

  it('writes absent values as empty cells and booleans in Spanish', () => {
    expect(celdaCsv(null)).toBe('');
    expect(celdaCsv(undefined)).toBe('');
    expect(celdaCsv(true)).toBe('sí');
    expect(celdaCsv(false)).toBe('no');
  });

  it('prefixes a text that a spreadsheet would read as a formula', () => {
    for (const f of ['=1+1', '+56 9 1234', '-2', '@SUM(A1)', '\tx', '\rx']) expect(celdaCsv(f)).toBe(`'${f}`);
    expect(celdaCsv('Isla = 1')).toBe('Isla = 1');
    expect(celdaCsv('')).toBe('');
  });
});

describe('pideCsv', () => {
  it('follows ?formato first, then the first of text/csv and application/json in Accept', () => {
    expect(pideCsv(req(undefined, { formato: 'csv' }))).toBe(true);
    expect(pideCsv(req('text/csv', { formato: 'json' }))).toBe(false);
    expect(pideCsv(req('text/csv'))).toBe(true);
    expect(pideCsv(req('text/csv; charset=utf-8;q=0.9, application/json'))).toBe(true);
    expect(pideCsv(req('application/json, text/csv'))).toBe(false);
    expect(pideCsv(req('*/*'))).toBe(false);
    expect(pideCsv(req(undefined))).toBe(false);
  });

  it('aceptaPrimero ignores types it was not asked about', () => {
    expect(aceptaPrimero(req('text/html,application/xhtml+xml,*/*;q=0.8'), ['text/html', 'application/json'])).toBe(
      'text/html',
    );
    expect(aceptaPrimero(req('image/png'), ['text/html'])).toBeUndefined();
  });
});

describe('CupoExportaciones', () => {
  it('gives at most `maximo` slots, each released once', () => {
    const cupo = new CupoExportaciones(2);
    const a = cupo.tomar();
    const b = cupo.tomar();
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(cupo.tomar()).toBeNull();
    a?.();
    a?.();
    expect(cupo.activas).toBe(1);
    expect(cupo.tomar()).not.toBeNull();
    expect(cupo.tomar()).toBeNull();
  });
});

describe('enviarCsv', () => {
  /** A reply that keeps what is sent. */
  function fakeReply() {
    const sent: { body?: Readable; headers: Record<string, string> } = { headers: {} };
    const reply = {
      log: { warn: () => undefined },
      type(t: string) {
        sent.headers['content-type'] = t;
        return reply;
      },
      header(k: string, v: string) {
        sent.headers[k] = v;
        return reply;
      },
      send(body: Readable) {
        sent.body = body;
        return reply;
      },
    };
    return { reply: reply as unknown as FastifyReply, sent };
  }

  it('yields the event loop every FILAS_POR_TURNO (500) rows, so a fast export cannot starve other work', async () => {
    const total = 5000;
    async function* filas() {
      for (let i = 0; i < total; i++) yield i;
    }
    let terminadas: { filas: number; error?: Error } | undefined;
    const { reply, sent } = fakeReply();
    await enviarCsv(reply, {
      archivo: 'x.csv',
      columnas: [{ encabezado: 'n', valor: (n: number) => n }],
      filas: filas(),
      alTerminar: (n, error) => {
        terminadas = { filas: n, error };
      },
    });
    let leidas = 0;
    let alPrimerTurno: number | undefined;
    setImmediate(() => {
      alPrimerTurno = leidas;
    });
    let texto = '';
    for await (const chunk of sent.body as Readable) {
      texto += String(chunk);
      leidas = texto.split('\r\n').length - 2;
    }
    expect(sent.headers['content-disposition']).toBe('attachment; filename="x.csv"');
    expect(leidas).toBe(total);
    // Work scheduled when the export started ran before it ended.
    expect(alPrimerTurno).toBeDefined();
    expect(alPrimerTurno).toBeLessThan(total / 2);
    await expect.poll(() => terminadas).toEqual({ filas: total, error: undefined });
  });

  it('answers an error before any byte when the first read fails, and still ends the export', async () => {
    let terminada: Error | undefined;
    // eslint-disable-next-line require-yield -- fails before its first record.
    async function* falla(): AsyncGenerator<number> {
      throw new RangeError('fecha no válida');
    }
    const { reply, sent } = fakeReply();
    await expect(
      enviarCsv(reply, {
        archivo: 'x.csv',
        columnas: [{ encabezado: 'n', valor: (n: number) => n }],
        filas: falla(),
        alTerminar: (_n, error) => {
          terminada = error;
        },
      }),
    ).rejects.toThrow(RangeError);
    expect(sent.body).toBeUndefined();
    expect(terminada).toBeInstanceOf(RangeError);
  });
});
