/** One simulated pump over TCP or TLS: connect, `registro`, then lines in both directions. */

import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { LineDecoder } from '@combustible/shared';
import { applyPrices, newPumpState, type PumpState, registroLine } from './messages.js';
import type { TlsClientConfig } from './types.js';

export type Json = Record<string, unknown>;

export interface ConnectionEvents {
  /** A line from the server after registration (already parsed). */
  onMessage(conn: PumpConnection, msg: Json): void;
  /** The server closed (or broke) a registered connection. */
  onLost(conn: PumpConnection): void;
}

/** Where the pumps connect: 127.0.0.1:port, over TLS when `tls` is set. */
export interface PumpTarget {
  port: number;
  tls?: {
    ca: Buffer;
    /**
     * The CA as one secure context for every pump without a certificate of its own. Passing `ca`
     * to each connect would build a context per connection: about 0.5 ms of the generator's CPU
     * each, and the storm's generator opens thousands at once.
     */
    shared: tls.SecureContext;
    clientCertDir?: string | undefined;
  };
}

/** Reads the CA once for every connection of a run (client certificates are read per pump). */
export function pumpTarget(port: number, config?: TlsClientConfig): PumpTarget {
  if (!config) return { port };
  const ca = readFileSync(config.caFile);
  return { port, tls: { ca, shared: tls.createSecureContext({ ca }), clientCertDir: config.clientCertDir } };
}

/** The pump's own certificate and key with the CA (mutual TLS), else the shared CA-only context. */
function secureContextFor(secure: NonNullable<PumpTarget['tls']>, id: number): tls.SecureContext {
  const dir = secure.clientCertDir;
  if (dir === undefined) return secure.shared;
  return tls.createSecureContext({
    ca: secure.ca,
    cert: readFileSync(path.join(dir, `surtidor-${id}.crt`)),
    key: readFileSync(path.join(dir, `surtidor-${id}.key`)),
  });
}

/**
 * Why a pump did not get registered. `kind` has no per-attempt detail, so failures can be counted
 * by it; `retryAfterMs` is the station's `reintentar_ms`, which a retrying client must honour.
 */
export class RegistrationFailure extends Error {
  constructor(
    id: number,
    readonly kind: string,
    detail: string,
    readonly retryAfterMs?: number,
  ) {
    super(`surtidor ${id}: ${detail}`);
    this.name = 'RegistrationFailure';
  }
}

function dial(target: PumpTarget, id: number, session: Buffer | undefined): net.Socket {
  const { port, tls: secure } = target;
  if (!secure) return net.connect({ port, host: '127.0.0.1', noDelay: true });
  // The dev CA's station certificate names localhost and 127.0.0.1: the identity is checked as a
  // real pump checks it.
  const secureContext = secureContextFor(secure, id);
  const socket = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', secureContext, session });
  socket.setNoDelay(true);
  return socket;
}

export class PumpConnection {
  readonly pump: PumpState;
  private registered = false;
  private closing = false;
  /** The last TLS session ticket the station sent (TLS only): offer it on the next connection to resume. */
  session: Buffer | undefined;
  /** Whether the TLS handshake resumed an earlier session (false on plain TCP). */
  resumed = false;
  /** Lines queued while a chunk from the server is read, written in one go after it (see queue). */
  private out = '';

  private constructor(
    private readonly socket: net.Socket,
    id: number,
  ) {
    this.pump = newPumpState(id);
  }

  get open(): boolean {
    return this.registered && !this.closing && !this.socket.destroyed;
  }

  /**
   * Connects and registers pump `id`, offering `session` (a ticket from an earlier connection) when
   * given; rejects with a RegistrationFailure on refusal, close or timeout.
   */
  static open(
    target: PumpTarget,
    id: number,
    timeoutMs: number,
    events: ConnectionEvents,
    session?: Buffer,
  ): Promise<PumpConnection> {
    const socket = dial(target, id, session);
    const conn = new PumpConnection(socket, id);
    return new Promise((resolve, reject) => {
      const fail = (kind: string, detail = kind, retryAfterMs?: number) => {
        clearTimeout(timer);
        conn.close();
        reject(new RegistrationFailure(id, kind, detail, retryAfterMs));
      };
      const timer = setTimeout(
        () => fail('sin registro_confirmado a tiempo', `sin registro_confirmado en ${timeoutMs} ms`),
        timeoutMs,
      );
      const decoder = new LineDecoder(
        { onLine: (line) => onLine(line), onOverflow: () => fail('línea demasiado larga') },
        { maxLineBytes: 1024 * 1024 },
      );
      const onLine = (line: string) => {
        let msg: Json;
        try {
          msg = JSON.parse(line) as Json;
        } catch {
          msg = { tipo: '(json inválido)' };
        }
        if (conn.registered) {
          events.onMessage(conn, msg);
        } else if (msg.tipo === 'registro_confirmado') {
          clearTimeout(timer);
          applyPrices(conn.pump, msg);
          conn.registered = true;
          resolve(conn);
        } else if (msg.tipo === 'registro_rechazado' || msg.tipo === 'error') {
          const retry = typeof msg.reintentar_ms === 'number' ? msg.reintentar_ms : undefined;
          fail(
            `${String(msg.tipo)} ${String(msg.codigo)}`,
            `${String(msg.tipo)} ${String(msg.codigo)}: ${String(msg.mensaje)}`,
            retry,
          );
        }
      };
      const ready = () => {
        if (socket instanceof tls.TLSSocket) conn.resumed = socket.isSessionReused();
        socket.write(registroLine(conn.pump));
      };
      socket.on(socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect', ready);
      // TLS 1.3 tickets arrive after the handshake, possibly more than one: keep the latest.
      socket.on('session', (ticket: Buffer) => {
        conn.session = ticket;
      });
      socket.on('data', (chunk: Buffer) => {
        decoder.push(chunk);
        conn.flush();
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        if (!conn.registered) fail(`error de conexión ${err.code ?? err.message}`, err.message);
      });
      socket.on('close', () => {
        if (!conn.registered) fail('cerrada antes del registro', 'conexión cerrada antes del registro');
        else if (!conn.closing) events.onLost(conn);
        conn.closing = true;
      });
    });
  }

  /** Bytes written but not yet taken by the kernel: grows when the server stops reading. */
  get buffered(): number {
    return this.socket.writableLength;
  }

  /** Returns false when the line could not be sent (connection gone). */
  send(line: string): boolean {
    if (!this.open) return false;
    this.socket.write(line);
    return true;
  }

  /**
   * Queues `line`, to go out with every other line queued until `flush` (called after each chunk
   * from the server has been read): the answers to one chunk cost one write, not one per line.
   */
  queue(line: string): void {
    this.out += line;
  }

  flush(): void {
    if (this.out.length === 0) return;
    this.send(this.out);
    this.out = '';
  }

  close(): void {
    this.closing = true;
    this.socket.destroy();
  }
}

/** Opens and registers pumps 1…`count`, `batchSize` at a time; stops at the first batch with a failure. */
export async function openPumps(
  target: PumpTarget,
  cfg: { connections: number; batchSize: number; registerTimeoutMs: number },
  events: ConnectionEvents,
): Promise<{ conns: PumpConnection[]; failures: string[] }> {
  const conns: PumpConnection[] = [];
  const failures: string[] = [];
  for (let first = 1; first <= cfg.connections && failures.length === 0; first += cfg.batchSize) {
    const last = Math.min(cfg.connections, first + cfg.batchSize - 1);
    const batch: Promise<PumpConnection>[] = [];
    for (let id = first; id <= last; id++) batch.push(PumpConnection.open(target, id, cfg.registerTimeoutMs, events));
    for (const r of await Promise.allSettled(batch)) {
      if (r.status === 'fulfilled') conns.push(r.value);
      else failures.push(r.reason instanceof Error ? r.reason.message : String(r.reason));
    }
  }
  return { conns, failures };
}
