/**
 * The hub with an admission (issue 12): past its rate a `registro` is answered
 * `registro_rechazado` SOBRECARGA with `reintentar_ms` and closed, without a warning or an audit
 * entry; the pump is admitted when it comes back on its slot. Fake clock, in-memory connections.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RegistrationAdmission } from './registration-admission.js';
import { createHarness, type Harness, registro } from './test-harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

describe('registration admission in the hub', () => {
  it('defers the excess with SOBRECARGA and reintentar_ms, admits it on its slot, counts and sums it up', async () => {
    const decisions: string[] = [];
    const refused: string[] = [];
    h = await createHarness(
      { pumpToken: 's3creto' },
      {},
      () => ({
        message() {},
        badLine() {},
        connections() {},
        registrationRefused: (codigo) => void refused.push(codigo),
        registrationAdmission: (resultado, waiting) => void decisions.push(`${resultado}:${waiting}`),
      }),
      undefined,
      (_store, clock) => ({
        registrationAdmission: new RegistrationAdmission({ ratePerSecond: 10, burst: 2 }, clock, () => 0),
      }),
    );
    await h.register(1, { token: 's3creto' });
    await h.register(2, { token: 's3creto' });
    const third = h.connect();
    third.send(registro(3, { token: 's3creto' }));
    const deferred = await third.next('registro_rechazado');
    expect(deferred).toMatchObject({ codigo: 'SOBRECARGA', reintentar_ms: 100 });
    expect(deferred.mensaje).toContain('10 registros por segundo');
    await third.whenClosed;
    const fourth = h.connect();
    fourth.send(registro(4, { token: 's3creto' }));
    expect(await fourth.next('registro_rechazado')).toMatchObject({ codigo: 'SOBRECARGA', reintentar_ms: 200 });
    // A wrong token is refused as ever, and takes no place in the queue.
    const wrong = h.connect();
    wrong.send(registro(5, { token: 'malo' }));
    expect(await wrong.next('registro_rechazado')).toMatchObject({ codigo: 'AUTENTICACION_FALLIDA' });

    h.clock.advance(100);
    await h.register(3, { token: 's3creto' });
    h.clock.advance(100);
    await h.register(4, { token: 's3creto' });
    expect(decisions).toEqual(['admitido:0', 'admitido:0', 'diferido:1', 'diferido:2', 'admitido:1', 'admitido:0']);
    expect(refused).toEqual(['AUTENTICACION_FALLIDA']);
    expect([h.hub.isConnected(3), h.hub.isConnected(4)]).toEqual([true, true]);

    // Not a refusal: no warning and no audit entry per deferral, one summary line a second instead.
    expect(h.logs.filter((l) => l.msg === 'registro diferido').map((l) => [l.level, l.id_surtidor])).toEqual([
      [20, 3],
      [20, 4],
    ]);
    h.clock.advance(1000);
    await h.audit.flush();
    const { items } = await h.audit.list({ accion: 'surtidor.registro', limit: 10, skip: 0 });
    expect(items.map((i) => i.detalles)).toEqual([expect.objectContaining({ codigo: 'AUTENTICACION_FALLIDA' })]);
    const summary = h.logs.filter((l) => l.msg === 'admisión de registros');
    expect(summary[0]).toMatchObject({
      level: 30,
      admision: {
        tasa: 10,
        rafaga: 2,
        admitidos: 4,
        diferidos: 2,
        en_espera: 0,
        admitidos_total: 4,
        diferidos_total: 2,
      },
    });
    // One more line after the last deferral (the queue drained), then none while nothing is deferred.
    h.clock.advance(5000);
    const lines = h.logs.filter((l) => l.msg === 'admisión de registros');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ admision: { admitidos: 0, diferidos: 0, en_espera: 0, diferidos_total: 2 } });
  });

  it('refuses a pump the service would refuse (--max-pumps) before it takes a slot', async () => {
    const decisions: string[] = [];
    h = await createHarness(
      {},
      { maxPumps: 1 },
      () => ({
        message() {},
        badLine() {},
        connections() {},
        registrationRefused() {},
        registrationAdmission: (resultado) => void decisions.push(resultado),
      }),
      undefined,
      (_store, clock) => ({
        registrationAdmission: new RegistrationAdmission({ ratePerSecond: 1, burst: 1 }, clock, () => 0),
      }),
    );
    await h.register(1);
    for (const id of [2, 3, 4]) {
      const extra = h.connect();
      extra.send(registro(id));
      expect(await extra.next('registro_rechazado')).toMatchObject({ codigo: 'LIMITE_EXCEDIDO' });
    }
    expect(decisions).toEqual(['admitido']);
    expect(h.hub.registrationAdmission?.waiting).toBe(0);
  });

  it('without an admission every registro goes on at once', async () => {
    h = await createHarness();
    const pumps = await Promise.all(Array.from({ length: 50 }, (_, i) => h.register(i + 1)));
    expect(pumps).toHaveLength(50);
    expect(h.hub.registrationAdmission).toBeNull();
  });
});
