/**
 * Link liveness: a `ping` every interval; when nothing at all arrives within the timeout after a
 * ping, the link is declared dead. Any line received counts as a sign of life.
 */
import { type Clock, type TimerHandle, unrefTimer } from '@combustible/shared';

export interface KeepaliveOptions {
  intervalMs: number;
  timeoutMs: number;
}

/** Who a Keepalive pings for: the link itself (no closures per link). */
export interface KeepaliveTarget {
  sendPing(): void;
  /** Nothing arrived within the timeout after a ping. */
  onDead(silentMs: number): void;
}

export class Keepalive {
  private pingTimer: TimerHandle | undefined;
  private deadline: TimerHandle | undefined;
  private running = false;

  constructor(
    private readonly clock: Clock,
    private readonly options: KeepaliveOptions,
    private readonly target: KeepaliveTarget,
  ) {}

  start(): void {
    this.stop();
    this.running = true;
    this.schedule();
  }

  /** Something arrived from the peer. */
  alive(): void {
    if (this.deadline === undefined) return;
    this.clock.clearTimeout(this.deadline);
    this.deadline = undefined;
  }

  stop(): void {
    this.running = false;
    this.clock.clearTimeout(this.pingTimer);
    this.clock.clearTimeout(this.deadline);
    this.pingTimer = undefined;
    this.deadline = undefined;
  }

  private schedule(): void {
    this.pingTimer = this.clock.setTimeout(() => this.tick(), this.options.intervalMs);
    unrefTimer(this.pingTimer);
  }

  private tick(): void {
    if (!this.running) return;
    this.target.sendPing();
    if (this.deadline === undefined) {
      this.deadline = this.clock.setTimeout(() => {
        this.deadline = undefined;
        if (this.running) this.target.onDead(this.options.timeoutMs);
      }, this.options.timeoutMs);
      unrefTimer(this.deadline);
    }
    this.schedule();
  }
}
