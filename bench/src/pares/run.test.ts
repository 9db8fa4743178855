import { describe, expect, it } from 'vitest';
import type { Window } from './fleet.js';
import { chooseFixed, judge } from './run.js';

/** A 1-second window in which everything offered was sent, taken and acknowledged. */
function window(over: Partial<Window> = {}): Window {
  return {
    offeredPerS: 2100,
    sentPerS: 2100,
    windowS: 1,
    sent: { estado: 2000, ventas: 100 },
    blocked: 0,
    notGenerated: 0,
    lost: 0,
    acked: 100,
    latency: null,
    errors: {},
    processedPerS: 2100,
    processedExact: true,
    deliveredPerS: null,
    cpu: {
      server: 50,
      generators: 20,
      generatorMax: 10,
      subscriber: null,
      machine: 80,
      others: 10,
      serverThread: { run: 45, wait: 2 },
      generatorThread: { run: 10, wait: 1 },
    },
    maxGeneratorLagMs: 5,
    ...over,
  };
}

describe('judge', () => {
  it('keeps up when everything offered was sent, taken and acknowledged', () => {
    expect(judge(window())).toEqual({ keptUp: true, limit: 'ninguno', reasons: [] });
  });

  it('blames the server for held-back lines, late acks or a count behind what was sent', () => {
    expect(judge(window({ blocked: 100 })).limit).toBe('servidor');
    expect(judge(window({ acked: 50 })).limit).toBe('servidor');
    expect(judge(window({ processedPerS: 1000 })).limit).toBe('servidor');
  });

  it('does not judge by a periodic count (mosquitto $SYS), only shows it', () => {
    expect(judge(window({ processedPerS: 1000, processedExact: false })).keptUp).toBe(true);
  });

  it('blames the generator when it fell behind its own schedule, both when the server did too', () => {
    expect(judge(window({ notGenerated: 100 })).limit).toBe('generador');
    expect(judge(window({ notGenerated: 100, acked: 0 })).limit).toBe('ambos');
  });
});

describe('chooseFixed', () => {
  const requested = { estadoPerS: 20_000, ventasPerS: 1000 };

  it('uses the requested rate when every server sustained it', () => {
    expect(chooseFixed(requested, [{ target: 'estacion', perS: 30_000, limit: 'servidor' }])).toEqual({
      used: requested,
      why: null,
    });
  });

  it('scales down to 70 % of the lowest sustained rate, two significant digits, same mix, and says why', () => {
    const { used, why } = chooseFixed(requested, [
      { target: 'techo', perS: 50_000, limit: 'generador' },
      { target: 'aedes', perS: 12_800, limit: 'servidor' },
      { target: 'mosquitto', perS: 0, limit: 'servidor' },
    ]);
    // 0.7 × 12800 = 8960 → 8900, split 20:1.
    expect(used.estadoPerS + used.ventasPerS).toBe(8900);
    expect(used.estadoPerS / used.ventasPerS).toBeCloseTo(20, 0);
    expect(why).toContain('aedes');
  });
});
