import { once } from 'node:events';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay } from './backoff.js';
import { type Dialer, tcpDialer } from './dial.js';
import { type ConnectionState, ReconnectingClient, type RetryInfo } from './reconnecting-client.js';

// ── helpers ─────────────────────────────────────────────────────────────────────────────────

/** Two in-memory stream ends: what one writes the other reads; ending or destroying one reaches the other. */
function duplexPair(): { client: Duplex; server: Duplex } {
  const make = (peer: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk, _encoding, callback) {
        peer().push(chunk);
        callback();
      },
      final(callback) {
        peer().push(null);
        callback();
      },
      destroy(error, callback) {
        const other = peer();
        if (!other.destroyed) other.destroy();
        callback(error);
      },
    });
  const client: Duplex = make(() => server);
  const server: Duplex = make(() => client);
  return { client, server };
}

interface PendingDial {
  signal: AbortSignal;
  resolve(socket: Duplex): void;
  reject(error: Error): void;
}

/** A dialer whose attempts the test settles by hand. */
class FakeNetwork {
  readonly dials: PendingDial[] = [];
  readonly dial: Dialer = (signal) =>
    new Promise<Duplex>((resolve, reject) => {
      this.dials.push({ signal, resolve, reject });
    });

  get last(): PendingDial {
    const pending = this.dials.at(-1);
    if (!pending) throw new Error('no dial yet');
    return pending;
  }

  /** Completes the latest dial; returns both ends. */
  accept(): { client: Duplex; server: Duplex } {
    const pair = duplexPair();
    this.last.resolve(pair.client);
    return pair;
  }

  refuse(error: Error = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })): void {
    this.last.reject(error);
  }
}

function recordStates(client: ReconnectingClient): ConnectionState[] {
  const states: ConnectionState[] = [];
  client.on('state', (s) => states.push(s));
  return states;
}

async function nextRetry(client: ReconnectingClient): Promise<RetryInfo> {
  const [info] = (await once(client, 'retry')) as [RetryInfo];
  return info;
}

/** Resolves with the next `n` lines the client emits. */
function takeLines(client: ReconnectingClient, n: number): Promise<string[]> {
  return new Promise((resolve) => {
    const lines: string[] = [];
    const onLine = (line: string) => {
      lines.push(line);
      if (lines.length === n) {
        client.off('line', onLine);
        resolve(lines);
      }
    };
    client.on('line', onLine);
  });
}

const BACKOFF = { baseMs: 100, maxMs: 1000 };

// ── state machine, with fake timers ─────────────────────────────────────────────────────────

describe('ReconnectingClient', () => {
  let network: FakeNetwork;
  const clients: ReconnectingClient[] = [];

  function createClient(options: Partial<ConstructorParameters<typeof ReconnectingClient>[0]> = {}) {
    const client = new ReconnectingClient({
      dial: network.dial,
      backoff: BACKOFF,
      random: () => 0.5,
      ...options,
    });
    clients.push(client);
    return client;
  }

  beforeEach(() => {
    vi.useFakeTimers();
    network = new FakeNetwork();
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    vi.useRealTimers();
  });

  it('gives every connection the same socket listeners, none wrapped by once()', async () => {
    const sockets: Duplex[] = [];
    for (let i = 0; i < 2; i++) {
      const client = createClient();
      const connected = once(client, 'connected');
      client.start();
      sockets.push(network.accept().client);
      await connected;
    }
    const [a, b] = sockets as [Duplex, Duplex];
    for (const event of ['data', 'drain', 'error', 'end', 'close']) {
      const mine = a.rawListeners(event);
      const theirs = b.rawListeners(event);
      expect(mine.length, event).toBeGreaterThan(0);
      expect(mine.length, event).toBe(theirs.length);
      // A closure or a once() wrapper would be a function of this connection only.
      mine.forEach((fn, k) => expect(fn === theirs[k], `${event} ${k}`).toBe(true));
    }
  });

  it('drops the unfinished line of a closed connection: the next one starts clean', async () => {
    const client = createClient();
    const lines: string[] = [];
    client.on('line', (l) => lines.push(l));
    client.start();
    const first = network.accept();
    await once(client, 'connected');
    first.server.write('{"a":1}\n{"sin_fin":');
    await vi.waitFor(() => expect(lines).toEqual(['{"a":1}']));
    const retry = nextRetry(client);
    first.server.destroy();
    await retry;
    await vi.runOnlyPendingTimersAsync();
    const second = network.accept();
    await once(client, 'connected');
    second.server.write('{"b":2}\n');
    await vi.waitFor(() => expect(lines).toEqual(['{"a":1}', '{"b":2}']));
  });

  it('goes idle → connecting → open → waiting → connecting', async () => {
    const client = createClient();
    const states = recordStates(client);
    expect(client.state).toBe('idle');
    expect(network.dials).toHaveLength(0);

    client.start();
    expect(client.state).toBe('connecting');
    expect(network.dials).toHaveLength(1);

    const connected = once(client, 'connected');
    const { server } = network.accept();
    await connected;
    expect(client.state).toBe('open');

    const disconnected = once(client, 'disconnected');
    const retry = nextRetry(client);
    server.end(); // the peer closes
    await disconnected;
    expect(await retry).toMatchObject({ attempt: 1, delayMs: 50 });
    expect(client.state).toBe('waiting');

    vi.advanceTimersByTime(49);
    expect(client.state).toBe('waiting');
    expect(network.dials).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(client.state).toBe('connecting');
    expect(network.dials).toHaveLength(2);
    expect(states).toEqual(['connecting', 'open', 'waiting', 'connecting']);
  });

  it('waits at least the delay given to drop() (the peer said when to try again), once', async () => {
    const client = createClient();
    client.start();
    const connected = once(client, 'connected');
    network.accept();
    await connected;
    const retry = nextRetry(client);
    client.drop(new Error('registro rechazado'), 5000);
    expect(await retry).toMatchObject({ attempt: 1, delayMs: 5000 });
  });

  it('ignores a second start()', () => {
    const client = createClient();
    client.start();
    client.start();
    expect(network.dials).toHaveLength(1);
  });

  it('waits backoffDelay(attempt, backoff, random) between failed attempts', async () => {
    const randoms = [0.5, 0.9, 0.25, 0.75, 0.1, 0.99, 0.6];
    const expected = [50, 180, 100, 600, 100, 990, 600]; // ceilings 100, 200, 400, 800, then 1000
    let i = 0;
    const client = createClient({ random: () => randoms[i++] ?? 0 });
    client.start();
    for (let attempt = 0; attempt < randoms.length; attempt++) {
      const delayMs = expected[attempt] ?? -1;
      expect(backoffDelay(attempt, BACKOFF, () => randoms[attempt] ?? 0)).toBe(delayMs);
      const retry = nextRetry(client);
      network.refuse();
      const info = await retry;
      expect(info.attempt).toBe(attempt + 1);
      expect(info.delayMs).toBe(delayMs);
      expect(info.error.message).toBe('connect ECONNREFUSED');
      expect(client.state).toBe('waiting');
      vi.advanceTimersByTime(delayMs - 1);
      expect(network.dials).toHaveLength(attempt + 1);
      vi.advanceTimersByTime(1);
      expect(network.dials).toHaveLength(attempt + 2);
      expect(client.state).toBe('connecting');
    }
  });

  it('wraps a non-Error rejection of the dialer into an Error', async () => {
    const client = createClient();
    client.start();
    const retry = nextRetry(client);
    network.last.reject('plain text' as unknown as Error);
    const info = await retry;
    expect(info.error).toBeInstanceOf(Error);
    expect(info.error.message).toBe('plain text');
  });

  it('starts over from the first step after a successful connection', async () => {
    const client = createClient({ backoff: { baseMs: 100, maxMs: 10_000 } });
    client.start();
    for (const delayMs of [50, 100, 200]) {
      const retry = nextRetry(client);
      network.refuse();
      expect((await retry).delayMs).toBe(delayMs);
      vi.advanceTimersByTime(delayMs);
    }
    const connected = once(client, 'connected');
    const { server } = network.accept();
    await connected;
    expect(client.reconnects).toBe(0);

    const retry = nextRetry(client);
    server.destroy();
    expect(await retry).toMatchObject({ attempt: 1, delayMs: 50 });
    vi.advanceTimersByTime(50);
    const reconnected = once(client, 'connected');
    network.accept();
    await reconnected;
    expect(client.reconnects).toBe(1);
  });

  it('close() during a wait cancels the timer for good', async () => {
    const client = createClient();
    client.start();
    const retry = nextRetry(client);
    network.refuse();
    await retry;
    expect(vi.getTimerCount()).toBe(1);

    const closed = vi.fn();
    client.on('closed', closed);
    client.close();
    expect(client.state).toBe('closed');
    expect(closed).toHaveBeenCalledTimes(1);
    expect(closed).toHaveBeenCalledWith(undefined);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(network.dials).toHaveLength(1);
    client.close();
    expect(closed).toHaveBeenCalledTimes(1);
  });

  it('close() during a dial aborts it and destroys a socket that arrives late', async () => {
    const client = createClient();
    const connected = vi.fn();
    client.on('connected', connected);
    client.start();
    const dial = network.last;
    expect(dial.signal.aborted).toBe(false);

    client.close();
    expect(dial.signal.aborted).toBe(true);
    expect(client.state).toBe('closed');

    const { client: late } = duplexPair();
    const lateClosed = once(late, 'close');
    dial.resolve(late);
    await lateClosed;
    expect(late.destroyed).toBe(true);
    expect(connected).not.toHaveBeenCalled();
    expect(client.state).toBe('closed');
  });

  it('close() while a dial is failing does not schedule a retry', async () => {
    const client = createClient();
    const retry = vi.fn();
    client.on('retry', retry);
    client.start();
    const dial = network.last;
    client.close();
    dial.reject(new Error('aborted'));
    await vi.advanceTimersByTimeAsync(60_000); // lets the rejection be handled, then runs any timer
    expect(retry).not.toHaveBeenCalled();
    expect(network.dials).toHaveLength(1);
  });

  it('close() while open ends the connection, then destroys it if the peer lingers', async () => {
    const client = createClient();
    client.start();
    const connected = once(client, 'connected');
    const { client: socket, server } = network.accept();
    await connected;
    const disconnected = vi.fn();
    client.on('disconnected', disconnected);

    server.resume();
    const serverEnded = once(server, 'end');
    client.close();
    await serverEnded;
    expect(socket.destroyed).toBe(false); // graceful end first
    expect(client.send('x\n')).toBe(false);

    const socketClosed = once(socket, 'close');
    vi.advanceTimersByTime(1000);
    await socketClosed;
    expect(socket.destroyed).toBe(true);
    expect(disconnected).not.toHaveBeenCalled();
    vi.advanceTimersByTime(60_000);
    expect(network.dials).toHaveLength(1);
  });

  it('the AbortSignal option closes it, while open or while waiting', async () => {
    const ac = new AbortController();
    const client = createClient({ signal: ac.signal });
    client.start();
    const connected = once(client, 'connected');
    const { server } = network.accept();
    await connected;

    server.resume();
    const serverEnded = once(server, 'end');
    const closed = once(client, 'closed');
    ac.abort();
    await closed;
    await serverEnded;
    expect(client.state).toBe('closed');

    const ac2 = new AbortController();
    const waiting = createClient({ signal: ac2.signal });
    waiting.start();
    const retry = nextRetry(waiting);
    network.refuse();
    await retry;
    ac2.abort();
    expect(waiting.state).toBe('closed');
    vi.advanceTimersByTime(60_000);
    expect(network.dials).toHaveLength(2);
  });

  it('does not dial at all when the signal is already aborted', () => {
    const ac = new AbortController();
    ac.abort();
    const client = createClient({ signal: ac.signal });
    client.start();
    expect(client.state).toBe('closed');
    expect(network.dials).toHaveLength(0);
  });

  it('stops retrying when isFatal says so, and reports the error on closed', async () => {
    const fatal = Object.assign(new Error('token rechazado'), { code: 'AUTENTICACION_FALLIDA' });
    const isFatal = vi.fn((e: Error) => (e as Error & { code?: string }).code === 'AUTENTICACION_FALLIDA');
    const client = createClient({ isFatal });
    const retry = vi.fn();
    client.on('retry', retry);
    client.start();

    const firstRetry = nextRetry(client);
    network.refuse(); // not fatal: retried
    await firstRetry;
    vi.advanceTimersByTime(50);
    expect(network.dials).toHaveLength(2);

    const closed = once(client, 'closed');
    network.refuse(fatal);
    expect(await closed).toEqual([fatal]);
    expect(client.state).toBe('closed');
    expect(isFatal).toHaveBeenCalledTimes(2);
    expect(retry).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60_000);
    expect(network.dials).toHaveLength(2);
  });

  it('isFatal also applies to the reason a live connection was dropped', async () => {
    const client = createClient({ isFatal: (e) => e.message === 'versión de protocolo incompatible' });
    client.start();
    const connected = once(client, 'connected');
    network.accept();
    await connected;
    const closed = once(client, 'closed');
    client.drop(new Error('versión de protocolo incompatible'));
    const [reason] = (await closed) as [Error];
    expect(reason.message).toBe('versión de protocolo incompatible');
    expect(client.state).toBe('closed');
  });

  it('drop() closes the socket and reconnects after backoff, reporting the reason', async () => {
    const client = createClient();
    client.start();
    const connected = once(client, 'connected');
    const { client: socket } = network.accept();
    await connected;

    const disconnected = once(client, 'disconnected');
    const retry = nextRetry(client);
    client.drop(new Error('sin heartbeat'));
    expect(socket.destroyed).toBe(true);
    const [error] = (await disconnected) as [Error];
    expect(error.message).toBe('sin heartbeat');
    expect((await retry).error.message).toBe('sin heartbeat');
    expect(client.state).toBe('waiting');
  });

  it('emits each received line, whatever the chunking', async () => {
    const client = createClient();
    client.start();
    const connected = once(client, 'connected');
    const { server } = network.accept();
    await connected;

    const lines = takeLines(client, 3);
    server.write('{"tipo":"ping"}\n{"tipo":"po');
    server.write('ng"}\r\n\n{"tipo":"precios_recibidos",');
    server.write('"version":3}\n');
    expect(await lines).toEqual(['{"tipo":"ping"}', '{"tipo":"pong"}', '{"tipo":"precios_recibidos","version":3}']);
  });

  it('send() writes while open and refuses while not connected', async () => {
    const client = createClient();
    expect(client.send('antes\n')).toBe(false);
    client.start();
    expect(client.send('conectando\n')).toBe(false);
    const connected = once(client, 'connected');
    const { server } = network.accept();
    await connected;

    const received = once(server, 'data');
    expect(client.send('{"tipo":"ping"}\n')).toBe(true);
    expect(String((await received)[0])).toBe('{"tipo":"ping"}\n');

    const retry = nextRetry(client);
    server.destroy();
    await retry;
    expect(client.send('esperando\n')).toBe(false);
  });

  it('drops the connection on an over-long line and emits nothing from it', async () => {
    const client = createClient({ maxLineBytes: 16 });
    client.start();
    const connected = once(client, 'connected');
    const { server } = network.accept();
    await connected;

    const lines: string[] = [];
    client.on('line', (l) => lines.push(l));
    const overflow = once(client, 'overflow');
    const disconnected = once(client, 'disconnected');
    const retry = nextRetry(client);
    server.write(`${'x'.repeat(40)}\n{"tipo":"ping"}\n`);
    expect(await overflow).toEqual([40]);
    const [error] = (await disconnected) as [Error];
    expect(error.message).toBe('line over 16 bytes');
    expect((await retry).attempt).toBe(1);
    expect(client.state).toBe('waiting');
    expect(lines).toEqual([]);
  });

  it('emits no more lines from a connection dropped by a line handler', async () => {
    const client = createClient();
    client.start();
    const connected = once(client, 'connected');
    const { server } = network.accept();
    await connected;

    const lines: string[] = [];
    client.on('line', (l) => {
      lines.push(l);
      if (l === 'malo') client.drop(new Error('mensaje malo'));
    });
    const retry = nextRetry(client);
    server.write('bueno\nmalo\notro\n');
    expect((await retry).error.message).toBe('mensaje malo');
    expect(lines).toEqual(['bueno', 'malo']);
  });

  it('keeps the lines that came before an over-long one', async () => {
    const client = createClient({ maxLineBytes: 16 });
    client.start();
    const connected = once(client, 'connected');
    const { server } = network.accept();
    await connected;

    const lines = takeLines(client, 1);
    const overflow = once(client, 'overflow');
    server.write('{"tipo":"ping"}\n');
    server.write('y'.repeat(10));
    server.write('y'.repeat(10));
    expect(await lines).toEqual(['{"tipo":"ping"}']);
    expect(await overflow).toEqual([20]);
  });
});

// ── one real socket ─────────────────────────────────────────────────────────────────────────

describe('ReconnectingClient over TCP', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });

  /** A line server on 127.0.0.1 that greets each connection and echoes lines back. */
  async function startServer(port: number): Promise<{ server: net.Server; sockets: Set<net.Socket> }> {
    const sockets = new Set<net.Socket>();
    let n = 0;
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      n += 1;
      socket.write(`hola ${n}\n`);
      socket.setEncoding('utf8');
      socket.on('data', (text: string) => {
        for (const line of text.split('\n').filter(Boolean)) socket.write(`eco ${line}\n`);
      });
    });
    cleanups.push(() => {
      server.close();
      for (const s of sockets) s.destroy();
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return { server, sockets };
  }

  function stopServer({ server, sockets }: { server: net.Server; sockets: Set<net.Socket> }): void {
    server.close();
    for (const s of sockets) s.destroy();
  }

  it('with resetOnPeerClose answers the server closing with a reset (no TIME_WAIT left at the server)', async () => {
    const peerSaw: string[] = [];
    const server = net.createServer({ allowHalfOpen: true }, (socket) => {
      socket.on('error', (err: NodeJS.ErrnoException) => peerSaw.push(err.code ?? err.message));
      socket.on('end', () => peerSaw.push('end'));
      socket.on('close', () => peerSaw.push('close'));
      socket.end('adiós\n');
    });
    cleanups.push(() => server.close());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    const client = new ReconnectingClient({
      dial: tcpDialer({ host: '127.0.0.1', port }),
      backoff: { baseMs: 60_000, maxMs: 60_000 },
      resetOnPeerClose: true,
    });
    cleanups.push(() => client.close());
    const lines = takeLines(client, 1);
    const disconnected = once(client, 'disconnected');
    client.start();
    expect(await lines).toEqual(['adiós']);
    await disconnected;
    await new Promise<void>((resolve) => {
      const check = () => (peerSaw.includes('close') ? resolve() : setTimeout(check, 5));
      check();
    });
    // The server's socket was reset (ECONNRESET), never ended by a FIN from the client.
    expect(peerSaw).toContain('ECONNRESET');
    expect(peerSaw).not.toContain('end');
  });

  it('survives the server going away and coming back on the same port', async () => {
    const first = await startServer(0);
    const port = (first.server.address() as net.AddressInfo).port;
    const client = new ReconnectingClient({
      dial: tcpDialer({ host: '127.0.0.1', port, connectTimeoutMs: 2000 }),
      backoff: { baseMs: 10, maxMs: 50 },
    });
    cleanups.push(() => client.close());

    let greeting = takeLines(client, 1);
    let connected = once(client, 'connected');
    client.start();
    await connected;
    expect(await greeting).toEqual(['hola 1']);
    expect(client.state).toBe('open');

    // The server goes away: the client notices, then keeps trying against a closed port.
    const disconnected = once(client, 'disconnected');
    stopServer(first);
    await disconnected;
    expect(['waiting', 'connecting']).toContain(client.state);
    let refused: RetryInfo;
    do refused = await nextRetry(client);
    while ((refused.error as NodeJS.ErrnoException).code !== 'ECONNREFUSED');
    expect(refused.delayMs).toBeLessThan(50);
    expect(client.reconnects).toBe(0);

    // Back on the same port: the client reconnects by itself and lines flow again.
    connected = once(client, 'connected');
    greeting = takeLines(client, 1);
    await startServer(port);
    await connected;
    expect(client.reconnects).toBe(1);
    expect(await greeting).toEqual(['hola 1']);

    const echo = takeLines(client, 1);
    expect(client.send('{"tipo":"ping"}\n')).toBe(true);
    expect(await echo).toEqual(['eco {"tipo":"ping"}']);
  });
});
