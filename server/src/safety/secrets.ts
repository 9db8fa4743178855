import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Compares a secret someone sent with the expected one in constant time. Both are hashed first,
 * so neither the content nor the length of the expected secret leaks through timing. A missing
 * value never matches.
 */
export function secretsEqual(given: string | null | undefined, expected: string | null | undefined): boolean {
  if (typeof given !== 'string' || typeof expected !== 'string') return false;
  // Hash both even when one is empty: the time taken must not depend on the inputs.
  const same = timingSafeEqual(digest(given), digest(expected));
  return same && expected.length > 0;
}
