/** A real `surtidor --modo prepago` process against a fake station that authorizes its customers. */
import { describe, expect, it } from 'vitest';
import { PRECIOS } from './helpers/fake-station.js';
import { tempDir } from './helpers/processes.js';
import { surtidorFixture } from './helpers/surtidor-fixture.js';

const fixture = surtidorFixture();

describe('surtidor --modo prepago', () => {
  it('waits for autorizar, stops at the amount preset, quotes the authorization; configuracion postpago serves the next customer at once', async () => {
    const station = await fixture.station();
    fixture.surtidor([
      ...['--estacion', `127.0.0.1:${station.port}`, '--count', '1', '--first-id', '9', '--modo', 'prepago'],
      ...['--speed', '20', '--velocidad', '2', '--mean-interval', '1', '--estado-interval', '60'],
      ...['--fuels', '95', '--outbox-dir', tempDir('surtidor-prepago-')],
    ]);
    const pump = await station.accept();
    expect(await pump.next('registro')).toMatchObject({ id_surtidor: 9, capacidades: ['autorizacion'] });
    pump.send({
      tipo: 'registro_confirmado',
      id_surtidor: 9,
      mensaje: 'ok',
      precios: PRECIOS,
      version_precios: 0,
      modo_autorizacion: 'prepago',
    });
    await pump.next((m) => m.estado_operacion === 'esperando_autorizacion');
    pump.send({
      tipo: 'comando',
      comando: 'autorizar',
      razon: 'pagó $3.000 en caja',
      id_comando: 'c-1',
      id_autorizacion: 'A-1',
      limite: { tipo: 'monto', valor: 3000 },
      vence_en_ms: 60_000,
    });
    expect(await pump.next('comando_ejecutado')).toEqual({
      tipo: 'comando_ejecutado',
      id_surtidor: 9,
      id_comando: 'c-1',
      resultado: 'ok',
    });
    const sale = await pump.next('transaccion_completada');
    expect(sale).toMatchObject({ estado: 'completada', precio_por_litro: 1350, id_autorizacion: 'A-1' });
    const litros = sale.litros as number;
    expect(sale.monto_total).toBe(Math.round(litros * 1350));
    expect(sale.monto_total).toBeLessThanOrEqual(3000);
    const during = pump.received.filter((m) => m.tipo === 'estado' && m.id_autorizacion === 'A-1');
    expect(during.map((m) => m.estado_operacion)).toEqual(['autorizado', 'despachando']);
    pump.send({ tipo: 'transaccion_confirmada', id_transaccion: sale.id_transaccion, duplicada: false });

    await pump.next((m) => m.estado_operacion === 'esperando_autorizacion');
    pump.send({ tipo: 'configuracion', id_surtidor: 9, modo_autorizacion: 'postpago' });
    const served = await pump.next((m) => m.tipo === 'estado' && m.estado_operacion !== 'esperando_autorizacion');
    expect(served).toMatchObject({ estado_operacion: 'despachando' });
    expect(served).not.toHaveProperty('id_autorizacion');
    const next = await pump.next('transaccion_completada');
    expect(next).not.toHaveProperty('id_autorizacion');
    pump.send({ tipo: 'transaccion_confirmada', id_transaccion: next.id_transaccion, duplicada: false });
  });
});
