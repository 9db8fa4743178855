/**
 * The station's WebSocket port under hostile clients (seeded; FUZZ_SEED replays a run): bad
 * upgrade requests (no session, a wrong Origin, garbage instead of HTTP, huge headers), random
 * frames from logged-in clients, and clients that never read. The station stays healthy with its
 * memory bounded, and a well-behaved client keeps receiving every event meanwhile.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { eventually } from './helpers/empresa.js';
import { FuzzPeer } from './helpers/fuzz-peer.js';
import { fuzzSeed, hostileString, replay, Rng, validRegistro, validSale } from './helpers/hostile.js';
import { getJson, MiB, metricValue, mib, sampleRss } from './helpers/probes.js';
import { removeTempDirs, type StationProcess, startStationProcess } from './helpers/processes.js';
import { closeFrame, frame, RawWs } from './helpers/ws-raw.js';

const FILE = 'tests/fuzz-ws.test.ts';
const SEED = fuzzSeed(20_260_410);
const BAD_UPGRADES = 300;
const FRAME_CLIENTS = 40;
const FRAMES_PER_CLIENT = 30;
const RSS_BOUND = 400 * MiB;
const PUMP = 5001;

const running: StationProcess[] = [];
const sockets: { destroy(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.destroy()));
  await Promise.all(running.splice(0).map((s) => s.stop('SIGKILL')));
});
afterAll(removeTempDirs);

async function station(flags: Record<string, string> = {}): Promise<{ s: StationProcess; token: string }> {
  const s = await startStationProcess({ flags: { 'rate-limit': '100000', ...flags } });
  running.push(s);
  return { s, token: await s.login() };
}

async function wsClients(s: StationProcess, token: string): Promise<number | undefined> {
  const r = await getJson(s.api, '/metrics', token);
  return metricValue(String(r.body), 'estacion_clientes_ws');
}

/** A registered pump that sells on demand; each sale is a `transaccion` event for every dashboard. */
async function sellingPump(s: StationProcess): Promise<{ sell(n: number): Promise<number>; peer: FuzzPeer }> {
  const peer = await FuzzPeer.connect(s.pumpPort, {
    replies: { venta: ['transaccion_confirmada'], registro: ['registro_confirmado'] },
  });
  sockets.push(peer);
  peer.expectReply('registro');
  await peer.write([Buffer.from(JSON.stringify(validRegistro(PUMP)))]);
  await peer.settle(10_000, 'registro');
  const rng = new Rng(7);
  let n = 0;
  return {
    peer,
    /** Sells `count` new sales (with long operator names, for bigger events); resolves with how many were stored. */
    async sell(count: number) {
      const lines: Buffer[] = [];
      for (let i = 0; i < count; i++) {
        lines.push(Buffer.from(JSON.stringify({ ...validSale(rng, PUMP, n++), operador: 'o'.repeat(100) })));
        peer.expectReply('venta');
      }
      await peer.write(lines);
      await peer.settle(30_000, 'sales');
      return peer.received.filter((m) => m.tipo === 'transaccion_confirmada' && m.duplicada === false).length;
    },
  };
}

/** The `codigo` of an error body, or what the body was instead. */
function codigoOf(body: string): string {
  try {
    return String((JSON.parse(body) as { error?: { codigo?: unknown } }).error?.codigo);
  } catch {
    return `(not JSON: ${body.slice(0, 100)})`;
  }
}

type BadUpgrade = { kind: string; raw?: Buffer; headers?: Record<string, string> };

function badUpgrade(rng: Rng, token: string): BadUpgrade {
  switch (rng.int(0, 9)) {
    case 0:
      return { kind: 'sin sesión', headers: {} };
    case 1:
      return {
        kind: 'token falso',
        headers: { Authorization: `Bearer ${hostileString(rng, 80).replace(/[^\x20-\x7e]/g, 'x')}` },
      };
    case 2:
      return { kind: 'cookie falsa', headers: { Cookie: `sesion=${'z'.repeat(rng.int(0, 300))}` } };
    case 3:
      return {
        kind: 'origen ajeno',
        headers: {
          Authorization: `Bearer ${token}`,
          Origin: rng.pick([
            'https://evil.example',
            'null',
            'http://127.0.0.1.evil.example',
            'file://',
            'https://[::1]:1',
          ]),
        },
      };
    case 4: {
      const b = rng.bytes(rng.int(1, 2000));
      return { kind: 'bytes', raw: b };
    }
    case 5:
      return {
        kind: 'cabeceras enormes',
        headers: { Authorization: `Bearer ${token}`, 'X-Relleno': 'a'.repeat(rng.int(17_000, 60_000)) },
      };
    case 6:
      return {
        kind: 'muchas cabeceras',
        headers: Object.fromEntries(Array.from({ length: rng.int(100, 3000) }, (_, i) => [`X-H${i}`, 'v'])),
      };
    case 7: {
      // With a valid session: a handshake a server must refuse, or one with options it may ignore.
      const [broken, mayUpgrade] = rng.pick([
        [{ 'Sec-WebSocket-Version': '99' }, false],
        [{ 'Sec-WebSocket-Version': '8' }, true], // hybi-08, which ws still speaks
        [{ 'Sec-WebSocket-Key': '' }, false],
        [{ 'Sec-WebSocket-Key': 'no-es-base64' }, false],
        [{ Upgrade: '' }, false],
        [{ Upgrade: 'h2c' }, false],
        [{ Connection: 'keep-alive' }, false],
        [{ 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits=0' }, true],
        [{ 'Sec-WebSocket-Protocol': 'a, a, ,' }, true],
      ] as const);
      return {
        kind: mayUpgrade ? 'opciones extrañas' : 'handshake roto',
        headers: { Authorization: `Bearer ${token}`, ...broken },
      };
    }
    case 8:
      return {
        kind: 'HTTP roto',
        raw: Buffer.from(
          rng.pick([
            'GET / HTTP/1.1\r\n\r\n',
            'GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n',
            'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\nabc',
            'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n',
            'GET / HTTP/9.9\r\n\r\n',
            'GET\r\n\r\n',
            `GET /${'a'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
            'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
            'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
          ]),
        ),
      };
    default:
      return {
        kind: 'sesión válida por cookie, otro camino',
        raw: Buffer.from(
          `GET /otra HTTP/1.1\r\nHost: x\r\nCookie: sesion=${token}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        ),
      };
  }
}

/** One random frame a logged-in client could send, mostly one a server must refuse. */
function randomFrame(rng: Rng): Buffer {
  switch (rng.int(0, 13)) {
    case 0:
      return frame({ opcode: 0x1, payload: hostileString(rng, 500) });
    case 1:
      return frame({ opcode: 0x2, payload: rng.bytes(rng.int(0, 3000)) });
    case 2:
      return frame({ opcode: 0x1, payload: 'x'.repeat(rng.int(4097, 70_000)) }); // over maxPayload
    case 3:
      return frame({ opcode: 0x1, payload: 'sin máscara', mask: false });
    case 4:
      return frame({ opcode: rng.pick([0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf]), payload: 'reservado' });
    case 5:
      return frame({ opcode: 0x1, payload: 'rsv', rsv: rng.int(1, 7) });
    case 6:
      return frame({ opcode: 0x9, payload: rng.bytes(rng.int(126, 300)) }); // control frame too long
    case 7:
      return frame({ opcode: 0x9, payload: 'frag', fin: false }); // fragmented control frame
    case 8:
      return frame({ opcode: 0x1, payload: Buffer.from([0xc3, 0x28, 0xff, 0xfe]) }); // invalid UTF-8
    case 9:
      return frame({ opcode: 0x0, payload: 'continuación sin inicio' });
    case 10:
      return Buffer.concat(Array.from({ length: rng.int(1, 50) }, () => frame({ opcode: 0x9, payload: 'ping' })));
    case 11:
      return frame({ opcode: 0x8, payload: Buffer.from([0x03, 0xe7]) }); // close with code 999
    case 12:
      return rng.bytes(rng.int(1, 200));
    default:
      return frame({
        opcode: 0x1,
        payload: JSON.stringify({ tipo: 'comando', comando: 'detener_emergencia', id_surtidor: PUMP }),
      });
  }
}

describe(`WebSocket port fuzz, seed ${SEED}`, () => {
  it(`${BAD_UPGRADES} bad upgrade requests are refused without an upgrade, and the bridge keeps serving`, async () => {
    const { s, token } = await station();
    const rss = sampleRss(s.proc.pid as number);
    const rng = new Rng(SEED);
    const outcomes: Record<string, Record<number, number>> = {};
    const problems: string[] = [];
    for (let i = 0; i < BAD_UPGRADES; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, BAD_UPGRADES - i) }, async (_, k) => {
          const bad = badUpgrade(rng.fork(i + k), token);
          const r = await RawWs.handshake(s.wsPort, {
            ...(bad.raw ? { raw: bad.raw } : {}),
            ...(bad.headers ? { headers: bad.headers } : {}),
          });
          if (r.ws) await r.ws.destroy();
          (outcomes[bad.kind] ??= {})[r.status] = ((outcomes[bad.kind] ?? {})[r.status] ?? 0) + 1;
          if (r.status === 101 && bad.kind !== 'opciones extrañas')
            problems.push(
              `${bad.kind}: upgraded ${JSON.stringify(bad.headers ?? bad.raw?.toString().slice(0, 200)).slice(0, 300)}`,
            );
          if (r.status >= 500) problems.push(`${bad.kind}: ${r.status} ${r.body.slice(0, 200)}`);
          if (bad.kind === 'sin sesión' || bad.kind === 'token falso' || bad.kind === 'cookie falsa') {
            if (r.status !== 401 || codigoOf(r.body) !== 'NO_AUTENTICADO')
              problems.push(`${bad.kind}: ${r.status} ${r.body.slice(0, 200)}`);
          }
          if (bad.kind === 'origen ajeno' && (r.status !== 403 || codigoOf(r.body) !== 'ORIGEN_NO_PERMITIDO'))
            problems.push(`${bad.kind}: ${r.status} ${r.body.slice(0, 200)}`);
        }),
      );
    }
    const mem = rss.stop();
    console.log(
      `fuzz-ws bad upgrades seed ${SEED}: ${JSON.stringify(outcomes)}; RSS ${mib(mem.before)} → peak ${mib(mem.peak)} → ${mib(mem.after)}`,
    );
    expect(problems, replay(SEED, FILE)).toEqual([]);
    expect(mem.peak).toBeLessThan(RSS_BOUND);
    // Still serving: a good client gets its snapshot; nobody else is counted as connected.
    const good = await RawWs.open(s.wsPort, token);
    sockets.push(good);
    await good.until(() => good.count('snapshot') === 1, 'snapshot');
    expect(await wsClients(s, token)).toBe(1);
    expect((await getJson(s.api, '/health', token)).status).toBe(200);
  });

  it(`${FRAME_CLIENTS} logged-in clients send ${FRAMES_PER_CLIENT} random frames each while a dashboard keeps receiving every event`, async () => {
    const { s, token } = await station();
    const pump = await sellingPump(s);
    const watcher = await RawWs.open(s.wsPort, token);
    sockets.push(watcher);
    await watcher.until(() => watcher.count('snapshot') === 1, 'snapshot');
    const rss = sampleRss(s.proc.pid as number);
    const rng = new Rng(SEED ^ 0x99);
    const codes: Record<number, number> = {};
    let sold = 0;
    for (let g = 0; g < FRAME_CLIENTS; g += 10) {
      const group = await Promise.all(Array.from({ length: 10 }, () => RawWs.open(s.wsPort, token)));
      sockets.push(...group);
      await Promise.all(
        group.map(async (c, k) => {
          const r = rng.fork(g + k);
          for (let f = 0; f < FRAMES_PER_CLIENT && !c.isClosed; f++) c.send(randomFrame(r));
          // A last, proper close: whatever state the connection is in, it ends.
          c.send(closeFrame(1000));
          c.socket.end();
          await c.closed;
          codes[c.closeCode ?? 0] = (codes[c.closeCode ?? 0] ?? 0) + 1;
        }),
      );
      sold = await pump.sell(100);
    }
    await watcher.until(() => watcher.count('transaccion') === sold, `the dashboard got all ${sold} sales`);
    const mem = rss.stop();
    console.log(
      `fuzz-ws frames seed ${SEED}: ${FRAME_CLIENTS * FRAMES_PER_CLIENT} frames, close codes ${JSON.stringify(codes)}; dashboard got ${watcher.count('transaccion')} of ${sold} sales; RSS ${mib(mem.before)} → peak ${mib(mem.peak)} → ${mib(mem.after)}`,
    );
    // Every code the server closed with is a protocol one (or the client's own close echoed).
    expect(
      Object.keys(codes)
        .map(Number)
        .filter((c) => ![0, 1000, 1002, 1007, 1009, 1005].includes(c)),
      replay(SEED, FILE),
    ).toEqual([]);
    expect(watcher.isClosed).toBe(false);
    expect(mem.peak).toBeLessThan(RSS_BOUND);
    await eventually('only the dashboard is counted', async () => (await wsClients(s, token)) === 1, 10_000, 100);
    expect((await getJson(s.api, '/health', token)).status).toBe(200);
  });

  it('3 clients that never read are dropped (1013, queued behind their backlog) while a dashboard keeps receiving every event; memory stays bounded', async () => {
    const { s, token } = await station();
    const pump = await sellingPump(s);
    const watcher = await RawWs.open(s.wsPort, token);
    sockets.push(watcher);
    await watcher.until(() => watcher.count('snapshot') === 1, 'snapshot');
    const sleepers = await Promise.all(Array.from({ length: 3 }, () => RawWs.open(s.wsPort, token)));
    sockets.push(...sleepers);
    await Promise.all(sleepers.map((c) => c.until(() => c.count('snapshot') === 1, 'snapshot')));
    for (const c of sleepers) c.stopReading();
    const rss = sampleRss(s.proc.pid as number);
    const started = Date.now();
    // Sell until the station has dropped the clients that do not read (there is no event for it
    // outside the station: its client gauge is read between batches).
    let sold = 0;
    let clients = await wsClients(s, token);
    while (clients !== 1 && Date.now() - started < 60_000) {
      sold = await pump.sell(500);
      clients = await wsClients(s, token);
    }
    const dropMs = Date.now() - started;
    await watcher.until(() => watcher.count('transaccion') === sold, `the dashboard got all ${sold} sales`, 30_000);
    const mem = rss.stop();
    for (const c of sleepers) c.resumeReading();
    await Promise.all(sleepers.map((c) => c.closed));
    console.log(
      `fuzz-ws sleepers: dropped after ${dropMs} ms and ${sold} sales (each ~${Math.round(sleepers[0]!.bytesReceived / Math.max(1, sleepers[0]!.count('transaccion')))} B); close codes seen by them ${JSON.stringify(sleepers.map((c) => c.closeCode))}; dashboard got ${watcher.count('transaccion')}; RSS ${mib(mem.before)} → peak ${mib(mem.peak)} → ${mib(mem.after)}`,
    );
    expect(clients).toBe(1);
    expect(watcher.isClosed).toBe(false);
    // A close frame that got through says 1013 (try again later); one stuck behind the unread backlog is cut with the connection.
    for (const c of sleepers) expect([1013, null]).toContain(c.closeCode);
    expect(mem.peak).toBeLessThan(RSS_BOUND);
    expect((await getJson(s.api, '/health', token)).status).toBe(200);
  }, 120_000);
});
