/**
 * Refusals are what an attack produces by the thousand; logging each would turn a flood of
 * connections into a flood of disk writes. A throttle lets one report through per interval and
 * tells it how many were held back since the last one.
 */
export function logThrottle(intervalMs: number, now: () => number = Date.now) {
  let last = Number.NEGATIVE_INFINITY;
  let held = 0;
  return (report: (suppressed: number) => void): void => {
    const t = now();
    if (t - last < intervalMs) {
      held += 1;
      return;
    }
    last = t;
    const suppressed = held;
    held = 0;
    report(suppressed);
  };
}
