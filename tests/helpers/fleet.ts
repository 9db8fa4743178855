/** `estacion-fleet` (bench/src/flota/) as a child process of a test, and stopping it. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from './processes.js';

export interface Fleet {
  proc: ChildProcess;
  /** Every line of its progress output so far. */
  lines: string[];
  /** The first output line matching `match` (one already printed, or the next). */
  line(match: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

/** `estacion-fleet` as a process; resolves lines of its progress output as they match. */
export function startFleet(into: Fleet[], args: string[]): Fleet {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bench', 'bin', 'estacion-fleet.js'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  let waiters: { match: RegExp; resolve: (line: string) => void }[] = [];
  createInterface({ input: proc.stdout }).on('line', (line) => {
    lines.push(line);
    const due = waiters.filter((w) => w.match.test(line));
    waiters = waiters.filter((w) => !w.match.test(line));
    for (const w of due) w.resolve(line);
  });
  createInterface({ input: proc.stderr }).on('line', (line) => stderr.push(line));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const fleet: Fleet = {
    proc,
    lines,
    /** The first output line matching `match` (one already printed, or the next). */
    line(match: RegExp, timeoutMs = 15_000): Promise<string> {
      const seen = lines.find((l) => match.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no line ${String(match)}; output:\n${lines.join('\n')}\n${stderr.join('\n')}`)),
          timeoutMs,
        );
        waiters.push({
          match,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`estacion-fleet exited (${code}); output:\n${lines.join('\n')}\n${stderr.join('\n')}`));
        });
      });
    },
    exited,
  };
  into.push(fleet);
  return fleet;
}

/** Stops every fleet of `fleets` (SIGTERM: it closes its own child processes) and waits for them. */
export async function stopFleets(fleets: Fleet[]): Promise<void> {
  await Promise.all(
    fleets.splice(0).map(async (f) => {
      if (f.proc.exitCode === null && f.proc.signalCode === null) f.proc.kill('SIGTERM');
      await f.exited;
    }),
  );
}
