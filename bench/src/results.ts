/**
 * What every result file under bench/results/ carries and where it goes: the benchmark's name, the
 * date, the exact command that produced it and the machine (cpu model, cores, RAM, Node), so the
 * README's figures (see informe/) can always say how and where they were measured.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchCommand } from './command-line.js';
import { machineInfo } from './hub/report.js';
import { ROOT } from './hub/run.js';

export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

/** bench/results/<benchmark>-<ISO date with ':' → '-'>.<ext> */
export function resultPath(benchmark: string, at: Date, ext = 'json'): string {
  return path.join(RESULTS_DIR, `${benchmark}-${at.toISOString().replace(/:/g, '-')}.${ext}`);
}

/** Writes the result JSON with the common header first; returns its path. */
export function saveResult(benchmark: string, at: Date, body: object): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = resultPath(benchmark, at);
  const doc = { benchmark, at: at.toISOString(), command: benchCommand(), machine: machineInfo(), ...body };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}

/** A path as printed to the user: relative to the repository. */
export const shown = (file: string) => path.relative(ROOT, file);
