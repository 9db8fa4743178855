/**
 * The whole machine's CPU from /proc/stat, so a run can tell how much of it went to processes
 * that are not the benchmark's (other people's builds and tests on a shared box). Linux only;
 * null elsewhere.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

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
