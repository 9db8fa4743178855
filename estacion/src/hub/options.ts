import { DEFAULT_MAX_LINE_BYTES } from '@combustible/shared';
import type { LinePolicy } from '../tcp/line-session.js';

export interface HubOptions extends LinePolicy {
  maxLineBytes: number;
  /** A connection must send `registro` within this time. */
  registrationTimeoutMs: number;
  /** A registered pump silent for this long is marked `timeout` and closed. */
  heartbeatTimeoutMs: number;
  /** Bad lines a connection may send before it is closed. */
  maxBadLines: number;
  /** Per-connection message rate limit. */
  ratePerSecond: number;
  rateBurst: number;
  /** Bytes queued towards a pump that is not reading before the connection is dropped. */
  maxOutboundBytes: number;
  commandTimeoutMs: number;
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
  pumpToken: undefined,
};
