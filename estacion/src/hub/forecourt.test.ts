/** The forecourt command's pure part, and the hub's one pass with its deadline on a fake clock. */
import { afterEach, describe, expect, it } from 'vitest';
import { plazoPlaya, resumirPlaya } from './forecourt.js';
import { createHarness, type Harness, type TestPump } from './test-harness.js';

describe('resumirPlaya', () => {
  it('lists every pump by id, a known pump without an answer as no_conectado, and counts each outcome', () => {
    const r = resumirPlaya(
      [5, 1, 2, 9],
      [
        { id_surtidor: 2, estado: 'sin_respuesta' },
        { id_surtidor: 1, estado: 'ejecutado', ms: 3, resultado: 'ok' },
        // Connected but not (or no longer) configured: still reported.
        { id_surtidor: 7, estado: 'ejecutado', ms: 1, resultado: 'ok' },
      ],
    );
    expect(r.surtidores.map((e) => [e.id_surtidor, e.estado])).toEqual([
      [1, 'ejecutado'],
      [2, 'sin_respuesta'],
      [5, 'no_conectado'],
      [7, 'ejecutado'],
      [9, 'no_conectado'],
    ]);
    expect(r.totales).toEqual({ surtidores: 5, ejecutado: 2, sin_respuesta: 1, no_conectado: 2 });
  });

  it('is empty for a station without pumps', () => {
    expect(resumirPlaya([], [])).toEqual({
      surtidores: [],
      totales: { surtidores: 0, ejecutado: 0, sin_respuesta: 0, no_conectado: 0 },
    });
  });
});

describe('plazoPlaya', () => {
  it('takes the deadline asked for up to the bound, and the bound when none is asked for', () => {
    expect(plazoPlaya(undefined, 2000)).toBe(2000);
    expect(plazoPlaya(500, 2000)).toBe(500);
    expect(plazoPlaya(60_000, 2000)).toBe(2000);
  });
});

describe('PumpHub.commandAll', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  const reply = (p: TestPump, id: number, cmd: Record<string, unknown>) =>
    p.send({ tipo: 'comando_ejecutado', id_surtidor: id, id_comando: cmd.id_comando, resultado: 'ok' });

  it('sends to every pump in the same turn and reports the silent one at the deadline, not before', async () => {
    h = await createHarness({ forecourtTimeoutMs: 1000 });
    const pumps = [await h.register(1), await h.register(2), await h.register(3)];
    let done = false;
    const pending = h.hub.commandAll('pausar', 'prueba', [1, 2, 3, 4]).then((r) => {
      done = true;
      return r;
    });
    // One pass: every pump has its command before anything else happens.
    expect(pumps.map((_, i) => h.hub.commands.countFor(i + 1))).toEqual([1, 1, 1]);
    const [c1, c2] = [await pumps[0]!.next('comando'), await pumps[1]!.next('comando')];
    await pumps[2]!.next('comando');
    h.clock.advance(10);
    reply(pumps[0]!, 1, c1);
    reply(pumps[1]!, 2, c2);
    await expect.poll(() => h.hub.commands.countFor(1) + h.hub.commands.countFor(2)).toBe(0);
    h.clock.advance(989);
    await Promise.resolve();
    expect(done).toBe(false);
    h.clock.advance(1);
    const r = await pending;
    expect(r).toEqual({
      comando: 'pausar',
      plazo_ms: 1000,
      ms: 1000,
      totales: { surtidores: 4, ejecutado: 2, sin_respuesta: 1, no_conectado: 1 },
      surtidores: [
        { id_surtidor: 1, estado: 'ejecutado', ms: 10, resultado: 'ok' },
        { id_surtidor: 2, estado: 'ejecutado', ms: 10, resultado: 'ok' },
        { id_surtidor: 3, estado: 'sin_respuesta' },
        { id_surtidor: 4, estado: 'no_conectado' },
      ],
    });
    // The late answer is only logged.
    expect(h.hub.commands.countFor(3)).toBe(0);
  });

  it('takes one forecourt command at a time', async () => {
    h = await createHarness({ forecourtTimeoutMs: 1000 });
    await h.register(1);
    const first = h.hub.commandAll('pausar', 'uno', [1]);
    await expect(h.hub.commandAll('pausar', 'dos', [1])).rejects.toMatchObject({ code: 'COMANDO_PLAYA_EN_CURSO' });
    h.clock.advance(1000);
    expect((await first).totales.sin_respuesta).toBe(1);
    const again = h.hub.commandAll('reanudar', 'tres', [1], 10);
    h.clock.advance(10);
    expect(await again).toMatchObject({ plazo_ms: 10, totales: { sin_respuesta: 1 } });
  });

  it('reports a pump with too many commands pending as sin_respuesta with its code, without waiting for it', async () => {
    h = await createHarness({ forecourtTimeoutMs: 1000 });
    await h.register(1);
    const held = Array.from({ length: 16 }, () => h.hub.sendCommand(1, 'pausar', 'x').catch(() => null));
    const r = await h.hub.commandAll('detener_emergencia', 'y', [1]);
    expect(r).toMatchObject({
      ms: 0,
      surtidores: [{ id_surtidor: 1, estado: 'sin_respuesta', codigo: 'COMANDOS_PENDIENTES_EXCEDIDOS' }],
    });
    h.clock.advance(5000);
    await Promise.all(held);
  });
});
