/**
 * Dials a station only inside --allowed-networks. The host is resolved and checked on every
 * attempt (a name may change address), and the connection goes to an address that was checked,
 * never to whatever a second lookup returns.
 */
import { type Dialer, tcpDialer } from '@combustible/shared';
import type { DestinationPolicy } from '../app/company-service.js';

export interface GuardedTarget {
  host: string;
  port: number;
  connectTimeoutMs: number;
}

/** The error of a refused dial; its message starts with the code so the link status shows it. */
export class DestinationRefused extends Error {
  constructor(motivo: string) {
    super(`DIRECCION_NO_PERMITIDA: ${motivo}`);
    this.name = 'DestinationRefused';
  }
}

export function guardedDialer(
  target: GuardedTarget,
  policy: DestinationPolicy,
  onRefused: (motivo: string) => void,
): Dialer {
  return async (signal) => {
    const decision = await policy.check(target.host);
    if (!decision.ok) {
      if (decision.unresolved) throw new Error(decision.motivo);
      onRefused(decision.motivo);
      throw new DestinationRefused(decision.motivo);
    }
    // Every address was checked; try them in order, as net.connect would with the name.
    let last: unknown;
    for (const address of decision.addresses) {
      if (signal.aborted) break;
      try {
        return await tcpDialer({ host: address, port: target.port, connectTimeoutMs: target.connectTimeoutMs })(
          signal,
        );
      } catch (err) {
        last = err;
      }
    }
    throw last instanceof Error ? last : new Error(String(signal.reason ?? 'no se pudo conectar'));
  };
}
