/**
 * What a dashboard gets on connect, bounded whatever the station holds: the connected pumps
 * (at most SNAPSHOT_LIMITS.surtidores), counts (pumps configured, connected, open alerts), the
 * newest sales, the newest open alerts, the prices in force and the last operator actions. The
 * rest is on request through the REST API (pages of /api/surtidores, /api/alertas...).
 *
 * It is built once for every client that connects within its short life: the store reads are
 * shared (a build in flight too) and so is the serialized text. An event sent to the clients
 * retires the text (a client that connects after it must see it), except `estado`, the bulk of
 * the traffic: the pumps that reported since the text was made are named with it, and the client
 * gets their current state right after it. An event about what is read from the store (a sale,
 * an alert, an action) retires the reads too; and neither lives longer than `ttlMs`, for what
 * changes without an event.
 */
import type { AuditLog } from '@combustible/server';
import { type Clock, isoNow } from '@combustible/shared';
import type { StationService } from '../app/station-service.js';
import type { TankService } from '../app/tank-service.js';
import { vistaProgramada } from '../domain/prices.js';
import type { Alerta, Transaccion } from '../domain/types.js';
import { presentPump } from '../http/deps.js';
import type { StationStore } from '../store/port.js';
import { type AccionPanel, ULTIMAS_ACCIONES, ultimasAcciones } from './acciones.js';

export const SNAPSHOT_LIMITS = {
  /** Connected pumps, by id (more are connected only past --max-pumps pre-configured ones). */
  surtidores: 1000,
  transacciones: 50,
  /** Open alerts, newest first. */
  alertas: 50,
  acciones: ULTIMAS_ACCIONES,
} as const;

/** How long a built snapshot serves new clients when no event retired it first. */
export const SNAPSHOT_TTL_MS = 1000;

/** Events whose news is in what the snapshot reads from the store. */
const STORED_EVENTS: ReadonlySet<string> = new Set(['transaccion', 'alerta', 'accion']);

export interface SnapshotDeps {
  service: StationService;
  /** (ext) Tanks, each with its last reading (bounded by --max-tanques). */
  tanks?: Pick<TankService, 'all'> | undefined;
  store: StationStore;
  audit?: Pick<AuditLog, 'list'> | undefined;
  clock: Clock;
  ttlMs?: number;
}

interface Stored {
  transacciones: Transaccion[];
  alertas: Alerta[];
  alertas_abiertas: number;
  acciones: AccionPanel[];
}

export class SnapshotCache {
  /** Bumped by every event sent to clients. */
  private generation = 0;
  /** Bumped by the events about stored data. */
  private storedGeneration = 0;
  private stored: { generation: number; at: number; reads: Promise<Stored> } | null = null;
  private text: { generation: number; at: number; text: string } | null = null;
  /** Pumps whose `estado` went out since the text was made. */
  private readonly estados = new Set<number>();
  private readonly ttlMs: number;
  /** How many times the store was read for a snapshot (for tests and logs). */
  builds = 0;

  constructor(private readonly deps: SnapshotDeps) {
    this.ttlMs = deps.ttlMs ?? SNAPSHOT_TTL_MS;
  }

  /** An event of this tipo (about this pump, for `estado`) went out to the clients. */
  changed(tipo: string, pumpId?: number): void {
    if (tipo === 'estado' && pumpId !== undefined) {
      this.estados.add(pumpId);
      return;
    }
    this.generation++;
    if (STORED_EVENTS.has(tipo)) this.storedGeneration++;
  }

  /**
   * The snapshot event as text, for a client already taking live events (what happens from now
   * on reaches it as events; what happened before is in the snapshot), and the pumps whose
   * current state the client must get right after it (they reported since the text was made).
   */
  async get(): Promise<{ text: string; estados: number[] }> {
    const fresh = (at: number) => this.deps.clock.now() - at < this.ttlMs;
    if (this.text && this.text.generation === this.generation && fresh(this.text.at))
      return { text: this.text.text, estados: [...this.estados] };
    const storedGeneration = this.storedGeneration;
    const stored = await this.storedPart(fresh);
    // The live part is read now, in the same turn as the text is made.
    this.estados.clear();
    const text = JSON.stringify({
      tipo: 'snapshot',
      datos: this.compose(stored),
      timestamp: isoNow(this.deps.clock),
    });
    // Cached only if no stored news came while the reads were under way.
    if (storedGeneration === this.storedGeneration)
      this.text = { generation: this.generation, at: this.deps.clock.now(), text };
    return { text, estados: [] };
  }

  /** The store reads: shared with a build started after the last stored news, while fresh. */
  private storedPart(fresh: (at: number) => boolean): Promise<Stored> {
    const s = this.stored;
    if (s && s.generation === this.storedGeneration && fresh(s.at)) return s.reads;
    this.builds++;
    const reads = this.readStore();
    const entry = { generation: this.storedGeneration, at: this.deps.clock.now(), reads };
    this.stored = entry;
    // A failed build is not kept: the next client tries again.
    reads.catch(() => {
      if (this.stored === entry) this.stored = null;
    });
    return reads;
  }

  private async readStore(): Promise<Stored> {
    const { store, audit } = this.deps;
    const [transacciones, alertas, alertas_abiertas, acciones] = await Promise.all([
      store.listTransactions({ limit: SNAPSHOT_LIMITS.transacciones, skip: 0 }),
      store.listAlerts({ abiertas: true, limit: SNAPSHOT_LIMITS.alertas }),
      store.countAlerts({ abiertas: true }),
      audit ? ultimasAcciones(audit, SNAPSHOT_LIMITS.acciones) : [],
    ]);
    return { transacciones: transacciones.items, alertas, alertas_abiertas, acciones };
  }

  private compose(stored: Stored) {
    const { service } = this.deps;
    const connected = service.live.connected().sort((a, b) => a.id_surtidor - b.id_surtidor);
    const surtidores = [];
    for (const live of connected) {
      if (surtidores.length >= SNAPSHOT_LIMITS.surtidores) break;
      const p = service.pump(live.id_surtidor);
      if (p) surtidores.push({ ...presentPump(p, live), estado_actual: live });
    }
    return {
      surtidores,
      totales: {
        surtidores: service.pumpCount,
        conectados: connected.length,
        alertas_abiertas: stored.alertas_abiertas,
      },
      precios: { ...service.prices.current, programada: vistaProgramada(service.prices.programada) },
      // (ext) The open prepaid authorizations (in memory, at most one per pump and --max-open-authorizations).
      autorizaciones: service.authorizations.open().slice(0, SNAPSHOT_LIMITS.surtidores),
      transacciones: stored.transacciones,
      alertas: stored.alertas,
      acciones: stored.acciones,
      tanques: this.deps.tanks?.all() ?? [],
    };
  }
}
