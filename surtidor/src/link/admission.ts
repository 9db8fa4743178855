/**
 * Admission of new connections: at most `limit` pumps of a process may be connecting or waiting for
 * `registro_confirmado` at once. A restarting station then sees a steady queue of registrations
 * instead of thousands at the same moment (which would make it answer late, time registrations out
 * and set off a reconnection storm); the rest wait their turn here, in order. A pump the station
 * has given a turn of its own (a SOBRECARGA deferral) goes ahead of the queue: behind thousands of
 * pumps knocking for the first time it would miss its turn at the station.
 */
import { abortReason, type Dialer } from '@combustible/shared';

interface Waiter {
  grant: () => void;
  fail: (reason: unknown) => void;
}

export class Admission {
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.active;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Resolves with a release function (safe to call more than once) once a place is free; with
   * `first`, ahead of those already waiting.
   */
  acquire(signal: AbortSignal, first = false): Promise<() => void> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        reject(abortReason(signal));
      };
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          this.active += 1;
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            this.active -= 1;
            this.next();
          });
        },
        fail: reject,
      };
      signal.addEventListener('abort', onAbort, { once: true });
      if (first) this.queue.unshift(waiter);
      else this.queue.push(waiter);
      this.next();
    });
  }

  private next(): void {
    while (this.active < this.limit && this.queue.length > 0) this.queue.shift()?.grant();
  }
}

/**
 * A dialer that first waits for admission; `hold` receives the release for the caller to call
 * later; `first()` says whether this attempt goes ahead of the queue.
 */
export function admittedDial(
  admission: Admission,
  dial: Dialer,
  hold: (release: () => void) => void,
  first: () => boolean = () => false,
): Dialer {
  return async (signal) => {
    const release = await admission.acquire(signal, first());
    try {
      const socket = await dial(signal);
      hold(release);
      return socket;
    } catch (err) {
      release();
      throw err;
    }
  };
}
