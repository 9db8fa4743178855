/**
 * The outbox of a real `surtidor` process across a restart: unconfirmed sales come back after the
 * restart, resent in order, and sequence and litre meter continue where they were.
 */
import { describe, expect, it } from 'vitest';
import type { Json, LineClient } from './helpers/line-client.js';
import { type LogEvent, type ServiceProcess, tempDir } from './helpers/processes.js';
import { surtidorFixture } from './helpers/surtidor-fixture.js';

const fixture = surtidorFixture();

function pumps(port: number, outboxDir: string): ServiceProcess {
  const p = fixture.surtidor([
    ...['--estacion', `127.0.0.1:${port}`, '--count', '2', '--first-id', '21'],
    ...['--speed', '20', '--capacidad', '10', '--mean-interval', '1', '--outbox-dir', outboxDir],
    ...['--confirm-wait', '0.3'],
  ]);
  return p;
}

/** The sales a pump sent, each once (a pump resends what is unconfirmed, also while shutting down). */
const sales = (c: LineClient) => {
  const seen = new Set<unknown>();
  return c.received.filter((m) => {
    if (m.tipo !== 'transaccion_completada' || seen.has(m.id_transaccion)) return false;
    seen.add(m.id_transaccion);
    return true;
  });
};
const resumenFinal = (p: ServiceProcess) =>
  (p.logs.find((e) => e.msg === 'resumen final') as LogEvent & { resumen: Record<string, number> }).resumen;

describe('surtidor: outbox across a restart', () => {
  it('resends unconfirmed sales in order after a restart; secuencia and meter continue', async () => {
    const station = await fixture.station();
    const outboxDir = tempDir('surtidor-outbox-');

    // First run: the station never confirms anything.
    const first = pumps(station.port, outboxDir);
    const a = await station.acceptRegistered();
    const b = await station.acceptRegistered();
    await a.pump.next('transaccion_completada');
    await a.pump.next('transaccion_completada');
    await b.pump.next('transaccion_completada');
    await b.pump.next('transaccion_completada');
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const before = new Map<number, Json[]>([
      [a.registro.id_surtidor as number, sales(a.pump)],
      [b.registro.id_surtidor as number, sales(b.pump)],
    ]);
    const made = [...before.values()].flat();
    expect(resumenFinal(first)).toMatchObject({ ventas: made.length, pendientes: made.length, confirmadas: 0 });

    // Second run: each pump resends its backlog first, in order, then sells on.
    const second = pumps(station.port, outboxDir);
    for (const conn of [await station.acceptRegistered(), await station.acceptRegistered()]) {
      const id = conn.registro.id_surtidor as number;
      const backlog = before.get(id) ?? [];
      expect(backlog.length).toBeGreaterThanOrEqual(2);
      const resent: Json[] = [];
      while (resent.length < backlog.length) resent.push(await conn.pump.next('transaccion_completada'));
      expect(resent).toEqual(backlog);
      expect(resent.map((t) => t.secuencia)).toEqual(backlog.map((_, i) => i + 1));
      for (const t of resent)
        conn.pump.send({ tipo: 'transaccion_confirmada', id_transaccion: t.id_transaccion, duplicada: false });
      const fresh = await conn.pump.next('transaccion_completada');
      const last = backlog.at(-1) as Json;
      expect(fresh.secuencia).toBe((last.secuencia as number) + 1);
      expect(fresh.totalizador_inicio).toBe(last.totalizador_fin);
      expect(fresh.id_transaccion).not.toBe(last.id_transaccion);
    }
    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    // What was confirmed left the outbox; only the new, unconfirmed sales remain.
    const end = resumenFinal(second);
    expect(end.confirmadas).toBe(made.length);
    expect(end.pendientes).toBe(end.ventas);
  });
});
