/**
 * Replicas: several `empresa serve` processes on one store, each station link owned by exactly one
 * of them through a lease in the store (store/port.ts, claimLeases & co.). Every `renewMs` (with
 * jitter) a replica, in this order:
 *
 * 1. announces itself (`replicas`, until now + TTL), so the others count it in the fair share;
 * 2. renews its unexpired leases; a lease it held and did not get back was lost (it expired while
 *    this process was stalled, and maybe someone took it): that link is dropped at once;
 * 3. plans (domain/leases.ts): gives up leases above its fair share (link closed first, then the
 *    lease released) and claims free or expired ones up to it, at most `maxClaims` per round;
 *    each claimed station's link is opened through the LinkManager's paced queue;
 * 4. writes on its leases the state of each link it owns that changed since it last wrote it
 *    (recordLinkStates, one batch): the other replicas show it for the stations they do not hold.
 *    A contact time alone counts as a change once it moved by the TTL, so an idle network of
 *    10,000 links rewrites about renewMs/ttlMs of them a round, not all.
 *
 * Safety: a replica keeps a link only until holdUntil() of its last successful renewal (a third of
 * the TTL before the lease expires). If a round stalls or fails (store down), a timer drops every
 * link at that instant, before any other replica may claim them; so two replicas never talk to one
 * station at once as long as the replicas' clocks agree within a third of the TTL.
 *
 * Liveness: a replica killed without a goodbye stops renewing; its leases expire within the TTL and
 * the others claim them on their next round: takeover within TTL + renewMs (+ the connection).
 * A graceful stop closes the links, releases its leases and retires itself, so the others take over
 * on their next round.
 */
import { type Clock, type Logger, systemClock, type TimerHandle, unrefTimer } from '@combustible/shared';
import type { CompanyBus } from '../app/events.js';
import { fairShare, holdUntil, planRound } from '../domain/leases.js';
import type { EnlaceCompartido, Estacion, EstadoEstacion } from '../domain/types.js';
import type { CompanyStore } from '../store/port.js';
import type { LinkManager } from './link-manager.js';

export interface ReplicaOptions {
  /** This process's id (--replica-id). */
  id: string;
  /** Lease lifetime (--lease-ttl). */
  ttlMs: number;
  /** Time between rounds (--lease-renew); well below the TTL. */
  renewMs: number;
  /** Claims (and releases) per round at most. */
  maxClaims: number;
}

export interface ReplicaDeps {
  store: CompanyStore;
  links: Pick<LinkManager, 'acquire' | 'drop' | 'status'>;
  bus: CompanyBus;
  /** The registered stations (the service's registry). */
  stations: () => readonly Estacion[];
  /** How many there are (no sorted copy of the registry on every registration). */
  stationCount: () => number;
  log: Logger;
  clock?: Clock;
  random?: () => number;
}

export interface ReplicaStats {
  /** Leases this replica holds. */
  propios: number;
  /** Live replicas seen in the last round (this one included). */
  replicas: number;
  /** Leases lost (not renewed in time, or a renewal that did not return in time), since start. */
  perdidos: number;
  /** Rounds that failed (store errors), since start. */
  fallidas: number;
}

/**
 * Claims (and releases) per round at most: large enough that a survivor takes a dead replica's
 * whole share in one round (the takeover bound), while the links still open paced.
 */
export const DEFAULT_MAX_CLAIMS = 10_000;

/** How soon after stations are added the round that shares them out runs (ms). */
const SOON_MS = 250;

export class ReplicaCoordinator {
  private readonly clock: Clock;
  /** Stations whose lease this replica holds (and whose link it may open). */
  private readonly owned = new Set<string>();
  /** The link state last written on each owned lease (absent: not written since it was taken). */
  private readonly written = new Map<string, EnlaceCompartido>();
  /** Who holds each station, as of the last round (own changes applied at once). */
  private holders = new Map<string, string>();
  private liveCount = 1;
  /** A round for added stations is scheduled (scheduleSoon). */
  private soonPending = false;
  private lost = 0;
  private failed = 0;
  /** Links are dropped at this instant unless a renewal moves it. */
  private deadline = 0;
  private deadlineTimer: TimerHandle | undefined;
  private roundTimer: TimerHandle | undefined;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly options: ReplicaOptions,
    private readonly deps: ReplicaDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    deps.bus.on('estacion_agregada', this.onAdded);
    deps.bus.on('estacion_actualizada', this.onUpdated);
    deps.bus.on('estacion_eliminada', this.onRemoved);
  }

  get id(): string {
    return this.options.id;
  }

  /** The replica holding a station's lease (as of the last round), or null. */
  owner(id: string): string | null {
    if (this.owned.has(id)) return this.options.id;
    return this.holders.get(id) ?? null;
  }

  stats(): ReplicaStats {
    return { propios: this.owned.size, replicas: this.liveCount, perdidos: this.lost, fallidas: this.failed };
  }

  /** Runs the first round (its links start opening, paced) and schedules the next ones. */
  async start(): Promise<void> {
    await this.round();
  }

  /** Runs a round now, unless one is running (then waits for it). */
  round(): Promise<void> {
    this.running ??= this.runRound().finally(() => {
      this.running = null;
      this.schedule();
    });
    return this.running;
  }

  /**
   * Takes a just-registered station's lease at once when this replica holds less than its fair
   * share (else the next round shares it out): one lease write, where a whole round reads and
   * renews every lease, so registering 10,000 stations one by one stays linear.
   */
  async claimNew(id: string): Promise<void> {
    if (this.stopped || this.owned.has(id) || this.holders.has(id)) return;
    if (this.owned.size >= fairShare(this.deps.stationCount(), this.liveCount)) return;
    const now = this.clock.now();
    const claimed = await this.deps.store.claimLeases([id], this.options.id, now, now + this.options.ttlMs);
    if (this.stopped) {
      await this.deps.store.releaseLeases(this.options.id, claimed);
      return;
    }
    for (const c of claimed) this.take(c);
  }

  /** No more rounds; closes this replica's links, releases its leases and retires it. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const { bus, store, links, log } = this.deps;
    bus.off('estacion_agregada', this.onAdded);
    bus.off('estacion_actualizada', this.onUpdated);
    bus.off('estacion_eliminada', this.onRemoved);
    this.clock.clearTimeout(this.roundTimer);
    this.clock.clearTimeout(this.deadlineTimer);
    await this.running?.catch(() => undefined);
    for (const id of this.owned) links.drop(id);
    this.owned.clear();
    try {
      const released = await store.releaseLeases(this.options.id);
      await store.retireReplica(this.options.id);
      log.info({ replica: this.options.id, arriendos_liberados: released }, 'réplica retirada: arriendos liberados');
    } catch (err) {
      log.warn({ err, replica: this.options.id }, 'no se pudieron liberar los arriendos: vencerán solos');
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.clock.clearTimeout(this.roundTimer);
    this.soonPending = false;
    // Jitter below the period (never above: the deadline is set from it).
    const { renewMs } = this.options;
    const delay = Math.max(1, Math.round(renewMs * (0.8 + 0.2 * (this.deps.random ?? Math.random)())));
    this.roundTimer = this.clock.setTimeout(() => void this.round(), delay);
    unrefTimer(this.roundTimer);
  }

  private async runRound(): Promise<void> {
    if (this.stopped) return;
    const { store, links, log } = this.deps;
    const { id: self, ttlMs, maxClaims } = this.options;
    try {
      const now = this.clock.now();
      const vence = now + ttlMs;
      // Announced before the leases are renewed: it expires no later than they do.
      await store.announceReplica(self, now, vence);
      // Only leases held before the renewal can be lost by it (a rename may take one meanwhile).
      const before = new Set(this.owned);
      const renewed = new Set(await store.renewLeases(self, now, vence));
      if (this.stopped) return;
      this.setDeadline(holdUntil(vence, ttlMs));
      for (const id of [...this.owned]) {
        if (renewed.has(id) || !before.has(id)) continue;
        this.owned.delete(id);
        this.written.delete(id);
        links.drop(id);
        this.lost += 1;
        log.warn({ id_estacion: id, replica: self }, 'arriendo perdido: se cierra el enlace con la estación');
      }
      const registered = new Set(this.deps.stations().map((e) => e.id_estacion));
      // Leases of an earlier run with this id (a restart), or of stations removed meanwhile.
      const strays: string[] = [];
      for (const id of renewed) {
        if (!registered.has(id)) strays.push(id);
        else if (!this.owned.has(id)) this.take(id);
      }
      if (strays.length > 0) await store.releaseLeases(self, strays);

      const [leases, replicas] = await Promise.all([store.activeLeases(now), store.liveReplicas(now)]);
      if (this.stopped) return;
      this.holders = new Map(leases.map((l) => [l.id_estacion, l.propietario]));
      this.liveCount = new Set([...replicas, self]).size;
      const plan = planRound({ self, now, stations: [...registered], leases, replicas, maxClaims });
      if (plan.release.length > 0) {
        for (const id of plan.release) this.give(id);
        await store.releaseLeases(self, plan.release);
        log.info({ replica: self, estaciones: plan.release.length }, 'arriendos cedidos a otras réplicas (reparto)');
      }
      if (plan.claim.length > 0) {
        const claimed = await store.claimLeases(plan.claim, self, now, vence);
        if (this.stopped) {
          await store.releaseLeases(self, claimed);
          return;
        }
        for (const id of claimed) this.take(id);
        if (claimed.length > 0) {
          log.info({ replica: self, estaciones: claimed.length, reparto: plan.fairShare }, 'arriendos tomados');
        }
      }
      await this.publishLinks();
    } catch (err) {
      this.failed += 1;
      log.error({ err, replica: self }, 'ronda de arriendos fallida: se reintenta (los enlaces se cierran si vencen)');
    }
  }

  /** Writes the state of the owned links that changed since last written (one batch). */
  private async publishLinks(): Promise<void> {
    const changed: (EnlaceCompartido & { id_estacion: string })[] = [];
    for (const id of this.owned) {
      const status = this.deps.links.status(id);
      if (status === undefined) continue;
      const enlace = enlaceCompartido(status);
      if (!linkChanged(this.written.get(id), enlace, this.options.ttlMs)) continue;
      changed.push({ id_estacion: id, ...enlace });
    }
    if (changed.length === 0) return;
    await this.deps.store.recordLinkStates(this.options.id, changed);
    for (const { id_estacion, ...enlace } of changed) {
      if (this.owned.has(id_estacion)) this.written.set(id_estacion, enlace);
    }
  }

  /** Holds a station: its link opens (paced). */
  private take(id: string): void {
    this.owned.add(id);
    // A lease claimed starts with no state in the store: written in this round.
    this.written.delete(id);
    this.holders.set(id, this.options.id);
    if (!this.deps.links.acquire(id)) this.owned.delete(id);
  }

  /** Stops holding a station: its link closes at once. */
  private give(id: string): void {
    this.owned.delete(id);
    this.written.delete(id);
    this.holders.delete(id);
    this.deps.links.drop(id);
  }

  private setDeadline(at: number): void {
    this.deadline = at;
    this.clock.clearTimeout(this.deadlineTimer);
    this.deadlineTimer = this.clock.setTimeout(() => this.onDeadline(), Math.max(0, at - this.clock.now()));
    unrefTimer(this.deadlineTimer);
  }

  /** No renewal in time: every link is dropped before anyone else may claim it. */
  private onDeadline(): void {
    if (this.stopped || this.clock.now() < this.deadline || this.owned.size === 0) return;
    this.deps.log.error(
      { replica: this.options.id, estaciones: this.owned.size },
      'los arriendos no se renovaron a tiempo: se cierran todos los enlaces de esta réplica',
    );
    this.lost += this.owned.size;
    for (const id of [...this.owned]) this.give(id);
  }

  /** A station registered here: try to take it soon (next round, brought forward). */
  private readonly onAdded = () => {
    if (!this.running) this.scheduleSoon();
  };

  /**
   * A rename keeps the link (the LinkManager re-keyed it): the lease moves to the new id, or the
   * link closes if another replica got that id first.
   */
  private readonly onUpdated = ({ id_anterior, estacion }: { id_anterior: string; estacion: Estacion }) => {
    const nuevo = estacion.id_estacion;
    if (id_anterior === nuevo || !this.owned.has(id_anterior)) return;
    this.owned.delete(id_anterior);
    this.written.delete(id_anterior);
    this.holders.delete(id_anterior);
    const { store, links, log } = this.deps;
    const self = this.options.id;
    const now = this.clock.now();
    void (async () => {
      try {
        const [got] = await store.claimLeases([nuevo], self, now, now + this.options.ttlMs);
        if (got === nuevo && !this.stopped) {
          this.owned.add(nuevo);
          this.holders.set(nuevo, self);
        } else links.drop(nuevo);
        await store.releaseLeases(self, [id_anterior]);
      } catch (err) {
        links.drop(nuevo);
        log.warn({ err, id_estacion: nuevo }, 'no se pudo mover el arriendo de la estación renombrada');
      }
    })();
  };

  private readonly onRemoved = ({ id_estacion }: { id_estacion: string }) => {
    if (!this.owned.has(id_estacion)) return;
    this.give(id_estacion);
    void this.deps.store
      .releaseLeases(this.options.id, [id_estacion])
      .catch((err: unknown) => this.deps.log.warn({ err, id_estacion }, 'no se pudo liberar el arriendo'));
  };

  /**
   * A round within SOON_MS (a station was added): one for a burst of additions, never later than
   * the round already scheduled (SOON_MS is below any renewal period), so renewals never slip.
   */
  private scheduleSoon(): void {
    if (this.stopped || this.soonPending) return;
    this.soonPending = true;
    this.clock.clearTimeout(this.roundTimer);
    this.roundTimer = this.clock.setTimeout(
      () => {
        this.soonPending = false;
        void this.round();
      },
      Math.min(SOON_MS, this.options.renewMs),
    );
    unrefTimer(this.roundTimer);
  }
}

/** What of a link's status the other replicas show. */
export function enlaceCompartido(s: EstadoEstacion): EnlaceCompartido {
  return {
    estado: s.estado,
    conectada: s.conectada,
    version_confirmada: s.version_confirmada,
    ultimo_contacto: s.ultimo_contacto,
    ultimo_error: s.ultimo_error,
  };
}

/**
 * Whether a link's state must be written again: never written, or any field changed, except a
 * contact time that moved by less than `contactoGranoMs` (it moves with every line received).
 */
export function linkChanged(
  prev: EnlaceCompartido | undefined,
  next: EnlaceCompartido,
  contactoGranoMs: number,
): boolean {
  if (prev === undefined) return true;
  if (
    prev.estado !== next.estado ||
    prev.conectada !== next.conectada ||
    prev.version_confirmada !== next.version_confirmada ||
    prev.ultimo_error !== next.ultimo_error
  ) {
    return true;
  }
  if (prev.ultimo_contacto === next.ultimo_contacto) return false;
  if (prev.ultimo_contacto === null || next.ultimo_contacto === null) return true;
  return Math.abs(Date.parse(next.ultimo_contacto) - Date.parse(prev.ultimo_contacto)) >= contactoGranoMs;
}
