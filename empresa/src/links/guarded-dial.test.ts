import net from 'node:net';
import { NetworkPolicy } from '@combustible/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { DestinationPolicy } from '../app/company-service.js';
import { DestinationRefused, guardedDialer, stationTlsOptions } from './guarded-dial.js';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(): Promise<{ port: number; accepted: () => number }> {
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted += 1;
    socket.destroy();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, accepted: () => accepted };
}

/** A policy whose names resolve through a table. */
function policy(networks: string[], table: Record<string, string[]> = {}): DestinationPolicy {
  const p = NetworkPolicy.parse(networks);
  return {
    describe: () => p.describe(),
    check: (host) =>
      p.check(host, async (name) => {
        const found = table[name];
        if (!found) throw new Error(`ENOTFOUND ${name}`);
        return found;
      }),
  };
}

describe('guardedDialer', () => {
  it('connects to an allowed address', async () => {
    const s = await listen();
    const refused: string[] = [];
    const dial = guardedDialer(
      { host: '127.0.0.1', port: s.port, connectTimeoutMs: 1000 },
      policy(['127.0.0.0/8']),
      (m) => void refused.push(m),
    );
    const socket = await dial(new AbortController().signal);
    socket.destroy();
    expect(refused).toEqual([]);
  });

  it('refuses an address outside without opening a connection', async () => {
    const s = await listen();
    const refused: string[] = [];
    const dial = guardedDialer(
      { host: '127.0.0.1', port: s.port, connectTimeoutMs: 1000 },
      policy(['10.0.0.0/8']),
      (m) => void refused.push(m),
    );
    await expect(dial(new AbortController().signal)).rejects.toBeInstanceOf(DestinationRefused);
    await expect(dial(new AbortController().signal)).rejects.toThrow(/^DIRECCION_NO_PERMITIDA: 127\.0\.0\.1/);
    expect(refused).toHaveLength(2);
    expect(s.accepted()).toBe(0);
  });

  it('connects to the checked addresses of a name, trying each in order', async () => {
    const s = await listen();
    // The first address answers nothing (nobody listens on 127.0.0.2 at that port); the second does.
    const dial = guardedDialer(
      { host: 'estacion', port: s.port, connectTimeoutMs: 1000 },
      policy(['127.0.0.0/8'], { estacion: ['127.0.0.2', '127.0.0.1'] }),
      () => {},
    );
    const socket = await dial(new AbortController().signal);
    socket.destroy();
    await expect.poll(s.accepted).toBe(1);
  });

  it('refuses a name with any address outside, and reports one that does not resolve as a plain error', async () => {
    const refused: string[] = [];
    const p = policy(['127.0.0.0/8'], { mixta: ['127.0.0.1', '10.0.0.5'] });
    const mixta = guardedDialer({ host: 'mixta', port: 1, connectTimeoutMs: 1000 }, p, (m) => void refused.push(m));
    await expect(mixta(new AbortController().signal)).rejects.toThrow(/10\.0\.0\.5/);
    const nadie = guardedDialer({ host: 'nadie', port: 1, connectTimeoutMs: 1000 }, p, (m) => void refused.push(m));
    const err = await nadie(new AbortController().signal).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(DestinationRefused);
    expect(String(err)).toContain('nadie');
    expect(refused).toHaveLength(1);
  });
});

describe('stationTlsOptions', () => {
  it('names the station explicitly (the socket goes to a checked IP): SNI for a name, identity check always', () => {
    const byName = stationTlsOptions('estacion.lan', { ca: Buffer.from('x') });
    expect(byName).toMatchObject({ servername: 'estacion.lan', rejectUnauthorized: true });
    expect(byName.ca).toBeDefined();
    const byIp = stationTlsOptions('10.0.0.7');
    expect(byIp.servername).toBeUndefined();
    // The identity is checked against the registered host, whatever address the socket used.
    const cert = {
      subject: { CN: 'x' },
      subjectaltname: 'DNS:estacion.lan',
    } as unknown as import('node:tls').PeerCertificate;
    expect(byName.checkServerIdentity?.('10.0.0.7', cert)).toBeUndefined();
    expect(byIp.checkServerIdentity?.('10.0.0.7', cert)).toBeInstanceOf(Error);
  });
});
