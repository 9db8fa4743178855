/**
 * A token bucket on an injected clock: `perSecond` tokens refill continuously up to `burst`, and
 * each `take()` spends one. The station uses it to limit what one connection may send; the pump
 * simulator uses it to pace its sales (a replay after an outage must not trip the station's limit).
 */
import type { Clock } from './clock.js';

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Spends one token if there is one; false when the bucket is empty (nothing is spent). */
  take(): boolean {
    const now = this.clock.now();
    // A clock that steps back (the system clock may) refills nothing rather than draining tokens.
    const elapsed = Math.max(0, now - this.last);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSecond) / 1000);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
