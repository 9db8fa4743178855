/**
 * A fake station for the link tests: a real TCP server on a loopback port that speaks the
 * station's side of link 2 by the protocol (estacion_info first, token check, version rule,
 * precios_recibidos with the version held, pong), recording every message it receives. It keeps a
 * scheduled version (one update with `vigencia`) as the real station does, without ever putting it
 * in force (tests move `version` by hand), and answers `cancelacion_precios`.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import {
  type CompanyToStation,
  companyToStation,
  encodeMessage,
  LineDecoder,
  parseLine,
  type StationToCompany,
} from '@combustible/shared';
import { versionTrasActualizar } from '../domain/price-book.js';

export interface FakeStationOptions {
  id?: string;
  nombre?: string;
  version?: number;
  token?: string;
  /** Answer pings (default true). */
  pong?: boolean;
  /** Acknowledge updates (default true). */
  ack?: boolean;
  /** Say nothing on accept (default false): no estacion_info. */
  silent?: boolean;
  /** Wait this long before estacion_info. */
  infoDelayMs?: number;
  /** A scheduled version it holds at start (told in estacion_info). */
  programada?: number;
  /** (issue 15) Forwards reports: `ultimo_seq` told in estacion_info. */
  ultimoSeq?: number;
}

export interface FakeStationEvents {
  connection: [net.Socket];
  message: [CompanyToStation];
  closed: [];
}

export class FakeStation extends EventEmitter<FakeStationEvents> {
  readonly server: net.Server;
  readonly received: CompanyToStation[] = [];
  readonly sockets = new Set<net.Socket>();
  version: number;
  programada: number | null;
  connections = 0;
  options: FakeStationOptions;

  private constructor(options: FakeStationOptions) {
    super();
    this.options = options;
    this.version = options.version ?? 0;
    this.programada = options.programada ?? null;
    this.server = net.createServer((socket) => this.accept(socket));
  }

  static async start(options: FakeStationOptions = {}, port = 0): Promise<FakeStation> {
    const s = new FakeStation(options);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen(port, '127.0.0.1', () => resolve());
    });
    return s;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Messages of one tipo received so far. */
  of<T extends CompanyToStation['tipo']>(tipo: T): Extract<CompanyToStation, { tipo: T }>[] {
    return this.received.filter((m): m is Extract<CompanyToStation, { tipo: T }> => m.tipo === tipo);
  }

  /** Resolves with the next message matching (past messages do not count). */
  next(match: (m: CompanyToStation) => boolean, timeoutMs = 5000): Promise<CompanyToStation> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('message', listener);
        reject(new Error(`fake station: no matching message in ${timeoutMs} ms; got ${JSON.stringify(this.received)}`));
      }, timeoutMs);
      const listener = (m: CompanyToStation) => {
        if (!match(m)) return;
        clearTimeout(timer);
        this.off('message', listener);
        resolve(m);
      };
      this.on('message', listener);
    });
  }

  /** Resolves on the next accepted connection. */
  nextConnection(timeoutMs = 5000): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('fake station: no connection')), timeoutMs);
      this.once('connection', (s) => {
        clearTimeout(timer);
        resolve(s);
      });
    });
  }

  /** Writes a message (or a raw line) to every open connection, as the station would. */
  write(m: StationToCompany | string): void {
    const line = typeof m === 'string' ? m : encodeMessage(m);
    for (const s of this.sockets) if (!s.destroyed) s.write(line);
  }

  /** Cuts every open connection (the server keeps listening). */
  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.connections += 1;
    this.sockets.add(socket);
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.emit('closed');
    });
    socket.on('error', () => {});
    const o = this.options;
    let authenticated = o.token === undefined;
    const send = (m: StationToCompany) => {
      if (!socket.destroyed) socket.write(encodeMessage(m));
    };
    const decoder = new LineDecoder({
      onLine: (line) => {
        const parsed = parseLine(line, companyToStation);
        if (!parsed.ok) {
          send(parsed.error);
          return;
        }
        const m = parsed.message;
        this.received.push(m);
        if (m.tipo === 'autenticacion') {
          if (m.token !== o.token && o.token !== undefined) {
            send({ tipo: 'error', codigo: 'AUTENTICACION_FALLIDA', mensaje: 'token inválido' });
            socket.end();
          } else authenticated = true;
        } else if (!authenticated) {
          send({
            tipo: 'error',
            codigo: 'AUTENTICACION_FALLIDA',
            mensaje: `"${m.tipo}" antes de "autenticacion"`,
          });
          socket.end();
        } else if (m.tipo === 'actualizacion_precios') {
          if (m.vigencia !== undefined) {
            if (m.version > Math.max(this.version, this.programada ?? 0)) this.programada = m.version;
          } else {
            this.version = versionTrasActualizar(this.version, m.version);
            if (this.programada !== null && this.programada <= this.version) this.programada = null;
          }
          const held = Math.max(this.version, this.programada ?? 0);
          if (this.options.ack !== false) send({ tipo: 'precios_recibidos', version: held });
        } else if (m.tipo === 'cancelacion_precios') {
          const resultado =
            this.programada === m.version ? 'cancelada' : this.version === m.version ? 'ya_aplicada' : 'desconocida';
          if (resultado === 'cancelada') this.programada = null;
          send({ tipo: 'cancelacion_recibida', version: m.version, resultado, version_precios: this.version });
        } else if (m.tipo === 'ping' && this.options.pong !== false) {
          send({ tipo: 'pong' });
        }
        this.emit('message', m);
      },
      onOverflow: () => socket.destroy(),
    });
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    const info = () =>
      send({
        tipo: 'estacion_info',
        id_estacion: o.id ?? 'estacion-falsa',
        nombre: o.nombre ?? 'Estación falsa',
        version_precios: this.version,
        ...(this.programada === null ? {} : { version_programada: this.programada }),
        ...(o.ultimoSeq === undefined ? {} : { ultimo_seq: o.ultimoSeq }),
      });
    if (!o.silent) {
      if (o.infoDelayMs) setTimeout(info, o.infoDelayMs);
      else info();
    }
    this.emit('connection', socket);
  }
}
