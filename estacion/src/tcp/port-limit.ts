/**
 * The connection limit of one station port: the reason a refused peer reads (an `error`
 * LIMITE_EXCEDIDO line), a metric per refusal, and a warning that an attack cannot turn into a
 * flood of log lines.
 */
import { logThrottle } from '@combustible/server';
import { encodeMessage, type Logger, wireError } from '@combustible/shared';
import type { StationMetrics } from '../app/metrics.js';
import type { ConnectionLimit } from './listen.js';

export interface PortLimitOptions {
  puerto: 'surtidores' | 'empresa';
  max: number;
  /** The flag that sets it, for the log. */
  flag: string;
  /** What the refused peer is told. */
  mensaje: string;
  metrics: Pick<StationMetrics, 'connectionRefused'>;
  log: Logger;
  onCount?: (open: number) => void;
}

export function portLimit(o: PortLimitOptions): ConnectionLimit {
  const warn = logThrottle(5000);
  return {
    max: o.max,
    refusal: encodeMessage(wireError('LIMITE_EXCEDIDO', o.mensaje)),
    onRefused: (remote) => {
      o.metrics.connectionRefused(o.puerto);
      warn((omitidos) =>
        o.log.warn(
          { puerto: o.puerto, remote, max: o.max, omitidos },
          `conexión rechazada en el puerto de ${o.puerto}: límite de conexiones (${o.flag})`,
        ),
      );
    },
    ...(o.onCount ? { onCount: o.onCount } : {}),
  };
}
