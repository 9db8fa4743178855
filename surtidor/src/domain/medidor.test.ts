import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { FakeClock } from '../test-support.js';
import { type DeliveryPolicy, Gauge, type GaugeEvent, type TankSetup } from './medidor.js';

const MIN = 60_000;

function tank(over: Partial<TankSetup> = {}): TankSetup {
  return { id_tanque: 2, combustible: '95', capacidadLitros: 10_000, fugaLitrosHora: 0, roboLitrosDia: 0, ...over };
}

function setup(opts: { descargas?: DeliveryPolicy | null; tanques?: TankSetup[]; speed?: number } = {}) {
  const clock = new FakeClock();
  const events: GaugeEvent[] = [];
  const gauge = new Gauge(
    {
      id_medidor: 1,
      tanques: opts.tanques ?? [tank()],
      intervaloLecturasMs: 60_000,
      cambioLecturaMm: 10,
      speed: opts.speed ?? 1,
      descargas: opts.descargas ?? null,
    },
    { clock, random: seededRandom(9), onEvent: (e) => events.push(e) },
  );
  return { clock, gauge, events };
}

describe('Gauge', () => {
  it('draws from the tank of the fuel dispensed; a fuel without a tank draws nothing', () => {
    const { gauge } = setup({ tanques: [tank(), tank({ id_tanque: 4, combustible: 'diesel' })] });
    gauge.draw('95', 120);
    gauge.draw('93', 500);
    const [t95, tDiesel] = gauge.stats();
    expect(t95?.extraidos).toBeCloseTo(120, 6);
    expect(t95?.litros).toBeCloseTo(6000 - 120, 0);
    expect(tDiesel?.extraidos).toBe(0);
  });

  it('a tank that runs dry says so once, and counts what was missing', () => {
    const { gauge, events } = setup({ tanques: [tank({ capacidadLitros: 1000 })] });
    gauge.draw('95', 590);
    gauge.draw('95', 30);
    gauge.draw('95', 30);
    expect(events).toEqual([{ tipo: 'tanque_vacio', id_tanque: 2, faltaronLitros: expect.closeTo(20, 6) as number }]);
    expect(gauge.stats()[0]).toMatchObject({ litros: 0, faltantes: 50 });
  });

  it('a low tank orders one truck, which arrives within an hour and unloads over its minutes at another temperature', () => {
    const { clock, gauge, events } = setup({ descargas: { nivel: 0.7, litros: 2000, duracionMs: 30 * MIN } });
    gauge.tick();
    gauge.tick();
    expect(events).toEqual([{ tipo: 'descarga_pedida', id_tanque: 2, llegaEnMs: expect.any(Number) as number }]);
    const llega = (events[0] as { llegaEnMs: number }).llegaEnMs;
    expect(llega).toBeGreaterThanOrEqual(15 * MIN);
    expect(llega).toBeLessThanOrEqual(60 * MIN);
    clock.advance(llega - 1);
    gauge.tick();
    expect(events).toHaveLength(1);
    clock.advance(1);
    gauge.tick();
    const iniciada = events[1] as Extract<GaugeEvent, { tipo: 'descarga_iniciada' }>;
    expect(iniciada).toMatchObject({ tipo: 'descarga_iniciada', id_tanque: 2, litros: 2000 });
    expect(Math.abs(iniciada.temperaturaC - 18)).toBeGreaterThanOrEqual(3);
    expect(Math.abs(iniciada.temperaturaC - 18)).toBeLessThanOrEqual(8);
    clock.advance(15 * MIN);
    gauge.tick();
    expect(gauge.stats()[0]?.descargando).toBe(true);
    clock.advance(15 * MIN);
    gauge.tick();
    const s = gauge.stats()[0];
    expect(s).toMatchObject({ descargando: false, descargas: 1 });
    expect(s?.litros_15c).toBeGreaterThan(7900);
    // Over 70 % now: no other truck.
    expect(events).toHaveLength(2);
  });

  it('readings: every tank on demand, then only those due, at most one per tank each time', () => {
    const { clock, gauge } = setup({ tanques: [tank(), tank({ id_tanque: 3, combustible: '97' })], speed: 10 });
    expect(gauge.lecturasDebidas(true).map((l) => l.id_tanque)).toEqual([2, 3]);
    expect(gauge.lecturasDebidas()).toEqual([]);
    clock.advance(6000); // 60 simulated seconds at speed 10
    expect(gauge.lecturasDebidas().map((l) => l.id_tanque)).toEqual([2, 3]);
    gauge.draw('97', 500);
    expect(gauge.lecturasDebidas().map((l) => l.id_tanque)).toEqual([3]);
    expect(gauge.stats().map((s) => s.lecturas)).toEqual([2, 3]);
    expect(gauge.stats()[1]?.ultima_lectura?.id_tanque).toBe(3);
  });
});
