import { describe, expect, it } from 'vitest';
import { NetworkPolicy, parseCidr } from './networks.js';

const resolver = (table: Record<string, string[]>) => async (host: string) => {
  const found = table[host];
  if (!found) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
  return found;
};

describe('parseCidr', () => {
  it('reads IPv4 and IPv6 networks and bare addresses', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr(' ::1/128 ')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' });
    expect(parseCidr('192.168.1.5')).toEqual({ address: '192.168.1.5', prefix: 32, family: 'ipv4' });
  });

  it('refuses what is not a network', () => {
    for (const bad of ['', 'estacion', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/8/1', '::1/129', '10.0.0.0/x'])
      expect(() => parseCidr(bad), bad).toThrow();
  });
});

describe('NetworkPolicy', () => {
  const loopback = NetworkPolicy.parse(['127.0.0.0/8', '::1/128']);

  it('contains addresses inside its networks, IPv4-mapped IPv6 included', () => {
    expect(loopback.contains('127.0.0.1')).toBe(true);
    expect(loopback.contains('127.255.0.9')).toBe(true);
    expect(loopback.contains('::1')).toBe(true);
    expect(loopback.contains('::ffff:127.0.0.1')).toBe(true);
    expect(loopback.contains('10.0.0.1')).toBe(false);
    expect(loopback.contains('169.254.169.254')).toBe(false);
    expect(loopback.contains('estacion')).toBe(false);
  });

  it('allows everything with 0.0.0.0/0 and ::/0', () => {
    const all = NetworkPolicy.parse(['0.0.0.0/0', '::/0']);
    expect(all.contains('8.8.8.8')).toBe(true);
    expect(all.contains('2001:db8::1')).toBe(true);
  });

  it('checks literal addresses without resolving', async () => {
    const never = async () => {
      throw new Error('should not resolve');
    };
    expect(await loopback.check('127.0.0.1', never)).toEqual({ ok: true, addresses: ['127.0.0.1'] });
    expect(await loopback.check('[::1]', never)).toEqual({ ok: true, addresses: ['::1'] });
    const d = await loopback.check('10.0.0.7', never);
    expect(d).toMatchObject({ ok: false, motivo: expect.stringContaining('--allowed-networks') });
    expect(d.ok === false && d.motivo).toContain('10.0.0.7');
  });

  it('allows a hostname only when every address it resolves to is inside', async () => {
    const dns = resolver({ local: ['127.0.0.1', '::1'], mixto: ['127.0.0.1', '10.1.2.3'] });
    expect(await loopback.check('local', dns)).toEqual({ ok: true, addresses: ['127.0.0.1', '::1'] });
    const d = await loopback.check('mixto', dns);
    expect(d.ok).toBe(false);
    expect(d.ok === false && d.motivo).toContain('mixto (10.1.2.3)');
  });

  it('reports a name that does not resolve as unresolved', async () => {
    const d = await loopback.check('nadie', resolver({}));
    expect(d).toMatchObject({ ok: false, unresolved: true });
  });

  it('resolves real names with the system resolver', async () => {
    expect(await loopback.check('localhost')).toMatchObject({ ok: true });
  });
});
