/**
 * Polls the store for what other replicas changed (CompanyService.refresh) every `intervalMs`,
 * one poll at a time; a failed poll is logged (at most once a minute) and retried on the next tick.
 */
import { logThrottle } from '@combustible/server';
import { type Clock, type Logger, type TimerHandle, unrefTimer } from '@combustible/shared';

export function startStorePoll(refresh: () => Promise<void>, clock: Clock, intervalMs: number, log: Logger) {
  let timer: TimerHandle | undefined;
  let running: Promise<void> | null = null;
  let stopped = false;
  const throttled = logThrottle(60_000, () => clock.now());
  const tick = () => {
    running = refresh()
      .catch((err: unknown) => {
        throttled((omitidos) =>
          log.warn({ err, omitidos }, 'no se pudo leer el almacén para seguir a las otras réplicas'),
        );
      })
      .finally(() => {
        running = null;
        if (stopped) return;
        timer = clock.setTimeout(tick, intervalMs);
        unrefTimer(timer);
      });
  };
  timer = clock.setTimeout(tick, intervalMs);
  unrefTimer(timer);
  return {
    async stop(): Promise<void> {
      stopped = true;
      clock.clearTimeout(timer);
      await running;
    },
  };
}
