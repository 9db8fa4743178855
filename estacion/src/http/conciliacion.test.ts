/** (ext, issue 14) GET /api/conciliacion: who may call it, what it refuses, and the report over seeded data. */
import type { StationRole } from '@combustible/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StationMetrics } from '../app/metrics.js';
import { type Json, semanaDeTanques } from '../hub/test-harness.js';
import { registros } from './csv-test-support.js';
import { type ApiHarness, createApiHarness } from './test-harness.js';

let t: ApiHarness;
beforeEach(async () => {
  t = await createApiHarness();
  // Tank 1 (93) loses 3 L/h, tank 2 (95) is tight: a week of hourly readings up to 2026-01-15T14:00Z.
  await semanaDeTanques(t.h);
});
afterEach(async () => {
  await t.close();
});

const get = (query: string, rol: StationRole | null = 'lectura') =>
  t.api.inject({ url: `/api/conciliacion?${query}`, headers: rol ? t.as(rol) : {} });
const json = <T = Json>(r: { json(): unknown }) => r.json() as T;

interface Periodo {
  desde: string;
  hasta: string;
  bruto: { ventas: number; varianza: number; varianza_acumulada: number } | null;
}
type Reporte = { id_tanque: number; truncado: boolean; periodos: Periodo[] }[];

const DIAS = 'desde=2026-01-10T00:00:00Z&hasta=2026-01-14T00:00:00Z';

describe('GET /api/conciliacion', () => {
  it('needs a session; any role reads it', async () => {
    expect((await get(DIAS, null)).statusCode).toBe(401);
    expect((await get(DIAS, 'lectura')).statusCode).toBe(200);
  });

  it('reports each tank by day: the leaking one loses about 72 L a day, the tight one about none', async () => {
    const r = await get(DIAS);
    const reporte = json<Reporte>(r);
    expect(reporte.map((x) => [x.id_tanque, x.truncado, x.periodos.length])).toEqual([
      [1, false, 4],
      [2, false, 4],
    ]);
    const [uno, dos] = reporte;
    expect(uno?.periodos[0]).toMatchObject({ desde: '2026-01-10T00:00:00.000Z', hasta: '2026-01-11T00:00:00.000Z' });
    for (const p of uno?.periodos ?? []) {
      expect(p.bruto?.ventas).toBe(2250);
      expect(p.bruto?.varianza).toBeCloseTo(-72, -1);
    }
    expect(uno?.periodos.at(-1)?.bruto?.varianza_acumulada).toBeCloseTo(-288, -1);
    for (const p of dos?.periodos ?? []) expect(Math.abs(p.bruto?.varianza ?? Infinity)).toBeLessThan(5);
    const metrics = await (t.h.metrics as StationMetrics).registry.metrics();
    expect(metrics).toContain('estacion_conciliaciones_total{origen="api",truncada="no"} 2');
  });

  it('covers the last 7 days up to now without a range', async () => {
    const [uno] = json<Reporte>(await get('id_tanque=1'));
    // The clock stands at 2026-01-15T14:00Z: the days from the 8th to today.
    expect(uno?.periodos).toHaveLength(8);
    expect(uno?.periodos[0]?.desde).toBe('2026-01-08T00:00:00.000Z');
    expect(uno?.periodos.at(-1)).toMatchObject({ desde: '2026-01-15T00:00:00.000Z', bruto: null });
  });

  it('reports one tank by shift, local midnight at an offset', async () => {
    const r = await get(
      'desde=2026-01-12T03:00:00Z&hasta=2026-01-13T03:00:00Z&id_tanque=1&turnos=360,840,1320&offset_min=-180',
    );
    expect(r.statusCode).toBe(200);
    const [uno, ...otros] = json<Reporte>(r);
    expect(otros).toEqual([]);
    // Shifts at 06, 14 and 22 h at UTC−3: 09, 17 and 01 h UTC.
    expect(uno?.periodos.map((p) => p.desde)).toEqual([
      '2026-01-12T01:00:00.000Z',
      '2026-01-12T09:00:00.000Z',
      '2026-01-12T17:00:00.000Z',
      '2026-01-13T01:00:00.000Z',
    ]);
    // The night shift (01–09 h UTC) sells 3 hours (06–09 h), the others 8 and 4.
    expect(uno?.periodos.map((p) => p.bruto?.ventas)).toEqual([450, 1200, 600, 450]);
  });

  it('refuses a missing, reversed or too long range, bad shifts and an unknown tank', async () => {
    const cases: [string, number, string][] = [
      ['hasta=2026-01-14T00:00:00Z', 400, 'VALIDACION'],
      ['desde=2026-01-10T00:00:00Z', 400, 'VALIDACION'],
      ['desde=2026-01-14T00:00:00Z&hasta=2026-01-10T00:00:00Z', 400, 'VALIDACION'],
      ['desde=2025-10-01T00:00:00Z&hasta=2026-01-10T00:00:00Z', 400, 'VALIDACION'],
      ['desde=ayer&hasta=2026-01-10T00:00:00Z', 400, 'VALIDACION'],
      [`${DIAS}&turnos=360,1440`, 400, 'VALIDACION'],
      [`${DIAS}&turnos=6h`, 400, 'VALIDACION'],
      [`${DIAS}&offset_min=-900`, 400, 'VALIDACION'],
      [`${DIAS}&id_tanque=0`, 400, 'VALIDACION'],
      [`${DIAS}&id_tanque=9`, 404, 'TANQUE_NO_ENCONTRADO'],
    ];
    for (const [query, status, codigo] of cases) {
      const r = await get(query);
      expect([query, r.statusCode], query).toEqual([query, status]);
      expect(json(r), query).toMatchObject({ error: { codigo } });
    }
    // 92 days is the most one report covers.
    expect((await get('desde=2025-10-14T00:00:00Z&hasta=2026-01-14T00:00:00Z')).statusCode).toBe(200);
  });
});

describe('GET /api/conciliacion as CSV', () => {
  it('answers ?formato=csv and Accept: text/csv with one row per tank and period, the same filters as the JSON', async () => {
    const q = `${DIAS}&id_tanque=1&turnos=360,840,1320&offset_min=-180`;
    const reporte = json<Reporte>(await get(q));
    const porFormato = await get(`${q}&formato=csv`);
    const porAccept = await t.api.inject({
      url: `/api/conciliacion?${q}`,
      headers: { ...t.as('lectura'), accept: 'text/csv' },
    });
    for (const r of [porFormato, porAccept]) {
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(r.headers['content-disposition']).toMatch(/^attachment; filename=".+-conciliacion\.csv"$/);
    }
    expect(porAccept.body).toBe(porFormato.body);
    const filas = registros(porFormato.body);
    const periodos = reporte[0]?.periodos ?? [];
    expect(periodos.length).toBeGreaterThan(4);
    expect(filas.map((f) => [f.id_tanque, f.desde, f.hasta])).toEqual(periodos.map((p) => ['1', p.desde, p.hasta]));
    // Decimal commas, the gross and net balances side by side, absent values as empty cells.
    const coma = (n: number | undefined) => (n === undefined ? '' : String(n).replace('.', ','));
    expect(filas.map((f) => f.bruto_ventas)).toEqual(periodos.map((p) => coma(p.bruto?.ventas)));
    expect(filas.map((f) => f.bruto_varianza_acumulada)).toEqual(
      periodos.map((p) => coma(p.bruto?.varianza_acumulada)),
    );
    expect(Object.keys(filas[0] ?? {})).toEqual(expect.arrayContaining(['neto_15c_stock_medido', 'truncado']));
    expect(filas[0]?.truncado).toBe('no');
  });

  it('refuses a bad filter with 400 before any CSV, and needs a session', async () => {
    const r = await get('desde=2026-01-14T00:00:00Z&formato=csv');
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect((await get(`${DIAS}&formato=xml`)).statusCode).toBe(400);
    expect((await get(`${DIAS}&formato=csv`, null)).statusCode).toBe(401);
  });
});
