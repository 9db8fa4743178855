/**
 * The connection of a device that registers with the station (a pump, a gauge): a
 * ReconnectingClient whose dial, after failed registrations in a row (refused, unanswered, taken
 * over), first waits a growing, jittered pause. The client's own backoff restarts after every TCP
 * connection that succeeds, so without this a refused device would knock twice a second.
 */
import {
  abortReason,
  type BackoffOptions,
  backoffDelay,
  type Clock,
  type Dialer,
  ReconnectingClient,
} from '@combustible/shared';
import type { Random } from '../domain/customer.js';
import { FATAL_WIRE_CODES } from '../errors.js';

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

export interface RegisteringClientOptions extends PatientDialOptions {
  /** The station refused the device for good (the client then closes instead of retrying). */
  refused: () => boolean;
}

const codeOf = (e: Error) => (e as Error & { code?: unknown }).code;

/** The reconnecting client of a device: patient dial, no retry after a refusal for good or a fatal wire code. */
export function registeringClient(dial: Dialer, o: RegisteringClientOptions): ReconnectingClient {
  return new ReconnectingClient({
    dial: patientDial(dial, o),
    backoff: o.backoff,
    random: o.random,
    clock: o.clock,
    isFatal: (e) => o.refused() || FATAL_WIRE_CODES.has(String(codeOf(e))),
    // A killed station leaves no TIME_WAIT of ours behind to delay our reconnection by a second.
    resetOnPeerClose: true,
  });
}
