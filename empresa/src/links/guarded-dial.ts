/**
 * Dials a station only inside --allowed-networks. The host is resolved and checked on every
 * attempt (a name may change address), and the connection goes to an address that was checked,
 * never to whatever a second lookup returns.
 */
import net from 'node:net';
import { checkServerIdentity } from 'node:tls';
import type tls from 'node:tls';
import { type Dialer, tcpDialer } from '@combustible/shared';
import type { DestinationPolicy } from '../app/company-service.js';

export interface GuardedTarget {
  host: string;
  port: number;
  connectTimeoutMs: number;
  /**
   * TLS options. The connection goes to a checked IP, so these must name the station explicitly
   * (`servername` / `checkServerIdentity` for `host`): see stationTlsOptions.
   */
  tls?: tls.ConnectionOptions | undefined;
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
        return await tcpDialer({
          host: address,
          port: target.port,
          connectTimeoutMs: target.connectTimeoutMs,
          ...(target.tls ? { tls: target.tls } : {}),
        })(signal);
      } catch (err) {
        last = err;
      }
    }
    throw last instanceof Error ? last : new Error(String(signal.reason ?? 'no se pudo conectar'));
  };
}

/** The company's own TLS material for station links (`empresa serve --tls-ca [--tls-cert --tls-key]`). */
export interface CompanyTls {
  ca?: Buffer | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
}

/**
 * TLS options for a link to `host`, verified by that name even when the socket connects to one of
 * its checked addresses: SNI when it is a name, and the certificate checked against `host` itself.
 */
export function stationTlsOptions(host: string, material: CompanyTls = {}): tls.ConnectionOptions {
  return {
    rejectUnauthorized: true,
    ...(net.isIP(host) ? {} : { servername: host }),
    checkServerIdentity: (_connectedTo, cert) => checkServerIdentity(host, cert),
    ...(material.ca ? { ca: material.ca } : {}),
    ...(material.cert && material.key ? { cert: material.cert, key: material.key } : {}),
  };
}
