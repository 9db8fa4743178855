/**
 * The ceiling: the least a Node TCP server can do for the hub's load. It counts newline bytes per
 * chunk and JSON-parses only the lines it must answer (`registro`, `transaccion_completada`), so
 * the station's figures can be read against what Node itself costs. Runs as its own process:
 * prints `{"escuchando":"techo","puerto":<port>}` on stdout, answers `{type:'stats'}` over IPC,
 * exits on SIGTERM/SIGINT or when its parent goes away.
 */
import net from 'node:net';
import type { CeilingCommand, CeilingStats } from './types.js';

const NL = 0x0a;
const MAX_PARTIAL = 64 * 1024;
const REGISTRO = Buffer.from('"registro"');
const TRANSACCION = Buffer.from('transaccion_completada');
const PRECIOS = { precio_93: 1290, precio_95: 1350, precio_97: 1400, precio_diesel: 1120 };

let lines = 0;
let bytes = 0;
let connections = 0;

function answer(socket: net.Socket, line: Buffer): void {
  if (line.includes(TRANSACCION)) {
    const msg = JSON.parse(line.toString('utf8')) as { id_transaccion?: unknown };
    socket.write(
      `{"tipo":"transaccion_confirmada","id_transaccion":${JSON.stringify(msg.id_transaccion ?? null)},"duplicada":false}\n`,
    );
  } else if (line.includes(REGISTRO)) {
    const msg = JSON.parse(line.toString('utf8')) as { id_surtidor?: unknown };
    socket.write(
      `${JSON.stringify({ tipo: 'registro_confirmado', id_surtidor: msg.id_surtidor, mensaje: 'ok', precios: PRECIOS, version_precios: 0 })}\n`,
    );
  }
}

function handle(socket: net.Socket): void {
  connections += 1;
  let partial: Buffer | null = null;
  socket.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    let start = 0;
    for (let nl = chunk.indexOf(NL); nl !== -1; nl = chunk.indexOf(NL, start)) {
      lines += 1;
      const piece = chunk.subarray(start, nl);
      const line: Buffer = partial ? Buffer.concat([partial, piece]) : piece;
      partial = null;
      try {
        answer(socket, line);
      } catch {
        socket.write('{"tipo":"error","codigo":"JSON_INVALIDO","mensaje":"json inválido"}\n');
      }
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      partial = partial ? Buffer.concat([partial, rest]) : Buffer.from(rest);
      if (partial.length > MAX_PARTIAL) socket.destroy();
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    connections -= 1;
  });
}

const server = net.createServer({ noDelay: true }, handle);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as net.AddressInfo;
  process.stdout.write(`${JSON.stringify({ escuchando: 'techo', puerto: port })}\n`);
});

process.on('message', (m: CeilingCommand) => {
  if (m.type === 'stats') process.send?.({ type: 'stats', lines, bytes, connections } satisfies CeilingStats);
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
