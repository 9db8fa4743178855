import { lecturaTanque } from '@combustible/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { type GaugeOptions, Gauge } from '../domain/medidor.js';
import { seededRandom } from '../random.js';
import { FakeClock, FakeNetwork, memoryLogger, type StationEnd, settle } from '../test-support.js';
import { emptyCounters } from './counters.js';
import { GaugeLink, type GaugeLinkOptions } from './gauge-link.js';

const HORA = 3_600_000;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function setup(opts: { gauge?: Partial<GaugeOptions>; link?: Partial<GaugeLinkOptions> } = {}) {
  const clock = new FakeClock();
  const network = new FakeNetwork();
  const { log, lines } = memoryLogger();
  const counters = emptyCounters();
  const fatal: Error[] = [];
  const gauge = new Gauge(
    {
      id_medidor: 5,
      tanques: [
        { id_tanque: 1, combustible: '93', capacidadLitros: 10_000, fugaLitrosHora: 0, roboLitrosDia: 0 },
        { id_tanque: 4, combustible: 'diesel', capacidadLitros: 10_000, fugaLitrosHora: 0, roboLitrosDia: 0 },
      ],
      intervaloLecturasMs: 60_000,
      cambioLecturaMm: 10,
      speed: 10,
      descargas: null,
      ...opts.gauge,
    },
    { clock, random: seededRandom(3) },
  );
  const link = new GaugeLink({
    gauge,
    dial: network.dial,
    clock,
    random: () => 0.5,
    log,
    counters,
    onFatal: (e) => fatal.push(e),
    options: {
      token: 'secreto',
      version: 'sim-test',
      registrationTimeoutMs: 15_000,
      maxSilenceMs: 30_000,
      backoff: { baseMs: 100, maxMs: 1000 },
      ...opts.link,
    },
  });
  cleanups.push(() => link.stop());
  /** Advances time and runs the shared tick, as the fleet does. */
  const tick = (ms = 0) => {
    clock.advance(ms);
    gauge.tick();
    link.tick(clock.now());
  };
  return { clock, network, gauge, link, counters, fatal, lines, tick };
}

async function registered(t: ReturnType<typeof setup>): Promise<StationEnd> {
  t.link.start();
  const station = await t.network.connection(0);
  await station.next('registro_medidor');
  station.send({ tipo: 'medidor_confirmado', id_medidor: 5, mensaje: 'ok' });
  await station.count('lectura_tanque', 2);
  return station;
}

const readingsOf = (station: StationEnd, tanque: number) =>
  station.of('lectura_tanque').filter((m) => m.id_tanque === tanque);

describe('GaugeLink', () => {
  it('registers with registro_medidor and sends nothing else until medidor_confirmado, then a reading of every tank', async () => {
    const t = setup();
    t.link.start();
    const station = await t.network.connection(0);
    expect(await station.next('registro_medidor')).toEqual({
      tipo: 'registro_medidor',
      id_medidor: 5,
      nombre: 'Medidor 5',
      version: 'sim-test',
      tanques: [1, 4],
      token: 'secreto',
    });
    t.tick(10_000); // an interval passed: still nothing before the confirmation
    await settle();
    expect(station.received).toHaveLength(1);
    station.send({ tipo: 'medidor_confirmado', id_medidor: 5, mensaje: 'ok' });
    await station.count('lectura_tanque', 2);
    const lecturas = station.of('lectura_tanque');
    expect(lecturas.map((m) => m.id_tanque)).toEqual([1, 4]);
    for (const l of lecturas) {
      expect(lecturaTanque.safeParse(l).success).toBe(true);
      expect(l).toMatchObject({ id_medidor: 5, timestamp: new Date(t.clock.now()).toISOString() });
      // 60 % of 10 000 L at the start (within the probe's noise).
      expect(l.litros as number).toBeGreaterThan(5900);
      expect(l.litros as number).toBeLessThan(6100);
    }
    expect(t.link.registered).toBe(true);
    expect(t.link.lecturasEnviadas).toBe(2);
  });

  it('sends each tank every --intervalo-lecturas simulated seconds (at --speed), not in between', async () => {
    const t = setup();
    const station = await registered(t);
    // 60 simulated seconds at speed 10: every 6 real seconds.
    for (let n = 1; n <= 5; n++) {
      t.tick(5900);
      await settle();
      expect(readingsOf(station, 1)).toHaveLength(n);
      t.tick(100);
      await station.count('lectura_tanque', 2 * (n + 1));
      expect(readingsOf(station, 1)).toHaveLength(n + 1);
      expect(readingsOf(station, 4)).toHaveLength(n + 1);
    }
  });

  it('with readings rarer than --heartbeat-interval, sends a round anyway after that much silence (its sign of life)', async () => {
    const t = setup({ gauge: { speed: 1, intervaloLecturasMs: HORA } });
    const station = await registered(t);
    t.tick(29_900);
    await settle();
    expect(station.of('lectura_tanque')).toHaveLength(2);
    t.tick(100);
    await station.count('lectura_tanque', 4);
    t.tick(29_900);
    await settle();
    expect(station.of('lectura_tanque')).toHaveLength(4);
    t.tick(100);
    await station.count('lectura_tanque', 6);
  });

  it('sends a tank at once when its level moves --cambio-lectura-mm, and only that tank', async () => {
    const t = setup();
    const station = await registered(t);
    t.tick(1000);
    await settle();
    expect(station.of('lectura_tanque')).toHaveLength(2);
    const antes = readingsOf(station, 4)[0]?.litros as number;
    t.gauge.draw('diesel', 300); // ~ 7.5 L/mm at 60 % of a 10 000 L tank: some 40 mm
    t.tick(100);
    await station.count('lectura_tanque', 3);
    const ultima = station.of('lectura_tanque').at(-1);
    expect(ultima?.id_tanque).toBe(4);
    expect(antes - (ultima?.litros as number)).toBeGreaterThan(280);
    expect(antes - (ultima?.litros as number)).toBeLessThan(320);
    t.gauge.draw('93', 1); // a litre is not a significant change
    t.tick(100);
    await settle();
    expect(station.of('lectura_tanque')).toHaveLength(3);
  });

  it('a leak makes the readings fall by its litres per hour while nothing is sold', async () => {
    const t = setup({
      gauge: {
        tanques: [
          { id_tanque: 1, combustible: '93', capacidadLitros: 10_000, fugaLitrosHora: 20, roboLitrosDia: 0 },
          { id_tanque: 4, combustible: 'diesel', capacidadLitros: 10_000, fugaLitrosHora: 0, roboLitrosDia: 0 },
        ],
        speed: 3600,
        intervaloLecturasMs: HORA,
        cambioLecturaMm: 1000,
      },
    });
    const station = await registered(t);
    for (let h = 1; h <= 10; h++) {
      t.tick(1000); // one simulated hour
      await station.count('lectura_tanque', 2 * (h + 1));
    }
    const caida = (tanque: number) => {
      const l = readingsOf(station, tanque);
      return (l[0]?.litros_15c as number) - (l.at(-1)?.litros_15c as number);
    };
    expect(readingsOf(station, 1)).toHaveLength(11);
    // 200 L in 10 h, measured with a few litres of noise per reading.
    expect(caida(1)).toBeGreaterThan(180);
    expect(caida(1)).toBeLessThan(220);
    expect(Math.abs(caida(4))).toBeLessThan(20);
  });

  it('registers again on a new connection after a refusal, and stops for good on AUTENTICACION_FALLIDA', async () => {
    const t = setup();
    t.link.start();
    const first = await t.network.connection(0);
    await first.next('registro_medidor');
    first.send({ tipo: 'registro_rechazado', codigo: 'MEDIDOR_NO_CONFIGURADO', mensaje: 'no' });
    await settle();
    for (let i = 0; i < 100 && t.network.stations.length < 2; i++) {
      t.tick(500);
      await settle();
    }
    const second = await t.network.connection(1);
    await second.next('registro_medidor');
    expect(t.counters.rechazos).toEqual({ MEDIDOR_NO_CONFIGURADO: 1 });
    expect(t.lines.some((l) => l.codigo === 'REGISTRO_RECHAZADO' && l.causa === 'MEDIDOR_NO_CONFIGURADO')).toBe(true);
    second.send({ tipo: 'registro_rechazado', codigo: 'AUTENTICACION_FALLIDA', mensaje: 'token' });
    await settle();
    t.tick(60_000);
    await settle();
    expect(t.fatal.map((e) => (e as Error & { code?: string }).code)).toEqual(['AUTENTICACION_FALLIDA']);
    expect(t.network.stations).toHaveLength(2);
    expect(t.link.registered).toBe(false);
  });

  it('drops a connection that gets no medidor_confirmado in time and registers again', async () => {
    const t = setup();
    t.link.start();
    const first = await t.network.connection(0);
    await first.next('registro_medidor');
    t.tick(15_001);
    await settle();
    for (let i = 0; i < 200 && t.network.stations.length < 2; i++) {
      t.tick(500);
      await settle();
    }
    const second = await t.network.connection(1);
    expect(await second.next('registro_medidor')).toMatchObject({ id_medidor: 5 });
    expect(first.of('lectura_tanque')).toHaveLength(0);
  });

  it('ignores a medidor_confirmado for another gauge and counts lines it cannot read', async () => {
    const t = setup();
    t.link.start();
    const station = await t.network.connection(0);
    await station.next('registro_medidor');
    station.send({ tipo: 'medidor_confirmado', id_medidor: 6, mensaje: 'ok' });
    station.send({ tipo: 'registro_confirmado', id_surtidor: 5 });
    await settle();
    t.tick(100);
    await settle();
    expect(t.link.registered).toBe(false);
    expect(station.of('lectura_tanque')).toHaveLength(0);
    expect(t.counters.lineasInvalidas).toBe(1);
  });
});
