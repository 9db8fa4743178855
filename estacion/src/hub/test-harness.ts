/**
 * Test harness for the hub: a real StationService on an in-memory SQLite store, a fake clock, and
 * pumps connected through in-memory duplex pairs (no sockets).
 */

import { Duplex, Writable } from 'node:stream';
import { AuditLog, AuthService, STATION_ROLES, type StationRole } from '@combustible/server';
import { createLogger, duplexPair, FakeClock, LineDecoder, type Logger } from '@combustible/shared';
import { StationBus } from '../app/events.js';
import { StationService } from '../app/station-service.js';
import { DEFAULT_TANK_OPTIONS, TANQUES_DEMO, type TankMetrics, TankService } from '../app/tank-service.js';
import { historiaTanque } from '../store/test-builders.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { HubOptions } from './options.js';
import { type HubMetrics, PumpHub, type PumpHubDeps } from './pump-hub.js';

export type Json = Record<string, unknown>;

/** scrypt at a cost tests can afford (the real one takes ~100 ms per hash). */
export const CHEAP_SCRYPT = { N: 1024, r: 8, p: 1 };

export { duplexPair, FakeClock } from '@combustible/shared';

/** The pump's end of an in-memory connection. */
export class TestPump {
  readonly received: Json[] = [];
  private waiters: ((m: Json) => void)[] = [];
  closed = false;
  readonly whenClosed: Promise<void>;

  constructor(readonly stream: Duplex) {
    const decoder = new LineDecoder({
      onLine: (line) => {
        const m = JSON.parse(line) as Json;
        this.received.push(m);
        for (const w of this.waiters.splice(0)) w(m);
      },
      onOverflow: () => {},
    });
    stream.on('data', (c: Buffer) => decoder.push(c));
    this.whenClosed = new Promise((resolve) => {
      stream.on('end', () => resolve());
      stream.on('close', () => resolve());
    });
    void this.whenClosed.then(() => {
      this.closed = true;
    });
  }

  send(m: Json | string): void {
    this.stream.write(typeof m === 'string' ? `${m}\n` : `${JSON.stringify(m)}\n`);
  }

  /** The first received message (from the start) of this tipo not yet taken. */
  async next(tipo: string): Promise<Json> {
    for (;;) {
      const i = this.received.findIndex((m) => m.tipo === tipo && !taken.has(m));
      if (i >= 0) {
        const m = this.received[i] as Json;
        taken.add(m);
        return m;
      }
      if (this.closed) throw new Error(`closed before "${tipo}"; got ${JSON.stringify(this.received)}`);
      await Promise.race([new Promise<Json>((r) => this.waiters.push(r)), this.whenClosed]);
    }
  }

  all(tipo: string): Json[] {
    return this.received.filter((m) => m.tipo === tipo);
  }
}

const taken = new WeakSet<object>();

export function registro(id: number, extra: Json = {}): Json {
  return {
    tipo: 'registro',
    id_surtidor: id,
    nombre: `Surtidor ${id}`,
    combustibles_soportados: ['93', '95'],
    version: '1.0',
    ...extra,
  };
}

export function estado(id: number, estado_operacion: string, timestamp: string, extra: Json = {}): Json {
  return {
    tipo: 'estado',
    id_surtidor: id,
    estado_operacion,
    litros_actuales: 0,
    monto_actual: 0,
    tipo_combustible: '95',
    timestamp,
    ...extra,
  };
}

export function venta(id: number, extra: Json = {}): Json {
  return {
    tipo: 'transaccion_completada',
    id_surtidor: id,
    tipo_combustible: '95',
    litros: 10,
    precio_por_litro: 1350,
    monto_total: 13500,
    metodo_pago: 'efectivo',
    fecha_inicio: '2026-01-15T13:58:00Z',
    fecha_fin: '2026-01-15T14:00:00Z',
    ...extra,
  };
}

export interface Harness {
  clock: FakeClock;
  store: SqliteStore;
  bus: StationBus;
  service: StationService;
  /** (ext) Tanks and gauges. */
  tanks: TankService;
  hub: PumpHub;
  logs: Json[];
  log: Logger;
  metrics: HubMetrics | undefined;
  /** The audit log on the store (the hub audits refused registrations into it). */
  audit: AuditLog;
  /** Users and sessions on the store, with a cheap scrypt cost. */
  auth: AuthService<StationRole>;
  connect(): TestPump;
  /** Connects and registers; resolves after registro_confirmado. */
  register(id: number, extra?: Json): Promise<TestPump>;
  close(): Promise<void>;
}

/** A debug-level logger whose JSON events land in `logs` (assert on logs, not on stdout). */
/**
 * (ext) The demo tanks 1 (93) and 2 (95), unless `crear` is false, and a week of hourly readings
 * and sales of each up to the clock's now (store/test-builders.ts historiaTanque): tank 1 loses
 * 3 L/h, tank 2 is tight.
 */
export async function semanaDeTanques(h: Pick<Harness, 'tanks' | 'store' | 'clock'>, crear = true): Promise<void> {
  if (crear) for (const t of TANQUES_DEMO.slice(0, 2)) await h.tanks.create(t);
  for (const [id_tanque, combustible, fugaLh] of [
    [1, '93', 3],
    [2, '95', 0],
  ] as const) {
    const { lecturas, ventas } = historiaTanque({ id_tanque, combustible, fin: h.clock.now(), dias: 7, fugaLh });
    await h.store.insertReadings(lecturas);
    await h.store.insertTransactions(ventas);
  }
}

export function memoryLogger(): { log: Logger; logs: Json[] } {
  const logs: Json[] = [];
  const log = createLogger({
    name: 'test',
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _e, cb) {
        for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Json);
        cb();
      },
    }),
  });
  return { log, logs };
}

/**
 * @param seeded a store already set up (and filled by the test) for the service to start on,
 *   instead of a fresh in-memory one; the harness closes it.
 */
export async function createHarness(
  options: Partial<HubOptions> = {},
  serviceOptions: Partial<ConstructorParameters<typeof StationService>[4]> = {},
  makeMetrics?: (bus: StationBus) => HubMetrics,
  seeded?: SqliteStore,
  /** More of the hub's dependencies (authenticatePump, registrationLimiter), from the store and clock. */
  hubDeps?: (store: SqliteStore, clock: FakeClock) => Partial<PumpHubDeps>,
): Promise<Harness> {
  const clock = new FakeClock();
  const { log, logs } = memoryLogger();
  const store = seeded ?? new SqliteStore({ dataDir: ':memory:' });
  await store.setup();
  const bus = new StationBus();
  const service = new StationService(store, bus, clock, log, {
    strictRegistration: false,
    maxClockDriftMs: 5000,
    stateFlushMs: 1000,
    ...serviceOptions,
  });
  await service.init();
  const metrics = makeMetrics?.(bus);
  const tanks = new TankService(
    store,
    bus,
    clock,
    log,
    service,
    DEFAULT_TANK_OPTIONS,
    metrics && 'reading' in metrics ? (metrics as unknown as TankMetrics) : undefined,
  );
  await tanks.init();
  const audit = new AuditLog(store.auth, clock, log);
  const auth = new AuthService(store.auth, STATION_ROLES, audit, clock, log, { scryptCost: CHEAP_SCRYPT });
  const hub = new PumpHub({
    service,
    tanks,
    bus,
    log,
    clock,
    options,
    audit,
    ...(metrics ? { metrics } : {}),
    ...hubDeps?.(store, clock),
  });
  const connect = () => {
    const [server, client] = duplexPair();
    hub.handle(server, '10.0.0.9');
    return new TestPump(client);
  };
  return {
    clock,
    store,
    bus,
    service,
    tanks,
    hub,
    logs,
    log,
    metrics,
    audit,
    auth,
    connect,
    async register(id, extra = {}) {
      const pump = connect();
      pump.send(registro(id, extra));
      await pump.next('registro_confirmado');
      return pump;
    },
    async close() {
      await hub.close();
      await service.close();
      await tanks.close();
      await audit.flush();
      await store.close();
    },
  };
}
