import type { ErrorSurtidor } from '@combustible/shared';
import type { PumpSession } from '../pump-session.js';

export function errorSurtidor(session: PumpSession, msg: ErrorSurtidor): void {
  session.hub.service.pumpError(msg);
}
