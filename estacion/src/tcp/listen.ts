import net from 'node:net';
import type { Duplex } from 'node:stream';

export interface ListeningServer {
  server: net.Server;
  port: number;
  host: string;
  /** Stops accepting; existing connections are the handler's to close. */
  close(): Promise<void>;
}

/** A TCP server is a thin shell: every accepted socket goes to `handle` as a plain Duplex. */
export function listenTcp(
  handle: (stream: Duplex, remote: string | null) => void,
  options: { host: string; port: number },
): Promise<ListeningServer> {
  const server = net.createServer({ noDelay: true }, (socket) => {
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
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}
