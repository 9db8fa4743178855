import net from 'node:net';
import type { Duplex } from 'node:stream';

export interface ListeningServer {
  server: net.Server;
  port: number;
  host: string;
  /** Connections handed to the handler and not yet closed. */
  readonly open: number;
  /** Stops accepting; existing connections are the handler's to close. */
  close(): Promise<void>;
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

/** A TCP server is a thin shell: every accepted socket goes to `handle` as a plain Duplex. */
export function listenTcp(
  handle: (stream: Duplex, remote: string | null) => void,
  options: { host: string; port: number; limit?: ConnectionLimit },
): Promise<ListeningServer> {
  const limit = options.limit;
  let open = 0;
  const server = net.createServer({ noDelay: true }, (socket) => {
    if (limit && open >= limit.max) {
      refuse(socket, limit);
      return;
    }
    open += 1;
    limit?.onCount?.(open);
    socket.once('close', () => {
      open -= 1;
      limit?.onCount?.(open);
    });
    socket.setKeepAlive(true, 30_000);
    handle(socket, socket.remoteAddress ?? null);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const addr = server.address() as net.AddressInfo;
      resolve({
        server,
        port: addr.port,
        host: addr.address,
        get open() {
          return open;
        },
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
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
