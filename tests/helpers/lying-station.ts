/**
 * A station that lies about its prices, speaking link 2 from a small TCP server on port 0 for the
 * company to dial: on every connection it says `estacion_info` with `infoVersion` (2^53 − 1 by
 * default), answers each `actualizacion_precios` with a `precios_recibidos` carrying the next of
 * `ackVersions` (huge ones, by default), and answers `ping` with `pong`. It records what the
 * company sends.
 */
import { once } from 'node:events';
import net from 'node:net';
import { LineDecoder } from '@combustible/shared';

type Json = Record<string, unknown>;

export interface LyingStationOptions {
  id?: string;
  nombre?: string;
  infoVersion?: number;
  ackVersions?: number[];
}

export class LyingStation {
  /** Every message the company sent, in order. */
  readonly received: Json[] = [];
  connections = 0;
  private acks = 0;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    readonly server: net.Server,
    readonly options: Required<LyingStationOptions>,
  ) {
    server.on('connection', (socket) => this.accept(socket));
  }

  static async start(options: LyingStationOptions = {}): Promise<LyingStation> {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new LyingStation(server, {
      id: options.id ?? 'mentirosa',
      nombre: options.nombre ?? 'Estación mentirosa',
      infoVersion: options.infoVersion ?? 2 ** 53 - 1,
      ackVersions: options.ackVersions ?? [2 ** 53 - 1, 1_000_000_000, 2 ** 31],
    });
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** `127.0.0.1:<port>`, as `--estacion` and `POST /api/estaciones` take it. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The versions of every `actualizacion_precios` the company sent. */
  get versionsSent(): number[] {
    return this.received.filter((m) => m.tipo === 'actualizacion_precios').map((m) => m.version as number);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.connections += 1;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    const send = (m: Json) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify(m)}\n`);
    };
    const decoder = new LineDecoder({
      onLine: (line) => {
        const m = JSON.parse(line) as Json;
        this.received.push(m);
        if (m.tipo === 'ping') send({ tipo: 'pong' });
        if (m.tipo === 'actualizacion_precios') {
          const { ackVersions } = this.options;
          send({ tipo: 'precios_recibidos', version: ackVersions[this.acks++ % ackVersions.length] });
        }
      },
      onOverflow: () => socket.destroy(),
    });
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    send({
      tipo: 'estacion_info',
      id_estacion: this.options.id,
      nombre: this.options.nombre,
      version_precios: this.options.infoVersion,
    });
  }
}
