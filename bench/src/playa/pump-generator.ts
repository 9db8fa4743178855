/**
 * The forecourt benchmark's pumps: N raw TCP connections that register and answer every `comando`
 * with `comando_ejecutado` at once (the answers to one chunk leave in one write). Runs in its own
 * process (forked, config as JSON in argv[2]) so that the client side is not the limit; reports
 * over IPC when every pump is registered and, when asked, each round's first command and last
 * answer on the clock shared with the parent (sharedNow).
 */
import net from 'node:net';
import { LineDecoder } from '@combustible/shared';
import { newPumpState, registroLine } from '../hub/messages.js';
import { type PumpsCommand, type PumpsConfig, type PumpsMessage, type PumpsRound, sharedNow } from './types.js';

type Json = Record<string, unknown>;

function report(msg: PumpsMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) resolve();
    else process.send(msg, undefined, undefined, () => resolve());
  });
}

let round: PumpsRound = { comandos: 0, firstCommandAt: null, lastAnswerAt: null };
let lost = 0;

function open(cfg: PumpsConfig, id: number): Promise<net.Socket> {
  const socket = net.connect({ port: cfg.port, host: '127.0.0.1', noDelay: true });
  let registered = false;
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(`surtidor ${id}: ${reason}`));
    };
    const timer = setTimeout(
      () => fail(`sin registro_confirmado en ${cfg.registerTimeoutMs} ms`),
      cfg.registerTimeoutMs,
    );
    let out = '';
    const decoder = new LineDecoder(
      {
        onLine: (line) => {
          const msg = JSON.parse(line) as Json;
          if (msg.tipo === 'comando') {
            round.comandos += 1;
            round.firstCommandAt ??= sharedNow();
            out += `${JSON.stringify({ tipo: 'comando_ejecutado', id_surtidor: id, id_comando: msg.id_comando, resultado: 'ok' })}\n`;
          } else if (!registered && msg.tipo === 'registro_confirmado') {
            registered = true;
            clearTimeout(timer);
            resolve(socket);
          } else if (!registered && (msg.tipo === 'registro_rechazado' || msg.tipo === 'error')) {
            fail(`${String(msg.tipo)} ${String(msg.codigo)}`);
          }
        },
        onOverflow: () => fail('línea demasiado larga'),
      },
      { maxLineBytes: 1024 * 1024 },
    );
    socket.on('connect', () => socket.write(registroLine(newPumpState(id))));
    socket.on('data', (chunk: Buffer) => {
      decoder.push(chunk);
      if (out.length > 0) {
        socket.write(out);
        out = '';
        round.lastAnswerAt = sharedNow();
      }
    });
    socket.on('error', (err) => {
      if (!registered) fail(err.message);
    });
    socket.on('close', () => {
      if (!registered) fail('conexión cerrada antes del registro');
      else {
        lost += 1;
        void report({ type: 'lost', count: lost });
      }
    });
  });
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as PumpsConfig;
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: PumpsCommand) => {
    if (m.type !== 'round') return;
    const done = round;
    round = { comandos: 0, firstCommandAt: null, lastAnswerAt: null };
    void report({ type: 'round', ...done });
  });
  const start = performance.now();
  const sockets: net.Socket[] = [];
  for (let first = 1; first <= cfg.pumps; first += cfg.batchSize) {
    const last = Math.min(cfg.pumps, first + cfg.batchSize - 1);
    const batch: Promise<net.Socket>[] = [];
    for (let id = first; id <= last; id++) batch.push(open(cfg, id));
    sockets.push(...(await Promise.all(batch)));
  }
  await report({ type: 'registered', pumps: sockets.length, ms: performance.now() - start });
}

main().catch(async (err: unknown) => {
  await report({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
