import { describe, expect, it } from 'vitest';
import {
  unaAlertaReportada,
  unaVentaReportada,
  unCierreReportado,
  unSurtidorReportado,
} from '../store/test-builders.js';
import { CUARTO_MS, evaluarReporte, totalesPorDia } from './reports.js';

const AHORA = Date.parse('2026-01-15T15:00:00Z');

describe('evaluarReporte', () => {
  it('takes a valid, plausible record of each class as it is (unknown fields dropped from a sale)', () => {
    const v = unaVentaReportada();
    expect(evaluarReporte({ clase: 'venta', datos: { ...v, extra: 1 } }, AHORA)).toEqual({ clase: 'venta', datos: v });
    for (const [clase, datos] of [
      ['cierre', unCierreReportado()],
      ['alerta', unaAlertaReportada()],
      ['surtidor', unSurtidorReportado()],
    ] as const) {
      expect(evaluarReporte({ clase, datos }, AHORA)).toEqual({ clase, datos });
    }
  });

  it('keeps apart a class it does not know, with the class as sent', () => {
    expect(evaluarReporte({ clase: 'tanque', datos: { a: 1 } }, AHORA)).toMatchObject({
      clase: 'rechazado',
      clase_reportada: 'tanque',
      codigo: 'CLASE_DESCONOCIDA',
      datos: { a: 1 },
    });
  });

  it('keeps apart invalid datos, naming the fields', () => {
    const r = evaluarReporte(
      { clase: 'venta', datos: { ...unaVentaReportada(), litros: -1, metodo_pago: 'trueque' } },
      AHORA,
    );
    expect(r).toMatchObject({ clase: 'rechazado', codigo: 'DATOS_INVALIDOS' });
    expect(r.clase === 'rechazado' && r.motivo).toMatch(/litros.*metodo_pago|metodo_pago.*litros/);
  });

  it('keeps apart what cannot be true by the company clock and the sale limits', () => {
    const implausible = (clase: string, datos: object) => {
      const r = evaluarReporte({ clase, datos: datos as Record<string, unknown> }, AHORA);
      return r.clase === 'rechazado' && r.codigo === 'DATOS_IMPLAUSIBLES' ? r.motivo : null;
    };
    const manana = '2026-01-16T16:00:00Z'; // 25 h ahead
    expect(implausible('venta', unaVentaReportada({ fecha_fin: manana }))).toMatch(
      /fecha_fin: posterior en más de 24 h/,
    );
    expect(implausible('venta', unaVentaReportada({ fecha_inicio: '1999-12-31T00:00:00Z' }))).toMatch(
      /fecha_inicio: anterior a 2000/,
    );
    expect(
      implausible(
        'venta',
        unaVentaReportada({ fecha_inicio: '2026-01-15T14:00:00Z', fecha_fin: '2026-01-15T13:00:00Z' }),
      ),
    ).toMatch(/fecha_fin: anterior a fecha_inicio/);
    expect(
      implausible('cierre', unCierreReportado({ desde: '2026-01-15T10:00:00Z', hasta: '2026-01-15T09:00:00Z' })),
    ).toMatch(/hasta: anterior a desde/);
    expect(implausible('alerta', unaAlertaReportada({ resuelta: '2026-01-14T00:00:00Z' }))).toMatch(/resuelta/);
    expect(implausible('surtidor', unSurtidorReportado({ actualizado: manana }))).toMatch(/actualizado/);
    // Within the limits: a peso of rounding, a clock 23 h ahead.
    expect(
      implausible('venta', unaVentaReportada({ litros: 10, precio_por_litro: 1000, monto_total: 10_001 })),
    ).toBeNull();
    expect(implausible('surtidor', unSurtidorReportado({ actualizado: '2026-01-16T14:00:00Z' }))).toBeNull();
  });

  it('stores a sale whose amount is off (the station stored it; it was charged) with a note, once', () => {
    const datos = unaVentaReportada({ litros: 10, precio_por_litro: 1000, monto_total: 10_002 });
    const r = evaluarReporte({ clase: 'venta', datos: { ...datos, observaciones: ['nota de la estación'] } }, AHORA);
    const nota = 'empresa: monto_total 10002 difiere de litros × precio_por_litro = 10000';
    expect(r).toMatchObject({
      clase: 'venta',
      datos: { monto_total: 10_002, observaciones: ['nota de la estación', nota] },
    });
    // Sent again (as stored): the same note, not a second one.
    const otra = evaluarReporte({ clase: 'venta', datos: r.datos }, AHORA);
    expect(otra.clase === 'venta' && otra.datos.observaciones).toEqual(['nota de la estación', nota]);
    // Within a peso: no note.
    const redondeo = evaluarReporte(
      { clase: 'venta', datos: unaVentaReportada({ litros: 10, precio_por_litro: 1000, monto_total: 10_001 }) },
      AHORA,
    );
    expect(redondeo.clase === 'venta' && redondeo.datos.observaciones).toBeUndefined();
  });
});

describe('totalesPorDia', () => {
  it('folds quarter hours into local days by fuel, litres to 3 decimals, in day then fuel order', () => {
    const q = (iso: string) => Math.floor(Date.parse(iso) / CUARTO_MS);
    const t = (transacciones: number, litros: number, monto: number) => ({ transacciones, litros, monto });
    const dias = totalesPorDia(
      [
        // 02:45Z is 23:45 of the 14th in Santiago (UTC-3 in January); 03:00Z is midnight of the 15th.
        { cuarto: q('2026-01-15T02:45:00Z'), tipo_combustible: '93', ...t(1, 1.0004, 100) },
        { cuarto: q('2026-01-15T03:00:00Z'), tipo_combustible: '93', ...t(2, 2, 200) },
        { cuarto: q('2026-01-15T20:00:00Z'), tipo_combustible: '93', ...t(1, 1.0004, 100) },
        { cuarto: q('2026-01-15T20:00:00Z'), tipo_combustible: 'diesel', ...t(1, 5, 500) },
      ],
      'America/Santiago',
    );
    expect(dias).toEqual([
      { fecha: '2026-01-14', tipo_combustible: '93', ...t(1, 1, 100) },
      { fecha: '2026-01-15', tipo_combustible: '93', ...t(3, 3, 300) },
      { fecha: '2026-01-15', tipo_combustible: 'diesel', ...t(1, 5, 500) },
    ]);
    // Kolkata is UTC+5:30: the same instants fall on other days there.
    expect(
      totalesPorDia([{ cuarto: q('2026-01-15T18:30:00Z'), tipo_combustible: '95', ...t(1, 1, 1) }], 'Asia/Kolkata'),
    ).toEqual([{ fecha: '2026-01-16', tipo_combustible: '95', ...t(1, 1, 1) }]);
  });
});
