/**
 * Time as a dependency. Domain code and timers take a Clock so that unit tests can drive time with
 * fake timers or a hand-made clock. The system clock looks the globals up at call time, so vitest's
 * `vi.useFakeTimers()` also controls code that was handed `systemClock` before the fake was installed.
 */
export type TimerHandle = { unref?: () => unknown } | number | object;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => {
    if (handle !== undefined) globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** Lets a timer not keep the process alive (no-op for fake handles). */
export function unrefTimer(handle: TimerHandle): void {
  if (typeof handle === 'object' && handle !== null && 'unref' in handle) handle.unref?.();
}

/** The last instant isoNow() formatted: the hot paths ask several times per millisecond. */
let lastIsoMs = Number.NaN;
let lastIso = '';

/** ISO-8601 text of a clock's current time. */
export function isoNow(clock: Clock): string {
  const ms = clock.now();
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
}
