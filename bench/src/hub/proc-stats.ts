/** RSS and CPU time of another process, read from /proc (Linux); null where /proc is unavailable. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface ProcSample {
  /** performance.now() when taken (ms). */
  at: number;
  rssKiB: number | null;
  /** Peak RSS so far (VmHWM). */
  peakRssKiB: number | null;
  /** utime + stime, all threads (ms). */
  cpuMs: number | null;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

function statusField(status: string, field: string): number | null {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match?.[1] ? Number(match[1]) : null;
}

function read(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

export function sampleProc(pid: number | undefined): ProcSample {
  const at = performance.now();
  if (pid === undefined) return { at, rssKiB: null, peakRssKiB: null, cpuMs: null };
  const status = read(`/proc/${pid}/status`);
  const stat = read(`/proc/${pid}/stat`);
  let cpuMs: number | null = null;
  if (stat) {
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    if (Number.isFinite(ticks)) cpuMs = (ticks * 1000) / clockTicks();
  }
  return {
    at,
    rssKiB: status ? statusField(status, 'VmRSS') : null,
    peakRssKiB: status ? statusField(status, 'VmHWM') : null,
    cpuMs,
  };
}

/** CPU used between two samples, as % of one core. */
export function cpuPercent(from: ProcSample, to: ProcSample): number | null {
  if (from.cpuMs === null || to.cpuMs === null || to.at <= from.at) return null;
  return ((to.cpuMs - from.cpuMs) / (to.at - from.at)) * 100;
}

/** This process's soft limit on open files (`ulimit -n`, inherited by its children); null if unknown. */
export function openFilesLimit(): number | null {
  const match = /^Max open files\s+(\S+)/m.exec(read('/proc/self/limits') ?? '');
  if (!match?.[1]) return null;
  return match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1]);
}

/**
 * Connections the kernel dropped because a listen queue was full (TcpExt ListenOverflows), for the
 * whole network namespace, not one process; null where /proc/net/netstat is unavailable.
 */
export function listenOverflows(): number | null {
  const lines = (read('/proc/net/netstat') ?? '').split('\n').filter((l) => l.startsWith('TcpExt:'));
  const [names, values] = lines.map((l) => l.split(/\s+/));
  const at = names?.indexOf('ListenOverflows') ?? -1;
  const value = at > 0 ? Number(values?.[at]) : Number.NaN;
  return Number.isFinite(value) ? value : null;
}
