/**
 * Drives one server (the station or the ceiling) with the load generator and samples the server's
 * RSS and CPU at each step: before connecting, once every pump is registered, over the measured
 * window, and at the end.
 */
import { fileURLToPath } from 'node:url';
import type { Child } from './children.js';
import { driveGenerator } from './generator.js';
import { type ProcSample, sampleProc } from './proc-stats.js';
import type { LoadConfig, LoadResult } from './types.js';

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
  const load = await driveGenerator<LoadResult>(server, LOAD_GENERATOR, cfg, {
    onRegistered: async () => {
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      partial.connected = sampleProc(pid);
    },
    onWindowStart: () => {
      partial.windowStart = sampleProc(pid);
    },
    onWindowEnd: () => {
      partial.windowEnd = sampleProc(pid);
    },
  });
  const end = sampleProc(pid);
  const { connected, windowStart, windowEnd } = partial;
  if (!connected || !windowStart || !windowEnd) throw new Error('faltan muestras del servidor');
  return { load, samples: { before, connected, windowStart, windowEnd, end } };
}
