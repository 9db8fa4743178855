/**
 * Admission of registrations (issue 12): when a restarted station is hit by every pump at once, it
 * takes `registro` at the rate it can handle and tells the rest when to come back, instead of
 * letting each pump find its own moment with a growing backoff.
 *
 * A token bucket (`--registration-rate` per second, up to `--registration-burst` saved). A
 * `registro` that finds a token goes on. One that does not is **deferred**: the bucket goes into
 * debt by one token for it (a reservation under its pump id) and the pump is answered
 * `registro_rechazado` `SOBRECARGA` with `reintentar_ms`, the time at which the bucket will have
 * paid that token, so the queue ahead of it (the debt) divided by the rate, plus some jitter.
 * Deferred pumps are thus handed consecutive slots one admission interval apart, and come back
 * spread at the admission rate, not all at once. A pump that comes back at (or after) its slot is
 * admitted on its reservation, without a new token; one that comes back early keeps its slot and
 * is told the time left. A reservation not used within `graceMs` after its slot is forgotten.
 *
 * Reservations are bounded (`maxReservations`, by default a minute of admissions): past it a pump
 * is deferred without one, to when the queue will have drained, spread over half that time again.
 */
import type { Clock } from '@combustible/shared';

export interface RegistrationAdmissionOptions {
  /** Registrations admitted per second, sustained. */
  ratePerSecond: number;
  /** Registrations admitted at once after a quiet period (the bucket's size). */
  burst: number;
  /** A reservation is kept this long after its slot (default 10 s). */
  graceMs?: number;
  /** Outstanding reservations at most (default: a minute of admissions, at least 1000). */
  maxReservations?: number;
  /** Jitter added to a retry: up to 10 % of the wait, at least one admission interval, at most this (default 500 ms). */
  maxJitterMs?: number;
}

export type AdmissionVerdict = { ok: true } | { ok: false; retryAfterMs: number };

/** A pump may arrive this much before its slot and still be admitted on it. */
const EARLY_MS = 10;

export class RegistrationAdmission {
  readonly ratePerSecond: number;
  readonly burst: number;
  /** ms between two admissions at the sustained rate. */
  readonly intervalMs: number;
  private readonly graceMs: number;
  private readonly maxReservations: number;
  private readonly maxJitterMs: number;
  /** Tokens in the bucket; below zero, the debt of the reservations handed out. */
  private tokens: number;
  private last: number;
  /** Pump id → the time its token is paid. Insertion order is slot order. */
  private readonly reservations = new Map<number, number>();
  /** Totals since the start. */
  admitted = 0;
  deferred = 0;

  constructor(
    options: RegistrationAdmissionOptions,
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {
    if (!(options.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be positive');
    if (!(options.burst >= 1)) throw new RangeError('burst must be at least 1');
    this.ratePerSecond = options.ratePerSecond;
    this.burst = options.burst;
    this.intervalMs = 1000 / options.ratePerSecond;
    this.graceMs = options.graceMs ?? 10_000;
    this.maxReservations = options.maxReservations ?? Math.max(1000, Math.ceil(options.ratePerSecond * 60));
    this.maxJitterMs = options.maxJitterMs ?? 500;
    this.tokens = options.burst;
    this.last = clock.now();
  }

  /** Reservations handed out and not yet used: the pumps told to come back. */
  get waiting(): number {
    return this.reservations.size;
  }

  /** ms until the debt of the reservations is paid (0 when the bucket holds a token). */
  get backlogMs(): number {
    this.refill(this.clock.now());
    return this.tokens >= 0 ? 0 : -this.tokens * this.intervalMs;
  }

  /** Whether the `registro` of pump `id` may go on now; if not, when to come back. */
  admit(id: number): AdmissionVerdict {
    const now = this.clock.now();
    this.refill(now);
    this.expire(now);
    const slot = this.reservations.get(id);
    if (slot !== undefined) {
      if (now >= slot - EARLY_MS) {
        this.reservations.delete(id);
        this.admitted += 1;
        return { ok: true };
      }
      return this.defer(slot - now);
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.admitted += 1;
      return { ok: true };
    }
    // When the bucket will hold a token for this pump, after everyone already queued.
    const waitMs = (1 - this.tokens) * this.intervalMs;
    if (this.reservations.size >= this.maxReservations) {
      // No slot to give: come back once the queue has drained, spread over half that time again.
      return this.defer(waitMs + this.random() * (waitMs / 2));
    }
    this.tokens -= 1;
    this.reservations.set(id, now + waitMs);
    return this.defer(waitMs);
  }

  private defer(waitMs: number): AdmissionVerdict {
    this.deferred += 1;
    const spread = Math.min(this.maxJitterMs, Math.max(this.intervalMs, waitMs * 0.1));
    return { ok: false, retryAfterMs: Math.max(1, Math.ceil(waitMs + this.random() * spread)) };
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + (now - this.last) / this.intervalMs);
      this.last = now;
    }
  }

  /** Forgets the reservations whose pumps did not come back in time (the oldest come first). */
  private expire(now: number): void {
    for (const [id, slot] of this.reservations) {
      if (slot + this.graceMs >= now) break;
      this.reservations.delete(id);
    }
  }
}
