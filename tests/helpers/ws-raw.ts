/**
 * A WebSocket client written against the bytes (RFC 6455), so a test can send what a library
 * never would: unmasked frames, reserved opcodes and bits, oversized or fragmented control
 * frames, invalid UTF-8, garbage instead of a handshake, and can stop reading at will.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

export interface HandshakeResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The open connection when the answer was 101. */
  ws: RawWs | null;
}

/** One frame as bytes. Client frames are masked unless `mask` is false. */
export function frame(opts: {
  opcode: number;
  payload?: Buffer | string;
  fin?: boolean;
  rsv?: number;
  mask?: boolean;
}): Buffer {
  const payload = typeof opts.payload === 'string' ? Buffer.from(opts.payload) : (opts.payload ?? Buffer.alloc(0));
  const mask = opts.mask ?? true;
  const b0 = ((opts.fin ?? true) ? 0x80 : 0) | (((opts.rsv ?? 0) & 7) << 4) | (opts.opcode & 0x0f);
  let header: Buffer;
  const m = mask ? 0x80 : 0;
  if (payload.length < 126) header = Buffer.from([b0, m | payload.length]);
  else if (payload.length < 65_536) {
    header = Buffer.alloc(4);
    header[0] = b0;
    header[1] = m | 126;
    header.writeUInt16BE(payload.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = b0;
    header[1] = m | 127;
    header.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  if (!mask) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  const masked = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) masked[i] = (payload[i] as number) ^ (key[i % 4] as number);
  return Buffer.concat([header, key, masked]);
}

/** A close frame with a code (and reason). */
export const closeFrame = (code: number, reason = '') => {
  const p = Buffer.alloc(2 + Buffer.byteLength(reason));
  p.writeUInt16BE(code, 0);
  p.write(reason, 2);
  return frame({ opcode: 0x8, payload: p });
};

export class RawWs {
  /** Text messages received, in order. */
  readonly messages: string[] = [];
  bytesReceived = 0;
  /** The code of the close frame the server sent, if one arrived. */
  closeCode: number | null = null;
  closeReason = '';
  readonly closed: Promise<void>;
  isClosed = false;
  private buf: Buffer = Buffer.alloc(0);
  private listeners: (() => void)[] = [];

  constructor(
    readonly socket: net.Socket,
    rest: Buffer,
  ) {
    socket.on('data', (c: Buffer) => this.onData(c));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
    if (rest.length > 0) this.onData(rest);
  }

  /** Opens a TCP connection and sends a handshake with `headers` (or `raw` bytes instead of one). */
  static handshake(
    port: number,
    opts: { headers?: Record<string, string>; raw?: Buffer; timeoutMs?: number } = {},
  ): Promise<HandshakeResult> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      let data = Buffer.alloc(0);
      let done = false;
      const timer = setTimeout(
        () => finish(new Error(`no answer to the handshake in ${opts.timeoutMs ?? 10_000} ms`)),
        opts.timeoutMs ?? 10_000,
      );
      const finish = (err: Error | null, result?: HandshakeResult) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.off('data', onData);
        if (err) {
          socket.destroy();
          reject(err);
        } else resolve(result as HandshakeResult);
      };
      const parse = (final: boolean) => {
        const end = data.indexOf('\r\n\r\n');
        if (end === -1) {
          if (final) finish(null, { status: 0, headers: {}, body: data.toString('latin1'), ws: null });
          return;
        }
        const head = data.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0);
        const headers: Record<string, string> = {};
        for (const h of head.slice(1)) {
          const i = h.indexOf(':');
          if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
        }
        const rest = data.subarray(end + 4);
        if (status === 101) {
          finish(null, { status, headers, body: '', ws: new RawWs(socket, rest) });
          return;
        }
        const length = headers['content-length'] === undefined ? null : Number(headers['content-length']);
        if (length !== null && rest.length >= length) {
          socket.destroy();
          finish(null, { status, headers, body: rest.subarray(0, length).toString('utf8'), ws: null });
        } else if (final) finish(null, { status, headers, body: rest.toString('utf8'), ws: null });
      };
      const onData = (c: Buffer) => {
        data = Buffer.concat([data, c]);
        parse(false);
      };
      socket.on('data', onData);
      socket.on('error', () => {});
      socket.on('close', () => parse(true));
      socket.on('connect', () => {
        if (opts.raw) {
          socket.write(opts.raw);
          return;
        }
        const headers: Record<string, string> = {
          Host: `127.0.0.1:${port}`,
          Upgrade: 'websocket',
          Connection: 'Upgrade',
          'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
          'Sec-WebSocket-Version': '13',
          ...opts.headers,
        };
        const lines = Object.entries(headers)
          .filter(([, v]) => v !== '')
          .map(([k, v]) => `${k}: ${v}`);
        socket.write(`GET / HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
      });
    });
  }

  /** A logged-in client: the handshake with a bearer token must be answered 101. */
  static async open(port: number, token: string, headers: Record<string, string> = {}): Promise<RawWs> {
    const r = await RawWs.handshake(port, { headers: { Authorization: `Bearer ${token}`, ...headers } });
    if (!r.ws) throw new Error(`WebSocket handshake: HTTP ${r.status} ${r.body}`);
    return r.ws;
  }

  /** Parsed JSON messages of a `tipo`. */
  count(tipo: string): number {
    let n = 0;
    for (const m of this.messages) if (m.includes(`"tipo":"${tipo}"`)) n++;
    return n;
  }

  /** Resolves when `check` holds (checked on every message) or rejects after `timeoutMs` or on close. */
  until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== listener);
        reject(new Error(`${what}: not within ${timeoutMs} ms (${this.messages.length} messages)`));
      }, timeoutMs);
      const listener = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
        resolve();
      };
      this.listeners.push(listener);
      void this.closed.then(() => {
        if (!this.listeners.includes(listener)) return;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
        if (check()) resolve();
        else reject(new Error(`${what}: the connection closed (code ${this.closeCode})`));
      });
    });
  }

  send(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Stops reading: what the server sends piles up in its buffers. */
  stopReading(): void {
    this.socket.pause();
  }

  /** Reads again (everything that piled up, then the close if there was one). */
  resumeReading(): void {
    this.socket.resume();
  }

  close(): Promise<void> {
    this.send(closeFrame(1000));
    const t = setTimeout(() => this.socket.destroy(), 2000);
    return this.closed.then(() => clearTimeout(t));
  }

  destroy(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }

  private onData(c: Buffer): void {
    this.bytesReceived += c.length;
    this.buf = this.buf.length === 0 ? c : Buffer.concat([this.buf, c]);
    for (;;) {
      if (this.buf.length < 2) break;
      const b0 = this.buf[0] as number;
      const b1 = this.buf[1] as number;
      let len = b1 & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buf.length < 4) break;
        len = this.buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) break;
        len = Number(this.buf.readBigUInt64BE(2));
        off = 10;
      }
      if (b1 & 0x80) off += 4; // a server never masks, but be safe
      if (this.buf.length < off + len) break;
      const payload = this.buf.subarray(off, off + len);
      this.buf = this.buf.subarray(off + len);
      const opcode = b0 & 0x0f;
      if (opcode === 0x1) this.messages.push(payload.toString('utf8'));
      else if (opcode === 0x8) {
        this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        this.closeReason = payload.subarray(2).toString('utf8');
        // Answer the close, as a client must, then let the server end the connection.
        this.send(closeFrame(this.closeCode === 1005 ? 1000 : Math.min(this.closeCode, 4999)));
        this.socket.end();
      } else if (opcode === 0x9) this.send(frame({ opcode: 0xa, payload }));
    }
    for (const l of [...this.listeners]) l();
  }
}
