import { describe, expect, it } from 'vitest';
import type { ReporteEntrante } from '../domain/reports.js';
import { entrante, unaVentaReportada, unEstadoEnlace } from '../store/test-builders.js';
import { CompanyBus } from './events.js';
import { CompanyMetrics } from './metrics.js';

describe('CompanyMetrics: reports upstream', () => {
  it('counts reports by class and result (an unknown class as otra), the batch sizes and the intake queue', async () => {
    const bus = new CompanyBus();
    const m = new CompanyMetrics(bus);
    m.observeIngest({ pending: 7, pausas: 2 });
    const lote: ReporteEntrante[] = [
      entrante('e1', 1, { clase: 'venta', datos: unaVentaReportada() }),
      entrante('e1', 2, { clase: 'venta', datos: unaVentaReportada() }),
      entrante('e1', 3, {
        clase: 'rechazado',
        clase_reportada: 'clase-de-una-estacion-nueva',
        codigo: 'CLASE_DESCONOCIDA',
        motivo: 'x',
        datos: {},
      }),
    ];
    bus.emit('reportes', { lote, resultados: ['nuevo', 'duplicado', 'rechazado'], ms: 3 });
    const text = await m.registry.metrics();
    expect(text).toContain('empresa_reportes_total{clase="venta",resultado="nuevo"} 1');
    expect(text).toContain('empresa_reportes_total{clase="venta",resultado="duplicado"} 1');
    expect(text).toContain('empresa_reportes_total{clase="otra",resultado="rechazado"} 1');
    expect(text).not.toContain('clase-de-una-estacion-nueva');
    expect(text).toContain('empresa_reportes_lote_sum 3');
    expect(text).toContain('empresa_reportes_cola 7');
    expect(text).toContain('empresa_reportes_pausas 2');
  });
});

const estado = unEstadoEnlace;

async function gauges(m: CompanyMetrics) {
  const value = async (name: string) => (await m.registry.getSingleMetric(name)?.get())?.values[0]?.value;
  return {
    conectadas: await value('empresa_estaciones_conectadas'),
    sincronizadas: await value('empresa_estaciones_sincronizadas'),
  };
}

describe('CompanyMetrics: connected and synchronized stations', () => {
  it('follows each link through its states, renames and removals', async () => {
    const bus = new CompanyBus();
    const m = new CompanyMetrics(bus);
    const sincronizado = estado({ estado: 'sincronizado', conectada: true, version_confirmada: 3 });
    bus.emit('enlace', { id_estacion: 'a', estado: estado({ estado: 'saludo', conectada: true }) });
    bus.emit('enlace', { id_estacion: 'b', estado: sincronizado });
    bus.emit('enlace', { id_estacion: 'c', estado: sincronizado });
    expect(await gauges(m)).toEqual({ conectadas: 3, sincronizadas: 2 });
    // The same status twice counts once; a new version being sent takes it out of the synchronized.
    bus.emit('enlace', { id_estacion: 'b', estado: sincronizado });
    bus.emit('enlace', { id_estacion: 'c', estado: { ...sincronizado, estado: 'sincronizando' } });
    expect(await gauges(m)).toEqual({ conectadas: 3, sincronizadas: 1 });
    // An anomaly is never synchronized.
    bus.emit('enlace', {
      id_estacion: 'a',
      estado: {
        ...sincronizado,
        anomalia: {
          codigo: 'VERSION_DESCONOCIDA',
          version_reportada: 9,
          version_empresa: 3,
          desde: '2026-11-30T12:00:00Z',
        },
      },
    });
    expect(await gauges(m)).toEqual({ conectadas: 3, sincronizadas: 1 });
    bus.emit('estacion_actualizada', { id_anterior: 'b', estacion: { id_estacion: 'b2' } as never });
    bus.emit('enlace', { id_estacion: 'b2', estado: estado({ estado: 'desconectado' }) });
    expect(await gauges(m)).toEqual({ conectadas: 2, sincronizadas: 0 });
    bus.emit('estacion_eliminada', { id_estacion: 'c' });
    bus.emit('enlace', { id_estacion: 'a', estado: estado({ estado: 'detenido' }) });
    expect(await gauges(m)).toEqual({ conectadas: 0, sincronizadas: 0 });
  });
});
