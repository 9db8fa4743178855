import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { aceptaPrimero, celdaCsv, CupoExportaciones, pideCsv } from './csv.js';

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
