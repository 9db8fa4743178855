import type { PreciosAplicados } from '@combustible/shared';
import type { PumpSession } from '../pump-session.js';

export function preciosAplicados(session: PumpSession, msg: PreciosAplicados): void {
  session.priceVersionSent = Math.max(session.priceVersionSent, msg.version);
  session.hub.service.pricesApplied(msg.id_surtidor, msg.version);
}
