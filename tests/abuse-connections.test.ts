/**
 * Connection abuse against a real station process, each with the defence that stops it and a
 * bound on memory: idle sockets that never register (REGISTRO_TIMEOUT and --max-connections),
 * slowloris registrations, a pump that never reads (the 1 MiB write bound), connect/disconnect
 * churn on every port (the gauges return to 0, no descriptor leaks), registrations of thousands of
 * new ids (--max-pumps) and dashboards past --max-ws-clients (1013). Figures are printed.
 */
import net from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { eventually } from './helpers/empresa.js';
import { FuzzPeer } from './helpers/fuzz-peer.js';
import { validRegistro } from './helpers/hostile.js';
import { fdCount, getJson, MiB, metricValue, mib, rssOf, sampleRss } from './helpers/probes.js';
import { removeTempDirs, type StationProcess, startStationProcess } from './helpers/processes.js';
import { RawWs } from './helpers/ws-raw.js';

const RSS_BOUND = 400 * MiB;
const IDLE = 2_000;
const MAX_CONNECTIONS = 1_500;
const SLOWLORIS = 200;
const CHURN = 3_000;
const NEW_IDS = 2_000;
const MAX_PUMPS = 100;

const running: StationProcess[] = [];
const opened: net.Socket[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) s.destroy();
  await Promise.all(running.splice(0).map((s) => s.stop('SIGKILL')));
});
afterAll(removeTempDirs);

async function station(flags: Record<string, string> = {}): Promise<{ s: StationProcess; token: string; pid: number }> {
  const s = await startStationProcess({ flags });
  running.push(s);
  return { s, token: await s.login(), pid: s.proc.pid as number };
}

async function metrics(s: StationProcess, token: string): Promise<string> {
  return String((await getJson(s.api, '/metrics', token)).body);
}

/** A raw socket that keeps what it receives as lines; `closed` resolves with them. */
function rawSocket(port: number): Promise<{ socket: net.Socket; lines: string[]; closed: Promise<string[]> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    opened.push(socket);
    const lines: string[] = [];
    let rest = '';
    socket.on('data', (c: Buffer) => {
      const parts = (rest + c.toString()).split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts.filter((l) => l.length > 0));
    });
    socket.on('error', () => {});
    const closed = new Promise<string[]>((r) => socket.once('close', () => r(lines)));
    socket.once('connect', () => resolve({ socket, lines, closed }));
    socket.once('error', reject);
  });
}

const codeOf = (line: string | undefined) => {
  try {
    return String((JSON.parse(line ?? '{}') as { codigo?: unknown }).codigo);
  } catch {
    return `(not JSON: ${line})`;
  }
};

/** Waits until the station's descriptors are back to `baseline` (+ `slack`): closes finish asynchronously. */
function fdsBackTo(pid: number, baseline: number, slack = 3): Promise<number> {
  return eventually(
    `fds back to ${baseline}`,
    async () => {
      const n = fdCount(pid);
      return n <= baseline + slack ? n : false;
    },
    15_000,
    100,
  );
}

describe('connection abuse', () => {
  it(`${IDLE} idle sockets that never register are all closed by REGISTRO_TIMEOUT (1 s); descriptors and memory come back`, async () => {
    const { s, token, pid } = await station({ 'registration-timeout': '1' });
    const fdsBefore = fdCount(pid);
    const rss = sampleRss(pid, 100);
    const started = Date.now();
    let peakFds = fdsBefore;
    const lifetimes: Promise<{ ms: number; lines: string[] }>[] = [];
    for (let i = 0; i < IDLE; i += 250) {
      const batch = await Promise.all(Array.from({ length: Math.min(250, IDLE - i) }, () => rawSocket(s.pumpPort)));
      const t0 = Date.now();
      lifetimes.push(...batch.map((x) => x.closed.then((lines) => ({ ms: Date.now() - t0, lines }))));
      peakFds = Math.max(peakFds, fdCount(pid));
    }
    const openedMs = Date.now() - started;
    const outcomes = await Promise.all(lifetimes);
    const closedMs = Date.now() - started;
    const mem = rss.stop();
    const codes: Record<string, number> = {};
    for (const o of outcomes) {
      const key = o.lines.map(codeOf).join('+') || '(nothing)';
      codes[key] = (codes[key] ?? 0) + 1;
    }
    const worst = Math.max(...outcomes.map((o) => o.ms));
    const fdsAfter = await fdsBackTo(pid, fdsBefore);
    console.log(
      `abuse idle: ${IDLE} sockets opened in ${openedMs} ms, all closed after ${closedMs} ms (each within ${worst} ms): ${JSON.stringify(codes)}; station fds ${fdsBefore} → ≥${peakFds} → ${fdsAfter}; RSS ${mib(mem.before)} → peak ${mib(mem.peak)} → ${mib(mem.after)}`,
    );
    expect(codes).toEqual({ REGISTRO_TIMEOUT: IDLE });
    expect(worst).toBeLessThan(5_000);
    expect(mem.peak).toBeLessThan(RSS_BOUND);
    await eventually(
      'the pump connection gauge back to 0',
      async () => metricValue(await metrics(s, token), 'estacion_conexiones_surtidores') === 0,
    );
  });

  it(`--max-connections ${MAX_CONNECTIONS}: ${MAX_CONNECTIONS + 500} idle sockets at once, the last 500 refused with LIMITE_EXCEDIDO`, async () => {
    // A long registration timeout here: the sockets let in must still be open when the excess arrives.
    const { s, token, pid } = await station({
      'registration-timeout': '60',
      'max-connections': String(MAX_CONNECTIONS),
    });
    const fdsBefore = fdCount(pid);
    const rss = sampleRss(pid, 100);
    const inside = [];
    for (let i = 0; i < MAX_CONNECTIONS; i += 250) {
      inside.push(...(await Promise.all(Array.from({ length: 250 }, () => rawSocket(s.pumpPort)))));
    }
    await eventually(
      `${MAX_CONNECTIONS} connections counted`,
      async () => metricValue(await metrics(s, token), 'estacion_conexiones_surtidores') === MAX_CONNECTIONS,
    );
    const fdsAtCap = fdCount(pid);
    const excess = await Promise.all(Array.from({ length: 500 }, () => rawSocket(s.pumpPort)));
    const refusedLines = await Promise.all(excess.map((x) => x.closed));
    // The refused sockets hold nothing once closed: back to what the 1,500 inside take.
    const fdsRefused = await fdsBackTo(pid, fdsAtCap);
    const mem = rss.stop();
    const refused = metricValue(await metrics(s, token), 'estacion_conexiones_rechazadas_total{puerto="surtidores"}');
    for (const x of inside) x.socket.destroy();
    const fdsAfter = await fdsBackTo(pid, fdsBefore);
    console.log(
      `abuse cap: ${MAX_CONNECTIONS} in, 500 refused (metric ${refused}); station fds ${fdsBefore} → ${fdsAtCap} at the cap → ${fdsRefused} after the refusals → ${fdsAfter}; RSS ${mib(mem.before)} → peak ${mib(mem.peak)} (${((mem.peak - mem.before) / MAX_CONNECTIONS / 1024).toFixed(1)} KiB per open connection)`,
    );
    expect(refusedLines.map((l) => l.map(codeOf).join('+'))).toEqual(
      Array.from({ length: 500 }, () => 'LIMITE_EXCEDIDO'),
    );
    expect(refused).toBe(500);
    expect(inside.every((x) => x.lines.length === 0)).toBe(true);
    expect(fdsAtCap - fdsBefore).toBeLessThanOrEqual(MAX_CONNECTIONS + 10);
    expect(mem.peak).toBeLessThan(RSS_BOUND);
    await eventually(
      'the pump connection gauge back to 0',
      async () => metricValue(await metrics(s, token), 'estacion_conexiones_surtidores') === 0,
    );
  });

  it(`slowloris: ${SLOWLORIS} registrations sent one byte per second are closed by REGISTRO_TIMEOUT (1 s)`, async () => {
    const { s, token, pid } = await station({ 'registration-timeout': '1' });
    const fdsBefore = fdCount(pid);
    const registro = Buffer.from(`${JSON.stringify(validRegistro(1))}\n`);
    const started = Date.now();
    const lifetimes = await Promise.all(
      Array.from({ length: SLOWLORIS }, async () => {
        const x = await rawSocket(s.pumpPort);
        const t0 = Date.now();
        let i = 0;
        x.socket.write(registro.subarray(i, ++i));
        const drip = setInterval(() => {
          if (!x.socket.destroyed && i < registro.length) x.socket.write(registro.subarray(i, ++i));
        }, 1000);
        const lines = await x.closed;
        clearInterval(drip);
        return { ms: Date.now() - t0, lines, bytes: i };
      }),
    );
    const worst = Math.max(...lifetimes.map((l) => l.ms));
    console.log(
      `abuse slowloris: ${SLOWLORIS} connections closed after at most ${worst} ms (each sent ≤ ${Math.max(...lifetimes.map((l) => l.bytes))} bytes); all done in ${Date.now() - started} ms`,
    );
    for (const l of lifetimes) expect(l.lines.map(codeOf)).toEqual(['REGISTRO_TIMEOUT']);
    expect(worst).toBeLessThan(5_000);
    await fdsBackTo(pid, fdsBefore);
    expect(metricValue(await metrics(s, token), 'estacion_conexiones_surtidores')).toBe(0);
  });

  it('a pump that never reads is dropped at the 1 MiB write bound; the station stays small', async () => {
    const { s, token, pid } = await station({ 'max-bad-lines': '100000000', 'rate-limit': '1000000' });
    const pump = await FuzzPeer.connect(s.pumpPort);
    opened.push(pump.socket);
    pump.expectReply('registro_confirmado');
    await pump.write([Buffer.from(JSON.stringify(validRegistro(77)))]);
    await pump.settle(10_000, 'registro');
    // Each of these lines is answered with a MENSAJE_INVALIDO naming every field (the size is measured once).
    const bad = Buffer.from(
      JSON.stringify({
        tipo: 'transaccion_completada',
        id_surtidor: 77,
        tipo_combustible: 1,
        litros: 'x',
        precio_por_litro: -1,
        monto_total: 0.5,
        metodo_pago: 2,
        fecha_inicio: 3,
        fecha_fin: 4,
      }),
    );
    pump.expectError('MENSAJE_INVALIDO');
    await pump.write([bad]);
    await pump.settle(10_000, 'one bad line');
    const answerBytes = JSON.stringify(pump.received.at(-1)).length + 1;
    pump.socket.pause();
    const rss = sampleRss(pid, 100);
    const dropped = s.waitForLog((e) => e.id_surtidor === 77 && e.msg === 'surtidor desconectado', 60_000);
    let sent = 0;
    let done = false;
    void dropped.then(
      () => {
        done = true;
      },
      () => {
        done = true;
      },
    );
    while (!done && !pump.isClosed) {
      await pump.write(Array.from({ length: 2000 }, () => bad));
      sent += 2000;
      // Let the I/O of the answers, the log and the close through between batches.
      await new Promise((r) => setImmediate(r));
    }
    const event = await dropped;
    const mem = rss.stop();
    console.log(
      `abuse never-reads: dropped after ${sent} bad lines (answers of ${answerBytes} B each: ${mib(sent * answerBytes)} the peer did not read, most of it in the kernel's socket buffers); motivo "${String(event.motivo)}"; RSS ${mib(mem.before)} → peak ${mib(mem.peak)} → ${mib(mem.after)}`,
    );
    expect(event).toMatchObject({ estado_conexion: 'error', motivo: 'el surtidor no lee lo que se le envía' });
    expect(mem.peak).toBeLessThan(RSS_BOUND);
    await eventually(
      'the pump connection gauge back to 0',
      async () => metricValue(await metrics(s, token), 'estacion_conexiones_surtidores') === 0,
    );
    expect((await getJson(s.api, '/health', token)).status).toBe(200);
  }, 90_000);

  it(`connect/disconnect churn: ${CHURN} pump, 300 company, 300 WebSocket and 300 API connections; gauges back to 0, no descriptor leak`, async () => {
    const { s, token, pid } = await station();
    // Warm up the API's keep-alive state once, so that the baseline is the steady one.
    await getJson(s.api, '/health', token);
    const fdsBefore = fdCount(pid);
    const rssBefore = rssOf(pid);
    const rss = sampleRss(pid, 100);
    const started = Date.now();
    const churn = async (port: number, count: number, batch: number, act: (sock: net.Socket, i: number) => void) => {
      for (let i = 0; i < count; i += batch) {
        await Promise.all(
          Array.from({ length: Math.min(batch, count - i) }, async (_, k) => {
            const x = await rawSocket(port);
            act(x.socket, i + k);
            await x.closed;
          }),
        );
      }
    };
    const partial = Buffer.from('{"tipo":"registro","id_surtid');
    await churn(s.pumpPort, CHURN, 200, (sock, i) => {
      if (i % 3 === 0) sock.destroy();
      else if (i % 3 === 1) sock.end(partial);
      else sock.resetAndDestroy();
    });
    await churn(s.companyPort, 300, 10, (sock, i) => (i % 2 === 0 ? sock.destroy() : sock.end('{"tipo":"ping"}\n')));
    await churn(s.wsPort, 300, 50, (sock, i) =>
      i % 2 === 0
        ? sock.destroy()
        : sock.end(`GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nUpgrade: websocket\r\n`),
    );
    await churn(s.apiPort, 300, 50, (sock, i) =>
      i % 2 === 0 ? sock.destroy() : sock.end('GET /health HTTP/1.1\r\nHost: x\r\n'),
    );
    const ms = Date.now() - started;
    const mem = rss.stop();
    const fdsAfter = await fdsBackTo(pid, fdsBefore);
    const text = await metrics(s, token);
    console.log(
      `abuse churn: ${CHURN + 900} connections in ${ms} ms; station fds ${fdsBefore} → ${fdsAfter}; RSS ${mib(rssBefore)} → peak ${mib(mem.peak)} → ${mib(mem.after)}; gauges pump ${metricValue(text, 'estacion_conexiones_surtidores')}, company ${metricValue(text, 'estacion_conexiones_empresa')}, ws ${metricValue(text, 'estacion_clientes_ws')}`,
    );
    await eventually('every connection gauge back to 0', async () => {
      const t = await metrics(s, token);
      return (
        metricValue(t, 'estacion_conexiones_surtidores') === 0 &&
        metricValue(t, 'estacion_conexiones_empresa') === 0 &&
        (metricValue(t, 'estacion_clientes_ws') ?? 0) === 0
      );
    });
    expect(mem.peak).toBeLessThan(RSS_BOUND);
    // The station still works: a pump registers.
    const pump = await FuzzPeer.connect(s.pumpPort);
    opened.push(pump.socket);
    pump.expectReply('registro_confirmado');
    await pump.write([Buffer.from(JSON.stringify(validRegistro(3)))]);
    await pump.settle(10_000, 'registro after the churn');
  }, 90_000);

  it(`${NEW_IDS} registrations of new ids: --max-pumps ${MAX_PUMPS} caps the pumps, the rest are refused with LIMITE_EXCEDIDO`, async () => {
    const { s, token, pid } = await station({ 'max-pumps': String(MAX_PUMPS) });
    const rss = sampleRss(pid, 100);
    const fdsBefore = fdCount(pid);
    const answers: Record<string, number> = {};
    const kept: net.Socket[] = [];
    for (let i = 0; i < NEW_IDS; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, NEW_IDS - i) }, async (_, k) => {
          const x = await rawSocket(s.pumpPort);
          x.socket.write(`${JSON.stringify(validRegistro(10_000 + i + k))}\n`);
          await new Promise<void>((resolve) => {
            const check = () => {
              if (x.lines.length > 0) resolve();
              else x.socket.once('data', check);
            };
            check();
            void x.closed.then(() => resolve());
          });
          const m = JSON.parse(x.lines[0] ?? '{}') as { tipo?: string; codigo?: string };
          const key = `${m.tipo}${m.codigo ? ` ${m.codigo}` : ''}`;
          answers[key] = (answers[key] ?? 0) + 1;
          if (m.tipo === 'registro_rechazado') await x.closed;
          else kept.push(x.socket);
        }),
      );
    }
    const mem = rss.stop();
    const pumps = await s.request<unknown[]>('/api/surtidores?limit=1000');
    const text = await metrics(s, token);
    console.log(
      `abuse new ids: ${JSON.stringify(answers)}; pumps stored ${pumps.length}; refusals metric ${metricValue(text, 'estacion_registros_rechazados_total{codigo="LIMITE_EXCEDIDO"}')}; fds ${fdsBefore} → ${fdCount(pid)} with ${kept.length} registered open; RSS ${mib(mem.before)} → peak ${mib(mem.peak)} → ${mib(mem.after)}`,
    );
    expect(answers).toEqual({
      registro_confirmado: MAX_PUMPS,
      'registro_rechazado LIMITE_EXCEDIDO': NEW_IDS - MAX_PUMPS,
    });
    expect(pumps).toHaveLength(MAX_PUMPS);
    expect(metricValue(text, 'estacion_registros_rechazados_total{codigo="LIMITE_EXCEDIDO"}')).toBe(
      NEW_IDS - MAX_PUMPS,
    );
    // A known pump still registers when the cap is reached.
    for (const k of kept) k.destroy();
    const again = await FuzzPeer.connect(s.pumpPort);
    opened.push(again.socket);
    again.expectReply('registro_confirmado');
    await again.write([Buffer.from(JSON.stringify(validRegistro(10_000)))]);
    await again.settle(10_000, 'a known pump at the cap');
    expect(mem.peak).toBeLessThan(RSS_BOUND);
  }, 90_000);

  it('dashboards past --max-ws-clients 5 are closed at once with 1013, and the ones in keep receiving', async () => {
    const { s, token } = await station({ 'max-ws-clients': '5' });
    const inside = await Promise.all(Array.from({ length: 5 }, () => RawWs.open(s.wsPort, token)));
    await Promise.all(inside.map((c) => c.until(() => c.count('snapshot') === 1, 'snapshot')));
    const extra = await Promise.all(Array.from({ length: 20 }, () => RawWs.open(s.wsPort, token)));
    await Promise.all(extra.map((c) => c.closed));
    expect(extra.map((c) => c.closeCode)).toEqual(Array.from({ length: 20 }, () => 1013));
    expect(extra.every((c) => c.count('snapshot') === 0)).toBe(true);
    // An event reaches the five inside.
    const pump = await FuzzPeer.connect(s.pumpPort);
    opened.push(pump.socket);
    pump.expectReply('registro_confirmado');
    await pump.write([Buffer.from(JSON.stringify(validRegistro(9)))]);
    await pump.settle();
    await Promise.all(inside.map((c) => c.until(() => c.count('surtidor_conectado') === 1, 'surtidor_conectado')));
    expect(metricValue(await metrics(s, token), 'estacion_clientes_ws_rechazados_total{motivo="limite"}')).toBe(20);
    await Promise.all(inside.map((c) => c.close()));
  });
});
