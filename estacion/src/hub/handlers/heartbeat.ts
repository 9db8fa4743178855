import type { Heartbeat } from '@combustible/shared';
import type { PumpSession } from '../pump-session.js';

export function heartbeat(session: PumpSession, msg: Heartbeat): void {
  session.hub.service.heartbeat(msg);
}
