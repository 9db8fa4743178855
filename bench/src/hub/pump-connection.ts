/** One simulated pump over TCP: connect, `registro`, then lines in both directions. */

import net from 'node:net';
import { LineDecoder } from '@combustible/shared';
import { applyPrices, newPumpState, type PumpState, registroLine } from './messages.js';

export type Json = Record<string, unknown>;

export interface ConnectionEvents {
  /** A line from the server after registration (already parsed). */
  onMessage(conn: PumpConnection, msg: Json): void;
  /** The server closed (or broke) a registered connection. */
  onLost(conn: PumpConnection): void;
}

export class PumpConnection {
  readonly pump: PumpState;
  private registered = false;
  private closing = false;

  private constructor(
    private readonly socket: net.Socket,
    id: number,
  ) {
    this.pump = newPumpState(id);
  }

  get open(): boolean {
    return this.registered && !this.closing && !this.socket.destroyed;
  }

  /** Connects to 127.0.0.1:port and registers pump `id`; rejects on refusal, close or timeout. */
  static open(
    port: number,
    id: number,
    timeoutMs: number,
    events: ConnectionEvents,
  ): Promise<PumpConnection> {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    const conn = new PumpConnection(socket, id);
    return new Promise((resolve, reject) => {
      const fail = (reason: string) => {
        clearTimeout(timer);
        conn.close();
        reject(new Error(`surtidor ${id}: ${reason}`));
      };
      const timer = setTimeout(() => fail(`sin registro_confirmado en ${timeoutMs} ms`), timeoutMs);
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
          fail(`${String(msg.tipo)} ${String(msg.codigo)}: ${String(msg.mensaje)}`);
        }
      };
      socket.on('connect', () => socket.write(registroLine(conn.pump)));
      socket.on('data', (chunk: Buffer) => decoder.push(chunk));
      socket.on('error', (err) => {
        if (!conn.registered) fail(err.message);
      });
      socket.on('close', () => {
        if (!conn.registered) fail('conexión cerrada antes del registro');
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

  close(): void {
    this.closing = true;
    this.socket.destroy();
  }
}
