import net from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type ListeningServer, listenTcp, somaxconn } from './listen.js';

const servers: ListeningServer[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function connect(
  port: number,
  allowHalfOpen = false,
): Promise<{ socket: net.Socket; text: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen }, () =>
      resolve({ socket, text: () => data, closed }),
    );
    sockets.push(socket);
    let data = '';
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString();
    });
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('error', reject);
  });
}

describe('listenTcp with a connection limit', () => {
  it('hands connections to the handler up to the limit, then answers the next with the reason and closes it', async () => {
    const handled: Duplex[] = [];
    const refused: (string | null)[] = [];
    const counts: number[] = [];
    let accepted: () => void = () => {};
    const server = await listenTcp(
      (stream) => {
        handled.push(stream);
        accepted();
      },
      {
        host: '127.0.0.1',
        port: 0,
        limit: {
          max: 2,
          refusal: '{"tipo":"error","codigo":"LIMITE_EXCEDIDO","mensaje":"lleno"}\n',
          onRefused: (remote) => refused.push(remote),
          onCount: (n) => counts.push(n),
        },
      },
    );
    servers.push(server);
    const both = new Promise<void>((r) => {
      accepted = () => handled.length === 2 && r();
    });
    await connect(server.port);
    await connect(server.port);
    await both;
    expect(server.open).toBe(2);

    const third = await connect(server.port);
    third.socket.write('{"tipo":"registro"}\n'); // whatever it sends is dropped, not a reset
    await third.closed;
    expect(JSON.parse(third.text())).toEqual({ tipo: 'error', codigo: 'LIMITE_EXCEDIDO', mensaje: 'lleno' });
    expect(refused).toEqual(['127.0.0.1']);
    expect(handled).toHaveLength(2);

    // A slot frees up when a connection closes.
    const freed = new Promise<void>((r) => handled[0]?.once('close', () => r()));
    handled[0]?.destroy();
    await freed;
    expect(server.open).toBe(1);
    const again = new Promise<void>((r) => {
      accepted = () => handled.length === 3 && r();
    });
    await connect(server.port);
    await again;
    expect(counts).toEqual([1, 2, 1, 2]);
  });

  it('cuts off a refused peer that does not close its side', async () => {
    const server = await listenTcp(() => {}, {
      host: '127.0.0.1',
      port: 0,
      limit: { max: 0, refusal: 'no\n', lingerMs: 50 },
    });
    servers.push(server);
    const peer = await connect(server.port, true); // half-open: it never ends its side
    const ended = new Promise<void>((r) => peer.socket.once('end', () => r()));
    await ended;
    expect(peer.socket.writable).toBe(true);
    // The server holds no socket for it once lingerMs has passed.
    const connections = () => new Promise<number>((r) => server.server.getConnections((_e, n) => r(n)));
    await expect.poll(connections, { timeout: 2000 }).toBe(0);
    expect(peer.text()).toBe('no\n');
    expect(server.open).toBe(0);
  });
});

describe('listenTcp backlog', () => {
  it('listens with the backlog asked for, reported as the kernel caps it (net.core.somaxconn)', async () => {
    const server = await listenTcp(() => {}, { host: '127.0.0.1', port: 0, backlog: 100_000 });
    servers.push(server);
    const cap = somaxconn();
    expect(server.backlog).toBe(cap === null ? 100_000 : Math.min(100_000, cap));
    const small = await listenTcp(() => {}, { host: '127.0.0.1', port: 0, backlog: 1 });
    servers.push(small);
    expect(small.backlog).toBe(1);
    const byDefault = await listenTcp(() => {}, { host: '127.0.0.1', port: 0 });
    servers.push(byDefault);
    expect(byDefault.backlog).toBe(Math.min(511, cap ?? 511));
  });
});
