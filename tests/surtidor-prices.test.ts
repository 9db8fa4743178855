/**
 * The pricing rule of a real `surtidor` process, driven by a fake station that sends a new price
 * version while a sale is in progress (the real station never does; a pump must cope anyway).
 */
import { describe, expect, it } from 'vitest';
import { PRECIOS } from './helpers/fake-station.js';
import type { Json } from './helpers/line-client.js';
import { tempDir } from './helpers/processes.js';
import { surtidorFixture } from './helpers/surtidor-fixture.js';

const fixture = surtidorFixture();

describe('surtidor: prices', () => {
  it('finishes the sale in progress at its price; the new version applies only after it', async () => {
    const station = await fixture.station();
    // Short sales (≤ 8 L at 5 L/s), no periodic estado during one: every estado is a change or an answer.
    fixture.surtidor([
      ...['--estacion', `127.0.0.1:${station.port}`, '--count', '1', '--first-id', '3'],
      ...['--speed', '10', '--velocidad', '0.5', '--capacidad', '8', '--mean-interval', '2'],
      ...['--estado-interval', '60', '--fuels', '95', '--outbox-dir', tempDir('surtidor-precios-')],
    ]);
    const { pump, registro } = await station.acceptRegistered(3);
    expect(registro).toMatchObject({ id_surtidor: 3, combustibles_soportados: ['95'], combustible_actual: '95' });
    expect(await pump.next('precios_aplicados')).toEqual({ tipo: 'precios_aplicados', id_surtidor: 3, version: 3 });

    await pump.next((m) => m.tipo === 'estado' && m.estado_operacion === 'despachando');
    const sentAt = pump.received.length;
    pump.send({
      tipo: 'actualizacion_precios',
      precios: { ...PRECIOS, precio_95: 1500 },
      timestamp: new Date().toISOString(),
      version: 4,
    });
    pump.send({ tipo: 'solicitud_estado', timestamp: new Date().toISOString() });
    // Answered after the update was taken: still dispensing, so the update arrived mid-sale.
    expect(await pump.next('estado')).toMatchObject({ estado_operacion: 'despachando' });

    const sale = await pump.next('transaccion_completada');
    expect(sale).toMatchObject({ precio_por_litro: 1350, version_precios: 3, estado: 'completada' });
    expect(sale.monto_total).toBe(Math.round((sale.litros as number) * 1350));
    const applied = await pump.next('precios_aplicados');
    expect(applied).toEqual({ tipo: 'precios_aplicados', id_surtidor: 3, version: 4 });
    const after = pump.received.slice(sentAt);
    const index = (m: Json) => after.indexOf(m);
    expect(index(applied)).toBeGreaterThan(index(sale));
    // Between the sale and precios_aplicados, the pump said it is available again.
    expect(after.slice(index(sale), index(applied)).map((m) => m.estado_operacion ?? m.tipo)).toEqual([
      'transaccion_completada',
      'disponible',
    ]);
    pump.send({ tipo: 'transaccion_confirmada', id_transaccion: sale.id_transaccion, duplicada: false });

    const next = await pump.next('transaccion_completada');
    expect(next).toMatchObject({
      precio_por_litro: 1500,
      version_precios: 4,
      secuencia: (sale.secuencia as number) + 1,
    });
    expect(next.monto_total).toBe(Math.round((next.litros as number) * 1500));
  });
});
