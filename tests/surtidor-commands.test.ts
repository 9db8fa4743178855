/** Commands to a real `surtidor` process from a fake station: pause, resume, emergency stop. */
import { describe, expect, it } from 'vitest';
import type { Json, LineClient } from './helpers/line-client.js';
import { tempDir } from './helpers/processes.js';
import { surtidorFixture } from './helpers/surtidor-fixture.js';

const fixture = surtidorFixture();

/**
 * Real time, only where the test proves that something does NOT happen (a paused pump does not
 * dispense, a locked pump takes no customer): there is no event for "nothing happened".
 */
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function command(pump: LineClient, comando: string, id_comando: string): Promise<Json> {
  pump.send({ tipo: 'comando', comando, razon: 'prueba', id_comando });
  return pump.next((m) => m.tipo === 'comando_ejecutado' && m.id_comando === id_comando);
}

async function estadoNow(pump: LineClient): Promise<Json> {
  pump.send({ tipo: 'solicitud_estado', timestamp: new Date().toISOString() });
  return pump.next('estado');
}

describe('surtidor: commands', () => {
  it('pausar holds the sale, reanudar continues it, detener_emergencia records it as cancelled', async () => {
    const station = await fixture.station();
    // 1 L/s of real time; every sale is at least 3.7 L, so there is time to act during one.
    fixture.surtidor([
      ...['--estacion', `127.0.0.1:${station.port}`, '--count', '1', '--first-id', '5'],
      ...['--speed', '2', '--velocidad', '0.5', '--mean-interval', '1', '--estado-interval', '60'],
      ...['--fuels', '93', '--outbox-dir', tempDir('surtidor-comandos-')],
    ]);
    const { pump } = await station.acceptRegistered(0);
    await pump.next((m) => m.tipo === 'estado' && m.estado_operacion === 'despachando');

    expect(await command(pump, 'pausar', 'c1')).toEqual({
      tipo: 'comando_ejecutado',
      id_surtidor: 5,
      id_comando: 'c1',
      resultado: 'ok',
    });
    const paused = await estadoNow(pump);
    expect(paused).toMatchObject({ estado_operacion: 'pausado', tipo_combustible: '93' });
    // The pump brings dispensing up to date when asked for its estado, at 1 L/s: had the pause not
    // held the sale, 100 ms would show as 0.1 L (the wire has 0.001 L resolution).
    await wait(100);
    expect(await estadoNow(pump)).toMatchObject({
      estado_operacion: 'pausado',
      litros_actuales: paused.litros_actuales,
    });

    expect((await command(pump, 'reanudar', 'c2')).resultado).toBe('ok');
    expect(await estadoNow(pump)).toMatchObject({ estado_operacion: 'despachando' });
    // Until the pump reports more than it had when paused (at 1 L/s: a millisecond or two).
    while (((await estadoNow(pump)).litros_actuales as number) <= (paused.litros_actuales as number));
    const from = pump.received.length;
    expect((await command(pump, 'detener_emergencia', 'c3')).resultado).toBe('ok');
    // The answer comes after the cancelled sale (next() above skipped it, received keeps it).
    const sale = pump.received.slice(from).find((m) => m.tipo === 'transaccion_completada') as Json;
    expect(sale).toMatchObject({
      id_surtidor: 5,
      estado: 'cancelada',
      tipo_combustible: '93',
      precio_por_litro: 1290,
      secuencia: 1,
    });
    const litros = sale.litros as number;
    expect(litros).toBeGreaterThan(paused.litros_actuales as number);
    expect(litros).toBeLessThan(3.7);
    expect(sale.monto_total).toBe(Math.round(litros * 1290));
    expect(sale.totalizador_fin).toBeCloseTo((sale.totalizador_inicio as number) + litros, 6);
    // The cancelled sale goes out first, then the pump says it is paused, then it answers.
    expect(pump.received.slice(from).map((m) => m.estado_operacion ?? m.tipo)).toEqual([
      'transaccion_completada',
      'pausado',
      'comando_ejecutado',
    ]);
    pump.send({ tipo: 'transaccion_confirmada', id_transaccion: sale.id_transaccion, duplicada: false });

    // Locked after an emergency stop: no customer until reanudar. A customer comes every 0.5 s on
    // average here (--mean-interval 1 at --speed 2), so an unlocked pump would most likely start one.
    await wait(500);
    expect(pump.received.slice(from).filter((m) => m.estado_operacion === 'despachando')).toEqual([]);
    expect((await command(pump, 'reanudar', 'c4')).resultado).toBe('ok');
    expect((await command(pump, 'reanudar', 'c5')).resultado).toMatch(/^error: /);
    // Customers come again.
    expect(await pump.next((m) => m.estado_operacion === 'despachando', 15_000)).toMatchObject({ litros_actuales: 0 });
  });
});
