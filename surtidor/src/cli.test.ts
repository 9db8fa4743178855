import { ConfigError } from '@combustible/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { parseArgs } from './cli.js';
import { modoInicial } from './config.js';

const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (k.startsWith('SURTIDOR_')) delete process.env[k];
  Object.assign(process.env, saved);
});

describe('surtidor CLI', () => {
  it('has sensible defaults', () => {
    expect(parseArgs([])).toMatchObject({
      estacion: { host: 'localhost', port: 6000 },
      count: 1,
      firstId: 1,
      speed: 1,
      outboxDir: './data/surtidores',
      fuels: ['93', '95', '97', 'diesel'],
      meanInterval: 20,
      estadoInterval: 2,
      heartbeatInterval: 30,
      window: 32,
      chaosDrop: 0,
      logLevel: 'info',
    });
  });

  it('reads the flags of the issue', () => {
    const c = parseArgs([
      '--estacion',
      '10.0.0.5:7000',
      '--count',
      '2000',
      '--first-id',
      '1001',
      '--speed',
      '50',
      '--outbox-dir',
      '/tmp/o',
      '--token',
      'secreto',
      '--fuels',
      '95, diesel',
      '--mean-interval',
      '5',
      '--log-level',
      'warn',
      '--chaos-drop',
      '0.05',
      '--chaos-clock-skew-ms',
      '-30000',
    ]);
    expect(c).toMatchObject({
      estacion: { host: '10.0.0.5', port: 7000 },
      count: 2000,
      firstId: 1001,
      speed: 50,
      outboxDir: '/tmp/o',
      token: 'secreto',
      fuels: ['95', 'diesel'],
      meanInterval: 5,
      logLevel: 'warn',
      chaosDrop: 0.05,
      chaosClockSkewMs: -30_000,
    });
  });

  it('takes every flag from SURTIDOR_* environment variables too', () => {
    process.env.SURTIDOR_ESTACION = 'estacion.local';
    process.env.SURTIDOR_COUNT = '12';
    process.env.SURTIDOR_FIRST_ID = '40';
    process.env.SURTIDOR_TOKEN = 'del-entorno';
    process.env.SURTIDOR_CHAOS_DUPLICATE = '0.1';
    expect(parseArgs([])).toMatchObject({
      estacion: { host: 'estacion.local', port: 6000 },
      count: 12,
      firstId: 40,
      token: 'del-entorno',
      chaosDuplicate: 0.1,
    });
  });

  it('reads the prepaid mode and --autorizar-solo, from flags or the environment (postpago by default)', () => {
    expect(parseArgs([])).toMatchObject({ modo: 'postpago', autorizarSolo: false });
    expect(parseArgs(['--modo', 'mixto', '--autorizar-solo'])).toMatchObject({ modo: 'mixto', autorizarSolo: true });
    process.env.SURTIDOR_MODO = 'prepago';
    process.env.SURTIDOR_AUTORIZAR_SOLO = 'true';
    expect(parseArgs([])).toMatchObject({ modo: 'prepago', autorizarSolo: true });
  });

  it('reads the tank flags: off by default; faults repeated or comma-separated, from flags or the environment', () => {
    expect(parseArgs([])).toMatchObject({
      tanques: false,
      idMedidor: 1,
      capacidadTanques: [30_000],
      intervaloLecturas: 60,
      cambioLecturaMm: 10,
      descargas: false,
      fuga: [],
      robo: [],
      medidorAlto: [],
    });
    const c = parseArgs([
      ...['--tanques', '--id-medidor', '3', '--count', '4', '--descargas', '--nivel-descarga', '30'],
      ...['--capacidad-tanques', '40000,40000,20000,30000', '--intervalo-lecturas', '5'],
      ...['--fuga', '1:0.4', '--fuga', '4:2', '--robo', '2:30', '--medidor-alto', '3:1.5,4:2'],
    ]);
    expect(c).toMatchObject({
      tanques: true,
      idMedidor: 3,
      descargas: true,
      nivelDescarga: 30,
      capacidadTanques: [40_000, 40_000, 20_000, 30_000],
      intervaloLecturas: 5,
      fuga: [
        { id: 1, valor: 0.4 },
        { id: 4, valor: 2 },
      ],
      robo: [{ id: 2, valor: 30 }],
      medidorAlto: [
        { id: 3, valor: 1.5 },
        { id: 4, valor: 2 },
      ],
    });
    process.env.SURTIDOR_TANQUES = 'true';
    process.env.SURTIDOR_FUGA = '2:5';
    expect(parseArgs([])).toMatchObject({ tanques: true, fuga: [{ id: 2, valor: 5 }] });
  });

  it('mixto gives about half the pumps prepago, always the same ones', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => i + 1);
    const prepago = ids.filter((id) => modoInicial('mixto', id) === 'prepago');
    expect(prepago.length).toBeGreaterThan(450);
    expect(prepago.length).toBeLessThan(550);
    expect(ids.filter((id) => modoInicial('mixto', id) === 'prepago')).toEqual(prepago);
    expect(
      ids.every((id) => modoInicial('prepago', id) === 'prepago' && modoInicial('postpago', id) === 'postpago'),
    ).toBe(true);
  });

  it.each([
    [['--count', '0'], '--count'],
    [['--estacion', 'host:99999'], '--estacion'],
    [['--fuels', '95,gas'], '--fuels'],
    [['--speed', '-1'], '--speed'],
    [['--chaos-drop', '1.5'], '--chaosDrop'],
    [['--reconnect-base', '10', '--reconnect-max', '1'], '--reconnect-max'],
    [['--tls', '--cert', 'a.crt'], '--cert y --key van juntos'],
    [['--ca', 'ca.crt'], 'requieren --tls'],
    [['--tls', '--count', '2', '--cert', 'a.crt', '--key', 'a.key'], 'deben contener {id}'],
    [['--modo', 'gratis'], '--modo'],
    [['--fuga', '1:2'], 'requieren --tanques'],
    [['--descargas'], 'requieren --tanques'],
    [['--tanques', '--fuga', '1-2'], 'ID:VALOR'],
    [['--tanques', '--fuga', '1:0'], '> 0'],
    [['--tanques', '--fuga', '1:50000'], '≤ 10000'],
    [['--tanques', '--fuga', '1:1', '--fuga', '1:2'], 'ids repetidos'],
    [['--tanques', '--fuels', '93', '--fuga', '4:1'], 'tanque inexistente'],
    [['--tanques', '--fuels', '93', '--robo', '2:10'], '--robo'],
    [['--tanques', '--robo', '1:20000'], '--robo'],
    [['--tanques', '--count', '2', '--medidor-alto', '3:1'], 'surtidor inexistente'],
    [['--tanques', '--medidor-alto', '1:50'], '≤ 20'],
    [['--tanques', '--capacidad-tanques', '500'], '--capacidadTanques'],
    [['--tanques', '--capacidad-tanques', '10000,20000'], 'una por combustible'],
    [['--tanques', '--intervalo-lecturas', '0'], '--intervaloLecturas'],
  ])('rejects %j naming the flag', (argv, flag) => {
    expect(() => parseArgs(argv)).toThrow(ConfigError);
    expect(() => parseArgs(argv)).toThrow(flag);
  });
});
