import { DEFAULT_MAX_LINE_BYTES } from '@combustible/shared';
import type { LinePolicy } from '../tcp/line-session.js';

/** The pump link: the shared line policy plus registration, liveness and command timing. */
export interface HubOptions extends LinePolicy {
  /** A connection must send `registro` within this time. */
  registrationTimeoutMs: number;
  /** A registered pump silent for this long is marked `timeout` and closed. */
  heartbeatTimeoutMs: number;
  commandTimeoutMs: number;
  /** A command for the whole forecourt waits at most this long for the pumps' answers. */
  forecourtTimeoutMs: number;
  /** When set, `registro` must carry this token. */
  pumpToken: string | undefined;
}

export const DEFAULT_HUB_OPTIONS: HubOptions = {
  maxLineBytes: DEFAULT_MAX_LINE_BYTES,
  registrationTimeoutMs: 10_000,
  heartbeatTimeoutMs: 60_000,
  maxBadLines: 20,
  ratePerSecond: 200,
  rateBurst: 400,
  maxOutboundBytes: 1024 * 1024,
  commandTimeoutMs: 5000,
  forecourtTimeoutMs: 2000,
  pumpToken: undefined,
};
