import type { EventoAuditoria } from '@combustible/server';
import { FakeClock } from '@combustible/shared';
import { describe, expect, it } from 'vitest';
import { ThrottledAuditSink } from './audit-sink.js';

const refused = (id: number, ip = '10.0.0.9'): EventoAuditoria => ({
  usuario: `surtidor:${id}`,
  rol: null,
  ip,
  accion: 'surtidor.registro',
  objetivo: `surtidor:${id}`,
  resultado: 'denegado',
  detalles: { codigo: 'AUTENTICACION_FALLIDA' },
});

function setup(options = {}) {
  const clock = new FakeClock();
  const recorded: EventoAuditoria[] = [];
  const sink = new ThrottledAuditSink({ record: (e) => recorded.push(e) }, clock, {
    perWindow: 3,
    windowMs: 60_000,
    maxSources: 5,
    ...options,
  });
  return { clock, recorded, sink };
}

describe('ThrottledAuditSink', () => {
  it('records the first refusals of a source one by one and sums the rest when the window ends', () => {
    const { clock, recorded, sink } = setup();
    for (let i = 0; i < 1000; i++) sink.record(refused(4));
    expect(recorded).toHaveLength(3);
    clock.advance(60_000);
    expect(recorded).toHaveLength(4);
    expect(recorded[3]?.detalles).toEqual({ codigo: 'AUTENTICACION_FALLIDA', omitidos: 997, ventana_s: 60 });
    expect(sink.sources).toBe(0);
    sink.record(refused(4));
    expect(recorded).toHaveLength(5);
  });

  it('keeps addresses apart, counts a peer cycling through pump ids as one source, and never throttles what succeeded', () => {
    const { recorded, sink } = setup();
    for (let i = 0; i < 5; i++) sink.record(refused(100 + i, '10.0.0.1'));
    for (let i = 0; i < 5; i++) sink.record(refused(1, '10.0.0.2'));
    for (let i = 0; i < 5; i++) sink.record({ ...refused(3), resultado: 'ok' });
    expect(recorded).toHaveLength(3 + 3 + 5);
  });

  it('stays bounded: past maxSources, new sources share one summary key', () => {
    const { recorded, sink, clock } = setup();
    for (let i = 0; i < 10_000; i++) sink.record(refused(i, `10.0.${i >> 8}.${i & 255}`));
    expect(sink.sources).toBe(6);
    expect(recorded).toHaveLength(5 + 3);
    clock.advance(60_000);
    const summary = recorded.at(-1);
    expect(summary).toMatchObject({ usuario: 'varios', ip: null, detalles: { omitidos: 10_000 - 8 } });
  });

  it('writes pending summaries on flush (shutdown)', () => {
    const { recorded, sink } = setup();
    for (let i = 0; i < 4; i++) sink.record(refused(1));
    sink.flush();
    expect(recorded.at(-1)?.detalles).toMatchObject({ omitidos: 1 });
  });
});
