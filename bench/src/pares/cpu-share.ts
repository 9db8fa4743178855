/**
 * Who got the CPU during a window, beyond each process's own CPU time (proc-stats.ts):
 *
 * - the whole machine, from /proc/stat, so a run can tell how much went to processes that are not
 *   the benchmark's (other people's builds and tests on a shared box);
 * - a process's main thread, from /proc/<pid>/schedstat: time on a CPU and time ready to run but
 *   waiting for one. Node's event loop and mosquitto's loop are that thread, so a server that
 *   falls behind with its main thread on the CPU all the time is at its own limit; one that spent
 *   the time waiting for a CPU was starved by the machine; one that did neither was blocked
 *   (a synchronous fsync, say) or idle.
 *
 * Linux only; null elsewhere.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

export interface MachineSample {
  busy: number;
  total: number;
}

export function sampleMachine(): MachineSample | null {
  try {
    const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal …: idle and iowait are not busy.
    const ticks = first.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return Number.isFinite(total) && total > 0 ? { busy: total - idle, total } : null;
  } catch {
    return null;
  }
}

/** Busy CPU between two samples, as % of one core (so 2 busy cores = 200). */
export function machinePercent(from: MachineSample | null, to: MachineSample | null): number | null {
  if (!from || !to || to.total <= from.total) return null;
  return ((to.busy - from.busy) / (to.total - from.total)) * os.cpus().length * 100;
}

export interface ThreadSample {
  /** performance.now() (ms). */
  at: number;
  /** Time on a CPU (ns). */
  runNs: number;
  /** Time runnable but waiting for a CPU (ns). */
  waitNs: number;
}

/** The main thread of `pid` (its task id is the pid). */
export function sampleThread(pid: number | undefined): ThreadSample | null {
  if (pid === undefined) return null;
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return run === undefined || wait === undefined || !Number.isFinite(run) || !Number.isFinite(wait)
      ? null
      : { at: performance.now(), runNs: run, waitNs: wait };
  } catch {
    return null;
  }
}

/** Share of the wall time between two samples the thread spent on a CPU and waiting for one, %. */
export function threadPercent(
  from: ThreadSample | null,
  to: ThreadSample | null,
): { run: number; wait: number } | null {
  if (!from || !to || to.at <= from.at) return null;
  const wallNs = (to.at - from.at) * 1e6;
  return { run: ((to.runNs - from.runNs) / wallNs) * 100, wait: ((to.waitNs - from.waitNs) / wallNs) * 100 };
}
