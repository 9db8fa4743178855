/**
 * Drives one server (the station or the ceiling) with the load generator and samples the server's
 * RSS and CPU at each step: before connecting, once every pump is registered, over the measured
 * window, and at the end.
 */
import { fileURLToPath } from 'node:url';
import { type Child, forkNode } from './children.js';
import { type ProcSample, sampleProc } from './proc-stats.js';
import type { LoadCommand, LoadConfig, LoadMessage, LoadResult } from './types.js';

const LOAD_GENERATOR = fileURLToPath(new URL('./load-generator.js', import.meta.url));
/** Pause after the last registration before sampling RSS, so the server settles. */
const SETTLE_MS = 1000;

export interface Samples {
  before: ProcSample;
  connected: ProcSample;
  windowStart: ProcSample;
  windowEnd: ProcSample;
  end: ProcSample;
}

export interface Measured {
  load: LoadResult;
  samples: Samples;
}

export async function measure(server: Child, cfg: LoadConfig): Promise<Measured> {
  const pid = server.proc.pid;
  const before = sampleProc(pid);
  const partial: Partial<Samples> = {};
  const generator = forkNode('generador', LOAD_GENERATOR, [JSON.stringify(cfg)]);
  const budgetMs =
    Math.ceil(cfg.connections / cfg.batchSize) * cfg.registerTimeoutMs +
    (cfg.warmupS + cfg.durationS) * 1000 +
    cfg.drainMs +
    60_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const load = await new Promise<LoadResult>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`sin resultado del generador en ${budgetMs} ms`)), budgetMs);
      generator.proc.on('message', (m: LoadMessage) => {
        if (m.type === 'registered') {
          setTimeout(() => {
            partial.connected = sampleProc(pid);
            if (generator.proc.connected) generator.proc.send({ type: 'start' } satisfies LoadCommand);
          }, SETTLE_MS);
        } else if (m.type === 'window-start') partial.windowStart = sampleProc(pid);
        else if (m.type === 'window-end') partial.windowEnd = sampleProc(pid);
        else if (m.type === 'result') resolve(m.result);
        else if (m.type === 'fatal') reject(new Error(`generador: ${m.message}`));
      });
      // A last IPC message may be delivered just after 'exit': give it a moment.
      void generator.exited.then(({ code, signal }) =>
        setTimeout(() => reject(new Error(`el generador terminó (${signal ?? code}) sin entregar resultados`)), 1000),
      );
      void server.exited.then(({ code, signal }) =>
        reject(new Error(`${server.name} terminó (${signal ?? code}) durante la carga`)),
      );
    });
    const end = sampleProc(pid);
    const { connected, windowStart, windowEnd } = partial;
    if (!connected || !windowStart || !windowEnd) throw new Error('faltan muestras del servidor');
    return { load, samples: { before, connected, windowStart, windowEnd, end } };
  } finally {
    clearTimeout(timer);
    await generator.stop(2000);
  }
}
