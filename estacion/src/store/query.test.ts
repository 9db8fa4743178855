import { describe, expect, it } from 'vitest';
import { roundLitros, toStatsQuery, toTransactionQuery, totales, toUtcIso } from './query.js';

describe('toUtcIso', () => {
  it('reads a time without offset as UTC, whatever the process time zone', () => {
    const saved = process.env.TZ;
    process.env.TZ = 'Asia/Kolkata';
    try {
      expect(toUtcIso('2024-01-15T14:30:00')).toBe('2024-01-15T14:30:00.000Z');
    } finally {
      if (saved === undefined) Reflect.deleteProperty(process.env, 'TZ');
      else process.env.TZ = saved;
    }
  });

  it('converts offsets and bare dates to sortable UTC text', () => {
    expect(toUtcIso('2024-01-15T14:30:00-03:00')).toBe('2024-01-15T17:30:00.000Z');
    expect(toUtcIso('2024-01-16T00:30:00.5+02:00')).toBe('2024-01-15T22:30:00.500Z');
    expect(toUtcIso('2024-01-15')).toBe('2024-01-15T00:00:00.000Z');
  });

  it('throws a RangeError on text that is not a date', () => {
    expect(() => toUtcIso('ayer')).toThrow(RangeError);
  });
});

describe('toTransactionQuery', () => {
  it('normalizes the bounds and clamps paging', () => {
    expect(
      toTransactionQuery({
        fecha_inicio: '2024-01-15T10:00:00',
        fecha_fin: '2024-01-15',
        limit: 2.7,
        skip: -3,
      }),
    ).toEqual({ desde: '2024-01-15T10:00:00.000Z', hasta: '2024-01-15T00:00:00.000Z', limit: 2, skip: 0 });
  });
});

describe('toStatsQuery', () => {
  it('normalizes the bounds it is given and leaves absent ones open', () => {
    expect(toStatsQuery({})).toEqual({});
    expect(toStatsQuery({ desde: '2024-01-15T10:00:00-03:00', hasta: '2024-01-15' })).toEqual({
      desde: '2024-01-15T13:00:00.000Z',
      hasta: '2024-01-15T00:00:00.000Z',
    });
    expect(() => toStatsQuery({ hasta: 'mañana' })).toThrow(RangeError);
  });
});

describe('roundLitros', () => {
  it('rounds to 3 decimals, dropping float noise', () => {
    expect(roundLitros(0.1 + 0.2)).toBe(0.3);
    expect(roundLitros(12.3456)).toBe(12.346);
    expect(roundLitros(12.3454)).toBe(12.345);
    expect(roundLitros(0)).toBe(0);
    expect(Object.is(roundLitros(-0.0001), 0)).toBe(true);
  });

  it('totales rounds litros and leaves the count and monto alone', () => {
    expect(totales(3, 0.1 + 0.2, 1234)).toStrictEqual({ transacciones: 3, litros: 0.3, monto: 1234 });
  });
});
