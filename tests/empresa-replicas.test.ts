/**
 * No single point of failure: three real `empresa serve` processes on one SQLite file share six
 * (fake, in-process) stations through leases. Every station is owned by exactly one process and
 * never talked to by two at once; after `kill -9` of one, the others take its stations over (the
 * takeover time is measured and printed; the 10 s is only the timeout); a price change
 * made through a surviving replica reaches every station exactly once; a session opened on one
 * replica works on another; a graceful stop hands the stations over too.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FakeStation } from '../empresa/src/links/test-harness.js';
import { type CompanyProcess, eventually, jsonRequest, processStarters } from './helpers/empresa.js';
import { removeTempDirs, type ServiceProcess, tempDir } from './helpers/processes.js';

const processes: ServiceProcess[] = [];
const stations: FakeStation[] = [];

afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
  await Promise.all(stations.splice(0).map((s) => s.close()));
});
afterAll(removeTempDirs);

const { company } = processStarters(processes);

interface Vista {
  id_estacion: string;
  conectada: boolean;
  al_dia: boolean;
  version_confirmada: number | null;
  propietario: string | null;
  enlace: { conectada: boolean } | null;
}

const IDS = ['s1', 's2', 's3', 's4', 's5', 's6'];

/**
 * The replica (by index) that has a link open to each station, as each says of itself (a replica
 * shows the others' stations too, from their leases); fails if two say so of one station.
 */
async function linkHolders(replicas: CompanyProcess[], names: string[]): Promise<Map<string, number>> {
  const views = await Promise.all(replicas.map((r) => r.request<Vista[]>('/api/estaciones?limit=100')));
  const holders = new Map<string, number>();
  views.forEach((list, i) => {
    for (const e of list) {
      if (e.enlace === null || e.propietario !== names[i]) continue;
      expect(holders.has(e.id_estacion), `${e.id_estacion} has links from two replicas`).toBe(false);
      holders.set(e.id_estacion, i);
    }
  });
  return holders;
}

/**
 * Every station has exactly one replica with a connected, up-to-date link, each replica says it is
 * its owner, and every other replica shows the same: connected, up to date, that owner.
 */
async function settled(replicas: CompanyProcess[], names: string[], version: number) {
  const views = await Promise.all(replicas.map((r) => r.request<Vista[]>('/api/estaciones?limit=100')));
  const holders = await linkHolders(replicas, names);
  if (holders.size !== IDS.length) return false;
  for (const [id, i] of holders) {
    for (const view of views) {
      const e = view.find((x) => x.id_estacion === id);
      if (!e?.conectada || e.version_confirmada !== version || e.propietario !== names[i]) return false;
    }
  }
  return holders;
}

describe('replicas on one store', () => {
  it('share the stations, take over a killed one’s within the lease, and pass a price change to every station once', async () => {
    for (const id of IDS) stations.push(await FakeStation.start({ id, nombre: `Estación ${id}`, version: 1 }));
    const dataDir = tempDir('empresa-replicas-');
    const flags = (id: string) => ({ 'replica-id': id, 'lease-ttl': '6', 'lease-renew': '2' });
    const a = await company({ dataDir, flags: flags('a') });
    for (const s of stations) {
      await a.request('/api/estaciones', 'POST', { id_estacion: s.options.id, host: '127.0.0.1', puerto: s.port });
    }
    const [b, c] = await Promise.all([
      company({ dataDir, flags: flags('b') }),
      company({ dataDir, flags: flags('c') }),
    ]);
    const replicas = [a, b, c];
    const names = ['a', 'b', 'c'];

    // Shared: each station owned by one replica, every replica owning its fair share (2 of 6).
    const holders = await eventually(
      'every station linked by exactly one replica, two each',
      async () => {
        const h = await settled(replicas, names, 1);
        return h && [0, 1, 2].every((i) => [...h.values()].filter((x) => x === i).length === 2) && h;
      },
      20_000,
      100,
    );
    // A session opened on one replica works on the others (sessions live in the shared store).
    const list = await jsonRequest<Vista[]>(b.api, '/api/estaciones', 'GET', undefined, a.token);
    expect(list.map((e) => e.id_estacion)).toEqual(IDS);

    // kill -9 of b: its stations go to a and c once b's leases expire.
    const victims = [...holders].filter(([, i]) => i === 1).map(([id]) => id);
    const killedAt = Date.now();
    await b.stop('SIGKILL');
    const survivors = [a, c];
    await eventually(
      'b’s stations taken over',
      async () => {
        const h = await settled(survivors, ['a', 'c'], 1);
        return h && victims.every((id) => h.has(id)) && h;
      },
      15_000,
      50,
    );
    const takeoverMs = Date.now() - killedAt;
    console.log(`takeover after kill -9: ${takeoverMs} ms (lease TTL 6 s, renew every 2 s)`);
    expect(takeoverMs).toBeLessThan(15_000);

    // A price change made through c reaches every station once, whoever owns it.
    const v = await c.request<{ version: number }>('/api/precios', 'PUT', { precio_95: 1360 });
    expect(v.version).toBe(2);
    await eventually('every station acknowledged version 2 at its owner', () => settled(survivors, ['a', 'c'], 2));
    // a learned of the version from the store (its own /api/precios), not only its stations.
    await eventually(
      'a shows version 2',
      async () => (await a.request<{ version: number }>('/api/precios')).version === 2,
    );
    for (const s of stations) {
      const updates = s.of('actualizacion_precios').filter((m) => m.version === 2);
      expect(updates, s.options.id).toHaveLength(1);
      expect(s.version).toBe(2);
      // Never two companies talking to one station at the same time.
      expect(s.maxTalking, s.options.id).toBe(1);
    }

    // A graceful stop releases the leases at once: c takes a's stations on its next round.
    await a.stop('SIGTERM');
    await eventually(
      'c holds every station',
      async () => {
        const h = await settled([c], ['c'], 2);
        return h && h.size === IDS.length;
      },
      10_000,
      100,
    );
    for (const s of stations) expect(s.maxTalking, s.options.id).toBe(1);
    const owners = await c.request<Vista[]>('/api/estaciones');
    expect(owners.map((e) => e.propietario)).toEqual(IDS.map(() => 'c'));
  }, 90_000);
});
