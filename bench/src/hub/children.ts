/**
 * Child processes and temp dirs of a benchmark run. Everything started here is killed and every
 * temp dir removed when the run ends, throws, or is interrupted (SIGINT/SIGTERM) — see installCleanup.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

type Json = Record<string, unknown>;
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What a child printed that deserves a look: pino events at warn or above, and stderr. */
export interface ChildLogs {
  warnings: number;
  errors: number;
  stderrLines: number;
  /** The first few, as `level msg`. */
  samples: string[];
}

export interface Child {
  name: string;
  proc: ChildProcess;
  logs: ChildLogs;
  exited: Promise<ExitInfo>;
  /** Resolves with the first stdout JSON line matching `match`. */
  waitForLine(match: (e: Json) => boolean, timeoutMs: number): Promise<Json>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<ExitInfo>;
  /** Calls `listener` with every stdout JSON line from now on. */
  onLine(listener: (e: Json) => void): void;
}

const live = new Set<ChildProcess>();
const temps = new Set<string>();
const MAX_SAMPLES = 10;

const alive = (p: ChildProcess) => p.exitCode === null && p.signalCode === null;

export function killAll(): void {
  for (const p of live) if (alive(p)) p.kill('SIGKILL');
  live.clear();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  temps.clear();
}

let installed = false;
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: deteniendo los procesos del benchmark`);
      killAll();
      process.exit(130);
    });
  }
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  temps.delete(dir);
}

function watch(name: string, proc: ChildProcess): Child {
  live.add(proc);
  const logs: ChildLogs = { warnings: 0, errors: 0, stderrLines: 0, samples: [] };
  const stderrTail: string[] = [];
  const events: Json[] = [];
  let listeners: ((e: Json) => void)[] = [];
  const exited = new Promise<ExitInfo>((resolve) => {
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    });
  });
  const sample = (text: string) => {
    if (logs.samples.length < MAX_SAMPLES) logs.samples.push(text.slice(0, 300));
  };
  if (proc.stdout) {
    createInterface({ input: proc.stdout }).on('line', (line) => {
      let event: Json;
      try {
        event = JSON.parse(line) as Json;
      } catch {
        event = { msg: line };
      }
      const level = typeof event.level === 'number' ? event.level : 0;
      if (level >= 40) {
        if (level >= 50) logs.errors += 1;
        else logs.warnings += 1;
        const err = event.err as { message?: string } | undefined;
        sample(`${level >= 50 ? 'error' : 'warn'} ${String(event.msg)}${err?.message ? `: ${err.message}` : ''}`);
      }
      if (events.length < 100) events.push(event);
      for (const l of listeners) l(event);
    });
  }
  if (proc.stderr) {
    createInterface({ input: proc.stderr }).on('line', (line) => {
      logs.stderrLines += 1;
      sample(`stderr ${line}`);
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
    });
  }
  const waitForLine = (match: (e: Json) => boolean, timeoutMs: number) => {
    const found = events.find(match);
    if (found) return Promise.resolve(found);
    return new Promise<Json>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        listeners = listeners.filter((l) => l !== listener);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${name}: no arrancó en ${timeoutMs} ms\n${stderrTail.join('\n')}`));
      }, timeoutMs);
      const listener = (e: Json) => {
        if (!match(e)) return;
        done();
        resolve(e);
      };
      listeners.push(listener);
      void exited.then(({ code, signal }) => {
        done();
        reject(new Error(`${name} terminó (${signal ?? code}) antes de estar listo\n${stderrTail.join('\n')}`));
      });
    });
  };
  const stop = async (graceMs = 10_000) => {
    if (alive(proc)) proc.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (alive(proc)) proc.kill('SIGKILL');
    }, graceMs);
    const info = await exited;
    clearTimeout(timer);
    return info;
  };
  const onLine = (listener: (e: Json) => void) => {
    listeners.push(listener);
  };
  return { name, proc, logs, exited, waitForLine, stop, onLine };
}

/** Runs `node [nodeArgs] file args` with piped stdout/stderr (and an IPC channel when `ipc`). */
export function startNode(
  name: string,
  file: string,
  args: string[],
  opts: { cwd: string; ipc?: boolean; nodeArgs?: string[] },
): Child {
  return startProgram(name, process.execPath, [...(opts.nodeArgs ?? []), file, ...args], opts);
}

/** Runs any executable (a broker, say) under the same watch and cleanup as startNode. */
export function startProgram(
  name: string,
  command: string,
  args: string[],
  opts: { cwd: string; ipc?: boolean },
): Child {
  const proc = spawn(command, args, {
    cwd: opts.cwd,
    stdio: opts.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return watch(name, proc);
}

/** Forks a module that talks over IPC; its stdout/stderr go to ours. */
export function forkNode(name: string, file: string, args: string[]): Child {
  const proc = fork(file, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
  return watch(name, proc);
}
