/**
 * The loss test: pumps sell at high speed while the station is SIGKILLed twice and restarted on
 * the same port and data; afterwards the set of sales the pumps made (their own ledger) must equal,
 * exactly, the set the station stored (no loss, no duplicate), and the pesos must add up the same.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TransaccionCompletada } from '@combustible/shared';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type LogEvent,
  removeTempDirs,
  runCli,
  type ServiceProcess,
  type StationProcess,
  startProcess,
  startStationProcess,
  tempDir,
} from './helpers/processes.js';

const procs: ServiceProcess[] = [];

afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop('SIGKILL')));
});
afterAll(removeTempDirs);

interface Resumen {
  conectados: number;
  ventas: number;
  confirmadas: number;
  duplicadas: number;
  /** Confirmations that said `conflicto: true` (a reused id with other content): none here. */
  conflictos: number;
  reenvios: number;
  pendientes: number;
  reconexiones: number;
  monto: number;
}
const resumen = (e: LogEvent) => e.resumen as Resumen;

async function station(dataDir: string, port?: number, flags: Record<string, string> = {}): Promise<StationProcess> {
  const s = await startStationProcess({
    dataDir,
    flags: { ...flags, ...(port === undefined ? {} : { 'pump-port': String(port) }) },
  });
  procs.push(s);
  return s;
}

/**
 * A credential of its own for each of pumps 101..120 (the first through the real CLI, the rest on
 * the store, as the CLI does), written to a --tokens-file for the fleet.
 */
async function perPumpTokens(dataDir: string, outboxDir: string): Promise<string[]> {
  const { SqliteStore } = await import('../estacion/src/store/sqlite-store.js');
  const { newToken, sha256 } = await import('@combustible/server');
  const store = new SqliteStore({ dataDir });
  await store.setup();
  const lines: string[] = ['# one token per pump'];
  try {
    for (let id = 102; id <= 120; id++) {
      const token = newToken('srt');
      await store.setPumpCredential({ id_surtidor: id, hash: sha256(token), emitida: new Date().toISOString() });
      lines.push(`${id} ${token}`);
    }
  } finally {
    await store.close();
  }
  const issued = await runCli('estacion', ['surtidores', 'token', '101', '--data-dir', dataDir]);
  expect(issued.code).toBe(0);
  const token101 = /srt_[\w-]+/.exec(issued.stdout)?.[0];
  expect(token101).toBeDefined();
  lines.push(`101 ${token101}`);
  const file = path.join(outboxDir, 'tokens.txt');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return ['--tokens-file', file];
}

/**
 * Mutual TLS from the dev CA (one certificate per pump 101..120): the station's flags and the
 * simulator's, which verifies the station's name (localhost) against the CA.
 */
async function mutualTls(): Promise<{ stationFlags: Record<string, string>; pumpArgs: string[] }> {
  const dir = tempDir('perdida-certs-');
  const made = await runCli('estacion', ['certificados', 'dev', '--dir', dir, '--surtidores', '101-120']);
  expect(made.code).toBe(0);
  return {
    stationFlags: {
      'tls-cert': path.join(dir, 'estacion.crt'),
      'tls-key': path.join(dir, 'estacion.key'),
      'tls-ca': path.join(dir, 'ca.crt'),
      'tls-client-auth': 'true',
    },
    pumpArgs: ['--tls', '--ca', path.join(dir, 'ca.crt')].concat([
      '--cert',
      path.join(dir, 'surtidor-{id}.crt'),
      '--key',
      path.join(dir, 'surtidor-{id}.key'),
    ]),
  };
}

describe('surtidor: no sale lost', () => {
  it.each([
    { credenciales: 'none (loopback)', perPump: false, tls: false },
    { credenciales: 'a token of its own for every pump (--require-pump-auth)', perPump: true, tls: false },
    { credenciales: 'mutual TLS and a token of its own for every pump', perPump: true, tls: true },
    // Prepaid pumps, authorized by the station itself as each customer waits (the pumps are put in
    // prepago on the store first): every sale is dispensed under an authorization the station issued.
    {
      credenciales: 'none (loopback), pumps in prepago authorized by the station (--autorizacion-automatica)',
      perPump: false,
      tls: false,
      prepago: true,
    },
  ])(
    'the station stores exactly the sales the pumps made, across two SIGKILLs of the station; credentials: $credenciales',
    async ({ perPump, tls, prepago }) => {
      const dataDir = tempDir('perdida-estacion-');
      const outboxDir = tempDir('perdida-surtidores-');
      const ledger = path.join(outboxDir, 'ventas.ndjson');
      const tokenArgs = perPump ? await perPumpTokens(dataDir, outboxDir) : [];
      const secure = tls ? await mutualTls() : { stationFlags: {}, pumpArgs: [] };
      const stationFlags: Record<string, string> = {
        ...(perPump ? { 'require-pump-auth': 'true' } : {}),
        ...(prepago ? { 'autorizacion-automatica': 'true' } : {}),
        ...secure.stationFlags,
      };
      if (prepago) {
        // The CLI works on an existing store (as after the station's first run).
        const { SqliteStore } = await import('../estacion/src/store/sqlite-store.js');
        const fresh = new SqliteStore({ dataDir });
        await fresh.setup();
        await fresh.close();
        const set = await runCli('estacion', ['surtidores', 'modo', '101-120', 'prepago', '--data-dir', dataDir]);
        expect(set.stdout).toContain('20 surtidor(es) en prepago (20 preconfigurado(s)');
      }
      let est = await station(dataDir, undefined, stationFlags);
      const port = est.pumpPort;
      const pumps = startProcess('surtidor', [
        ...[
          '--estacion',
          `${tls ? 'localhost' : '127.0.0.1'}:${port}`,
          '--count',
          '20',
          '--first-id',
          '101',
          '--speed',
          '50',
        ],
        ...[
          '--mean-interval',
          '5',
          '--outbox-dir',
          outboxDir,
          '--ledger',
          ledger,
          '--stats-interval',
          '0.2',
          '--confirm-wait',
          '15',
        ],
        ...['--reconnect-base', '0.1', '--reconnect-max', '1'],
        ...tokenArgs,
        ...secure.pumpArgs,
        ...(prepago ? ['--modo', 'prepago'] : []),
      ]);
      procs.push(pumps);
      /** The first `resumen` logged after log index `from` that satisfies `ok`. */
      const resumenAfter = (from: number, ok: (r: Resumen) => boolean, timeoutMs = 20_000) =>
        pumps
          .waitForLog((e) => e.msg === 'resumen' && pumps.logs.indexOf(e) >= from && ok(resumen(e)), timeoutMs)
          .then(resumen);

      await resumenAfter(0, (r) => r.confirmadas >= 60);
      const outages: { ventasDuranteCaida: number; pendientesAlVolver: number }[] = [];
      for (let round = 0; round < 2; round++) {
        est.proc.kill('SIGKILL');
        await est.exited;
        // With the station gone postpaid pumps keep selling and their outboxes grow. Prepaid pumps
        // cannot: nobody authorizes them (a sale already authorized still finishes); the sales the
        // station was killed on are what they carry across.
        let from = pumps.logs.length;
        const down = await resumenAfter(from, (r) => r.conectados === 0);
        const offline = await resumenAfter(
          pumps.logs.length,
          (r) => r.ventas >= down.ventas + (prepago ? 0 : 20) && r.conectados === 0,
        );
        est = await station(dataDir, port, stationFlags);
        from = pumps.logs.length;
        // Back up: every pump reconnects and the backlog drains.
        const back = await resumenAfter(from, (r) => r.conectados === 20 && r.confirmadas >= offline.ventas);
        outages.push({ ventasDuranteCaida: offline.ventas - down.ventas, pendientesAlVolver: offline.pendientes });
        expect(back.confirmadas).toBeGreaterThanOrEqual(offline.ventas);
      }

      expect(await pumps.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      const final = resumen(pumps.logs.find((e) => e.msg === 'resumen final') as LogEvent);
      // When a sale is left unconfirmed, the pumps' own warnings say which pump held it and why.
      const warnings = pumps.logs.filter((e) => Number(e.level) >= 40).slice(-20);
      expect(final.pendientes, JSON.stringify(warnings)).toBe(0);
      // Every resend was the same sale again: a duplicate, never a conflict.
      expect(final.conflictos).toBe(0);
      expect(await est.stop('SIGTERM')).toEqual({ code: 0, signal: null });

      const made = readFileSync(ledger, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as TransaccionCompletada);
      const madeIds = made.map((t) => `${t.id_surtidor}/${t.id_transaccion}`);
      expect(new Set(madeIds).size).toBe(made.length);
      expect(made.length).toBe(final.ventas);
      if (prepago) for (const t of made) expect(t.id_autorizacion).toMatch(/^A-/);

      const { SqliteStore } = await import('../estacion/src/store/sqlite-store.js');
      const store = new SqliteStore({ dataDir });
      await store.setup();
      try {
        const page = await store.listTransactions({ limit: 1_000_000, skip: 0 });
        const storedIds = page.items.map((t) => `${t.id_surtidor}/${t.id_transaccion}`);
        expect(page.total).toBe(page.items.length);
        expect(new Set(storedIds).size).toBe(storedIds.length); // no duplicate
        expect([...storedIds].sort()).toEqual([...madeIds].sort()); // no loss, nothing extra
        const pesos = (xs: { monto_total: number }[]) => xs.reduce((sum, t) => sum + t.monto_total, 0);
        expect(pesos(page.items)).toBe(pesos(made));
        expect(pesos(made)).toBe(final.monto);
        expect((await store.listConflicts({ limit: 1, skip: 0 })).total).toBe(0);
        if (prepago) {
          // Every sale checked out against the authorization it quotes.
          const observed = page.items.filter((t) => t.observaciones.some((o) => /AUTORIZ/.test(o)));
          expect(observed.map((t) => t.observaciones)).toEqual([]);
        }
        console.info(
          `[prueba de pérdida] ventas hechas ${made.length} (canceladas ${made.filter((t) => t.estado === 'cancelada').length}), ` +
            `guardadas ${page.total}, $${pesos(made)} = $${pesos(page.items)}; caídas: ${JSON.stringify(outages)}; ` +
            `reenvíos ${final.reenvios}, confirmaciones duplicadas ${final.duplicadas}, reconexiones ${final.reconexiones}`,
        );
      } finally {
        await store.close();
      }
    },
    60_000,
  );

  it('with lines dropped, duplicated, reordered and delayed, the station still stores exactly the sales', async () => {
    const dataDir = tempDir('caos-estacion-');
    const outboxDir = tempDir('caos-surtidores-');
    const ledger = path.join(outboxDir, 'ventas.ndjson');
    const est = await station(dataDir);
    const pumps = startProcess('surtidor', [
      ...['--estacion', `127.0.0.1:${est.pumpPort}`, '--count', '10', '--speed', '50', '--mean-interval', '5'],
      ...['--outbox-dir', outboxDir, '--ledger', ledger, '--stats-interval', '0.2', '--confirm-wait', '15'],
      ...['--resend-after', '1', '--registration-timeout', '2', '--reconnect-base', '0.1', '--reconnect-max', '1'],
      ...['--chaos-drop', '0.05', '--chaos-duplicate', '0.05', '--chaos-reorder', '0.05'],
      ...['--chaos-delay', '0.05', '--chaos-delay-ms', '500', '--chaos-clock-skew-ms', '30000'],
    ]);
    procs.push(pumps);
    await pumps.waitForLog((e) => e.msg === 'resumen' && resumen(e).confirmadas >= 100, 30_000);
    expect(await pumps.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const final = pumps.logs.find((e) => e.msg === 'resumen final') as LogEvent & {
      resumen: Resumen & { caos: Record<string, number> };
    };
    expect(final.resumen.pendientes).toBe(0);
    expect(final.resumen.caos.dropped).toBeGreaterThan(0);
    expect(final.resumen.caos.duplicated).toBeGreaterThan(0);
    // A page (50 by default): ask for enough to see the early clock alert behind the later ones.
    const alertas = await est.request<{ codigo: string }[]>('/api/alertas?limit=1000');
    expect(alertas.some((a) => a.codigo === 'RELOJ_DESFASADO')).toBe(true);
    expect(await est.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    const made = readFileSync(ledger, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TransaccionCompletada);
    const { SqliteStore } = await import('../estacion/src/store/sqlite-store.js');
    const store = new SqliteStore({ dataDir });
    await store.setup();
    try {
      const page = await store.listTransactions({ limit: 1_000_000, skip: 0 });
      const key = (t: { id_surtidor: number; id_transaccion?: string }) => `${t.id_surtidor}/${t.id_transaccion}`;
      expect(page.items.map(key).sort()).toEqual(made.map(key).sort());
      expect(new Set(page.items.map(key)).size).toBe(page.items.length);
      // Lines duplicated by the chaos are the same sale again: duplicates, never conflicts.
      expect((await store.listConflicts({ limit: 1, skip: 0 })).total).toBe(0);
      expect(final.resumen.conflictos).toBe(0);
    } finally {
      await store.close();
    }
  }, 60_000);
});
