/**
 * Pump authentication, a seam (as aedes' `authenticate(client, username, password, cb)`): the hub
 * asks one injected function whether a `registro` may go on, and knows nothing of where
 * credentials live. The default checks the shared `--pump-token` only; the station injects
 * `storePumpAuth`, which adds a credential of its own for every pump (`estacion surtidores token ID`).
 */
import { secretsEqual, sha256 } from '@combustible/server';
import type { WireErrorCode } from '@combustible/shared';
import type { CredencialSurtidor } from '../store/port.js';

export interface PumpAuthRequest {
  id_surtidor: number;
  /** The `token` of the `registro` (absent when the pump sent none). */
  token: string | undefined;
  ip: string | null;
  /** The client certificate's identity, when the link is TLS with client certificates. */
  certificateId?: string;
  /** (ext) A tank gauge (`registro_medidor`, its id in id_surtidor): it has no credential of its own. */
  dispositivo?: 'surtidor' | 'medidor';
}

export type PumpAuthResult = { ok: true } | { ok: false; codigo: WireErrorCode; motivo: string };

/** May answer at once (the default) or later (a store look-up). Never rejects on a wrong token. */
export type AuthenticatePump = (req: PumpAuthRequest) => PumpAuthResult | Promise<PumpAuthResult>;

const OK: PumpAuthResult = { ok: true };
const failed = (motivo: string): PumpAuthResult => ({ ok: false, codigo: 'AUTENTICACION_FALLIDA', motivo });

/** The shared token, compared in constant time. */
function matchesShared(token: string | undefined, shared: string): boolean {
  return token !== undefined && secretsEqual(token, shared);
}

/** The secure default: with a shared token, `registro` must carry it; without one, anything goes (loopback). */
export function sharedTokenAuth(sharedToken: string | undefined): AuthenticatePump {
  return ({ token }) =>
    sharedToken === undefined || matchesShared(token, sharedToken) ? OK : failed('token ausente o inválido');
}

/** Where per-pump credentials are read from (the station's store). */
export interface PumpCredentialSource {
  getPumpCredential(id: number): Promise<CredencialSurtidor | null>;
  countPumpCredentials(): Promise<number>;
}

export interface StorePumpAuthOptions {
  credentials: PumpCredentialSource;
  /** `--pump-token`: still accepted from pumps that have no credential of their own. */
  sharedToken: string | undefined;
  /** `--require-pump-auth`: every `registro` needs a valid token even before any pump has one. */
  requireAuth: boolean;
}

/**
 * Per-pump credentials, read from the store at every `registro` (so `estacion surtidores token`
 * works while the station runs):
 * - a pump with a credential of its own registers only with that token (its SHA-256 compared in
 *   constant time): another pump's token, or the shared one, is refused;
 * - a pump without one may use the shared token when it is configured;
 * - a tank gauge (ext) has no credential of its own: it is a pump without one;
 * - otherwise, once any pump has a credential (or with `--require-pump-auth`), it is refused;
 *   before that, and without a shared token, every `registro` is accepted (as without this seam).
 */
export function storePumpAuth(options: StorePumpAuthOptions): AuthenticatePump {
  const { credentials, sharedToken, requireAuth } = options;
  return async ({ id_surtidor, token, dispositivo }) => {
    const own = dispositivo === 'medidor' ? null : await credentials.getPumpCredential(id_surtidor);
    if (own) {
      return token !== undefined && secretsEqual(sha256(token), own.hash)
        ? OK
        : failed('token ausente o inválido para este surtidor');
    }
    if (sharedToken !== undefined) return matchesShared(token, sharedToken) ? OK : failed('token ausente o inválido');
    if (requireAuth || (await credentials.countPumpCredentials()) > 0)
      return failed(`el surtidor ${id_surtidor} no tiene credencial (estacion surtidores token ${id_surtidor})`);
    return OK;
  };
}
