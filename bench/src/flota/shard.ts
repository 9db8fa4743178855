/**
 * One process of the fleet (forked by fleet.ts, config as JSON in argv[2]): `cantidad` simulated
 * stations, each a TCP listener on link 2, and the company connections they accept. One shared
 * timer for all of them (scheduled versions, the sales rate, auth and idle deadlines): no timer,
 * buffer or logger per station. Talks to the parent over IPC (types.ts).
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { companyToStation, encodeMessage, LineDecoder, parseLine, wireError } from '@combustible/shared';
import { toParent } from '../hub/ipc.js';
import { type Conexion, contadoresVacios, EstacionSimulada } from './estacion-simulada.js';
import type { EstacionEscuchando, EstadoShard, ShardCommand, ShardConfig } from './types.js';

/** A company line longer than this closes the connection (link 2 lines are small). */
const MAX_LINE_BYTES = 64 * 1024;
const MAX_LINEAS_INVALIDAS = 20;
/** Listeners opened at once. */
const LISTEN_BATCH = 500;

interface Enlace {
  socket: net.Socket;
  indice: number;
  conexion: Conexion;
  ultimaLinea: number;
}

const isCommand = (m: unknown): m is ShardCommand =>
  typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';

/** Epoch ms with sub-ms precision, comparable across processes. */
const ahora = () => performance.timeOrigin + performance.now();

export class Shard {
  readonly estaciones: EstacionSimulada[] = [];
  private readonly servidores: net.Server[] = [];
  private readonly enlaces = new Set<Enlace>();
  readonly contadores = contadoresVacios();
  private ventasPorSeg: number;
  private armada: number | null = null;
  private recepcion: Float64Array;
  private tickTimer: NodeJS.Timeout | undefined;
  private ultimoTick = Date.now();

  constructor(private readonly cfg: ShardConfig) {
    this.ventasPorSeg = cfg.ventasPorSeg;
    this.recepcion = new Float64Array(cfg.cantidad).fill(Number.NaN);
    const opciones = { tokens: cfg.tokens, authTimeoutMs: cfg.authTimeoutMs, maxLineasInvalidas: MAX_LINEAS_INVALIDAS };
    for (let k = 0; k < cfg.cantidad; k++) {
      const i = cfg.primerIndice + k;
      this.estaciones.push(new EstacionSimulada(`${cfg.prefijo}-${i}`, `Flota ${i}`, opciones, this.contadores));
    }
  }

  /** Opens every listener; where each station listens. */
  async listen(): Promise<EstacionEscuchando[]> {
    const out: EstacionEscuchando[] = [];
    for (let first = 0; first < this.estaciones.length; first += LISTEN_BATCH) {
      const batch = this.estaciones.slice(first, first + LISTEN_BATCH);
      const ports = await Promise.all(batch.map((_, j) => this.listenOne(first + j)));
      batch.forEach((e, j) => out.push({ id: e.id, host: this.cfg.host, puerto: ports[j] ?? 0 }));
    }
    this.tickTimer = setInterval(() => this.tick(), this.cfg.tickMs);
    return out;
  }

  private listenOne(k: number): Promise<number> {
    const server = net.createServer({ noDelay: true }, (socket) => this.accept(k, socket));
    this.servidores.push(server);
    const port = this.cfg.puertoBase === 0 ? 0 : this.cfg.puertoBase + this.cfg.primerIndice + k - 1;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.cfg.host, port, backlog: 64 }, () => {
        server.off('error', reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  private accept(k: number, socket: net.Socket): void {
    const estacion = this.estaciones[k];
    if (!estacion) {
      socket.destroy();
      return;
    }
    const nowMs = Date.now();
    const { conexion, saludo } = estacion.aceptar(nowMs);
    const enlace: Enlace = { socket, indice: k, conexion, ultimaLinea: nowMs };
    this.enlaces.add(enlace);
    const decoder = new LineDecoder(
      {
        onLine: (line) => this.onLine(enlace, estacion, line),
        onOverflow: () => socket.destroy(),
      },
      { maxLineBytes: MAX_LINE_BYTES },
    );
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.enlaces.delete(enlace));
    socket.write(saludo);
  }

  private onLine(enlace: Enlace, estacion: EstacionSimulada, line: string): void {
    const nowMs = Date.now();
    enlace.ultimaLinea = nowMs;
    const parsed = parseLine(line, companyToStation);
    let out: string;
    if (!parsed.ok) out = estacion.lineaInvalida(enlace.conexion, parsed.error);
    else {
      const msg = parsed.message;
      if (msg.tipo === 'actualizacion_precios' && this.armada !== null && msg.version >= this.armada) {
        if (Number.isNaN(this.recepcion[enlace.indice])) this.recepcion[enlace.indice] = ahora();
      }
      out = estacion.recibir(enlace.conexion, msg, nowMs);
    }
    if (out !== '') enlace.socket.write(out);
    if (enlace.conexion.cerrar) enlace.socket.end();
  }

  private tick(): void {
    const nowMs = Date.now();
    const porTick = (this.ventasPorSeg * (nowMs - this.ultimoTick)) / 1000;
    this.ultimoTick = nowMs;
    for (const e of this.estaciones) e.tick(nowMs, porTick);
    for (const enlace of this.enlaces) {
      const { conexion, socket } = enlace;
      if (conexion.plazoAutenticacion !== null && conexion.plazoAutenticacion < nowMs) {
        this.contadores.autenticacionesFallidas += 1;
        socket.end(encodeMessage(wireError('AUTENTICACION_FALLIDA', 'no llegó "autenticacion" a tiempo')));
        continue;
      }
      if (nowMs - enlace.ultimaLinea > this.cfg.idleTimeoutMs) {
        socket.destroy();
        continue;
      }
      const estacion = this.estaciones[enlace.indice];
      if (conexion.ventana > 0 && estacion) {
        const out = estacion.reportes(conexion, nowMs);
        if (out !== '') socket.write(out);
      }
    }
  }

  estado(): EstadoShard {
    const versiones: Record<string, number> = {};
    let ventas = 0;
    let confirmadas = 0;
    for (const e of this.estaciones) {
      versiones[e.version] = (versiones[e.version] ?? 0) + 1;
      ventas += e.ultimoSeq;
      confirmadas += e.confirmadoHasta;
    }
    let autenticadas = 0;
    let suscritas = 0;
    for (const { conexion } of this.enlaces) {
      if (conexion.autenticada) autenticadas += 1;
      if (conexion.ventana > 0) suscritas += 1;
    }
    return {
      estaciones: this.estaciones.length,
      conexiones: this.enlaces.size,
      autenticadas,
      suscritas,
      versiones,
      ventas,
      confirmadas,
      contadores: { ...this.contadores },
      rssKiB: Math.round(process.memoryUsage.rss() / 1024),
    };
  }

  armar(version: number): void {
    this.armada = version;
    this.recepcion.fill(Number.NaN);
  }

  recepciones(): (number | null)[] {
    return Array.from(this.recepcion, (t) => (Number.isNaN(t) ? null : t));
  }

  setVentas(porSegundo: number): void {
    this.ventasPorSeg = porSegundo;
  }

  async close(): Promise<void> {
    clearInterval(this.tickTimer);
    for (const { socket } of this.enlaces) socket.destroy();
    await Promise.all(this.servidores.map((s) => new Promise((r) => s.close(r))));
  }
}

function main(): void {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as ShardConfig;
  const shard = new Shard(cfg);
  // One listener for the whole life of the shard: no command is missed between two answers.
  process.on('message', (cmd: unknown) => {
    if (!isCommand(cmd)) return;
    switch (cmd.type) {
      case 'armar':
        shard.armar(cmd.version);
        void toParent({ type: 'armada' });
        return;
      case 'recepciones':
        void toParent({ type: 'recepciones', tiempos: shard.recepciones() });
        return;
      case 'ventas':
        shard.setVentas(cmd.porSegundo);
        void toParent({ type: 'ventas-ok' });
        return;
      case 'estado':
        void toParent({ type: 'estado', estado: shard.estado() });
        return;
      case 'cerrar':
        void shard.close().then(() => process.exit(0));
    }
  });
  // The parent is gone (killed, crashed): no orphan listeners.
  process.on('disconnect', () => process.exit(0));
  shard.listen().then(
    (estaciones) => toParent({ type: 'escuchando', estaciones }),
    async (err: unknown) => {
      await toParent({ type: 'fatal', message: `no se pudo escuchar: ${(err as Error).message}` });
      process.exit(1);
    },
  );
}

// Only as a forked child (the tests import the class).
if (process.send) main();
