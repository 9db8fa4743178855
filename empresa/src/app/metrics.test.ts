import { describe, expect, it } from 'vitest';
import type { ReporteEntrante } from '../domain/reports.js';
import { entrante, unaVentaReportada } from '../store/test-builders.js';
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
