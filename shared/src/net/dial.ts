import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

export interface TcpTarget {
  host: string;
  port: number;
  /** Use TLS; `true` for defaults or options for node:tls (ca, servername, rejectUnauthorized...). */
  tls?: boolean | tls.ConnectionOptions;
  /** Give up a connection attempt after this many ms (default 5000). */
  connectTimeoutMs?: number;
}

/**
 * Why `signal` was aborted, as an Error: its reason when that is one (`abort()` gives an AbortError
 * DOMException, `abort(err)` gives `err`), else an Error('aborted') with the reason as its cause.
 */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('aborted', { cause: reason });
}

/** A function that opens one connection, resolving once it is usable. */
export type Dialer = (signal: AbortSignal) => Promise<Duplex>;

/** Dials TCP or TLS, with a connect timeout and cancellation. */
export function tcpDialer(target: TcpTarget): Dialer {
  const timeoutMs = target.connectTimeoutMs ?? 5000;
  return (signal) =>
    new Promise<Duplex>((resolve, reject) => {
      if (signal.aborted) {
        reject(abortReason(signal));
        return;
      }
      const socket: net.Socket = target.tls
        ? tls.connect({
            host: target.host,
            port: target.port,
            ...(typeof target.tls === 'object' ? target.tls : {}),
          })
        : net.connect({ host: target.host, port: target.port });
      const readyEvent = target.tls ? 'secureConnect' : 'connect';
      const timer = setTimeout(() => fail(new Error(`connect timeout after ${timeoutMs} ms`)), timeoutMs);
      const onAbort = () => fail(abortReason(signal));
      const cleanup = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        socket.off('error', fail);
        socket.off(readyEvent, ready);
      };
      function fail(err: Error) {
        cleanup();
        socket.destroy();
        reject(err);
      }
      function ready() {
        cleanup();
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 15_000);
        resolve(socket);
      }
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('error', fail);
      socket.once(readyEvent, ready);
    });
}

/** Parses "host:port" (or "[::1]:port"). */
export function parseHostPort(value: string, defaultPort?: number): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(value.trim());
  const host = m?.[1] ?? m?.[2];
  const port = m?.[3] !== undefined ? Number(m[3]) : defaultPort;
  if (!host || port === undefined || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`expected HOST:PORT, got "${value}"`);
  }
  return { host, port };
}
