/**
 * Dialing for a device that registers (a pump, a gauge): after failed registrations in a row
 * (refused, unanswered, taken over) each new attempt first waits a growing, jittered pause. The
 * reconnecting client's own backoff restarts after every TCP connection that succeeds, so without
 * this a refused device would knock twice a second.
 */
import { abortReason, type BackoffOptions, backoffDelay, type Clock, type Dialer } from '@combustible/shared';
import type { Random } from '../domain/customer.js';

/**
 * The pause before a new attempt after refused, unanswered or taken-over registrations grows to
 * this (or --reconnect-max when larger): those are not a station restarting, and a short
 * --reconnect-max must not make two processes with the same ids fight twice a second.
 */
export const FAILED_REGISTRATION_MAX_MS = 30_000;

/** Waits `ms` on `clock`, or rejects when `signal` aborts. */
export function pause(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export interface PatientDialOptions {
  /** Failed registrations in a row so far. */
  failures: () => number;
  /** The link's reconnection backoff (its ceiling is raised to FAILED_REGISTRATION_MAX_MS). */
  backoff: BackoffOptions;
  random: Random;
  clock: Clock;
}

export function patientDial(dial: Dialer, o: PatientDialOptions): Dialer {
  const failureBackoff: BackoffOptions = {
    baseMs: o.backoff.baseMs,
    maxMs: Math.max(o.backoff.maxMs, FAILED_REGISTRATION_MAX_MS),
  };
  return async (signal) => {
    const failures = o.failures();
    if (failures > 0) {
      const ms = backoffDelay(failures, failureBackoff, o.random);
      if (ms > 0) await pause(o.clock, ms, signal);
    }
    return dial(signal);
  };
}
