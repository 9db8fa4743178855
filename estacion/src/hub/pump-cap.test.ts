/**
 * Issue 10, "Size": the pump-id space a `registro` creates is capped (--max-pumps). 20,000
 * registrations with new ids, over in-memory connections: the pump records and every in-memory
 * map keyed by pump stay at the cap, refused connections leave nothing behind, and the heap is
 * measured before and after (reported; asserted only against a generous bound).
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { ThrottledAuditSink } from '../app/audit-sink.js';
import { createHarness, type Harness, registro, TestPump } from './test-harness.js';
import { duplexPair } from '@combustible/shared';
import { PumpHub } from './pump-hub.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapMiB(): number {
  for (let i = 0; i < 3; i++) gc();
  return getHeapStatistics().used_heap_size / (1024 * 1024);
}

let h: Harness;
let hub: PumpHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
  await h.close();
});

const CAP = 1000;
const ATTEMPTS = 20_000;

/** The private maps, read for the proof (the classes expose no count of their own). */
type Inside = {
  hub: { sessions: Map<number, unknown>; connections: Set<unknown> };
  service: {
    pumps: Map<number, unknown>;
    audits: Map<number, unknown>;
    openGaps: Map<number, unknown>;
    driftAlerted: Set<number>;
  };
};

describe('the pump-id space of registration', () => {
  it(`stays at --max-pumps (${CAP}) after ${ATTEMPTS} registrations with new ids`, { timeout: 120_000 }, async () => {
    h = await createHarness({}, { maxPumps: CAP });
    // As the station wires it: refusals go to the audit log through the per-source throttle.
    const refusals = new ThrottledAuditSink(h.audit, h.clock);
    const theHub = new PumpHub({ service: h.service, bus: h.bus, log: h.log, clock: h.clock, audit: refusals });
    hub = theHub;
    const connect = () => {
      const [server, client] = duplexPair();
      theHub.handle(server, '10.0.0.66');
      return new TestPump(client);
    };
    const before = heapMiB();

    const kept: TestPump[] = [];
    let confirmed = 0;
    let refused = 0;
    const BATCH = 500;
    for (let start = 1; start <= ATTEMPTS; start += BATCH) {
      const batch = Array.from({ length: BATCH }, (_, k) => {
        const pump = connect();
        pump.send(registro(start + k));
        return pump;
      });
      await Promise.all(
        batch.map(async (pump) => {
          // A refused pump is answered, then closed: next() throws once it is closed without a confirmation.
          const ok = await pump.next('registro_confirmado').then(
            () => true,
            () => false,
          );
          if (ok) {
            confirmed++;
            kept.push(pump);
          } else {
            refused++;
            expect(pump.all('registro_rechazado')).toEqual([expect.objectContaining({ codigo: 'LIMITE_EXCEDIDO' })]);
          }
        }),
      );
      // The test's own record of what each refused connection said is not the station's memory.
      h.logs.splice(0);
    }
    await h.service.settled();
    await h.audit.flush();
    h.logs.splice(0);

    const inside = { hub: theHub, service: h.service } as unknown as Inside;
    const counts = {
      confirmados: confirmed,
      rechazados: refused,
      registros_en_almacen: (await h.store.listPumps()).length,
      surtidores_en_memoria: inside.service.pumps.size,
      estados_en_vivo: h.service.live.all().length,
      sesiones: inside.hub.sessions.size,
      conexiones: inside.hub.connections.size,
      auditoria_por_surtidor: inside.service.audits.size,
      huecos_abiertos: inside.service.openGaps.size,
      relojes_alertados: inside.service.driftAlerted.size,
      fuentes_del_limitador: refusals.sources,
      comandos_pendientes: (theHub.commands as unknown as { pending: Map<string, unknown> }).pending.size,
    };
    const after = heapMiB();
    console.log(
      `tope de surtidores: ${JSON.stringify(counts)}; heap ${before.toFixed(1)} MiB → ${after.toFixed(1)} MiB`,
    );

    expect(confirmed).toBe(CAP);
    expect(refused).toBe(ATTEMPTS - CAP);
    expect(counts.registros_en_almacen).toBe(CAP);
    expect(counts.surtidores_en_memoria).toBe(CAP);
    expect(counts.estados_en_vivo).toBe(CAP);
    expect(counts.sesiones).toBe(CAP);
    // Only the accepted pumps' connections stay open.
    expect(counts.conexiones).toBe(CAP);
    expect(counts.auditoria_por_surtidor).toBeLessThanOrEqual(CAP);
    expect(counts.huecos_abiertos).toBe(0);
    expect(counts.relojes_alertados).toBe(0);
    // The refusal throttle keeps at most its maxSources keys (+1 shared summary key).
    expect(counts.fuentes_del_limitador).toBeLessThanOrEqual(10_001);
    expect(counts.comandos_pendientes).toBe(0);
    // A generous bound: 1,000 live pumps and their sessions, not 20,000.
    expect(after - before).toBeLessThan(200);

    for (const p of kept) p.stream.destroy();
  });
});
