import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { abortReason, parseHostPort, tcpDialer } from './dial.js';

describe('parseHostPort', () => {
  it.each([
    ['localhost:6000', undefined, { host: 'localhost', port: 6000 }],
    ['127.0.0.1:5001', undefined, { host: '127.0.0.1', port: 5001 }],
    ['estacion.example.com:1', undefined, { host: 'estacion.example.com', port: 1 }],
    ['host:65535', undefined, { host: 'host', port: 65_535 }],
    ['  host:80  ', undefined, { host: 'host', port: 80 }],
    ['host', 6000, { host: 'host', port: 6000 }],
    ['host:7000', 6000, { host: 'host', port: 7000 }],
    ['[::1]:6000', undefined, { host: '::1', port: 6000 }],
    ['[::1]', 5001, { host: '::1', port: 5001 }],
    ['[2001:db8::7]:443', undefined, { host: '2001:db8::7', port: 443 }],
    ['[fe80::1%eth0]:80', undefined, { host: 'fe80::1%eth0', port: 80 }],
  ])('parses %j (default %s)', (value, defaultPort, expected) => {
    expect(parseHostPort(value, defaultPort)).toEqual(expected);
  });

  it.each([
    ['', 6000],
    ['host', undefined],
    ['host:', undefined],
    [':6000', undefined],
    ['host:0', undefined],
    ['host:65536', undefined],
    ['host:99999', undefined],
    ['host:123456', undefined],
    ['host:-1', undefined],
    ['host:80a', undefined],
    ['host:8.0', undefined],
    ['host:80:90', undefined],
    ['::1', undefined],
    ['::1:6000', undefined],
    ['[::1', 6000],
    ['::1]:6000', undefined],
    ['[::1]:', undefined],
    ['[::1]x:80', undefined],
    ['[]:80', undefined],
    ['[abc:80', undefined],
    ['abc]:80', undefined],
    ['[::1]', undefined],
    ['host', 0],
    ['host', 70_000],
  ])('rejects %j (default %s)', (value, defaultPort) => {
    expect(() => parseHostPort(value, defaultPort)).toThrow(`expected HOST:PORT, got "${value}"`);
  });
});

describe('tcpDialer', () => {
  const servers: net.Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      if (s.listening) await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  async function listen(onConnection: (socket: net.Socket) => void = () => {}): Promise<number> {
    const server = net.createServer(onConnection);
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as net.AddressInfo).port;
  }

  it('resolves with a connected socket that carries bytes both ways', async () => {
    const port = await listen((socket) => socket.pipe(socket));
    const socket = await tcpDialer({ host: '127.0.0.1', port })(new AbortController().signal);
    socket.write('eco\n');
    const [data] = (await once(socket, 'data')) as [Buffer];
    expect(String(data)).toBe('eco\n');
    socket.destroy();
  });

  it('rejects when nothing listens on the port', async () => {
    const port = await listen();
    await new Promise<void>((resolve) => servers[0]?.close(() => resolve()));
    await expect(tcpDialer({ host: '127.0.0.1', port })(new AbortController().signal)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });

  it('rejects at once with the reason of an already aborted signal', async () => {
    const ac = new AbortController();
    const reason = new Error('ya no');
    ac.abort(reason);
    await expect(tcpDialer({ host: '127.0.0.1', port: 9 })(ac.signal)).rejects.toBe(reason);
  });

  it('rejects with the abort reason when aborted while connecting', async () => {
    const port = await listen();
    const ac = new AbortController();
    const dialing = tcpDialer({ host: '127.0.0.1', port })(ac.signal);
    const reason = new Error('cancelado');
    ac.abort(reason);
    await expect(dialing).rejects.toBe(reason);
  });
});

describe('abortReason', () => {
  it('is the reason when it is an Error, the AbortError of a bare abort() included', () => {
    const withError = new AbortController();
    const reason = new Error('cerrado');
    withError.abort(reason);
    expect(abortReason(withError.signal)).toBe(reason);
    const bare = new AbortController();
    bare.abort();
    expect(abortReason(bare.signal)).toBe(bare.signal.reason);
    expect(abortReason(bare.signal)).toMatchObject({ name: 'AbortError' });
  });

  it('wraps any other reason in Error("aborted"), keeping it as the cause', () => {
    const ac = new AbortController();
    ac.abort('adiós');
    const err = abortReason(ac.signal);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe('aborted');
    expect(err.cause).toBe('adiós');
  });
});
