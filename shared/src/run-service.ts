import type { Logger } from 'pino';

export interface StoppableService {
  stop(): Promise<void>;
}

/**
 * Runs a long-lived service until SIGTERM/SIGINT: the first signal drains it (stop()) and exits 0,
 * a second one exits at once. Signals are handled from the start, so one that arrives during
 * start-up stops the service as soon as it is up. Resolves with 1 only if start-up fails.
 */
export async function runUntilSignal(log: Logger, start: () => Promise<StoppableService>): Promise<number> {
  let service: StoppableService | undefined;
  let signals = 0;
  const stop = () => {
    service?.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'error al detener');
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      log.warn({ signal }, 'segunda señal: salida inmediata');
      process.exit(1);
    }
    log.info({ signal }, 'señal recibida');
    stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    service = await start();
  } catch (err) {
    log.fatal({ err }, 'no se pudo iniciar');
    return 1;
  }
  if (signals > 0) stop();
  return new Promise<number>(() => {});
}
