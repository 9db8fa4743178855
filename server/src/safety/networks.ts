/**
 * Where a service may connect to. The company dials the address a staff member registers for a
 * station; without a limit that is a way to probe the company's own network (SSRF-like). A
 * NetworkPolicy holds the allowed ranges (CIDR); a hostname is allowed only when every address it
 * resolves to is inside, and the connection then goes to the address that was checked.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import net from 'node:net';

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** Parses `10.0.0.0/8`, `::1/128`, or a bare address (a /32 or /128). Throws with a Spanish message. */
export function parseCidr(value: string): Cidr {
  const text = value.trim();
  const [address = '', prefixText, ...rest] = text.split('/');
  const family = net.isIPv4(address) ? 'ipv4' : net.isIPv6(address) ? 'ipv6' : null;
  if (family === null || rest.length > 0) throw new Error(`"${value}" no es una red CIDR (p. ej. 10.0.0.0/8)`);
  const max = family === 'ipv4' ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefixText === '' || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new Error(`"${value}": el prefijo debe ser un entero entre 0 y ${max}`);
  }
  return { address, prefix, family };
}

export const formatCidr = (c: Cidr) => `${c.address}/${c.prefix}`;

/** Resolves a hostname to every address it has (node:dns lookup, so /etc/hosts counts). */
export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

export type DestinationDecision =
  { ok: true; addresses: string[] } | { ok: false; motivo: string; unresolved?: boolean };

export class NetworkPolicy {
  private readonly list = new net.BlockList();

  constructor(readonly networks: readonly Cidr[]) {
    for (const n of networks) this.list.addSubnet(n.address, n.prefix, n.family);
  }

  static parse(values: readonly string[]): NetworkPolicy {
    return new NetworkPolicy(values.map(parseCidr));
  }

  /** `127.0.0.0/8, ::1/128` */
  describe(): string {
    return this.networks.map(formatCidr).join(', ') || '(ninguna)';
  }

  /** True when the IP address is inside one of the networks (IPv4-mapped IPv6 counts as IPv4). */
  contains(address: string): boolean {
    if (net.isIPv4(address)) return this.list.check(address, 'ipv4');
    if (net.isIPv6(address)) return this.list.check(address, 'ipv6');
    return false;
  }

  /**
   * Checks a host (address or name). A name is resolved; every address must be inside. A name
   * that does not resolve is refused with `unresolved: true` (callers may accept it for now and
   * check again when they connect).
   */
  async check(host: string, resolve: Resolver = systemResolver): Promise<DestinationDecision> {
    const bare = host.replace(/^\[(.*)\]$/, '$1');
    let addresses: string[];
    if (net.isIP(bare) !== 0) {
      addresses = [bare];
    } else {
      try {
        addresses = await resolve(bare);
      } catch (err) {
        return { ok: false, unresolved: true, motivo: `no se pudo resolver ${host}: ${(err as Error).message}` };
      }
      if (addresses.length === 0) return { ok: false, unresolved: true, motivo: `${host} no tiene direcciones` };
    }
    const outside = addresses.filter((a) => !this.contains(a));
    if (outside.length > 0) {
      const which = bare === outside[0] ? bare : `${host} (${outside.join(', ')})`;
      return {
        ok: false,
        motivo: `${which} está fuera de las redes permitidas (${this.describe()}); amplíelas con --allowed-networks`,
      };
    }
    return { ok: true, addresses };
  }
}
