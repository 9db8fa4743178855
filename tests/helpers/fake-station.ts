/**
 * A fake station for driving real `surtidor` processes: a TCP server on a free loopback port whose
 * connections the test takes one by one as LineClients and answers by hand (or with the helpers
 * below), so it can do what the real station never does on purpose (e.g. send prices mid-sale).
 */
import { once } from 'node:events';
import net from 'node:net';
import { type Json, LineClient } from './line-client.js';

export const PRECIOS = { precio_93: 1290, precio_95: 1350, precio_97: 1400, precio_diesel: 1120 };

export class FakeStation {
  readonly connections: LineClient[] = [];
  private waiting: ((c: LineClient) => void)[] = [];
  private taken = 0;

  private constructor(readonly server: net.Server) {
    server.on('connection', (socket) => {
      const client = LineClient.fromSocket(socket);
      this.connections.push(client);
      const w = this.waiting.shift();
      if (w) {
        this.taken += 1;
        w(client);
      }
    });
  }

  static async start(): Promise<FakeStation> {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new FakeStation(server);
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** The next connection not yet taken (waits for it). */
  accept(timeoutMs = 10_000): Promise<LineClient> {
    const ready = this.connections[this.taken];
    if (ready) {
      this.taken += 1;
      return Promise.resolve(ready);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.push((c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
  }

  /** Takes a connection, reads its `registro` and confirms it with these prices. */
  async acceptRegistered(version_precios = 0, precios: Json = PRECIOS): Promise<{ pump: LineClient; registro: Json }> {
    const pump = await this.accept();
    const registro = await pump.next('registro');
    pump.send({
      tipo: 'registro_confirmado',
      id_surtidor: registro.id_surtidor,
      mensaje: 'Surtidor registrado exitosamente',
      precios,
      version_precios,
    });
    return { pump, registro };
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Confirms a sale the way the station does. */
export function confirm(pump: LineClient, tx: Json, duplicada = false): void {
  pump.send({ tipo: 'transaccion_confirmada', id_transaccion: tx.id_transaccion, duplicada });
}
