import { describe, expect, it } from 'vitest';
import type { FleetStats } from '../fleet/stats.js';
import { LiveTable, renderTable } from './table.js';

const stats: FleetStats = {
  surtidores: 2000,
  conectados: 1998,
  despachando: 140,
  pausados: 2,
  ventas: 12_345,
  canceladas: 3,
  monto: 456_789_012,
  litros: 300_000,
  confirmadas: 12_300,
  duplicadas: 4,
  conflictos: 2,
  reenvios: 1,
  enviadas: 100,
  lineasInvalidas: 0,
  pendientes: 45,
  reconexiones: 12,
  detenidos: 0,
  errores: { LIMITE_EXCEDIDO: 3 },
  rechazos: {},
  outbox: { fileBytes: 1, records: 1, compactions: 0, writeErrors: 0 },
};

describe('live table', () => {
  it('shows pumps connected, dispensing, sales, outbox size and reconnects', () => {
    const text = renderTable(stats, {
      estacion: 'localhost:6000',
      speed: 10,
      elapsedS: 75,
      ventasPorSegundo: 41.25,
      logFile: 'data/surtidores/surtidor.log',
    }).join('\n');
    for (const s of [
      'conectados',
      '1.998',
      'despachando',
      '140',
      'ventas/s',
      '41.3',
      'outbox pendientes',
      '45',
      'reconexiones',
      '12',
      'LIMITE_EXCEDIDO 3',
      '1:15',
      '×10',
    ]) {
      expect(text).toContain(s);
    }
  });

  it('shows the prepaid figures once a pump is in prepago, and nothing of them before', () => {
    const info = { estacion: 'e:6000', speed: 1, elapsedS: 1, ventasPorSegundo: 0, logFile: 'l' };
    expect(renderTable(stats, info).join('\n')).not.toContain('esperando');
    const text = renderTable(
      {
        ...stats,
        autorizacion: {
          prepago: 1000,
          esperando: 31,
          autorizados: 7,
          recibidas: 4321,
          rechazadas: 5,
          propias: 0,
          vencidas: 11,
          canceladas: 13,
          abandonos: 17,
        },
      },
      info,
    ).join('\n');
    for (const s of ['prepago', '1.000', 'esperando', '31', 'autorizados', 'autorizar recibidos', '4.321']) {
      expect(text).toContain(s);
    }
    for (const s of ['rechazados', 'vencidas', 'canceladas', 'abandonos', '17']) expect(text).toContain(s);
  });

  it('shows the gauge and one line per tank with --tanques (level, %, last reading sent, faults), and nothing of them before', () => {
    const info = { estacion: 'e:6000', speed: 1, elapsedS: 1, ventasPorSegundo: 0, logFile: 'l' };
    expect(renderTable(stats, info).join('\n')).not.toContain('tanque');
    const tanque = {
      id_tanque: 1,
      combustible: '93' as const,
      capacidad: 20_000,
      litros: 12_345.6,
      litros_15c: 12_300.1,
      porcentaje: 61.7,
      temperatura_c: 18.4,
      descargando: true,
      descargas: 2,
      extraidos: 5000,
      fugados: 12.5,
      robados: 0,
      faltantes: 0,
      lecturas: 40,
      ultima_lectura: {
        tipo: 'lectura_tanque' as const,
        id_medidor: 1,
        id_tanque: 1,
        timestamp: '2026-01-15T14:03:07.000Z',
        altura_producto_mm: 1500.2,
        altura_agua_mm: 0,
        temperatura_c: 18.41,
        litros: 12_344.9,
        litros_15c: 12_299.5,
      },
    };
    const text = renderTable(
      {
        ...stats,
        medidor: { id_medidor: 1, conectado: true, lecturas: 80 },
        tanques: [tanque, { ...tanque, id_tanque: 4, combustible: 'diesel', ultima_lectura: null, fugados: 0 }],
      },
      info,
    ).join('\n');
    for (const s of [
      'medidor 1: registrado, lecturas enviadas 80',
      'tanque 1 (93): 12.346 / 20.000 L  61.7 %',
      '18.4 °C  descargando  descargas 2',
      'última lectura 12344.9 L a las 14:03:07',
      'fugados 13 L',
      'tanque 4 (diesel)',
      'última lectura —',
    ]) {
      expect(text).toContain(s);
    }
  });

  it('rewrites its previous lines in place', () => {
    let out = '';
    const table = new LiveTable({ write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream);
    table.draw(['a', 'b']);
    expect(out).toBe('\x1b[2Ka\n\x1b[2Kb\n\x1b[0J');
    out = '';
    table.draw(['c']);
    expect(out).toBe('\x1b[2F\x1b[2Kc\n\x1b[0J');
  });
});
