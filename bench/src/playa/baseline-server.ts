/**
 * The forecourt benchmark's baseline: the least a Node TCP server does to command every pump. It
 * answers `registro` with `registro_confirmado`; told over IPC to `fire`, it writes the same command
 * line to every socket in one loop and counts `comando_ejecutado` lines until every pump answered,
 * then reports the time from before the loop to the last answer. Prints
 * `{"escuchando":"base","puerto":<port>}` on stdout; exits with its parent.
 */
import net from 'node:net';
import type { BaselineCommand, BaselineMessage } from './types.js';

const NL = 0x0a;
const REGISTRO = Buffer.from('"registro"');
const EJECUTADO = Buffer.from('comando_ejecutado');
const PRECIOS = { precio_93: 1290, precio_95: 1350, precio_97: 1400, precio_diesel: 1120 };

const sockets = new Set<net.Socket>();
let waiting: { expected: number; answers: number; start: number } | null = null;

function onLine(socket: net.Socket, line: Buffer): void {
  if (line.includes(EJECUTADO)) {
    if (!waiting) return;
    waiting.answers += 1;
    if (waiting.answers === waiting.expected) {
      const ms = performance.now() - waiting.start;
      const msg: BaselineMessage = { type: 'fired', ms, answers: waiting.answers, sockets: sockets.size };
      waiting = null;
      process.send?.(msg);
    }
  } else if (line.includes(REGISTRO)) {
    const msg = JSON.parse(line.toString('utf8')) as { id_surtidor?: unknown };
    socket.write(
      `${JSON.stringify({ tipo: 'registro_confirmado', id_surtidor: msg.id_surtidor, mensaje: 'ok', precios: PRECIOS, version_precios: 0 })}\n`,
    );
  }
}

function handle(socket: net.Socket): void {
  sockets.add(socket);
  let partial: Buffer | null = null;
  socket.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let nl = chunk.indexOf(NL); nl !== -1; nl = chunk.indexOf(NL, start)) {
      const piece = chunk.subarray(start, nl);
      onLine(socket, partial ? Buffer.concat([partial, piece]) : piece);
      partial = null;
      start = nl + 1;
    }
    if (start < chunk.length) partial = Buffer.from(chunk.subarray(start));
  });
  socket.on('error', () => {});
  socket.on('close', () => sockets.delete(socket));
}

const server = net.createServer({ noDelay: true }, handle);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as net.AddressInfo;
  process.stdout.write(`${JSON.stringify({ escuchando: 'base', puerto: port })}\n`);
});

process.on('message', (m: BaselineCommand) => {
  if (m.type !== 'fire') return;
  waiting = { expected: m.expected, answers: 0, start: performance.now() };
  for (const s of sockets) s.write(m.line);
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
