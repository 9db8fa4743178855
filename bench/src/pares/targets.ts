/**
 * The four servers `bench pares` compares, each started fresh in its own process on a free
 * loopback port, behind one interface: where to connect, which process to sample, and how many
 * messages the server itself says it has taken (its own counter, not the generator's).
 */
import { accessSync, constants, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { startObservedStation, sumOf } from '../estacion.js';
import {
  type Child,
  type ChildLogs,
  type ExitInfo,
  startNode,
  startProgram,
  tempDir,
  removeTempDir,
} from '../hub/children.js';
import { ask } from '../hub/ipc.js';
import { ROOT } from '../hub/run.js';
import type { CeilingStats } from '../hub/types.js';
import type { CountStats, Protocol } from './types.js';

export type TargetName = 'estacion' | 'techo' | 'mosquitto' | 'aedes';
export const TARGET_NAMES: readonly TargetName[] = ['estacion', 'techo', 'mosquitto', 'aedes'];

/** A server's own message count, and when it held (performance.now(), ms). */
export interface Count {
  count: number;
  at: number;
}

export interface Target {
  name: TargetName;
  protocol: Protocol;
  port: number;
  pid: number | undefined;
  logs: ChildLogs;
  /** Messages taken from clients so far, by the server's own count; null when it cannot say. */
  processed(): Promise<Count | null>;
  /**
   * Whether processed() reads the counter when asked (true) or returns the server's last periodic
   * report (mosquitto's $SYS every second, timed by when it reached us, which lags under load).
   */
  countExact: boolean;
  stop(): Promise<ExitInfo>;
}

const CEILING = fileURLToPath(new URL('../hub/ceiling-server.js', import.meta.url));
const AEDES = fileURLToPath(new URL('./aedes-server.js', import.meta.url));
const READY_TIMEOUT_MS = 30_000;

/** Asks a child that answers {type:'stats'} over IPC (ceiling, aedes, subscriber); null if it does not. */
export function askStats<T extends { type: 'stats' }>(child: Child, timeoutMs = 2000): Promise<T | null> {
  return ask<T>(child, { type: 'stats' }, 'stats', timeoutMs).catch(() => null);
}

/**
 * Times a reading by when the answer arrived: a busy server reads its counter when it gets to the
 * request — late, with its backlog — and answers at once, so the arrival is the closer time.
 */
async function timed(read: () => Promise<number | null>): Promise<Count | null> {
  const count = await read();
  return count === null ? null : { count, at: performance.now() };
}

async function estacion(maxConnections: number): Promise<Target> {
  // Idle pumps say nothing: past --heartbeat-timeout (60 s) the station would close them while
  // the fleet is still connecting its 15,000th. The memory they hold does not depend on it.
  const station = await startObservedStation({ maxPumps: maxConnections, heartbeatTimeoutS: 3600 });
  return {
    name: 'estacion',
    protocol: 'ndjson',
    port: station.pumpPort,
    pid: station.child.proc.pid,
    logs: station.child.logs,
    // Valid lines of every tipo the hub parsed and dispatched (rate-limited or invalid ones are not).
    processed: () => timed(async () => sumOf(await station.metrics(), 'estacion_mensajes_total')),
    countExact: true,
    stop: async () => {
      await station.stop();
      return station.child.exited;
    },
  };
}

async function nodeChild(
  name: 'techo' | 'aedes',
  file: string,
  count: (child: Child) => Promise<number | null>,
): Promise<Target> {
  const child = startNode(name, file, [], { cwd: ROOT, ipc: true });
  try {
    const ready = await child.waitForLine((e) => e.escuchando === name, READY_TIMEOUT_MS);
    return {
      name,
      protocol: name === 'techo' ? 'ndjson' : 'mqtt',
      port: Number(ready.puerto),
      pid: child.proc.pid,
      logs: child.logs,
      processed: () => timed(() => count(child)),
      countExact: true,
      stop: () => child.stop(5000),
    };
  } catch (err) {
    await child.stop(2000);
    throw err;
  }
}

/** mosquitto's path: the given one, /usr/sbin/mosquitto, or `mosquitto` on PATH; null if none. */
export function findMosquitto(given?: string): string | null {
  const candidates = given
    ? [given]
    : [
        '/usr/sbin/mosquitto',
        ...(process.env.PATH ?? '')
          .split(path.delimiter)
          .filter(Boolean)
          .map((d) => path.join(d, 'mosquitto')),
      ];
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: Child, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child.proc.exitCode !== null)
      throw new Error(`${child.name} terminó al arrancar: ${child.logs.samples.join('; ')}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (performance.now() > deadline)
      throw new Error(`${child.name}: el puerto ${port} no aceptó conexiones en ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * mosquitto with a generated minimal config: one listener on loopback, anonymous, no persistence
 * (like aedes' in-memory default), no connection limit, only warnings and errors logged. Its
 * count comes from $SYS/broker/publish/messages/received, which it publishes every sys_interval
 * (1 s): the count carries the time it arrived, so a rate over several updates is exact.
 */
async function mosquitto(bin: string): Promise<Target> {
  const dir = tempDir('bench-mosquitto-');
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  const lines = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    'max_connections -1',
    'sys_interval 1',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
  ];
  // As root mosquitto switches to the `mosquitto` user, which may not exist; stay who we are.
  if (process.getuid?.() === 0) lines.push('user root');
  writeFileSync(conf, `${lines.join('\n')}\n`);
  const child = startProgram('mosquitto', bin, ['-c', conf], { cwd: dir });
  let monitor: mqtt.MqttClient | undefined;
  const stop = async () => {
    monitor?.end(true);
    const exit = await child.stop(5000);
    removeTempDir(dir);
    return exit;
  };
  try {
    await waitForPort(port, child, READY_TIMEOUT_MS);
    let latest: Count | null = null;
    const client = mqtt.connect({
      host: '127.0.0.1',
      port,
      protocolVersion: 4,
      clientId: 'bench-sys',
      reconnectPeriod: 0,
    });
    monitor = client;
    client.on('message', (_topic, payload) => {
      latest = { count: Number(payload.toString()), at: performance.now() };
    });
    await new Promise<void>((resolve, reject) => {
      client.once('error', reject);
      client.once('connect', () =>
        client.subscribe('$SYS/broker/publish/messages/received', (err) => (err ? reject(err) : resolve())),
      );
    });
    return {
      name: 'mosquitto',
      protocol: 'mqtt',
      port,
      pid: child.proc.pid,
      logs: child.logs,
      processed: async () => latest,
      countExact: false,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface TargetOptions {
  /** Most connections the run will open (the station's limits are raised to it). */
  maxConnections: number;
  mosquittoBin: string | null;
}

export function startTarget(name: TargetName, opts: TargetOptions): Promise<Target> {
  switch (name) {
    case 'estacion':
      return estacion(opts.maxConnections);
    case 'techo':
      return nodeChild('techo', CEILING, async (c) => (await askStats<CeilingStats>(c))?.lines ?? null);
    case 'aedes':
      return nodeChild('aedes', AEDES, async (c) => (await askStats<CountStats>(c))?.messages ?? null);
    case 'mosquitto':
      if (!opts.mosquittoBin) throw new Error('mosquitto no está instalado');
      return mosquitto(opts.mosquittoBin);
  }
}
