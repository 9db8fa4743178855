/** The command tracker: pending commands per pump, bounded, counted down however each one ends. */
import { FakeClock } from '@combustible/shared';
import { describe, expect, it } from 'vitest';
import { CommandTracker } from './commands.js';

describe('CommandTracker', () => {
  it('refuses past the per-pump bound and counts down on answer, timeout and disconnection', async () => {
    const clock = new FakeClock();
    const t = new CommandTracker(clock, 3);
    const sent: string[] = [];
    const start = (id: number, ms = 1000) => t.start(id, 'pausar', ms, (c) => sent.push(c));
    const a = start(1);
    const b = start(1, 10);
    const c = start(1);
    const other = start(2);
    expect([t.countFor(1), t.countFor(2)]).toEqual([3, 1]);
    await expect(start(1)).rejects.toMatchObject({ code: 'COMANDOS_PENDIENTES_EXCEDIDOS' });

    expect(t.answer(1, sent[0] as string, 'ok')).toBe(true);
    await expect(a).resolves.toMatchObject({ resultado: 'ok' });
    // Another pump's id does not answer pump 1's command.
    expect(t.answer(2, sent[2] as string, 'ok')).toBe(false);
    expect(t.countFor(1)).toBe(2);

    clock.advance(10);
    await expect(b).rejects.toMatchObject({ code: 'COMANDO_TIMEOUT' });
    expect(t.countFor(1)).toBe(1);

    t.failAll(1);
    await expect(c).rejects.toMatchObject({ code: 'SURTIDOR_DESCONECTADO' });
    expect([t.countFor(1), t.countFor(2)]).toEqual([0, 1]);
    // A late answer finds nothing waiting.
    expect(t.answer(1, sent[2] as string, 'ok')).toBe(false);
    expect(t.answer(2, sent[3] as string, 'ok')).toBe(true);
    await other;
    expect(t.countFor(2)).toBe(0);
  });
});
