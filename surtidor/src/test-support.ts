/** Test support for the simulator's unit tests: a manual clock, scripted randomness, a recording sink. */
import { Duplex, Writable } from 'node:stream';
import {
  type Combustible,
  createLogger,
  type Dialer,
  duplexPair,
  LineDecoder,
  type Logger,
  type TransaccionCompletada,
} from '@combustible/shared';
import type { Random } from './domain/customer.js';
import type { PriceVersion, PumpConfig, PumpMessage, PumpSink } from './domain/types.js';

export { duplexPair, FakeClock, FAKE_CLOCK_START as T0 } from '@combustible/shared';

/** Returns `values` in order, then `rest` forever. */
export function scripted(values: number[], rest = 0.5): Random {
  let i = 0;
  return () => (i < values.length ? (values[i++] as number) : rest);
}

/** A sink that keeps everything the pump says, in order. */
export class RecordingSink implements PumpSink {
  readonly out: (PumpMessage | TransaccionCompletada)[] = [];
  readonly applied: PriceVersion[] = [];

  send(message: PumpMessage): void {
    this.out.push(message);
  }

  sale(tx: TransaccionCompletada): void {
    this.out.push(tx);
  }

  pricesApplied(prices: PriceVersion): void {
    this.applied.push(prices);
  }

  /** Set by a test that follows the meter. */
  dispensed?: (combustible: Combustible, ml: number) => void;

  get sales(): TransaccionCompletada[] {
    return this.out.filter((m): m is TransaccionCompletada => m.tipo === 'transaccion_completada');
  }

  of<K extends PumpMessage['tipo']>(tipo: K): Extract<PumpMessage, { tipo: K }>[] {
    return this.out.filter((m) => m.tipo === tipo) as Extract<PumpMessage, { tipo: K }>[];
  }

  tipos(): string[] {
    return this.out.map((m) =>
      m.tipo === 'estado'
        ? `estado:${m.estado_operacion}`
        : m.tipo === 'precios_aplicados'
          ? `precios_aplicados:${m.version}`
          : m.tipo,
    );
  }

  clear(): void {
    this.out.length = 0;
  }
}

export function pumpConfig(overrides: Partial<PumpConfig> = {}): PumpConfig {
  return {
    id_surtidor: 7,
    nombre: 'Surtidor 7',
    combustibles_soportados: ['95'],
    combustible_actual: '95',
    configuracion: { capacidad_maxima_litros: 100, velocidad_despacho: 1 },
    ...overrides,
  };
}

/** A logger whose JSON lines are kept in memory. */
export function memoryLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: createLogger({ name: 'test', level: 'debug', destination }), lines };
}

type Json = Record<string, unknown>;

/** The station's end of an in-memory connection: what the pump sent, and a way to answer. */
export class StationEnd {
  readonly received: Json[] = [];
  private readonly waiters: { match: (m: Json) => boolean; resolve: (m: Json) => void }[] = [];
  private read = 0;

  constructor(readonly stream: Duplex) {
    const decoder = new LineDecoder({ onLine: (l) => this.onLine(JSON.parse(l) as Json), onOverflow: () => {} });
    stream.on('data', (chunk: Buffer) => decoder.push(chunk));
  }

  private conditions: { ok: () => boolean; resolve: () => void }[] = [];
  private readonly answerers: ((m: Json) => void)[] = [];

  /** Calls `fn` with every message received from now on (e.g. to answer like a station would). */
  onMessage(fn: (m: Json) => void): void {
    this.answerers.push(fn);
  }

  /** Resolves once `ok()` holds, checked after every line received. */
  until(ok: () => boolean): Promise<void> {
    if (ok()) return Promise.resolve();
    return new Promise((resolve) => this.conditions.push({ ok, resolve }));
  }

  /** Resolves once `n` messages of this tipo have been received in all. */
  count(tipo: string, n: number): Promise<void> {
    return this.until(() => this.of(tipo).length >= n);
  }

  private onLine(m: Json): void {
    this.received.push(m);
    for (const fn of this.answerers) fn(m);
    for (const c of this.conditions.filter((c) => c.ok())) {
      this.conditions.splice(this.conditions.indexOf(c), 1);
      c.resolve();
    }
    const i = this.waiters.findIndex((w) => w.match(m));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      this.read = this.received.length;
      w?.resolve(m);
    }
  }

  /** The next message (after those already returned) of this tipo. */
  next(tipo: string): Promise<Json> {
    const match = (m: Json) => m.tipo === tipo;
    const found = this.received.slice(this.read).findIndex(match);
    if (found >= 0) {
      this.read += found + 1;
      return Promise.resolve(this.received[this.read - 1] as Json);
    }
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  of(tipo: string): Json[] {
    return this.received.filter((m) => m.tipo === tipo);
  }

  send(m: Json): void {
    this.stream.write(`${JSON.stringify(m)}\n`);
  }
}

/** A dialer whose connections are in-memory pairs; each dial hands the test a StationEnd. */
export class FakeNetwork {
  readonly stations: StationEnd[] = [];
  refuse = false;
  private listeners: ((s: StationEnd) => void)[] = [];

  readonly dial: Dialer = async () => {
    if (this.refuse) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const [client, server] = duplexPair();
    const station = new StationEnd(server);
    this.stations.push(station);
    for (const l of this.listeners.splice(0)) l(station);
    return client;
  };

  /** The next connection (or the latest one if it is not yet taken). */
  connection(index: number): Promise<StationEnd> {
    const s = this.stations[index];
    if (s) return Promise.resolve(s);
    return new Promise((resolve) => {
      const wait = (st: StationEnd) => (this.stations.indexOf(st) === index ? resolve(st) : this.listeners.push(wait));
      this.listeners.push(wait);
    });
  }
}

/** Lets pending promise callbacks and I/O callbacks run. */
export const settle = () => new Promise<void>((r) => setImmediate(r));
