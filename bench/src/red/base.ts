/**
 * The baseline of `bench red`: a minimal Node client in its own process (forked, IPC). It connects
 * to every fleet station (a second connection beside the company's), reads and drops what they
 * send, and on command writes one `actualizacion_precios` line to every socket in one loop. It
 * tells its RSS before and after connecting, so the parent gets the RSS per connection of a
 * minimal Node client, and when its loop started (epoch ms), so the parent times the fleet's
 * receipts from it.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { toParent } from '../hub/ipc.js';
import type { EstacionEscuchando } from '../flota/types.js';

/** Parent → base. */
export type BaseCommand =
  { type: 'conectar'; estaciones: EstacionEscuchando[] } | { type: 'escribir'; linea: string } | { type: 'cerrar' };

/** Base → parent. */
export type BaseMessage =
  | { type: 'conectada'; conexiones: number; fallos: number; rssAntesKiB: number; rssDespuesKiB: number; ms: number }
  | { type: 'escrita'; desde: number; hasta: number }
  | { type: 'fatal'; message: string };

const CONNECT_BATCH = 200;
const rssKiB = () => Math.round(process.memoryUsage.rss() / 1024);
const ahora = () => performance.timeOrigin + performance.now();

const sockets: net.Socket[] = [];

function connectOne(e: EstacionEscuchando): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: e.host, port: e.puerto, noDelay: true });
    socket.once('connect', () => {
      sockets.push(socket);
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    // What the station sends (estacion_info, precios_recibidos) is read and dropped.
    socket.resume();
  });
}

async function conectar(estaciones: EstacionEscuchando[]): Promise<void> {
  const rssAntesKiB = rssKiB();
  const t0 = performance.now();
  let fallos = 0;
  for (let i = 0; i < estaciones.length; i += CONNECT_BATCH) {
    const ok = await Promise.all(estaciones.slice(i, i + CONNECT_BATCH).map(connectOne));
    fallos += ok.filter((x) => !x).length;
  }
  const ms = performance.now() - t0;
  // Let the greetings arrive and be dropped before the RSS is read.
  await new Promise((r) => setTimeout(r, 500));
  await toParent({ type: 'conectada', conexiones: sockets.length, fallos, rssAntesKiB, rssDespuesKiB: rssKiB(), ms });
}

async function escribir(linea: string): Promise<void> {
  const desde = ahora();
  for (const s of sockets) s.write(linea);
  await toParent({ type: 'escrita', desde, hasta: ahora() });
}

const isCommand = (m: unknown): m is BaseCommand =>
  typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';

process.on('message', (cmd: unknown) => {
  if (!isCommand(cmd)) return;
  const fail = (err: unknown) => void toParent({ type: 'fatal', message: (err as Error).message });
  if (cmd.type === 'conectar') conectar(cmd.estaciones).catch(fail);
  else if (cmd.type === 'escribir') escribir(cmd.linea).catch(fail);
  else {
    for (const s of sockets) s.destroy();
    process.exit(0);
  }
});
