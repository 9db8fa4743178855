/**
 * The pump port under 100,000 hostile lines (seeded; FUZZ_SEED replays a run): random bytes,
 * truncated and deeply nested JSON, extreme numbers in every numeric field, wrong types, prototype
 * keys, over-long lines, and valid messages with impossible values, spread over registered,
 * unregistered and over-long connections of a real station process. Every line is answered as the
 * protocol says (its documented error, or its normal answer), the process stays healthy with its
 * memory bounded, every read route still answers, and the store holds only valid records.
 */
import { errorMensaje, parseLine, pumpToStation, transaccionCompletada, WIRE_ERROR_CODES } from '@combustible/shared';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TANQUES_DEMO } from '../estacion/src/app/tank-service.js';
import { STATION_ROUTES } from '../estacion/src/http/access.js';
import { alerta, estadoSurtidor, surtidor, transaccion } from '../estacion/src/http/schemas.js';
import { FuzzPeer, type Json } from './helpers/fuzz-peer.js';
import {
  EXTREME_NUMBERS,
  fuzzSeed,
  hostileLine,
  impossible,
  lineAsServerSeesIt,
  type Msg,
  NUMERIC_FIELDS,
  overlongLine,
  PUMP_TIPOS,
  pumpMessage,
  Raw,
  replay,
  Rng,
  toJson,
  validPumpMessage,
  validRegistro,
  withField,
} from './helpers/hostile.js';
import { documentedCodes, fdCount, getJson, getRoutes, MiB, mib, readAll, sampleRss } from './helpers/probes.js';
import { removeTempDirs, type StationProcess, startStationProcess } from './helpers/processes.js';

const FILE = 'tests/fuzz-pump.test.ts';
const SEED = fuzzSeed(20_260_110);
const TOTAL_LINES = 100_000;
const REGISTERED = 16;
const PER_REGISTERED = 6_000;
const UNREGISTERED = 2;
const PER_UNREGISTERED = 1_500;
const OVERLONG = 100;
const PER_OVERLONG = 10; // the last one over the limit
const MAX_LINE = 64 * 1024;
const BATCH = 500;
const RSS_BOUND = 400 * MiB;
const FIRST_ID = 7001;

const running: StationProcess[] = [];
const peers: FuzzPeer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.destroy()));
  await Promise.all(running.splice(0).map((s) => s.stop('SIGKILL')));
});
afterAll(removeTempDirs);

/** Codes a peer may be sent: in the registry and in docs/protocol.md. */
const DOCUMENTED = new Set(
  [...documentedCodes('docs/protocol.md', /^## Error codes/)].filter((c) => (WIRE_ERROR_CODES as string[]).includes(c)),
);

const PUSHES = new Set(['actualizacion_precios', 'solicitud_estado', 'comando']);
const peerOptions = {
  unsolicited: (m: Json) => PUSHES.has(String(m.tipo)),
  replies: { venta: ['transaccion_confirmada'], registro: ['registro_confirmado'] },
};

async function connect(port: number): Promise<FuzzPeer> {
  const p = await FuzzPeer.connect(port, peerOptions);
  peers.push(p);
  return p;
}

/**
 * What the station must answer to one line of a connection registered as `own` (or not yet
 * registered: `own` null), by the protocol: a bad line its error; a valid message from the wrong
 * pump ID_NO_COINCIDE, before `registro` NO_REGISTRADO; a sale one answer; a `registro` of the same
 * pump its confirmation. Returns false for a line the caller must not send (a `registro` that
 * would register an unregistered connection: that connection tests the unregistered state).
 */
function due(peer: FuzzPeer, own: number | null, bytes: Buffer): boolean {
  const text = lineAsServerSeesIt(bytes);
  if (text === null) return true;
  const parsed = parseLine(text, pumpToStation);
  if (!parsed.ok) {
    peer.expectError(parsed.error.codigo);
    return true;
  }
  const m = parsed.message;
  if (m.tipo === 'registro') {
    if (own === null) return false;
    if (m.id_surtidor !== own) peer.expectError('ID_NO_COINCIDE');
    else peer.expectReply('registro');
    return true;
  }
  // (ext) Gauge messages: never on a pump's connection; a reading before registro_medidor is unregistered.
  if (m.tipo === 'registro_medidor' || m.tipo === 'lectura_tanque') {
    if (own !== null) peer.expectError('ID_NO_COINCIDE');
    else if (m.tipo === 'lectura_tanque') peer.expectError('NO_REGISTRADO');
    else return false;
    return true;
  }
  if (own === null) peer.expectError('NO_REGISTRADO');
  else if (m.id_surtidor !== own) peer.expectError('ID_NO_COINCIDE');
  else if (m.tipo === 'transaccion_completada') peer.expectReply('venta');
  return true;
}

/** Extreme numbers in every numeric field of every message a pump sends, and every impossible value. */
function sweep(rng: Rng, id: number): Buffer[] {
  const lines: Buffer[] = [];
  let n = 0;
  for (const tipo of PUMP_TIPOS) {
    for (const field of NUMERIC_FIELDS[tipo] ?? []) {
      for (const x of EXTREME_NUMBERS) {
        const base = pumpMessage(rng, tipo, id, 900_000 + n++);
        lines.push(Buffer.from(toJson(withField(base, field, new Raw(x)))));
      }
    }
    for (let i = 0; i < 12; i++) lines.push(Buffer.from(impossible(rng, pumpMessage(rng, tipo, id, 900_000 + n++))));
  }
  return lines;
}

function lineFor(rng: Rng, id: number, counter: { n: number }): Buffer {
  return hostileLine(rng, () => validPumpMessage(rng, id, counter.n++), MAX_LINE - 1).bytes;
}

/** A registered connection: `registro`, then `count` lines in batches, each batch answered before the next. */
async function registeredRun(port: number, rng: Rng, id: number, count: number, prefix: Buffer[]): Promise<FuzzPeer> {
  const peer = await connect(port);
  const reg = Buffer.from(JSON.stringify(validRegistro(id)));
  due(peer, id, reg);
  await peer.write([reg]);
  await peer.settle(10_000, `pump ${id} registro`);
  const counter = { n: 0 };
  let sent = 1;
  const queue = [...prefix];
  while (sent < count) {
    const batch: Buffer[] = [];
    while (batch.length < BATCH && sent < count) {
      const line = queue.shift() ?? lineFor(rng, id, counter);
      due(peer, id, line);
      batch.push(line);
      sent++;
    }
    await peer.write(batch);
    await peer.settle(30_000, `pump ${id}`);
  }
  return peer;
}

async function unregisteredRun(port: number, rng: Rng, count: number): Promise<FuzzPeer> {
  const peer = await connect(port);
  const counter = { n: 0 };
  let sent = 0;
  while (sent < count) {
    const batch: Buffer[] = [];
    while (batch.length < BATCH && sent < count) {
      const line = lineFor(rng, FIRST_ID + rng.int(0, REGISTERED - 1), counter);
      if (!due(peer, null, line)) continue;
      batch.push(line);
      sent++;
    }
    await peer.write(batch);
    await peer.settle(30_000, 'unregistered connection');
  }
  return peer;
}

/** `count - 1` hostile lines, then one over the limit: its error, then the close. */
async function overlongRun(port: number, rng: Rng, count: number): Promise<FuzzPeer> {
  const peer = await connect(port);
  const counter = { n: 0 };
  const lines: Buffer[] = [];
  while (lines.length < count - 1) {
    const line = lineFor(rng, FIRST_ID, counter);
    if (due(peer, null, line)) lines.push(line);
  }
  lines.push(overlongLine(rng, MAX_LINE));
  peer.expectError('LINEA_DEMASIADO_LARGA');
  await peer.write(lines);
  await peer.closed;
  return peer;
}

function checkAnswers(peer: FuzzPeer, label: string): string[] {
  const problems = peer.verdict().map((p) => `${label}: ${p}`);
  for (const m of peer.received) {
    if (m.tipo !== 'error') continue;
    if (!DOCUMENTED.has(String(m.codigo))) problems.push(`${label}: undocumented code ${String(m.codigo)}`);
    if (!errorMensaje.safeParse(m).success)
      problems.push(`${label}: error out of shape ${JSON.stringify(m).slice(0, 200)}`);
  }
  return problems;
}

const YEAR_MS = 365 * 24 * 3_600_000;
/** Why a stored sale could not be a real one (beyond its schema), or null. */
function implausibleSale(t: Record<string, unknown>): string | null {
  for (const f of ['fecha_inicio', 'fecha_fin', 'recibida']) {
    const ms = Date.parse(String(t[f]));
    if (!Number.isFinite(ms) || ms < Date.UTC(2000, 0, 1) || ms > Date.now() + YEAR_MS)
      return `${f} ${String(t[f])} is not a plausible date`;
  }
  for (const f of [
    'litros',
    'precio_por_litro',
    'monto_total',
    'secuencia',
    'version_precios',
    'totalizador_inicio',
    'totalizador_fin',
  ]) {
    const v = t[f];
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > Number.MAX_SAFE_INTEGER))
      return `${f} ${JSON.stringify(v)} is out of range`;
  }
  return null;
}

/** A stored sale as the pump would have sent it, checked against the wire schema. */
function asWire(t: Record<string, unknown>): Msg {
  const wire: Msg = { tipo: 'transaccion_completada' };
  for (const f of [
    'id_surtidor',
    'tipo_combustible',
    'litros',
    'precio_por_litro',
    'monto_total',
    'metodo_pago',
    'fecha_inicio',
    'fecha_fin',
    'estado',
    'operador',
    'secuencia',
    'version_precios',
    'totalizador_inicio',
    'totalizador_fin',
  ]) {
    if (t[f] !== null && t[f] !== undefined) wire[f] = t[f];
  }
  if (t.id_derivado === false) wire.id_transaccion = t.id_transaccion;
  return wire;
}

function storeProblems(
  txs: Record<string, unknown>[],
  alerts: Record<string, unknown>[],
  pumps: Record<string, unknown>[],
  where: string,
): string[] {
  const problems: string[] = [];
  for (const t of txs) {
    const s = transaccion.safeParse(t);
    if (!s.success) problems.push(`${where} sale ${String(t.id_transaccion)}: ${s.error.message.slice(0, 300)}`);
    const w = transaccionCompletada.safeParse(asWire(t));
    if (!w.success)
      problems.push(
        `${where} sale ${String(t.id_transaccion)} breaks the wire schema: ${w.error.message.slice(0, 300)}`,
      );
    const why = implausibleSale(t);
    if (why) problems.push(`${where} sale ${String(t.id_transaccion)}: ${why}`);
  }
  for (const a of alerts) {
    const s = alerta.safeParse(a);
    if (!s.success) problems.push(`${where} alert ${String(a.id)}: ${s.error.message.slice(0, 300)}`);
  }
  for (const p of pumps) {
    const id = Number(p.id_surtidor);
    if (!(id >= FIRST_ID && id < FIRST_ID + REGISTERED)) problems.push(`${where}: a pump nobody registered: ${id}`);
  }
  return problems;
}

describe(`pump port fuzz, seed ${SEED}`, () => {
  it(`${TOTAL_LINES} hostile lines over ${REGISTERED + UNREGISTERED + OVERLONG} connections: every line answered as documented, memory bounded, reads and store intact`, async () => {
    expect(REGISTERED * PER_REGISTERED + UNREGISTERED * PER_UNREGISTERED + OVERLONG * PER_OVERLONG).toBe(TOTAL_LINES);
    const s = await startStationProcess({
      flags: { 'max-bad-lines': '1000000', 'rate-limit': '100000', 'registration-timeout': '300' },
    });
    running.push(s);
    const pid = s.proc.pid as number;
    const token = await s.login();
    const fdsBefore = fdCount(pid);
    const rss = sampleRss(pid);
    const rng = new Rng(SEED);
    const started = Date.now();

    const runs: Promise<FuzzPeer>[] = [];
    for (let i = 0; i < REGISTERED; i++) {
      const id = FIRST_ID + i;
      const r = rng.fork(i);
      runs.push(registeredRun(s.pumpPort, r, id, PER_REGISTERED, i === 0 ? sweep(r, id) : []));
    }
    for (let i = 0; i < UNREGISTERED; i++) runs.push(unregisteredRun(s.pumpPort, rng.fork(100 + i), PER_UNREGISTERED));
    const overlong = (async () => {
      const done: FuzzPeer[] = [];
      for (let g = 0; g < OVERLONG; g += 20) {
        done.push(
          ...(await Promise.all(
            Array.from({ length: Math.min(20, OVERLONG - g) }, (_, k) =>
              overlongRun(s.pumpPort, rng.fork(1000 + g + k), PER_OVERLONG),
            ),
          )),
        );
      }
      return done;
    })();

    let finished: FuzzPeer[];
    try {
      finished = [...(await Promise.all(runs)), ...(await overlong)];
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${replay(SEED, FILE)}`);
    }
    const elapsed = Date.now() - started;
    const mem = rss.stop();
    const sentLines = finished.reduce((n, p) => n + p.linesSent, 0);
    const sentBytes = finished.reduce((n, p) => n + p.bytesSent, 0);
    const answers = finished.reduce((n, p) => n + p.received.length, 0);
    console.log(
      `fuzz-pump seed ${SEED}: ${sentLines} lines (${mib(sentBytes)}) in ${elapsed} ms, ${answers} answers; station RSS ${mib(mem.before)} → peak ${mib(mem.peak)} → ${mib(mem.after)}; fds ${fdsBefore} before`,
    );
    expect(sentLines).toBe(TOTAL_LINES);

    // Every line got what the protocol says, with a documented code.
    const problems = finished.flatMap((p, i) => checkAnswers(p, `connection ${i}`));
    expect(problems, replay(SEED, FILE)).toEqual([]);
    // The over-long lines closed their connections; the others are still open.
    expect(
      finished.slice(0, REGISTERED + UNREGISTERED).every((p) => !p.isClosed),
      replay(SEED, FILE),
    ).toBe(true);
    expect(mem.peak, `peak RSS ${mib(mem.peak)}`).toBeLessThan(RSS_BOUND);

    // Every stored record, through the API, page by page: sales, alerts, pumps and their states.
    const txs = await readAll(s.api, '/api/transacciones', token);
    const total = txs.length;
    // Alive, and every read route answers (path parameters: a pump and a sale that exist).
    const health = await getJson(s.api, '/health', token);
    expect(health.status).toBe(200);
    const sample = txs[0] ?? { id_surtidor: FIRST_ID, id_transaccion: 'ninguna' };
    const params: Record<string, string> = {
      id: String(FIRST_ID),
      id_surtidor: String(sample.id_surtidor),
      id_transaccion: String(sample.id_transaccion),
    };
    // (ext) A tank with the pump's id, so the tank routes have one to read.
    await s.request('/api/tanques', 'POST', { ...TANQUES_DEMO[0], id_tanque: FIRST_ID });
    // A close of the last day (over whatever the fuzz stored), so the close routes have one to read.
    const cierre = await s.request<{ id_cierre: string }>('/api/cierres', 'POST', {
      desde: new Date(Date.now() - 86_400_000).toISOString(),
      hasta: new Date().toISOString(),
    });
    params.id_cierre = cierre.id_cierre;
    const reads = getRoutes(STATION_ROUTES, (p) => params[p] ?? p);
    const failing: string[] = [];
    for (const path of reads) {
      const r = await getJson(s.api, path, token);
      if (r.status !== 200) failing.push(`${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      // A prototype key sent by a pump never turns into a property of what the station serves.
      if (JSON.stringify(r.body).includes('contaminado')) failing.push(`${path}: serves a polluted property`);
    }
    expect.soft(failing, `${replay(SEED, FILE)}\n${errorLogs(s)}`).toEqual([]);

    const alerts = await readAll(s.api, '/api/alertas', token);
    const pumps = await readAll(s.api, '/api/surtidores', token);
    const apiProblems = storeProblems(txs, alerts, pumps, 'API');
    for (let i = 0; i < REGISTERED; i++) {
      const st = await getJson(s.api, `/api/surtidores/${FIRST_ID + i}/estado`, token);
      const parsed = estadoSurtidor.safeParse(st.body);
      if (!parsed.success) apiProblems.push(`state of ${FIRST_ID + i}: ${parsed.error.message.slice(0, 300)}`);
    }
    expect.soft(apiProblems.slice(0, 20), replay(SEED, FILE)).toEqual([]);
    expect.soft(pumps.length).toBe(REGISTERED);

    // Every sale confirmed as new is stored once; every new conflicting version is kept beside it.
    const stored = new Set(txs.map((t) => `${String(t.id_surtidor)}/${String(t.id_transaccion)}`));
    const saleAnswers = finished
      .slice(0, REGISTERED)
      .flatMap((p, i) =>
        p.received
          .filter((m) => m.tipo === 'transaccion_confirmada' && m.duplicada === false)
          .map((m) => ({ key: `${FIRST_ID + i}/${String(m.id_transaccion)}`, conflicto: m.conflicto === true })),
      );
    const confirmed = saleAnswers.filter((a) => !a.conflicto).map((a) => a.key);
    expect.soft(confirmed.filter((id) => !stored.has(id))).toEqual([]);
    expect
      .soft(
        confirmed.filter((id, i) => confirmed.indexOf(id) !== i),
        'confirmed as new twice',
      )
      .toEqual([]);
    expect.soft(stored.size).toBe(confirmed.length);
    const conflicts = await readAll(s.api, '/api/conflictos', token);
    expect.soft(conflicts.length, 'conflicting versions kept').toBe(saleAnswers.filter((a) => a.conflicto).length);

    await Promise.all(peers.splice(0).map((p) => p.destroy()));
    // The store itself, read after a clean stop: the same records, every one valid.
    expect(await s.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    running.splice(running.indexOf(s), 1);
    const { SqliteStore } = await import('../estacion/src/store/sqlite-store.js');
    const store = new SqliteStore({ dataDir: s.dataDir });
    await store.setup();
    try {
      const all: Record<string, unknown>[] = [];
      for (let skip = 0; ; skip += 1000) {
        const page = await store.listTransactions({ limit: 1000, skip });
        all.push(...(page.items as unknown as Record<string, unknown>[]));
        if (page.items.length < 1000) break;
      }
      const storedAlerts = (await store.listAlerts({ limit: 1_000_000 })) as unknown as Record<string, unknown>[];
      const storedPumps = (await store.listPumps()) as unknown as Record<string, unknown>[];
      expect.soft(all).toHaveLength(total);
      expect.soft(storedAlerts).toHaveLength(alerts.length);
      const sp = storeProblems(all, storedAlerts, storedPumps, 'store');
      for (const p of storedPumps) {
        const parsed = surtidor.omit({ estado: true, estado_conexion: true, version_precios: true }).safeParse(p);
        if (!parsed.success) sp.push(`store pump ${String(p.id_surtidor)}: ${parsed.error.message.slice(0, 300)}`);
      }
      for (const st of await store.listStates()) {
        if (!Number.isFinite(st.litros_actuales) || !Number.isSafeInteger(st.monto_actual))
          sp.push(`store state ${st.id_surtidor}: ${JSON.stringify(st)}`);
      }
      expect.soft(sp.slice(0, 20), replay(SEED, FILE)).toEqual([]);
    } finally {
      await store.close();
    }
  }, 150_000);

  it(`default limits still close abusive connections (seed ${SEED}): 21st bad line, over-long line, message flood`, async () => {
    const s = await startStationProcess();
    running.push(s);
    const rng = new Rng(SEED ^ 0x5a5a);

    // Five connections of bad lines: 20 answered, the 21st answered and the connection closed.
    await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        const peer = await connect(s.pumpPort);
        const r = rng.fork(i);
        const lines: Buffer[] = [];
        while (lines.length < 25) {
          const line = lineFor(r, FIRST_ID, { n: 0 });
          const text = lineAsServerSeesIt(line);
          if (text === null || parseLine(text, pumpToStation).ok) continue;
          lines.push(line);
        }
        for (const l of lines.slice(0, 21)) due(peer, null, l);
        peer.expectError('LIMITE_EXCEDIDO');
        await peer.write(lines);
        await peer.closed;
        const problems = checkAnswers(peer, `bad-line connection ${i}`);
        expect(problems, replay(SEED, FILE)).toEqual([]);
        expect(peer.received.at(-1)).toMatchObject({ tipo: 'error', codigo: 'LIMITE_EXCEDIDO' });
        expect(peer.received.filter((m) => m.tipo === 'error')).toHaveLength(22);
      }),
    );

    // One line over 64 KiB: answered, then closed.
    const long = await connect(s.pumpPort);
    await long.write([overlongLine(rng, MAX_LINE)]);
    await long.closed;
    expect(long.received).toEqual([expect.objectContaining({ tipo: 'error', codigo: 'LINEA_DEMASIADO_LARGA' })]);

    // 2,000 messages at once from a registered pump: the excess is dropped with a warning, the
    // connection stays, and a sale still goes through once the bucket refills.
    const flood = await connect(s.pumpPort);
    await flood.write([Buffer.from(JSON.stringify(validRegistro(FIRST_ID)))]);
    await expectMessage(flood, (m) => m.tipo === 'registro_confirmado');
    const beat = Buffer.from(
      JSON.stringify({ tipo: 'heartbeat', id_surtidor: FIRST_ID, timestamp: new Date().toISOString() }),
    );
    await flood.write(Array.from({ length: 2000 }, () => beat));
    await expectMessage(flood, (m) => m.tipo === 'error' && m.codigo === 'LIMITE_EXCEDIDO');
    const venta = JSON.stringify(validSaleFor(FIRST_ID));
    const deadline = Date.now() + 10_000;
    let confirmed = false;
    while (!confirmed && Date.now() < deadline) {
      await flood.write([Buffer.from(venta)]);
      confirmed = await expectMessage(flood, (m) => m.tipo === 'transaccion_confirmada', 300).then(
        () => true,
        () => false,
      );
    }
    expect(confirmed).toBe(true);
    expect(flood.isClosed).toBe(false);
  });
});

/** The station's error log lines, for failure messages. */
function errorLogs(s: StationProcess): string {
  return s.logs
    .filter((e) => Number(e.level) >= 50 || /error/i.test(String(e.msg)))
    .slice(-5)
    .map((e) => JSON.stringify(e).slice(0, 1500))
    .join('\n');
}

function validSaleFor(id: number): Msg {
  return {
    tipo: 'transaccion_completada',
    id_surtidor: id,
    id_transaccion: 'limite-1',
    tipo_combustible: '95',
    litros: 10,
    precio_por_litro: 1350,
    monto_total: 13500,
    metodo_pago: 'efectivo',
    fecha_inicio: new Date(Date.now() - 120_000).toISOString(),
    fecha_fin: new Date(Date.now() - 60_000).toISOString(),
  };
}

/** Resolves when a message matching `match` has arrived on `peer` (already or later). */
function expectMessage(peer: FuzzPeer, match: (m: Json) => boolean, timeoutMs = 10_000): Promise<Json> {
  const seen = peer.received.length;
  return new Promise((resolve, reject) => {
    const found = peer.received.find(match);
    if (found) {
      resolve(found);
      return;
    }
    const onData = () => {
      const m = peer.received.slice(seen).find(match);
      if (m) {
        cleanup();
        resolve(m);
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no matching message in ${timeoutMs} ms; got ${JSON.stringify(peer.received.slice(-5))}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      peer.socket.off('data', onData);
    };
    // Listeners run in order: the peer's own decoder (added first) has parsed the chunk already.
    peer.socket.on('data', onData);
  });
}
