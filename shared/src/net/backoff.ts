/** Exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog). */
export interface BackoffOptions {
  /** First ceiling, in ms (attempt 0 waits up to this). */
  baseMs: number;
  /** Highest ceiling, in ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/** The ceiling for a given attempt (0-based): min(maxMs, baseMs · 2^attempt). */
export function backoffCeiling(attempt: number, options: BackoffOptions): number {
  const exp = Math.min(attempt, 52); // beyond this 2^n is not a safe integer
  return Math.min(options.maxMs, options.baseMs * 2 ** exp);
}

/** Full jitter: uniformly random in [0, ceiling). `random` returns [0, 1). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeiling(attempt, options));
}
