import { createLogger, FakeClock } from '@combustible/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { CompanyBus } from '../app/events.js';
import type { Estacion, EstadoEstacion } from '../domain/types.js';
import type { CompanyStore } from '../store/port.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { unaEstacion, unEstadoEnlace } from '../store/test-builders.js';
import { linkChanged, ReplicaCoordinator } from './replicas.js';

const log = createLogger({ name: 'test', level: 'silent' });
const stores: CompanyStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

/** The links a replica has open, as the LinkManager would. */
class FakeLinks {
  readonly open = new Set<string>();
  acquire(id: string): boolean {
    this.open.add(id);
    return true;
  }
  drop(id: string): void {
    this.open.delete(id);
  }
  /** What each open link's status shows beyond a fresh dial (set by the test). */
  readonly states = new Map<string, Partial<EstadoEstacion>>();
  status(id: string): EstadoEstacion | undefined {
    return this.open.has(id) ? unEstadoEnlace(this.states.get(id)) : undefined;
  }
}

async function world(n: number) {
  const store = new SqliteStore({ dataDir: ':memory:' });
  stores.push(store);
  await store.setup();
  const clock = new FakeClock();
  const stations: Estacion[] = Array.from({ length: n }, (_, i) => unaEstacion({ id_estacion: `s${i}` }));
  const replica = (id: string, over: Partial<CompanyStore> = {}) => {
    const links = new FakeLinks();
    const bus = new CompanyBus();
    const c = new ReplicaCoordinator(
      { id, ttlMs: 6_000, renewMs: 2_000, maxClaims: 100 },
      {
        store: Object.assign(Object.create(store) as CompanyStore, over),
        links,
        bus,
        stations: () => stations,
        stationCount: () => stations.length,
        clock,
        log,
        random: () => 0.5,
      },
    );
    return { c, links, bus };
  };
  return { store, clock, stations, replica };
}

/** Every station's link is open at exactly one replica. */
function exactlyOne(stations: Estacion[], ...links: FakeLinks[]) {
  for (const e of stations) {
    expect(
      links.filter((l) => l.open.has(e.id_estacion)),
      e.id_estacion,
    ).toHaveLength(1);
  }
}

describe('ReplicaCoordinator', () => {
  it('shares the stations: a lone replica takes all, gives half up when a second one appears', async () => {
    const { stations, replica } = await world(4);
    const a = replica('a');
    const b = replica('b');
    await a.c.start();
    expect(a.links.open.size).toBe(4);
    await b.c.start(); // announces itself; nothing is free yet
    expect(b.links.open.size).toBe(0);
    await a.c.round(); // sees b: its share is 2
    expect(a.links.open.size).toBe(2);
    await b.c.round();
    exactlyOne(stations, a.links, b.links);
    expect(b.links.open.size).toBe(2);
    await a.c.round(); // its view of who holds what is as of its last round
    for (const e of stations) expect(a.c.owner(e.id_estacion)).toBe(a.links.open.has(e.id_estacion) ? 'a' : 'b');
    expect(a.c.stats()).toMatchObject({ propios: 2, replicas: 2, perdidos: 0 });
  });

  it('drops every link when its leases were not renewed in time, before another replica may take them', async () => {
    const { clock, stations, replica } = await world(3);
    let storeDown = false;
    const down = async () => {
      if (storeDown) throw new Error('almacén caído');
      return [];
    };
    const a = replica('a', { announceReplica: async () => void (await down()) });
    await a.c.start();
    expect(a.links.open.size).toBe(3);
    storeDown = true;
    clock.advance(2_000); // a round fails: links kept while the lease surely holds
    await a.c.round();
    expect(a.links.open.size).toBe(3);
    clock.advance(2_000); // 4 s after the last renewal: a third of the TTL before it expires
    expect(a.links.open.size).toBe(0);
    expect(a.c.stats()).toMatchObject({ propios: 0, perdidos: 3 });
    // Until 6 s nobody else may take them; from then on b does.
    const b = replica('b');
    clock.advance(1_999);
    await b.c.start();
    expect(b.links.open.size).toBe(0);
    await b.c.stop();
    const b2 = replica('b2');
    clock.advance(1);
    await b2.c.start();
    expect(b2.links.open.size).toBe(3);
    // a's store is back: its renewal finds no lease of its own, it opens nothing.
    storeDown = false;
    await a.c.round();
    exactlyOne(stations, a.links, b2.links);
    expect(a.links.open.size).toBe(0);
  });

  it('drops a link at once when the renewal shows the lease was lost', async () => {
    const { store, clock, replica } = await world(1);
    const a = replica('a');
    await a.c.start();
    // a stalls past its lease (its deadline timer did not run: the process was frozen), b takes s0.
    await store.releaseLeases('a');
    await store.claimLeases(['s0'], 'b', clock.now(), clock.now() + 6_000);
    await store.announceReplica('b', clock.now(), clock.now() + 6_000);
    await a.c.round();
    expect(a.links.open.size).toBe(0);
    expect(a.c.owner('s0')).toBe('b');
    expect(a.c.stats().perdidos).toBe(1);
  });

  it('on a graceful stop closes its links and releases its leases for the others at once', async () => {
    const { store, clock, stations, replica } = await world(2);
    const a = replica('a');
    await a.c.start();
    await a.c.stop();
    expect(a.links.open.size).toBe(0);
    expect(await store.activeLeases(clock.now())).toEqual([]);
    expect(await store.liveReplicas(clock.now())).toEqual([]);
    const b = replica('b');
    await b.c.start();
    exactlyOne(stations, b.links);
  });

  it('takes a just-registered station at once up to its fair share, without waiting for a round', async () => {
    const { store, clock, stations, replica } = await world(2);
    const a = replica('a');
    const b = replica('b');
    await a.c.start();
    await b.c.start();
    await a.c.round(); // sees b: its share of 2 is 1
    await b.c.round();
    exactlyOne(stations, a.links, b.links);
    stations.push(unaEstacion({ id_estacion: 's2' }), unaEstacion({ id_estacion: 's3' }));
    // a holds 1 of a fair share of 2 (4 stations, 2 replicas): it takes s2, then no more.
    await a.c.claimNew('s2');
    await a.c.claimNew('s3');
    expect(a.links.open.has('s2')).toBe(true);
    expect(a.links.open.has('s3')).toBe(false);
    expect(a.c.owner('s2')).toBe('a');
    expect((await store.activeLeases(clock.now())).find((l) => l.id_estacion === 's2')?.propietario).toBe('a');
    // b, below its share, takes s3; a station already held is left alone.
    await b.c.claimNew('s3');
    await b.c.claimNew('s2');
    expect(b.links.open.has('s3')).toBe(true);
    expect(b.links.open.has('s2')).toBe(false);
    exactlyOne(stations, a.links, b.links);
  });

  it('moves the lease with a rename, and gives a removed station up', async () => {
    const { store, clock, stations, replica } = await world(2);
    const a = replica('a');
    await a.c.start();
    const renamed = { ...(stations[0] as Estacion), id_estacion: 'nuevo' };
    stations[0] = renamed;
    a.links.open.delete('s0');
    a.links.open.add('nuevo'); // the LinkManager re-keys the link
    a.bus.emit('estacion_actualizada', { id_anterior: 's0', estacion: renamed });
    await expect
      .poll(async () => (await store.activeLeases(clock.now())).map((l) => l.id_estacion))
      .toEqual(['nuevo', 's1']);
    expect(a.c.owner('nuevo')).toBe('a');
    stations.splice(1, 1);
    a.bus.emit('estacion_eliminada', { id_estacion: 's1' });
    expect(a.links.open.has('s1')).toBe(false);
    await expect.poll(async () => (await store.activeLeases(clock.now())).map((l) => l.id_estacion)).toEqual(['nuevo']);
  });

  it('writes the state of the links it owns on their leases, only what changed, for the other replicas', async () => {
    const { store, clock, replica } = await world(4);
    const writes: number[] = [];
    const a = replica('a', {
      recordLinkStates: async (p, estados) => {
        writes.push(estados.length);
        return store.recordLinkStates(p, estados);
      },
    });
    await a.c.start();
    const shown = async () =>
      Object.fromEntries(
        (await store.activeLeaseLinks(clock.now())).map((l) => [
          l.id_estacion,
          [l.propietario, l.enlace?.estado ?? null],
        ]),
      );
    expect(await shown()).toEqual({
      s0: ['a', 'conectando'],
      s1: ['a', 'conectando'],
      s2: ['a', 'conectando'],
      s3: ['a', 'conectando'],
    });
    const sincronizado = {
      estado: 'sincronizado' as const,
      conectada: true,
      version_confirmada: 2,
      ultimo_contacto: new Date(clock.now()).toISOString(),
    };
    a.links.states.set('s0', sincronizado);
    clock.advance(2_000);
    await a.c.round();
    expect(writes).toEqual([4, 1]); // only s0 changed
    expect((await store.activeLeaseLinks(clock.now()))[0]?.enlace).toEqual({ ...sincronizado, ultimo_error: null });
    // A contact time alone is written once it moved by the TTL.
    const contacto = (ms: number) => new Date(Date.parse(sincronizado.ultimo_contacto) + ms).toISOString();
    a.links.states.set('s0', { ...sincronizado, ultimo_contacto: contacto(5_999) });
    clock.advance(2_000);
    await a.c.round();
    expect(writes).toEqual([4, 1]);
    a.links.states.set('s0', { ...sincronizado, ultimo_contacto: contacto(6_000) });
    clock.advance(2_000);
    await a.c.round();
    expect(writes).toEqual([4, 1, 1]);
    // b joins: a gives half up; b writes its own state for what it took (a takeover starts with none).
    const b = replica('b');
    await b.c.start();
    await a.c.round();
    await b.c.round();
    const now = await shown();
    expect(
      Object.values(now)
        .map(([p]) => p)
        .sort(),
    ).toEqual(['a', 'a', 'b', 'b']);
    for (const [id, [p, estado]] of Object.entries(now)) {
      expect(estado, id).toBe(p === 'a' && id === 's0' ? 'sincronizado' : 'conectando');
    }
  });

  it('counts a link as changed on any field but a contact time moved by less than the grain', () => {
    const e = {
      estado: 'sincronizado' as const,
      conectada: true,
      version_confirmada: 1,
      ultimo_contacto: '2026-01-01T00:00:00.000Z',
      ultimo_error: null,
    };
    expect(linkChanged(undefined, e, 6_000)).toBe(true);
    expect(linkChanged(e, { ...e }, 6_000)).toBe(false);
    expect(linkChanged(e, { ...e, ultimo_contacto: '2026-01-01T00:00:05.999Z' }, 6_000)).toBe(false);
    expect(linkChanged(e, { ...e, ultimo_contacto: '2026-01-01T00:00:06.000Z' }, 6_000)).toBe(true);
    expect(linkChanged(e, { ...e, ultimo_contacto: null }, 6_000)).toBe(true);
    expect(linkChanged(e, { ...e, estado: 'desconectado' }, 6_000)).toBe(true);
    expect(linkChanged(e, { ...e, conectada: false }, 6_000)).toBe(true);
    expect(linkChanged(e, { ...e, version_confirmada: 2 }, 6_000)).toBe(true);
    expect(linkChanged(e, { ...e, ultimo_error: 'x' }, 6_000)).toBe(true);
  });
});
