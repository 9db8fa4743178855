/**
 * Who claims what: the pure part of sharing the station links among replicas (several
 * `empresa serve` processes on one store). Each replica, every round, renews its leases and then
 * asks planRound() which free stations to claim and which of its own to give up:
 *
 * - its fair share is ⌈stations / live replicas⌉ (itself counted even before its first announcement);
 * - below it, it claims free stations (no lease, or an expired one) up to the share and at most
 *   `maxClaims` per round, so a replica starting alone does not grab everything at once while its
 *   peers start too, and a takeover is paced;
 * - above it (a replica joined), it gives up the excess, at most `maxClaims` per round;
 * - it prefers stations by rendezvous hashing (a score of replica id + station id), so replicas
 *   try different stations instead of racing for the same ones, and a station tends to go back
 *   to the same replica.
 *
 * The store's compare-and-set decides; a plan is only a wish. Times are ms since the epoch.
 */
import type { Lease } from './types.js';

export interface RoundInput {
  /** This replica's id. */
  self: string;
  now: number;
  /** The registered stations' ids. */
  stations: readonly string[];
  /** The leases as read from the store (expired ones are ignored here). */
  leases: readonly Lease[];
  /** The replicas announced and not expired (self may be missing). */
  replicas: readonly string[];
  /** At most this many claims, and this many releases, per round. */
  maxClaims: number;
}

export interface RoundPlan {
  /** Free stations to try to claim, best first. */
  claim: string[];
  /** Own stations to give up (above the fair share), worst first. */
  release: string[];
  fairShare: number;
  /** Stations this replica holds (unexpired) among the registered ones. */
  owned: string[];
  /** Stations with no unexpired lease. */
  free: number;
}

/** ⌈stations / replicas⌉, 0 without stations. */
export function fairShare(stations: number, replicas: number): number {
  return stations === 0 ? 0 : Math.ceil(stations / Math.max(1, replicas));
}

/** FNV-1a, 32 bits: a stable score of a text (no crypto needed, only spread). */
export function score(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** How much `replica` wants `station` (rendezvous hashing: higher is better). */
export function preference(replica: string, station: string): number {
  return score(`${replica}\u0000${station}`);
}

export function planRound(input: RoundInput): RoundPlan {
  const { self, now, stations } = input;
  const cap = Math.max(0, Math.floor(input.maxClaims));
  const live = new Set(input.replicas);
  live.add(self);
  const share = fairShare(stations.length, live.size);
  const holder = new Map<string, string>();
  for (const l of input.leases) if (l.vence > now) holder.set(l.id_estacion, l.propietario);
  const owned: string[] = [];
  const free: string[] = [];
  for (const id of stations) {
    const h = holder.get(id);
    if (h === undefined) free.push(id);
    else if (h === self) owned.push(id);
  }
  const byPreference = (ids: string[]) =>
    ids
      .map((id) => ({ id, p: preference(self, id) }))
      .sort((a, b) => b.p - a.p || (a.id < b.id ? -1 : 1))
      .map((x) => x.id);
  const claim = owned.length < share ? byPreference(free).slice(0, Math.min(cap, share - owned.length)) : [];
  const release =
    owned.length > share
      ? byPreference(owned)
          .reverse()
          .slice(0, Math.min(cap, owned.length - share))
      : [];
  return { claim, release, fairShare: share, owned, free: free.length };
}

/**
 * Until when a replica may keep a link open after a renewal that set its leases to `vence`: a
 * third of the TTL earlier, so that a replica whose clock is up to that much behind another's, or
 * whose next renewal is slow or fails, has dropped its links before anyone else may claim them.
 */
export function holdUntil(vence: number, ttlMs: number): number {
  return vence - Math.floor(ttlMs / 3);
}
