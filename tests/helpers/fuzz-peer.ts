/**
 * One side of an NDJSON connection under fuzz: it writes lines (with backpressure), reads every
 * answer, and keeps the books. The test says, line by line, what the other side must answer
 * (`expectError(code)`, `expectReply(kind)`); `settle()` waits until that many answers have
 * arrived, and `verdict()` compares what came with what was due.
 */
import net from 'node:net';
import { LineDecoder } from '@combustible/shared';

export type Json = Record<string, unknown>;

export interface PeerOptions {
  /** Messages the peer sends on its own (price pushes, pings): never counted as answers. */
  unsolicited?: (m: Json) => boolean;
  /** The tipo of each kind of non-error answer, e.g. {venta: ['transaccion_confirmada']}. */
  replies?: Record<string, readonly string[]>;
}

export class FuzzPeer {
  readonly received: Json[] = [];
  /** Lines that were not JSON objects (a peer must never send one). */
  readonly garbage: string[] = [];
  readonly closed: Promise<void>;
  isClosed = false;
  linesSent = 0;
  bytesSent = 0;
  /** Bad lines sent, by the code they must be answered with. */
  readonly dueErrors = new Map<string, number>();
  /** Other lines that must get exactly one answer, by kind (e.g. `venta`: a confirmation or an error). */
  readonly dueReplies = new Map<string, number>();
  answers = 0;
  private waiter: { n: number; resolve: () => void } | undefined;

  constructor(
    readonly socket: net.Socket,
    private readonly options: PeerOptions = {},
  ) {
    const decoder = new LineDecoder(
      {
        onLine: (line) => this.onLine(line),
        onOverflow: () => this.garbage.push('(answer over 4 MiB)'),
      },
      { maxLineBytes: 4 * 1024 * 1024 },
    );
    socket.on('data', (c: Buffer) => decoder.push(c));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
  }

  static connect(port: number, options?: PeerOptions): Promise<FuzzPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => {
        s.off('error', reject);
        resolve(new FuzzPeer(s, options));
      });
      s.once('error', reject);
    });
  }

  get due(): number {
    let n = 0;
    for (const v of this.dueErrors.values()) n += v;
    for (const v of this.dueReplies.values()) n += v;
    return n;
  }

  expectError(code: string): void {
    this.dueErrors.set(code, (this.dueErrors.get(code) ?? 0) + 1);
  }

  expectReply(kind: string): void {
    this.dueReplies.set(kind, (this.dueReplies.get(kind) ?? 0) + 1);
  }

  /** Writes lines (each gets its `\n`), waiting for the socket to drain when it asks to. */
  async write(lines: readonly Buffer[]): Promise<void> {
    const NL = Buffer.from('\n');
    let chunk: Buffer[] = [];
    let size = 0;
    const flush = async () => {
      if (chunk.length === 0 || this.isClosed) return;
      const data = Buffer.concat(chunk);
      chunk = [];
      size = 0;
      this.bytesSent += data.length;
      if (!this.socket.write(data)) {
        await Promise.race([new Promise((r) => this.socket.once('drain', r)), this.closed]);
      }
    };
    for (const l of lines) {
      chunk.push(l, NL);
      size += l.length + 1;
      this.linesSent += 1;
      if (size >= 64 * 1024) await flush();
    }
    await flush();
  }

  /** Resolves once every answer due so far has arrived; rejects on close or after `timeoutMs`. */
  settle(timeoutMs = 30_000, what = 'peer'): Promise<void> {
    const n = this.due;
    if (this.answers >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`${what}: ${this.answers} answers of ${n} due within ${timeoutMs} ms; ${this.summary()}`));
      }, timeoutMs);
      this.waiter = {
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      void this.closed.then(() => {
        if (!this.waiter) return;
        this.waiter = undefined;
        clearTimeout(timer);
        if (this.answers >= n) resolve();
        else reject(new Error(`${what}: closed with ${this.answers} answers of ${n} due; ${this.summary()}`));
      });
    });
  }

  /** Counts of what arrived: errors by code, other answers by tipo. */
  tally(): { errors: Map<string, number>; tipos: Map<string, number> } {
    const errors = new Map<string, number>();
    const tipos = new Map<string, number>();
    for (const m of this.received) {
      if (this.options.unsolicited?.(m)) continue;
      if (m.tipo === 'error') errors.set(String(m.codigo), (errors.get(String(m.codigo)) ?? 0) + 1);
      else tipos.set(String(m.tipo), (tipos.get(String(m.tipo)) ?? 0) + 1);
    }
    return { errors, tipos };
  }

  /**
   * What is wrong with the answers, or [] when they match what was due: every bad line answered
   * with its code, every other counted line with one answer of its kind (or an error), nothing more.
   */
  verdict(): string[] {
    const problems: string[] = [];
    if (this.garbage.length > 0) problems.push(`non-JSON answers: ${this.garbage.slice(0, 3).join(' | ')}`);
    const { errors, tipos } = this.tally();
    let surplusErrors = 0;
    for (const [code, n] of errors) {
      const due = this.dueErrors.get(code) ?? 0;
      if (n > due) surplusErrors += n - due;
    }
    for (const [code, due] of this.dueErrors) {
      const got = errors.get(code) ?? 0;
      if (got < due) problems.push(`${code}: ${got} answers for ${due} lines`);
    }
    // Kinds whose answer may be an error instead (a sale refused by a plausibility rule).
    let repliesDue = 0;
    let repliesGot = 0;
    for (const [kind, due] of this.dueReplies) {
      repliesDue += due;
      const accepted = this.options.replies?.[kind] ?? [kind];
      const got = accepted.reduce((s, t) => s + (tipos.get(t) ?? 0), 0);
      repliesGot += got;
      if (got > due) problems.push(`${kind}: ${got} answers for ${due} lines`);
    }
    if (repliesGot + surplusErrors !== repliesDue) {
      problems.push(
        `answers to valid lines: ${repliesGot} + ${surplusErrors} errors, for ${repliesDue} lines (${this.summary()})`,
      );
    }
    const known = new Set(Object.values(this.options.replies ?? {}).flat());
    for (const kind of this.dueReplies.keys()) if (!this.options.replies?.[kind]) known.add(kind);
    for (const [t, n] of tipos) if (!known.has(t)) problems.push(`unexpected answers: ${n} × ${t}`);
    return problems;
  }

  summary(): string {
    const { errors, tipos } = this.tally();
    return `due errors ${JSON.stringify(Object.fromEntries(this.dueErrors))}, due replies ${JSON.stringify(
      Object.fromEntries(this.dueReplies),
    )}; got errors ${JSON.stringify(Object.fromEntries(errors))}, got ${JSON.stringify(Object.fromEntries(tipos))}`;
  }

  close(): Promise<void> {
    this.socket.end();
    const t = setTimeout(() => this.socket.destroy(), 2000);
    return this.closed.then(() => clearTimeout(t));
  }

  destroy(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }

  private onLine(line: string): void {
    let m: unknown;
    try {
      m = JSON.parse(line);
    } catch {
      this.garbage.push(line.slice(0, 200));
      return;
    }
    if (typeof m !== 'object' || m === null || Array.isArray(m)) {
      this.garbage.push(line.slice(0, 200));
      return;
    }
    const msg = m as Json;
    this.received.push(msg);
    if (this.options.unsolicited?.(msg)) return;
    this.answers += 1;
    if (this.waiter && this.answers >= this.waiter.n) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve();
    }
  }
}

/** A TCP server whose connections become FuzzPeers, taken one by one (a fake station the company dials). */
export class FuzzServer {
  private readonly ready: FuzzPeer[] = [];
  private readonly waiting: ((p: FuzzPeer) => void)[] = [];
  readonly all: FuzzPeer[] = [];

  private constructor(
    readonly server: net.Server,
    options: PeerOptions,
  ) {
    server.on('connection', (socket) => {
      const peer = new FuzzPeer(socket, options);
      this.all.push(peer);
      const w = this.waiting.shift();
      if (w) w(peer);
      else this.ready.push(peer);
    });
  }

  static async start(options: PeerOptions = {}): Promise<FuzzServer> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new FuzzServer(server, options);
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  accept(timeoutMs = 15_000): Promise<FuzzPeer> {
    const p = this.ready.shift();
    if (p) return Promise.resolve(p);
    return new Promise((resolve, reject) => {
      const waiter = (peer: FuzzPeer) => {
        clearTimeout(timer);
        resolve(peer);
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(waiter);
        if (i !== -1) this.waiting.splice(i, 1);
        reject(new Error(`no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.push(waiter);
    });
  }

  async close(): Promise<void> {
    for (const p of this.all) p.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
