/**
 * Link 2 under hostile input, both ways (seeded; FUZZ_SEED replays a run):
 *  - a fake company on a real station's company port sends random bytes, broken and nested JSON,
 *    extreme numbers in every field, prototype keys, impossible versions and prices;
 *  - fake stations registered at a real company process answer its dials with the same.
 * Every bad line gets its documented error, valid lines their normal answer, both processes stay
 * healthy with bounded memory, every read route answers, and no price is poisoned: the station
 * holds only versions and prices the prices rule allows, and the company never records as
 * confirmed a version it did not make.
 */
import {
  companyToStation,
  errorMensaje,
  MAX_VERSION,
  parseLine,
  precioEnRango,
  stationToCompany,
  WIRE_ERROR_CODES,
} from '@combustible/shared';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { COMPANY_ROUTES } from '../empresa/src/http/access.js';
import { STATION_ROUTES } from '../estacion/src/http/access.js';
import { type CompanyProcess, startCompanyProcess } from './helpers/empresa.js';
import { FuzzPeer, FuzzServer, type Json } from './helpers/fuzz-peer.js';
import {
  EXTREME_NUMBERS,
  fuzzSeed,
  hostileLine,
  impossible,
  lineAsServerSeesIt,
  NUMERIC_FIELDS,
  overlongLine,
  Raw,
  replay,
  Rng,
  toJson,
  estacionInfo,
  priceUpdate,
  validCompanyMessage,
  validStationMessage,
  withField,
} from './helpers/hostile.js';
import { documentedCodes, getJson, getRoutes, MiB, mib, sampleRss } from './helpers/probes.js';
import { removeTempDirs, type ServiceProcess, type StationProcess, startStationProcess } from './helpers/processes.js';

const FILE = 'tests/fuzz-link2.test.ts';
const SEED = fuzzSeed(20_260_210);
const COMPANY_CONNECTIONS = 40;
const PER_COMPANY_CONNECTION = 90; // under the company port's burst of 100 messages
const FAKE_STATIONS = 6;
const DIALS_PER_STATION = 12;
const PER_DIAL = 40;
const MAX_LINE = 64 * 1024;
const RSS_BOUND = 400 * MiB;

const processes: ServiceProcess[] = [];
const peers: FuzzPeer[] = [];
const servers: FuzzServer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.destroy()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
});
afterAll(removeTempDirs);

const DOCUMENTED = new Set(
  [...documentedCodes('docs/protocol.md', /^## Error codes/)].filter((c) => (WIRE_ERROR_CODES as string[]).includes(c)),
);

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

/** Every GET route of `table` that answers other than 200; routes with a parameter not in `params` are left out. */
async function readRoutes(api: string, token: string, table: Record<string, unknown>, params: Record<string, string>) {
  const failing: string[] = [];
  const known = Object.fromEntries(
    Object.entries(table).filter(([k]) => [...k.matchAll(/:(\w+)/g)].every((m) => (m[1] as string) in params)),
  );
  for (const path of getRoutes(known, (p) => params[p] ?? p)) {
    const r = await getJson(api, path, token);
    if (r.status !== 200) failing.push(`${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  }
  return failing;
}

function errorLogs(p: ServiceProcess): string {
  return p.logs
    .filter((e) => Number(e.level) >= 50)
    .slice(-5)
    .map((e) => JSON.stringify(e).slice(0, 1500))
    .join('\n');
}

// ── a fake company on the station's company port ───────────────────────────────────────────────

const companyPeerOptions = {
  unsolicited: (m: Json) => m.tipo === 'estacion_info' || m.tipo === 'ping',
  replies: { precios: ['precios_recibidos'], pong: ['pong'] },
};

/** What the station must answer to one line from the company (null: the line gets no answer). */
function dueAtStation(peer: FuzzPeer, bytes: Buffer): void {
  const text = lineAsServerSeesIt(bytes);
  if (text === null) return;
  const parsed = parseLine(text, companyToStation);
  if (!parsed.ok) peer.expectError(parsed.error.codigo);
  else if (parsed.message.tipo === 'actualizacion_precios') peer.expectReply('precios');
  else if (parsed.message.tipo === 'ping') peer.expectReply('pong');
}

/** Extreme numbers in every numeric field of an `actualizacion_precios`, and impossible values. */
function companySweep(rng: Rng): Buffer[] {
  const lines: Buffer[] = [];
  for (const field of NUMERIC_FIELDS.actualizacion_precios ?? []) {
    for (const x of EXTREME_NUMBERS) lines.push(Buffer.from(toJson(withField(priceUpdate(rng, 5), field, new Raw(x)))));
  }
  for (let i = 0; i < 20; i++) lines.push(Buffer.from(impossible(rng, priceUpdate(rng, 5))));
  for (const field of NUMERIC_FIELDS.actualizacion_precios ?? []) {
    for (const x of ['1', '99', '100001', '1000000', '1000000001', '9007199254740991']) {
      lines.push(Buffer.from(toJson(withField(priceUpdate(rng, 5), field, new Raw(x)))));
    }
  }
  return lines;
}

// ── fake stations the company dials ────────────────────────────────────────────────────────────

const stationPeerOptions = {
  unsolicited: (m: Json) => ['actualizacion_precios', 'autenticacion', 'ping'].includes(String(m.tipo)),
  replies: { pong: ['pong'] },
};

/** What the company must answer to one line from a station; returns whether the line was bad. */
function dueAtCompany(peer: FuzzPeer, bytes: Buffer): boolean {
  const text = lineAsServerSeesIt(bytes);
  if (text === null) return false;
  const parsed = parseLine(text, stationToCompany);
  if (!parsed.ok) {
    peer.expectError(parsed.error.codigo);
    return true;
  }
  if (parsed.message.tipo === 'ping') peer.expectReply('pong');
  return false;
}

describe(`link 2 fuzz, seed ${SEED}`, () => {
  it(`a fake company sends ${COMPANY_CONNECTIONS * PER_COMPANY_CONNECTION} hostile lines over ${COMPANY_CONNECTIONS} connections: answered as documented, no price poisoned`, async () => {
    const s: StationProcess = await startStationProcess({ flags: { 'max-bad-lines': '1000000', id: 'fz-estacion' } });
    processes.push(s);
    const token = await s.login();
    const rss = sampleRss(s.proc.pid as number);
    const rng = new Rng(SEED);
    const finished: FuzzPeer[] = [];
    let sweep = companySweep(rng.fork(99));
    let version = 1;
    const started = Date.now();
    for (let c = 0; c < COMPANY_CONNECTIONS; c++) {
      const r = rng.fork(c);
      const peer = await FuzzPeer.connect(s.companyPort, companyPeerOptions);
      peers.push(peer);
      const lines: Buffer[] = sweep.splice(0, PER_COMPANY_CONNECTION);
      while (lines.length < PER_COMPANY_CONNECTION) {
        // Valid updates climb a version at a time, so some are applied along the way.
        lines.push(hostileLine(r, () => validCompanyMessage(r, (version += r.int(0, 2))), MAX_LINE - 1).bytes);
      }
      const overlong = c % 10 === 9;
      if (overlong) lines[lines.length - 1] = overlongLine(r, MAX_LINE);
      for (const l of overlong ? lines.slice(0, -1) : lines) dueAtStation(peer, l);
      if (overlong) peer.expectError('LINEA_DEMASIADO_LARGA');
      await peer.write(lines);
      try {
        await peer.settle(15_000, `company connection ${c}`);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${replay(SEED, FILE)}`);
      }
      if (overlong) await peer.closed;
      else await peer.close();
      finished.push(peer);
    }
    sweep = [];
    const elapsed = Date.now() - started;
    const mem = rss.stop();
    const sent = finished.reduce((n, p) => n + p.linesSent, 0);
    console.log(
      `fuzz-link2 (fake company) seed ${SEED}: ${sent} lines in ${elapsed} ms; station RSS ${mib(mem.before)} → peak ${mib(mem.peak)} → ${mib(mem.after)}`,
    );

    const problems = finished.flatMap((p, i) => checkAnswers(p, `company connection ${i}`));
    expect.soft(problems, replay(SEED, FILE)).toEqual([]);
    expect(mem.peak).toBeLessThan(RSS_BOUND);

    // No price poisoned: every version the station said it holds, and the one it holds now, follow the rule.
    const acks = finished.flatMap((p) =>
      p.received.filter((m) => m.tipo === 'precios_recibidos').map((m) => Number(m.version)),
    );
    expect
      .soft(
        [...new Set(acks.filter((v) => !(Number.isSafeInteger(v) && v >= 0 && v <= MAX_VERSION)))],
        'versions held past MAX_VERSION',
      )
      .toEqual([]);
    expect
      .soft(
        acks.every((v, i) => i === 0 || v >= (acks[i - 1] as number)),
        'versions held never go back',
      )
      .toBe(true);
    const precios = await s.request<{ version: number; precios: Record<string, number> }>('/api/precios');
    expect.soft(precios.version).toBeLessThanOrEqual(MAX_VERSION);
    expect.soft(Object.values(precios.precios).every(precioEnRango), JSON.stringify(precios.precios)).toBe(true);

    // A legitimate next version is still taken.
    const legit = await FuzzPeer.connect(s.companyPort, companyPeerOptions);
    peers.push(legit);
    const next = precios.version + 1;
    const nuevos = { precio_93: 1300, precio_95: 1360, precio_97: 1410, precio_diesel: 1130 };
    legit.expectReply('precios');
    await legit.write([
      Buffer.from(
        JSON.stringify({
          tipo: 'actualizacion_precios',
          version: next,
          precios: nuevos,
          timestamp: new Date().toISOString(),
        }),
      ),
    ]);
    await legit.settle(10_000, 'legitimate update');
    expect
      .soft(legit.received.find((m) => m.tipo === 'precios_recibidos' || m.tipo === 'error'))
      .toEqual({ tipo: 'precios_recibidos', version: next });

    expect((await getJson(s.api, '/health', token)).status).toBe(200);
    // (No pump or sale exists here: the routes with a parameter are the pump fuzz's to read.)
    expect.soft(await readRoutes(s.api, token, STATION_ROUTES, {}), errorLogs(s)).toEqual([]);

    // The stored price versions, read after a clean stop: each one follows the rule.
    await Promise.all(peers.splice(0).map((p) => p.destroy()));
    expect(await s.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    processes.splice(processes.indexOf(s), 1);
    const { SqliteStore } = await import('../estacion/src/store/sqlite-store.js');
    const store = new SqliteStore({ dataDir: s.dataDir });
    await store.setup();
    try {
      const versions = await store.latestPriceVersions(100_000);
      const bad = versions.filter(
        (v) =>
          !(Number.isSafeInteger(v.version) && v.version >= 0 && v.version <= MAX_VERSION) ||
          !Object.values(v.precios).every(precioEnRango),
      );
      expect.soft(bad.slice(0, 10), replay(SEED, FILE)).toEqual([]);
    } finally {
      await store.close();
    }
  }, 90_000);

  it(`${FAKE_STATIONS} fake stations answer a real company's dials with ${FAKE_STATIONS * DIALS_PER_STATION * PER_DIAL} hostile lines: answered as documented, no version confirmed that the company never made`, async () => {
    const c: CompanyProcess = await startCompanyProcess();
    processes.push(c);
    const rss = sampleRss(c.proc.pid as number);
    const newest = (await c.request<{ version: number }>('/api/precios')).version;
    const rng = new Rng(SEED ^ 0x2b2b);
    const fakes = await Promise.all(Array.from({ length: FAKE_STATIONS }, () => FuzzServer.start(stationPeerOptions)));
    servers.push(...fakes);
    for (const [i, f] of fakes.entries()) {
      await c.request('/api/estaciones', 'POST', {
        host: '127.0.0.1',
        puerto: f.port,
        id_estacion: `fz-${i}`,
        nombre: `Falsa ${i}`,
      });
    }
    const started = Date.now();
    const finished: FuzzPeer[] = [];
    await Promise.all(
      fakes.map(async (f, i) => {
        for (let d = 0; d < DIALS_PER_STATION; d++) {
          const r = rng.fork(i * 1000 + d);
          const peer = await f.accept();
          // Every second dial is greeted properly first; the others get hostile lines from the start.
          const lines: Buffer[] = [];
          if (d % 2 === 0) lines.push(Buffer.from(JSON.stringify(estacionInfo(r, 0))));
          let bad = 0;
          while (lines.length < PER_DIAL) {
            const line = hostileLine(
              r,
              () => validStationMessage(r, r.pick([0, newest, newest + 1, 2 ** 31])),
              MAX_LINE - 1,
            ).bytes;
            const text = lineAsServerSeesIt(line);
            const isBad = text !== null && !parseLine(text, stationToCompany).ok;
            // The company closes a link past 20 bad lines: keep to 20 here (the dial that tests it adds more).
            if (isBad && bad >= 20) continue;
            if (isBad) bad++;
            lines.push(line);
          }
          const closing = d === DIALS_PER_STATION - 1 ? 'bad-lines' : d === DIALS_PER_STATION - 2 ? 'overlong' : null;
          for (const l of lines) dueAtCompany(peer, l);
          await peer.write(lines);
          try {
            await peer.settle(15_000, `fake station ${i}, dial ${d}`);
          } catch (err) {
            throw new Error(`${(err as Error).message}\n${replay(SEED, FILE)}`);
          }
          if (closing === 'bad-lines') {
            // One more bad line than the company allows: answered, LIMITE_EXCEDIDO, closed.
            const more = bad >= 20 ? ['hola'] : Array.from({ length: 21 - bad }, () => 'hola');
            for (const _ of more) peer.expectError('JSON_INVALIDO');
            peer.expectError('LIMITE_EXCEDIDO');
            await peer.write(more.map((m) => Buffer.from(m)));
            await peer.closed;
          } else if (closing === 'overlong') {
            await peer.write([overlongLine(r, MAX_LINE)]);
            await peer.closed;
          } else {
            await peer.destroy();
          }
          finished.push(peer);
        }
      }),
    );
    const elapsed = Date.now() - started;
    const mem = rss.stop();
    const sent = finished.reduce((n, p) => n + p.linesSent, 0);
    console.log(
      `fuzz-link2 (fake stations) seed ${SEED}: ${sent} lines over ${finished.length} dials in ${elapsed} ms; company RSS ${mib(mem.before)} → peak ${mib(mem.peak)} → ${mib(mem.after)}`,
    );
    const problems = finished.flatMap((p, i) => checkAnswers(p, `dial ${i}`));
    expect.soft(problems, replay(SEED, FILE)).toEqual([]);
    expect(mem.peak).toBeLessThan(RSS_BOUND);

    // The company's own versions are untouched, and no station is recorded as holding one it never made.
    expect((await c.request<{ version: number }>('/api/precios')).version).toBe(newest);
    const estaciones =
      await c.request<{ id_estacion: string; version_confirmada: number | null; al_dia: boolean }[]>('/api/estaciones');
    expect(estaciones).toHaveLength(FAKE_STATIONS);
    expect
      .soft(
        estaciones.filter(
          (e) => e.version_confirmada !== null && !(e.version_confirmada >= 0 && e.version_confirmada <= newest),
        ),
      )
      .toEqual([]);

    expect((await getJson(c.api, '/health', c.token)).status).toBe(200);
    expect.soft(await readRoutes(c.api, c.token, COMPANY_ROUTES, { id: 'fz-0' }), errorLogs(c)).toEqual([]);
  }, 90_000);

  it('default limits on the company port: the 21st bad line closes the connection; one over-long line too', async () => {
    const s = await startStationProcess();
    processes.push(s);
    const rng = new Rng(SEED ^ 0x77);
    const peer = await FuzzPeer.connect(s.companyPort, companyPeerOptions);
    peers.push(peer);
    const lines: Buffer[] = [];
    while (lines.length < 30) {
      const l = hostileLine(rng, () => validCompanyMessage(rng, 1), MAX_LINE - 1).bytes;
      const text = lineAsServerSeesIt(l);
      if (text !== null && !parseLine(text, companyToStation).ok) lines.push(l);
    }
    for (const l of lines.slice(0, 21)) dueAtStation(peer, l);
    peer.expectError('LIMITE_EXCEDIDO');
    await peer.write(lines);
    await peer.closed;
    expect(checkAnswers(peer, 'company port'), replay(SEED, FILE)).toEqual([]);
    expect(peer.received.at(-1)).toMatchObject({ tipo: 'error', codigo: 'LIMITE_EXCEDIDO' });

    const long = await FuzzPeer.connect(s.companyPort, companyPeerOptions);
    peers.push(long);
    await long.write([overlongLine(rng, MAX_LINE)]);
    await long.closed;
    expect(long.received.filter((m) => m.tipo === 'error')).toEqual([
      expect.objectContaining({ codigo: 'LINEA_DEMASIADO_LARGA' }),
    ]);
  });
});
