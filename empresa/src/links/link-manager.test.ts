import type { Duplex } from 'node:stream';
import { createLogger, type Dialer, systemClock } from '@combustible/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { CompanyService } from '../app/company-service.js';
import { CompanyBus } from '../app/events.js';
import type { Estacion } from '../domain/types.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { LinkManager } from './link-manager.js';
import type { StationLink } from './station-link.js';

const log = createLogger({ name: 'test', level: 'silent' });
const admin = { usuario: 'admin', rol: 'admin' as const, ip: null };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Dials that stay pending until the test fails them: who was dialed, in order. */
function pendingDials() {
  const dialed: string[] = [];
  const fail = new Map<string, () => void>();
  const dialer =
    (e: Estacion): Dialer =>
    (signal) =>
      new Promise<Duplex>((_, reject) => {
        dialed.push(e.id_estacion);
        const no = () => reject(new Error('sin respuesta'));
        fail.set(e.id_estacion, no);
        signal.addEventListener('abort', no);
      });
  return { dialed, fail, dialer };
}

async function setup(n: number, options: { managed?: boolean; maxConnecting: number }) {
  const store = new SqliteStore({ dataDir: ':memory:' });
  await store.setup();
  const bus = new CompanyBus();
  const service = new CompanyService(store, bus, systemClock, log);
  await service.init();
  for (let i = 0; i < n; i++)
    await service.addStation({ id_estacion: `s${i}`, host: '127.0.0.1', puerto: 7000 + i }, admin);
  const dials = pendingDials();
  const links = new LinkManager({
    service,
    bus,
    log,
    empresa: { nombre: 'Empresa' },
    dialer: dials.dialer,
    jitterMs: 0,
    // Retries far away: only first attempts are counted here.
    options: { backoff: { baseMs: 3_600_000, maxMs: 3_600_000 } },
    ...options,
  });
  closers.push(
    () => store.close(),
    () => links.close(),
  );
  return { links, dials };
}

describe('LinkManager pacing', () => {
  it('keeps at most maxConnecting first attempts in flight; the next starts when one is over', async () => {
    const { links, dials } = await setup(5, { maxConnecting: 2 });
    links.start();
    await expect.poll(() => dials.dialed).toEqual(['s0', 's1']);
    expect(links.stats()).toMatchObject({ enCurso: 2, enEspera: 3 });
    dials.fail.get('s0')?.();
    await expect.poll(() => dials.dialed).toEqual(['s0', 's1', 's2']);
    expect(links.stats()).toMatchObject({ enCurso: 2, enEspera: 2 });
    expect(links.stats().porEstado.desconectado).toBe(1);
  });

  it('frees the slot of a link dropped while connecting, and never starts a dropped waiting one', async () => {
    const { links, dials } = await setup(3, { maxConnecting: 1, managed: true });
    links.start(); // managed: nothing opens on its own
    expect(links.size).toBe(0);
    for (const id of ['s0', 's1', 's2']) expect(links.acquire(id)).toBe(true);
    expect(links.acquire('nadie')).toBe(false);
    await expect.poll(() => dials.dialed).toEqual(['s0']);
    links.drop('s1'); // waiting
    links.drop('s0'); // connecting
    await expect.poll(() => dials.dialed).toEqual(['s0', 's2']);
    expect(links.stats()).toMatchObject({ enCurso: 1, enEspera: 0 });
    expect(links.ids()).toEqual(['s2']);
  });
});

describe('LinkManager links', () => {
  it('listen with the same listeners, none a closure of one link', async () => {
    const { links } = await setup(2, { maxConnecting: 2 });
    links.start();
    // The manager's links, by their ids (not part of its API).
    const open = (links as unknown as { links: Map<string, { link: StationLink }> }).links;
    const [a, b] = ['s0', 's1'].map((id) => open.get(id)?.link) as [StationLink, StationLink];
    for (const event of ['status', 'info', 'ack', 'confirmada', 'cancelacion', 'anomalia'] as const) {
      const mine = a.rawListeners(event);
      const theirs = b.rawListeners(event);
      expect(mine.length, event).toBe(1);
      expect(mine[0] === theirs[0], event).toBe(true);
    }
  });
});
