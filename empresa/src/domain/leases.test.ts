import { describe, expect, it } from 'vitest';
import type { Lease } from './types.js';
import { fairShare, holdUntil, planRound, type RoundInput } from './leases.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `e${String(i).padStart(3, '0')}`);
const lease = (id_estacion: string, propietario: string, vence = 10_000): Lease => ({
  id_estacion,
  propietario,
  vence,
});
const base = (over: Partial<RoundInput>): RoundInput => ({
  self: 'a',
  now: 1_000,
  stations: ids(9),
  leases: [],
  replicas: ['a', 'b', 'c'],
  maxClaims: 100,
  ...over,
});

/**
 * Runs rounds of several replicas against an in-memory lease table with the store's
 * compare-and-set rule, replica by replica, until nothing changes; returns who holds what.
 */
function simulate(replicas: string[], stations: string[], maxClaims: number, table = new Map<string, string>()) {
  for (let round = 0; round < 100; round++) {
    let changed = false;
    for (const self of replicas) {
      const leases = [...table].map(([id, owner]) => lease(id, owner));
      const plan = planRound({ self, now: 0, stations, leases, replicas, maxClaims });
      for (const id of plan.release) {
        table.delete(id);
        changed = true;
      }
      for (const id of plan.claim) {
        if (table.has(id)) continue; // another replica got there first
        table.set(id, self);
        changed = true;
      }
    }
    if (!changed) return { table, rounds: round };
  }
  throw new Error('no converge');
}

describe('fairShare', () => {
  it('is the ceiling of stations per live replica, never dividing by zero', () => {
    expect(fairShare(9, 3)).toBe(3);
    expect(fairShare(10, 3)).toBe(4);
    expect(fairShare(10, 0)).toBe(10);
    expect(fairShare(0, 3)).toBe(0);
  });
});

describe('planRound', () => {
  it('claims free stations up to the fair share, never more than maxClaims per round', () => {
    expect(planRound(base({})).claim).toHaveLength(3);
    expect(planRound(base({ maxClaims: 2 })).claim).toHaveLength(2);
    const alone = planRound(base({ replicas: [] }));
    expect(alone.fairShare).toBe(9);
    expect(alone.claim).toHaveLength(9);
  });

  it('counts only unexpired leases: a dead replica’s stations are free once its leases expire', () => {
    const leases = ids(9).map((id, i) => lease(id, i < 3 ? 'a' : i < 6 ? 'b' : 'muerta', 5_000));
    const before = planRound(base({ leases, replicas: ['a', 'b'], now: 4_999 }));
    expect(before).toMatchObject({ owned: ids(3), free: 0, claim: [] });
    const after = planRound(base({ leases, replicas: ['a', 'b'], now: 5_000 }));
    expect(after.owned).toEqual([]); // its own expired too: it must claim them again
    expect(after.fairShare).toBe(5);
    expect(after.claim).toHaveLength(5);
  });

  it('never plans to claim a station another replica holds', () => {
    const leases = ids(6).map((id) => lease(id, 'b'));
    const plan = planRound(base({ leases, replicas: ['a', 'b'] }));
    expect(plan.claim.every((id) => !ids(6).includes(id))).toBe(true);
    expect(plan.claim).toHaveLength(3);
  });

  it('gives up the excess above the fair share when replicas join, at most maxClaims per round', () => {
    const leases = ids(9).map((id) => lease(id, 'a'));
    const plan = planRound(base({ leases, maxClaims: 4 }));
    expect(plan.claim).toEqual([]);
    expect(plan.release).toHaveLength(4);
    expect(planRound(base({ leases })).release).toHaveLength(6);
    expect(planRound(base({ leases, replicas: ['a'] })).release).toEqual([]);
  });

  it('ignores leases of stations no longer registered', () => {
    const plan = planRound(base({ stations: ['x'], leases: [lease('gone', 'a')], replicas: ['a'] }));
    expect(plan).toMatchObject({ owned: [], claim: ['x'], release: [] });
  });

  it('spreads stations so that every one has exactly one holder and nobody holds more than its share', () => {
    const stations = ids(100);
    const { table } = simulate(['a', 'b', 'c'], stations, 10);
    expect(table.size).toBe(100);
    const counts = ['a', 'b', 'c'].map((r) => [...table.values()].filter((o) => o === r).length);
    expect(Math.max(...counts)).toBeLessThanOrEqual(fairShare(100, 3));
    expect(counts.reduce((x, y) => x + y)).toBe(100);
  });

  it('rebalances after a replica joins a lone one that held everything', () => {
    const stations = ids(20);
    const { table } = simulate(['a'], stations, 5);
    expect(new Set(table.values())).toEqual(new Set(['a']));
    const after = simulate(['a', 'b'], stations, 5, table).table;
    const counts = ['a', 'b'].map((r) => [...after.values()].filter((o) => o === r).length);
    expect(counts).toEqual([10, 10]);
  });

  it('makes different replicas prefer different stations (rendezvous), deterministically', () => {
    const a = planRound(base({ self: 'a', maxClaims: 3 })).claim;
    const b = planRound(base({ self: 'b', maxClaims: 3 })).claim;
    expect(a).not.toEqual(b);
    expect(planRound(base({ self: 'a', maxClaims: 3 })).claim).toEqual(a);
  });
});

describe('holdUntil', () => {
  it('drops links a third of the TTL before the lease expires', () => {
    expect(holdUntil(10_000, 6_000)).toBe(8_000);
  });
});
