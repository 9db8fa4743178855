import { PRECIOS_POR_DEFECTO, type TransaccionCompletada, transaccionCompletada } from '@combustible/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { FakeClock, pumpConfig, RecordingSink, scripted, T0 } from '../test-support.js';
import { Pump } from './pump.js';
import type { PriceVersion, PumpConfig, PumpMemory, PumpTiming } from './types.js';

const V0: PriceVersion = { version: 0, precios: PRECIOS_POR_DEFECTO };
const V5: PriceVersion = { version: 5, precios: { ...PRECIOS_POR_DEFECTO, precio_95: 1500 } };
const V6: PriceVersion = { version: 6, precios: { ...PRECIOS_POR_DEFECTO, precio_95: 1600 } };

/** Random draws for: arrival now, fuel, pago efectivo, "litros", 10 L. */
const TEN_LITRES_CASH = [0, 0, 0.1, 0.1, 5.5 / 46];

function makePump(
  opts: {
    random?: number[] | (() => number);
    memory?: Partial<PumpMemory>;
    config?: Partial<PumpConfig>;
    timing?: Partial<PumpTiming>;
  } = {},
) {
  const clock = new FakeClock();
  const sink = new RecordingSink();
  const random = typeof opts.random === 'function' ? opts.random : scripted(opts.random ?? TEN_LITRES_CASH);
  const pump = new Pump(
    pumpConfig(opts.config),
    { instancia: 'abcd1234', secuencia: 0, totalizadorMl: 0, precios: V0, ...opts.memory },
    {
      clock,
      random,
      sink,
      timing: { speed: 10, meanIntervalMs: 10_000, estadoIntervalMs: 2000, ...opts.timing },
    },
  );
  /** Lets `ms` pass in steps, ticking after each, like the fleet's shared timer. */
  const run = (ms: number, step = 100) => {
    for (let t = 0; t < ms; t += step) {
      clock.advance(Math.min(step, ms - t));
      pump.tick();
    }
  };
  return { pump, clock, sink, run };
}

describe('Pump: customers and dispensing', () => {
  it('serves a customer at velocidad × speed and records a consistent sale', () => {
    const { pump, sink, run, clock } = makePump();
    expect(pump.estadoOperacion).toBe('disponible');
    pump.tick();
    expect(pump.estadoOperacion).toBe('despachando');
    expect(sink.of('estado')).toEqual([
      {
        tipo: 'estado',
        id_surtidor: 7,
        estado_operacion: 'despachando',
        litros_actuales: 0,
        monto_actual: 0,
        tipo_combustible: '95',
        timestamp: new Date(T0).toISOString(),
      },
    ]);
    run(500); // 10 ml per ms at 1 L/s × speed 10
    expect(pump.litrosActuales).toBe(5);
    expect(sink.sales).toEqual([]);
    run(500);
    expect(sink.sales).toEqual([
      {
        tipo: 'transaccion_completada',
        id_surtidor: 7,
        id_transaccion: '7-abcd1234-1',
        tipo_combustible: '95',
        litros: 10,
        precio_por_litro: 1350,
        monto_total: 13_500,
        metodo_pago: 'efectivo',
        fecha_inicio: new Date(T0).toISOString(),
        fecha_fin: new Date(T0 + 1000).toISOString(),
        estado: 'completada',
        secuencia: 1,
        version_precios: 0,
        totalizador_inicio: 0,
        totalizador_fin: 10,
      },
    ]);
    expect(sink.tipos()).toEqual(['estado:despachando', 'transaccion_completada', 'estado:disponible']);
    expect(pump.memory).toMatchObject({ secuencia: 1, totalizadorMl: 10_000 });
    // The next customer comes after an exponential wait: -ln(1 - 0.5) × 10 s / speed 10 = 693 ms.
    const before = clock.now();
    run(600);
    expect(pump.estadoOperacion).toBe('disponible');
    run(100);
    expect(pump.estadoOperacion).toBe('despachando');
    expect(clock.now() - before).toBe(700);
  });

  it('reports an estado every estadoInterval while dispensing, and on every change', () => {
    const { pump, sink, run } = makePump({ timing: { speed: 1 } });
    pump.tick();
    run(5000);
    expect(sink.of('estado').map((e) => [e.estado_operacion, e.litros_actuales, e.monto_actual])).toEqual([
      ['despachando', 0, 0],
      ['despachando', 2, 2700],
      ['despachando', 4, 5400],
    ]);
  });

  it('runs twice as fast at speed 2 as at speed 1', () => {
    const durations = [1, 2].map((speed) => {
      const { pump, sink, run } = makePump({ timing: { speed } });
      pump.tick();
      run(20_000);
      const [sale] = sink.sales;
      return Date.parse(sale?.fecha_fin ?? '') - Date.parse(sale?.fecha_inicio ?? '');
    });
    expect(durations).toEqual([10_000, 5000]);
  });

  it('continues the secuencia and the litre meter it remembers', () => {
    const { pump, sink, run } = makePump({ memory: { secuencia: 41, totalizadorMl: 1_234_567 } });
    pump.tick();
    run(1000);
    expect(sink.sales[0]).toMatchObject({
      id_transaccion: '7-abcd1234-42',
      secuencia: 42,
      totalizador_inicio: 1234.567,
      totalizador_fin: 1244.567,
    });
    expect(pump.memory).toMatchObject({ secuencia: 42, totalizadorMl: 1_244_567 });
  });

  it('sells an amount without going over it, priced as the station checks it', () => {
    // arrival now, fuel, tarjeta, "monto", 10 000 pesos
    const { pump, sink, run } = makePump({ random: [0, 0, 0.5, 0.5, 5.5 / 46] });
    pump.tick();
    run(2000);
    const [sale] = sink.sales;
    expect(sale).toMatchObject({ litros: 7.407, precio_por_litro: 1350, monto_total: 9999, metodo_pago: 'tarjeta' });
  });

  it('never dispenses more than capacidad_maxima_litros in one sale', () => {
    // "lleno" of 70 L on a pump whose maximum is 30 L
    const { pump, sink, run } = makePump({
      random: [0, 0, 0.5, 0.9, 0.999_999],
      config: { configuracion: { capacidad_maxima_litros: 30, velocidad_despacho: 1 } },
    });
    pump.tick();
    run(5000);
    expect(sink.sales[0]?.litros).toBe(30);
  });

  it('keeps its invariants over many random sales (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.constantFrom(1, 7, 50, 400),
        fc.constantFrom(0.5, 1, 2.5),
        (seed, speed, velocidad) => {
          const { pump, sink, run } = makePump({
            random: seededRandom(seed),
            timing: { speed, meanIntervalMs: 30_000 },
            config: {
              combustibles_soportados: ['93', '95', '97', 'diesel'],
              configuracion: { capacidad_maxima_litros: 60, velocidad_despacho: velocidad },
            },
          });
          while (sink.sales.length < 25) run(1000);
          let previous: TransaccionCompletada | undefined;
          for (const tx of sink.sales) {
            expect(transaccionCompletada.safeParse(tx).success).toBe(true);
            expect(tx.monto_total).toBe(Math.round(tx.litros * tx.precio_por_litro));
            expect(Math.abs(tx.litros * 1000 - Math.round(tx.litros * 1000))).toBeLessThan(1e-6);
            expect(tx.litros).toBeGreaterThan(0);
            expect(tx.litros).toBeLessThanOrEqual(60);
            expect(tx.secuencia).toBe((previous?.secuencia ?? 0) + 1);
            expect(tx.totalizador_inicio).toBe(previous?.totalizador_fin ?? 0);
            expect(tx.totalizador_fin).toBeCloseTo((tx.totalizador_inicio ?? 0) + tx.litros, 6);
            expect(Date.parse(tx.fecha_fin)).toBeGreaterThanOrEqual(Date.parse(tx.fecha_inicio));
            previous = tx;
          }
          void pump;
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('Pump: prices', () => {
  it('applies a version at once when available and answers precios_aplicados', () => {
    const { pump, sink } = makePump({ random: [0.999] }); // first customer far away
    pump.offerPrices(V5);
    expect(pump.priceVersion).toEqual(V5);
    expect(sink.tipos()).toEqual(['precios_aplicados:5']);
    expect(sink.applied).toEqual([V5]);
  });

  it('finishes a sale at the price it started with; the new version applies once available', () => {
    const { pump, sink, run } = makePump({ random: [...TEN_LITRES_CASH, 0, 0, 0.1, 0.1, 5.5 / 46] });
    pump.tick();
    run(300);
    pump.offerPrices(V5);
    expect(pump.priceVersion).toEqual(V0);
    expect(pump.pendingPrices).toEqual(V5);
    expect(sink.of('precios_aplicados')).toEqual([]);
    run(700);
    expect(sink.sales[0]).toMatchObject({ precio_por_litro: 1350, monto_total: 13_500, version_precios: 0 });
    expect(sink.tipos()).toEqual([
      'estado:despachando',
      'transaccion_completada',
      'estado:disponible',
      'precios_aplicados:5',
    ]);
    run(1200); // the next customer arrived at once (random 0) and bought 10 L at the new price
    expect(sink.sales[1]).toMatchObject({ precio_por_litro: 1500, monto_total: 15_000, version_precios: 5 });
  });

  it('the latest version offered during a sale wins', () => {
    const { pump, sink, run } = makePump();
    pump.tick();
    pump.offerPrices(V5);
    pump.offerPrices(V6);
    run(1000);
    expect(sink.of('precios_aplicados')).toEqual([{ tipo: 'precios_aplicados', id_surtidor: 7, version: 6 }]);
    expect(pump.priceVersion).toEqual(V6);
  });

  it('a paused pump takes new prices only when it is available again', () => {
    const { pump, sink } = makePump({ random: [0.999] });
    pump.command('pausar', 'c1');
    pump.offerPrices(V5);
    expect(sink.of('precios_aplicados')).toEqual([]);
    pump.command('reanudar', 'c2');
    expect(sink.tipos()).toEqual([
      'estado:pausado',
      'comando_ejecutado',
      'estado:disponible',
      'precios_aplicados:5',
      'comando_ejecutado',
    ]);
  });
});

describe('Pump: commands', () => {
  it('pausar holds the sale in progress; reanudar continues it', () => {
    const { pump, sink, run } = makePump();
    pump.tick();
    run(500);
    pump.command('pausar', 'c1');
    expect(pump.estadoOperacion).toBe('pausado');
    expect(sink.out.slice(-2)).toEqual([
      expect.objectContaining({ tipo: 'estado', estado_operacion: 'pausado', litros_actuales: 5, monto_actual: 6750 }),
      { tipo: 'comando_ejecutado', id_surtidor: 7, id_comando: 'c1', resultado: 'ok' },
    ]);
    run(2000);
    pump.requestState();
    expect(sink.out.at(-1)).toMatchObject({ tipo: 'estado', estado_operacion: 'pausado', litros_actuales: 5 });
    expect(sink.sales).toEqual([]);
    pump.command('reanudar', 'c2');
    expect(pump.estadoOperacion).toBe('despachando');
    run(500);
    const [sale] = sink.sales;
    expect(sale).toMatchObject({ litros: 10, estado: 'completada' });
    expect(Date.parse(sale?.fecha_fin ?? '') - Date.parse(sale?.fecha_inicio ?? '')).toBe(3000);
  });

  it('a paused pump takes no customers', () => {
    const { pump, sink, run } = makePump();
    pump.command('pausar', 'c1');
    run(60_000);
    expect(pump.estadoOperacion).toBe('pausado');
    expect(sink.of('estado').map((e) => e.estado_operacion)).toEqual(['pausado']);
  });

  it('detener_emergencia records the partial sale as cancelada and locks the pump until reanudar', () => {
    const { pump, sink, run } = makePump();
    pump.tick();
    run(320);
    pump.command('detener_emergencia', 'c9');
    expect(sink.sales).toEqual([
      expect.objectContaining({
        estado: 'cancelada',
        litros: 3.2,
        monto_total: 4320,
        secuencia: 1,
        totalizador_inicio: 0,
        totalizador_fin: 3.2,
      }),
    ]);
    expect(sink.tipos().slice(-3)).toEqual(['transaccion_completada', 'estado:pausado', 'comando_ejecutado']);
    expect(sink.out.at(-1)).toMatchObject({ id_comando: 'c9', resultado: 'ok' });
    run(60_000);
    expect(pump.estadoOperacion).toBe('pausado');
    expect(sink.sales).toHaveLength(1);
    pump.command('reanudar', 'c10');
    expect(pump.estadoOperacion).toBe('disponible');
    run(2000);
    expect(pump.estadoOperacion).not.toBe('pausado');
  });

  it('an emergency stop before any litre is dispensed records no sale', () => {
    const { pump, sink } = makePump();
    pump.tick();
    pump.command('detener_emergencia', 'c1');
    expect(sink.sales).toEqual([]);
    expect(pump.memory.secuencia).toBe(0);
    expect(pump.estadoOperacion).toBe('pausado');
  });

  it('answers reanudar on a pump that is not paused with an error text', () => {
    const { pump, sink } = makePump({ random: [0.999] });
    pump.command('reanudar', 'c1');
    const [answer] = sink.of('comando_ejecutado');
    expect(answer?.resultado).toMatch(/^error: .*no está pausado/);
    expect(pump.estadoOperacion).toBe('disponible');
  });
});

describe('Pump: shutting down', () => {
  it('stopAccepting lets the sale in progress finish and takes no new customer', () => {
    const { pump, sink, run } = makePump({ random: [...TEN_LITRES_CASH, 0] });
    pump.tick();
    pump.stopAccepting();
    run(60_000);
    expect(sink.sales).toHaveLength(1);
    expect(sink.sales[0]?.estado).toBe('completada');
    expect(pump.estadoOperacion).toBe('disponible');
  });

  it('cancelSale records what was dispensed; a held sale stays paused', () => {
    const a = makePump();
    a.pump.tick();
    a.run(450);
    expect(a.pump.cancelSale()).toBe(true);
    expect(a.sink.sales[0]).toMatchObject({ estado: 'cancelada', litros: 4.5, monto_total: 6075 });
    expect(a.pump.estadoOperacion).toBe('disponible');

    const b = makePump();
    b.pump.tick();
    b.run(200);
    b.pump.command('pausar', 'c1');
    expect(b.pump.cancelSale()).toBe(true);
    expect(b.sink.sales[0]).toMatchObject({ estado: 'cancelada', litros: 2 });
    expect(b.pump.estadoOperacion).toBe('pausado');
    expect(b.pump.cancelSale()).toBe(false);
  });
});
