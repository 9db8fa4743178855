/** A test peer that speaks NDJSON over TCP, like `nc` with a memory. */

import net from 'node:net';
import { LineDecoder } from '@combustible/shared';

export type Json = Record<string, unknown>;
type Match = ((m: Json) => boolean) | string;

interface Waiter {
  match: (m: Json) => boolean;
  resolve: (m: Json) => void;
  reject: (e: Error) => void;
}

export class LineClient {
  /** Everything received, in order. */
  readonly received: Json[] = [];
  private unread: Json[] = [];
  private waiter: Waiter | undefined;
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    const decoder = new LineDecoder(
      { onLine: (line) => this.onMessage(JSON.parse(line) as Json), onOverflow: () => socket.destroy() },
      { maxLineBytes: 1024 * 1024 },
    );
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    void this.closed.then(() => {
      this.waiter?.reject(new Error(`connection closed; received: ${JSON.stringify(this.received)}`));
      this.waiter = undefined;
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host }, () => {
        socket.off('error', reject);
        resolve(new LineClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Wraps a socket accepted by a test server (a fake station's end of a pump connection). */
  static fromSocket(socket: net.Socket): LineClient {
    return new LineClient(socket);
  }

  send(message: Json | string): void {
    this.socket.write(typeof message === 'string' ? `${message}\n` : `${JSON.stringify(message)}\n`);
  }

  /** Resolves with the next message matching `match` (a predicate or a `tipo`); non-matching ones before it are skipped. */
  next(match: Match = () => true, timeoutMs = 10_000): Promise<Json> {
    const predicate = typeof match === 'string' ? (m: Json) => m.tipo === match : match;
    while (this.unread.length > 0) {
      const m = this.unread.shift() as Json;
      if (predicate(m)) return Promise.resolve(m);
    }
    if (this.socket.destroyed)
      return Promise.reject(new Error(`connection closed; received: ${JSON.stringify(this.received)}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no matching message within ${timeoutMs} ms; received: ${JSON.stringify(this.received)}`));
      }, timeoutMs);
      this.waiter = {
        match: predicate,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  private onMessage(m: Json): void {
    this.received.push(m);
    const w = this.waiter;
    if (!w) {
      this.unread.push(m);
    } else if (w.match(m)) {
      this.waiter = undefined;
      w.resolve(m);
    }
  }

  close(): Promise<void> {
    this.socket.end();
    return this.closed;
  }
}
