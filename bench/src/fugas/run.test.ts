import { describe, expect, it } from 'vitest';
import { ESCENARIOS, simularMes } from './mes.js';
import { wilson } from './run.js';

describe('bench fugas', () => {
  it('gives Wilson intervals that hold the rate and stay within [0, 1]', () => {
    const p = wilson(95, 100);
    expect(p.tasa).toBe(0.95);
    expect(p.ic95[0]).toBeCloseTo(0.8882, 3);
    expect(p.ic95[1]).toBeCloseTo(0.9785, 3);
    expect(wilson(0, 50).ic95[0]).toBe(0);
    expect(wilson(50, 50).ic95[1]).toBeCloseTo(1, 12);
  });

  it('replays a month from its seed, and finds a 5 L/h leak within two days on the simulator’s tank', () => {
    const mes = { semilla: 42, dias: 10, escenario: ESCENARIOS.nominal!, lecturaCadaMin: 10 };
    const conFuga = simularMes({ ...mes, fugaLh: 5 });
    expect(conFuga.diaFuga).not.toBeNull();
    expect(conFuga.diaFuga).toBeLessThanOrEqual(2);
    expect(simularMes({ ...mes, fugaLh: 5 })).toEqual(conFuga);
    const sinFuga = simularMes({ ...mes, fugaLh: 0 });
    expect(sinFuga.ventasLitros).toBeGreaterThan(10 * 1000);
    expect(Math.abs(sinFuga.tasaEstimada ?? 99)).toBeLessThan(0.15);
  });
});
