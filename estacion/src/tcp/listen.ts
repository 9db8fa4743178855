import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

export interface ListeningServer {
  server: net.Server;
  port: number;
  host: string;
  /**
   * The listen backlog in effect: the one asked for, capped by the kernel's net.core.somaxconn
   * where it can be read (Linux).
   */
  backlog: number;
  /** Connections handed to the handler and not yet closed. */
  readonly open: number;
  /** Stops accepting; existing connections are the handler's to close. */
  close(): Promise<void>;
  /** TLS only: new connections get this certificate and key; live ones keep theirs. */
  setSecureContext?(options: tls.SecureContextOptions): void;
}

/** What a TLS peer proved: its verified client certificate (mutual TLS), if any. */
export interface PeerInfo {
  certificate: tls.PeerCertificate | null;
}

/** Serve TLS instead of plain TCP (tls.createServer with these options). */
export interface TlsListenOptions {
  context: tls.SecureContextOptions;
  /** Require a client certificate signed by `context.ca` (mutual TLS). */
  clientAuth?: boolean;
  /** A handshake must finish in this time (default 10 s). */
  handshakeTimeoutMs?: number;
  /** A handshake failed (a plaintext client, an unknown certificate...). */
  onClientError?: (err: Error, remote: string | null) => void;
}

/**
 * A cap on open connections. Node's `server.maxConnections` drops the excess silently; here the
 * peer gets a reason first (`refusal`, e.g. an `error` line), then the socket is ended and, if the
 * peer does not close its side, destroyed shortly after.
 */
export interface ConnectionLimit {
  max: number;
  /** Written to a refused socket before it is closed. */
  refusal?: string;
  onRefused?: (remote: string | null) => void;
  /** The number of open connections changed. */
  onCount?: (open: number) => void;
  /** How long a refused peer has to close its side (default 1000 ms). */
  lingerMs?: number;
}

/**
 * A TCP server is a thin shell: every accepted socket goes to `handle` as a plain Duplex. With
 * `tls`, the same handler gets the decrypted TLS socket (after the handshake), and what the peer's
 * certificate proved.
 */
export function listenTcp(
  handle: (stream: Duplex, remote: string | null, peer: PeerInfo | null) => void,
  options: {
    host: string;
    port: number;
    limit?: ConnectionLimit;
    tls?: TlsListenOptions;
    /** Connections the kernel queues before they are accepted (Node's default is 511). */
    backlog?: number;
  },
): Promise<ListeningServer> {
  const limit = options.limit;
  let open = 0;
  // One listener for every connection ('close' is emitted once: `on` spares the wrapper `once` would
  // make per connection, and the closure is the server's, not one per socket).
  const closed = () => {
    open -= 1;
    limit?.onCount?.(open);
  };
  const accept = (socket: net.Socket, peer: PeerInfo | null) => {
    if (limit && open >= limit.max) {
      refuse(socket, limit);
      return;
    }
    open += 1;
    limit?.onCount?.(open);
    socket.on('close', closed);
    socket.setKeepAlive(true, 30_000);
    handle(socket, socket.remoteAddress ?? null, peer);
  };
  const t = options.tls;
  let server: net.Server;
  if (t) {
    const tlsServer = tls.createServer(
      {
        ...t.context,
        requestCert: t.clientAuth === true,
        rejectUnauthorized: t.clientAuth === true,
        handshakeTimeout: t.handshakeTimeoutMs ?? 10_000,
        noDelay: true,
      },
      (socket) => {
        const cert = t.clientAuth ? socket.getPeerCertificate() : null;
        accept(socket, { certificate: cert && Object.keys(cert).length > 0 ? cert : null });
      },
    );
    tlsServer.on('tlsClientError', (err, socket) => t.onClientError?.(err, socket.remoteAddress ?? null));
    // Handshakes cost too: with TLS the limit counts every TCP connection, handshaking or not. One
    // past it is closed at once (before TLS it cannot be told why); its close always settles the count.
    if (limit) {
      let raw = 0;
      tlsServer.on('connection', (socket: net.Socket) => {
        if (raw >= limit.max) {
          limit.onRefused?.(socket.remoteAddress ?? null);
          socket.destroy();
          return;
        }
        raw += 1;
        socket.once('close', () => {
          raw -= 1;
        });
      });
    }
    server = tlsServer;
  } else {
    server = net.createServer({ noDelay: true }, (socket) => accept(socket, null));
  }
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const backlog = options.backlog ?? DEFAULT_BACKLOG;
    server.listen({ port: options.port, host: options.host, backlog }, () => {
      server.off('error', reject);
      const addr = server.address() as net.AddressInfo;
      resolve({
        server,
        port: addr.port,
        host: addr.address,
        backlog: Math.min(backlog, somaxconn() ?? backlog),
        get open() {
          return open;
        },
        close: () => new Promise<void>((r) => server.close(() => r())),
        ...(server instanceof tls.Server
          ? { setSecureContext: (ctx: tls.SecureContextOptions) => server.setSecureContext(ctx) }
          : {}),
      });
    });
  });
}

/** Node's own default. */
const DEFAULT_BACKLOG = 511;

/** The kernel's cap on any listen backlog (Linux), or null where it cannot be read. */
export function somaxconn(): number | null {
  try {
    const n = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

function refuse(socket: net.Socket, limit: ConnectionLimit): void {
  limit.onRefused?.(socket.remoteAddress ?? null);
  socket.on('error', () => {});
  // Whatever the peer already sent is read and dropped: closing with unread input would send a
  // reset, and the peer could lose the reason.
  socket.resume();
  if (limit.refusal === undefined) socket.end();
  else socket.end(limit.refusal);
  const timer = setTimeout(() => socket.destroy(), limit.lingerMs ?? 1000);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
