/**
 * End to end: a real `surtidor --tanques --fuga` process against a real station. The simulated
 * leak (a burst line, 10 000 L/h simulated at --speed 10) raises FUGA_SOSPECHADA through the
 * sudden-loss rule with a short window, within seconds; the tight tank beside it raises nothing.
 */
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/processes.js';
import { surtidorFixture } from './helpers/surtidor-fixture.js';

const fixture = surtidorFixture();

interface Alerta {
  codigo: string;
  clave: string;
  severidad: string;
  datos: Record<string, unknown> | null;
}

describe('a leak injected with the simulator', () => {
  it('raises FUGA_SOSPECHADA (perdida_subita) at the station for the leaking tank only', async () => {
    const station = await fixture.estacion({
      flags: {
        'tanques-demo': 'true',
        'deteccion-fugas-min': '0',
        'perdida-subita-s': '1',
        'perdida-subita-min': '0.25',
        'perdida-subita-litros': '100',
      },
    });
    fixture.surtidor([
      ...['--estacion', `127.0.0.1:${station.pumpPort}`, '--count', '1', '--fuels', '93,95', '--seed', '7'],
      // No customers within the test (a sale's times would be in simulated time, ahead of the station's).
      ...['--speed', '10', '--mean-interval', '86400', '--outbox-dir', tempDir('surtidor-fuga-')],
      ...['--tanques', '--intervalo-lecturas', '5', '--fuga', '1:10000'],
    ]);

    // The log names the alert by its code and message (its `clave` is redacted like any secret's).
    const raised = await station.waitForLog(
      (e) => e.alerta === 'FUGA_SOSPECHADA' && String(e.msg).startsWith('Tanque 1:'),
      60_000,
    );
    expect(raised.msg).toMatch(/^Tanque 1: faltan \d+ L en \d+ s que las ventas no explican/);
    const alertas = await station.request<Alerta[]>('/api/alertas?abiertas=true&limit=100');
    const fugas = alertas.filter((a) => a.codigo === 'FUGA_SOSPECHADA');
    expect(fugas.map((a) => a.clave)).toEqual(['FUGA_SOSPECHADA:1:perdida_subita']);
    expect(fugas[0]).toMatchObject({
      severidad: 'critica',
      datos: { id_tanque: 1, metodo: 'perdida_subita', umbral_litros: 100, ventana_min: 0.25, en_curso_l: 0 },
    });
    // 10 000 L/h × 10 is 28 L a real second: over the window's 15 s, well beyond the 100 L threshold.
    expect((fugas[0]?.datos?.litros_perdidos as number) > 100).toBe(true);
    // The gauge's readings were taken as they are (no observation: the two sides read them alike).
    const lecturas = await station.request<{ observaciones: string[] }[]>('/api/tanques/2/lecturas?limit=50');
    expect(lecturas.length).toBeGreaterThan(5);
    expect(lecturas.flatMap((l) => l.observaciones)).toEqual([]);
    expect(await station.request<unknown[]>('/api/transacciones?limit=10')).toEqual([]);
  }, 90_000);
});
