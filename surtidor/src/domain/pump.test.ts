import {
  type LimiteAutorizacion,
  PRECIOS_POR_DEFECTO,
  type TransaccionCompletada,
  transaccionCompletada,
} from '@combustible/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { FakeClock, pumpConfig, RecordingSink, scripted, T0 } from '../test-support.js';
import { litrosDeMl, montoDe } from './money.js';
import { type AuthorizationArgs, Pump, VENCE_POR_DEFECTO_MS } from './pump.js';
import type { AuthorizationOptions, PriceVersion, PumpConfig, PumpMemory, PumpTiming } from './types.js';

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
    authorization?: AuthorizationOptions;
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
      ...(opts.authorization ? { authorization: opts.authorization } : {}),
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
  it('tells the sink each millilitre its meter counts, of the fuel dispensed, as it flows (the tank draws them)', () => {
    const { pump, sink, run } = makePump({
      random: seededRandom(5),
      config: { combustibles_soportados: ['93', 'diesel'] },
    });
    const drawn = new Map<string, number>();
    let calls = 0;
    sink.dispensed = (combustible, ml) => {
      calls += 1;
      drawn.set(combustible, (drawn.get(combustible) ?? 0) + ml);
    };
    run(600_000);
    const sold = new Map<string, number>();
    for (const tx of sink.sales)
      sold.set(tx.tipo_combustible, (sold.get(tx.tipo_combustible) ?? 0) + Math.round(tx.litros * 1000));
    const inProgress = pump.hasSale ? Math.round(pump.litrosActuales * 1000) : 0;
    const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    expect(sink.sales.length).toBeGreaterThan(3);
    expect(calls).toBeGreaterThan(sink.sales.length); // bit by bit, not once per sale
    expect(total(drawn)).toBe(total(sold) + inProgress);
    if (!pump.hasSale) expect(drawn).toEqual(sold);
  });

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

// ── prepago ──────────────────────────────────────────────────────────────────────────────────

const PREPAGO: AuthorizationOptions = { modo: 'prepago', selfAuthorize: false };

/**
 * Random draws of a prepaid customer: TEN_LITRES_CASH, then the habits (walks away?, patience,
 * stops early?, where). 0.5 for both rolls: patient, and dispenses up to the preset.
 */
const habits = (walk: number, patience: number, stop: number, where: number) => [walk, patience, stop, where];

function prepaid(opts: Parameters<typeof makePump>[0] = {}) {
  const t = makePump({ authorization: PREPAGO, ...opts });
  const autorizar = (id: string, limite: LimiteAutorizacion, extra: AuthorizationArgs = {}, idComando = `c-${id}`) => {
    t.pump.command('autorizar', idComando, { id_autorizacion: id, limite, ...extra });
    return t.sink.of('comando_ejecutado').at(-1)?.resultado;
  };
  const cancelar = (id: string) => {
    t.pump.command('cancelar_autorizacion', `x-${id}`, { id_autorizacion: id });
    return t.sink.of('comando_ejecutado').at(-1)?.resultado;
  };
  return { ...t, autorizar, cancelar };
}

describe('Pump: prepago', () => {
  it('declares the autorizacion capacity, in either mode', () => {
    expect(makePump().pump.capacidades).toEqual(['autorizacion']);
    expect(prepaid().pump.capacidades).toEqual(['autorizacion']);
  });

  it('waits for the station with the nozzle lifted, then dispenses up to a litre preset and stops by itself', () => {
    const { pump, sink, run, autorizar } = prepaid({ random: [...TEN_LITRES_CASH, ...habits(0.5, 0.5, 0.5, 0.5)] });
    pump.tick();
    expect(pump.estadoOperacion).toBe('esperando_autorizacion');
    expect(sink.of('estado')).toEqual([
      {
        tipo: 'estado',
        id_surtidor: 7,
        estado_operacion: 'esperando_autorizacion',
        litros_actuales: 0,
        monto_actual: 0,
        tipo_combustible: '95',
        timestamp: new Date(T0).toISOString(),
      },
    ]);
    run(600_000); // a patient customer: nothing happens without the station
    expect(pump.estadoOperacion).toBe('esperando_autorizacion');
    expect(sink.tipos()).toEqual(['estado:esperando_autorizacion']);

    expect(autorizar('A1', { tipo: 'litros', valor: 6 })).toBe('ok');
    expect(pump.estadoOperacion).toBe('autorizado');
    expect(sink.out.slice(-2)).toEqual([
      expect.objectContaining({ tipo: 'estado', estado_operacion: 'autorizado', id_autorizacion: 'A1' }),
      { tipo: 'comando_ejecutado', id_surtidor: 7, id_comando: 'c-A1', resultado: 'ok' },
    ]);
    run(200);
    expect(pump.estadoOperacion).toBe('autorizado');
    run(100); // the customer squeezes the trigger 3 simulated seconds after the authorization
    expect(pump.estadoOperacion).toBe('despachando');
    expect(sink.out.at(-1)).toMatchObject({ estado_operacion: 'despachando', id_autorizacion: 'A1' });
    run(600); // 10 L wanted, 6 L authorized: 600 ms at 10 ml/ms
    expect(sink.sales).toEqual([
      expect.objectContaining({ litros: 6, monto_total: 8100, estado: 'completada', id_autorizacion: 'A1' }),
    ]);
    expect(transaccionCompletada.safeParse(sink.sales[0]).success).toBe(true);
    const sale = sink.sales[0];
    expect(Date.parse(sale?.fecha_fin ?? '') - Date.parse(sale?.fecha_inicio ?? '')).toBe(600);
    expect(sink.tipos().slice(-2)).toEqual(['transaccion_completada', 'estado:disponible']);
    expect(sink.out.at(-1)).not.toHaveProperty('id_autorizacion');
    expect(pump.authorizationCounters).toMatchObject({ recibidas: 1, rechazadas: 0 });
  });

  it('an authorization serves one customer: the same autorizar after its sale (a late resend) is refused', () => {
    const { pump, sink, run, autorizar } = prepaid({ random: [...TEN_LITRES_CASH, ...habits(0.5, 0.5, 0.5, 0.5)] });
    pump.tick();
    expect(autorizar('A1', { tipo: 'litros', valor: 6 })).toBe('ok');
    run(300 + 600);
    expect(sink.sales).toHaveLength(1);
    run(600_000); // the next customer lifts the nozzle and waits
    if (pump.estadoOperacion === 'disponible') pump.tick();
    expect(pump.estadoOperacion).toBe('esperando_autorizacion');
    expect(autorizar('A1', { tipo: 'litros', valor: 6 })).toBe('error: la autorización A1 ya se usó');
    expect(pump.estadoOperacion).toBe('esperando_autorizacion');
    expect(autorizar('A2', { tipo: 'litros', valor: 6 })).toBe('ok');
  });

  it('a litre preset stops at the volume rounded down to the millilitre', () => {
    const { pump, sink, run, autorizar } = prepaid();
    pump.tick();
    expect(autorizar('A1', { tipo: 'litros', valor: 7.123_456 })).toBe('ok');
    run(5000);
    expect(sink.sales[0]).toMatchObject({
      litros: 7.123,
      monto_total: Math.round(7.123 * 1350),
      id_autorizacion: 'A1',
    });
  });

  it('an amount preset never sells above the amount: the most millilitres it pays for, priced as the station checks', () => {
    const { pump, sink, run, autorizar } = prepaid();
    pump.tick();
    expect(autorizar('A1', { tipo: 'monto', valor: 5000 })).toBe('ok');
    run(5000);
    // 3.704 L × 1350 = 5000.4 → 5000; 3.705 L would be 5001.75 → 5002.
    expect(sink.sales[0]).toMatchObject({ litros: 3.704, precio_por_litro: 1350, monto_total: 5000 });
  });

  it('amount presets: monto_total ≤ the amount, = round(litros × precio), and one more millilitre would exceed it (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200_000 }), fc.integer({ min: 500, max: 5000 }), (valor, precio) => {
        const precios = { ...PRECIOS_POR_DEFECTO, precio_95: precio };
        const { pump, sink, run, autorizar } = prepaid({ memory: { precios: { version: 1, precios } } });
        pump.tick();
        expect(autorizar('A1', { tipo: 'monto', valor })).toBe('ok');
        run(30_000, 1000);
        const [tx] = sink.sales;
        if (tx === undefined) {
          expect(Math.round(0.001 * precio)).toBeGreaterThan(valor); // not even a millilitre
          return;
        }
        expect(tx.monto_total).toBeLessThanOrEqual(valor);
        expect(tx.monto_total).toBe(Math.round(tx.litros * tx.precio_por_litro));
        // Bounded by the amount, or by the pump's maximum (100 L).
        if (tx.litros < 100)
          expect(montoDe(litrosDeMl(Math.round(tx.litros * 1000) + 1), precio)).toBeGreaterThan(valor);
        expect(tx.id_autorizacion).toBe('A1');
      }),
      { numRuns: 200 },
    );
  });

  it('a fill-up stops at what the customer’s tank takes, and never above the pump’s maximum', () => {
    const a = prepaid(); // the customer wants 10 L
    a.pump.tick();
    expect(a.autorizar('A1', { tipo: 'lleno' })).toBe('ok');
    a.run(5000);
    expect(a.sink.sales[0]).toMatchObject({ litros: 10, id_autorizacion: 'A1' });

    // "lleno" of 70 L on a pump whose maximum is 30 L
    const b = prepaid({
      random: [0, 0, 0.5, 0.9, 0.999_999],
      config: { configuracion: { capacidad_maxima_litros: 30, velocidad_despacho: 1 } },
    });
    b.pump.tick();
    expect(b.autorizar('B1', { tipo: 'lleno' })).toBe('ok');
    b.run(10_000);
    expect(b.sink.sales[0]?.litros).toBe(30);
  });

  it('a customer sometimes stops before an amount or volume preset (a sale below it), never before a fill-up', () => {
    // stops at 0.2 + 0.5 × 0.7 = 55 % of the preset
    const a = prepaid({ random: [...TEN_LITRES_CASH, ...habits(0.5, 0.5, 0, 0.5)] });
    a.pump.tick();
    expect(a.autorizar('A1', { tipo: 'litros', valor: 8 })).toBe('ok');
    a.run(5000);
    expect(a.sink.sales).toEqual([
      expect.objectContaining({ litros: 4.4, monto_total: 5940, estado: 'completada', id_autorizacion: 'A1' }),
    ]);

    const b = prepaid({ random: [...TEN_LITRES_CASH, ...habits(0.5, 0.5, 0, 0.5)] });
    b.pump.tick();
    expect(b.autorizar('B1', { tipo: 'lleno' })).toBe('ok');
    b.run(5000);
    expect(b.sink.sales[0]?.litros).toBe(10);
  });

  it('a customer who waits too long hangs up: back to disponible, no sale, counted', () => {
    // walks away after 5 + 0.5 × 115 = 62.5 simulated seconds: 6.25 s at speed 10
    const { pump, sink, run, autorizar } = prepaid({ random: [...TEN_LITRES_CASH, ...habits(0, 0.5, 0.5, 0.5)] });
    pump.tick();
    run(6200);
    expect(pump.estadoOperacion).toBe('esperando_autorizacion');
    run(100);
    expect(pump.estadoOperacion).toBe('disponible');
    expect(sink.tipos()).toEqual(['estado:esperando_autorizacion', 'estado:disponible']);
    expect(sink.sales).toEqual([]);
    expect(pump.memory.secuencia).toBe(0);
    expect(pump.authorizationCounters.abandonos).toBe(1);
    expect(autorizar('A1', { tipo: 'litros', valor: 5 })).toBe('ok'); // pre-authorizes the next one
  });

  it('drops an authorization not started within vence_en_ms, or within the default', () => {
    // speed 1: the customer starts 3 s after the authorization
    const a = prepaid({ timing: { speed: 1 } });
    a.pump.tick();
    expect(a.autorizar('A1', { tipo: 'litros', valor: 5 }, { vence_en_ms: 2000 })).toBe('ok');
    a.run(1900);
    expect(a.pump.estadoOperacion).toBe('autorizado');
    a.run(100);
    expect(a.pump.estadoOperacion).toBe('disponible');
    expect(a.sink.tipos()).toEqual([
      'estado:esperando_autorizacion',
      'estado:autorizado',
      'comando_ejecutado',
      'estado:disponible',
    ]);
    expect(a.sink.sales).toEqual([]);
    expect(a.pump.authorizationCounters).toMatchObject({ recibidas: 1, vencidas: 1 });

    // speed 0.02: the customer would start after 150 s, past the default 120 s
    const b = prepaid({ timing: { speed: 0.02 } });
    b.pump.tick();
    expect(b.autorizar('B1', { tipo: 'litros', valor: 5 })).toBe('ok');
    b.run(VENCE_POR_DEFECTO_MS - 1000, 1000);
    expect(b.pump.estadoOperacion).toBe('autorizado');
    b.run(1000);
    expect(b.pump.estadoOperacion).toBe('disponible');
    expect(b.pump.authorizationCounters.vencidas).toBe(1);
  });

  it('cancelar_autorizacion: ok while authorized (back to disponible), an error for another id or once fuel flows', () => {
    const { pump, sink, run, autorizar, cancelar } = prepaid();
    pump.tick();
    expect(autorizar('A1', { tipo: 'litros', valor: 5 })).toBe('ok');
    expect(cancelar('B2')).toMatch(/^error: no hay una autorización abierta con id B2 \(abierta: A1\)/);
    expect(cancelar('A1')).toBe('ok');
    expect(pump.estadoOperacion).toBe('disponible');
    expect(sink.tipos().slice(-2)).toEqual(['estado:disponible', 'comando_ejecutado']);
    expect(cancelar('A1')).toMatch(/^error: no hay una autorización abierta/);
    expect(pump.authorizationCounters.canceladas).toBe(1);

    run(1000); // the next customer (arrival after 693 ms)
    expect(pump.estadoOperacion).toBe('esperando_autorizacion');
    expect(autorizar('A2', { tipo: 'litros', valor: 5 })).toBe('ok');
    run(400);
    expect(pump.estadoOperacion).toBe('despachando');
    expect(cancelar('A2')).toMatch(/^error: .*pausar o detener_emergencia/);
    expect(pump.estadoOperacion).toBe('despachando');
    run(1000);
    expect(sink.sales).toEqual([expect.objectContaining({ litros: 5, id_autorizacion: 'A2' })]);
  });

  it('refuses autorizar in postpago, when paused or dispensing, for a fuel the customer did not choose, or with another authorization open', () => {
    const post = makePump({ random: [0.999] });
    post.pump.command('autorizar', 'c1', { id_autorizacion: 'A1', limite: { tipo: 'lleno' } });
    expect(post.sink.of('comando_ejecutado')[0]?.resultado).toBe('error: el surtidor está en modo postpago');
    expect(post.pump.estadoOperacion).toBe('disponible');

    const p = prepaid({ config: { combustibles_soportados: ['95', 'diesel'] } });
    p.pump.tick(); // the customer chose 95
    expect(p.autorizar('A1', { tipo: 'lleno' }, { combustibles: ['diesel'] })).toBe(
      'error: el cliente eligió 95; autorizados: diesel',
    );
    expect(p.pump.estadoOperacion).toBe('esperando_autorizacion');
    expect(p.autorizar('A1', { tipo: 'lleno' }, { combustibles: ['95'] })).toBe('ok');
    expect(p.autorizar('A1', { tipo: 'lleno' }, {}, 'otra-vez')).toBe('ok'); // a retry changes nothing
    expect(p.autorizar('A2', { tipo: 'lleno' })).toBe('error: hay otra autorización abierta (A1)');
    p.run(400);
    expect(p.pump.estadoOperacion).toBe('despachando');
    expect(p.autorizar('A1', { tipo: 'lleno' })).toMatch(/^error: la autorización A1 ya está en curso/);
    p.pump.command('pausar', 'c9');
    expect(p.autorizar('A3', { tipo: 'lleno' })).toMatch(/^error: hay otra autorización abierta/);
    expect(p.pump.authorizationCounters).toMatchObject({ recibidas: 6, rechazadas: 4 });

    const q = prepaid({ random: [0.999] });
    q.pump.command('pausar', 'c1');
    expect(q.autorizar('A1', { tipo: 'lleno' })).toBe('error: el surtidor no espera autorización (pausado)');
  });

  it('autorizar on an available pump pre-authorizes it: the customer who paid comes at once, for an authorized fuel', () => {
    const { pump, sink, run, autorizar } = prepaid({
      random: [0.999, 0, 0.1, 0.1, 5.5 / 46],
      config: { combustibles_soportados: ['93', '95', 'diesel'] },
    });
    expect(pump.estadoOperacion).toBe('disponible');
    expect(autorizar('A1', { tipo: 'monto', valor: 20_000 }, { combustibles: ['diesel', '97'] })).toBe('ok');
    expect(sink.tipos()).toEqual(['estado:autorizado', 'comando_ejecutado']);
    expect(sink.of('estado')[0]).toMatchObject({ tipo_combustible: 'diesel', id_autorizacion: 'A1' });
    run(2200); // 300 ms to start, 1786 ms to dispense
    expect(sink.sales[0]).toMatchObject({ tipo_combustible: 'diesel', litros: 17.857, monto_total: 20_000 });

    const other = prepaid({ random: [0.999], config: { combustibles_soportados: ['95'] } });
    expect(other.autorizar('A1', { tipo: 'lleno' }, { combustibles: ['diesel'] })).toBe(
      'error: el surtidor no vende diesel',
    );
  });

  it('pausar holds a waiting or authorized customer; reanudar gives them back; the expiry is not moved', () => {
    const { pump, sink, run, autorizar } = prepaid({ timing: { speed: 1 } });
    pump.tick();
    pump.command('pausar', 'c1');
    expect(sink.out.at(-2)).toMatchObject({ estado_operacion: 'pausado' });
    run(10_000);
    pump.command('reanudar', 'c2');
    expect(pump.estadoOperacion).toBe('esperando_autorizacion');
    expect(autorizar('A1', { tipo: 'litros', valor: 1 }, { vence_en_ms: 5000 })).toBe('ok');
    run(1000);
    pump.command('pausar', 'c3');
    expect(sink.out.at(-2)).toMatchObject({ estado_operacion: 'pausado', id_autorizacion: 'A1' });
    run(3000);
    pump.command('reanudar', 'c4');
    expect(pump.estadoOperacion).toBe('autorizado');
    run(900); // the customer's 3 s start moved by the 3 s held: they would start at 6 s, expiry is at 5 s
    expect(pump.estadoOperacion).toBe('autorizado');
    run(100);
    expect(pump.estadoOperacion).toBe('disponible');
    expect(pump.authorizationCounters.vencidas).toBe(1);
  });

  it('detener_emergencia records the partial sale under its authorization as cancelada, and drops a waiting customer', () => {
    const a = prepaid();
    a.pump.tick();
    expect(a.autorizar('A1', { tipo: 'lleno' })).toBe('ok');
    a.run(300 + 320);
    a.pump.command('detener_emergencia', 'c9');
    expect(a.sink.sales).toEqual([
      expect.objectContaining({ estado: 'cancelada', litros: 3.2, monto_total: 4320, id_autorizacion: 'A1' }),
    ]);
    expect(a.pump.estadoOperacion).toBe('pausado');
    expect(a.pump.idAutorizacion).toBeUndefined();

    const b = prepaid();
    b.pump.tick();
    b.pump.command('detener_emergencia', 'c1');
    expect(b.pump.estadoOperacion).toBe('pausado');
    b.pump.command('reanudar', 'c2');
    expect(b.pump.estadoOperacion).toBe('disponible');
    expect(b.sink.sales).toEqual([]);
  });

  it('the station’s mode overrides the initial one: a waiting customer is served at once when the pump turns postpago', () => {
    const { pump, sink, run } = prepaid();
    pump.tick();
    expect(pump.setMode('prepago')).toBe(false);
    expect(pump.setMode('postpago')).toBe(true);
    expect(pump.modoAutorizacion).toBe('postpago');
    expect(sink.tipos()).toEqual(['estado:esperando_autorizacion', 'estado:despachando']);
    run(1000);
    expect(sink.sales[0]).toMatchObject({ litros: 10 });
    expect(sink.sales[0]).not.toHaveProperty('id_autorizacion');

    const post = makePump();
    expect(post.pump.setMode('prepago')).toBe(true);
    post.pump.tick();
    expect(post.pump.estadoOperacion).toBe('esperando_autorizacion');
  });

  it('with selfAuthorize the pump authorizes its customer after they pay, with their own request as the preset', () => {
    const { pump, sink, run } = prepaid({ authorization: { modo: 'prepago', selfAuthorize: true } });
    pump.tick();
    run(900);
    expect(pump.estadoOperacion).toBe('esperando_autorizacion');
    run(100); // 10 simulated seconds to pay
    expect(pump.estadoOperacion).toBe('autorizado');
    const id = pump.idAutorizacion ?? '';
    expect(id).toMatch(/^auto-7-abcd1234-[0-9a-z]+$/);
    run(1300);
    expect(sink.sales).toEqual([expect.objectContaining({ litros: 10, id_autorizacion: id })]);
    expect(sink.tipos()).toEqual([
      'estado:esperando_autorizacion',
      'estado:autorizado',
      'estado:despachando',
      'transaccion_completada',
      'estado:disponible',
    ]);
    expect(pump.authorizationCounters).toMatchObject({ propias: 1, recibidas: 0 });
  });

  it('a new price version waits while a customer waits or is authorized', () => {
    const { pump, sink, run, autorizar } = prepaid();
    pump.tick();
    pump.offerPrices(V5);
    expect(pump.pendingPrices).toEqual(V5);
    expect(autorizar('A1', { tipo: 'monto', valor: 13_500 })).toBe('ok');
    run(1300);
    expect(sink.sales[0]).toMatchObject({ litros: 10, precio_por_litro: 1350, version_precios: 0 });
    expect(sink.tipos().slice(-2)).toEqual(['estado:disponible', 'precios_aplicados:5']);
  });

  it('stopAccepting sends a waiting or authorized customer away', () => {
    const { pump, sink, run, autorizar } = prepaid();
    pump.tick();
    expect(autorizar('A1', { tipo: 'lleno' })).toBe('ok');
    pump.stopAccepting();
    expect(pump.estadoOperacion).toBe('disponible');
    run(60_000);
    expect(sink.sales).toEqual([]);
    expect(autorizar('A2', { tipo: 'lleno' })).toBe('error: el surtidor se está deteniendo');
  });

  it('keeps its invariants over many self-authorized sales (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.constantFrom(1, 7, 50), (seed, speed) => {
        const { pump, sink, run } = makePump({
          random: seededRandom(seed),
          authorization: { modo: 'prepago', selfAuthorize: true },
          timing: { speed, meanIntervalMs: 30_000 },
          config: {
            combustibles_soportados: ['93', '95', '97', 'diesel'],
            configuracion: { capacidad_maxima_litros: 60, velocidad_despacho: 1 },
          },
        });
        while (sink.sales.length < 20) run(1000);
        let previous: TransaccionCompletada | undefined;
        for (const tx of sink.sales) {
          expect(transaccionCompletada.safeParse(tx).success).toBe(true);
          expect(tx.id_autorizacion).toMatch(/^auto-7-/);
          expect(tx.monto_total).toBe(Math.round(tx.litros * tx.precio_por_litro));
          expect(tx.litros).toBeLessThanOrEqual(60);
          expect(tx.secuencia).toBe((previous?.secuencia ?? 0) + 1);
          expect(tx.totalizador_inicio).toBe(previous?.totalizador_fin ?? 0);
          previous = tx;
        }
        const ids = new Set(sink.sales.map((tx) => tx.id_autorizacion));
        expect(ids.size).toBe(sink.sales.length);
        void pump;
      }),
      { numRuns: 30 },
    );
  });
});
