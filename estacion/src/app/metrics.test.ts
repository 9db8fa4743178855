import { describe, expect, it } from 'vitest';
import { StationBus } from './events.js';
import { StationMetrics } from './metrics.js';

describe('StationMetrics', () => {
  it('counts messages by tipo and reports each one once, however often /metrics is read', async () => {
    const metrics = new StationMetrics(new StationBus());
    const read = async () => {
      const text = await metrics.registry.metrics();
      return text.split('\n').filter((l) => l.startsWith('estacion_mensajes_total{'));
    };
    for (let i = 0; i < 3; i++) metrics.message('estado');
    metrics.message('heartbeat');
    expect(await read()).toEqual([
      'estacion_mensajes_total{tipo="estado"} 3',
      'estacion_mensajes_total{tipo="heartbeat"} 1',
    ]);
    expect(await read()).toEqual([
      'estacion_mensajes_total{tipo="estado"} 3',
      'estacion_mensajes_total{tipo="heartbeat"} 1',
    ]);
    metrics.message('estado');
    expect(await read()).toEqual([
      'estacion_mensajes_total{tipo="estado"} 4',
      'estacion_mensajes_total{tipo="heartbeat"} 1',
    ]);
  });

  it('counts bad lines by code', async () => {
    const metrics = new StationMetrics(new StationBus());
    metrics.badLine('JSON_INVALIDO');
    metrics.badLine('JSON_INVALIDO');
    expect(await metrics.registry.metrics()).toContain('estacion_lineas_invalidas_total{codigo="JSON_INVALIDO"} 2');
  });
});
