/** Random sources: Math.random by default, or a seeded generator so a run can be replayed. */
import type { Random } from './domain/customer.js';

/** mulberry32: a small, fast 32-bit generator; good enough for a simulation, not for secrets. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** One independent source per pump: seeded from (seed, id) when a seed is given. */
export function randomFor(seed: number | undefined, id: number): Random {
  if (seed === undefined) return Math.random;
  return seededRandom(Math.imul(seed ^ 0x9e3779b9, 31) + id * 0x85ebca6b);
}
