import type { Estado } from '@combustible/shared';
import type { PumpSession } from '../pump-session.js';

export function estado(session: PumpSession, msg: Estado): void {
  session.hub.service.reportState(msg);
  // A pump that finished its sale gets any price version it missed while dispensing.
  if (msg.estado_operacion === 'disponible') session.hub.offerPrices(session);
  // (ext) A pump still waiting although the station issued it an authorization never got the
  // `autorizar` (the station restarted, the line was lost): it is sent again.
  if (msg.estado_operacion === 'esperando_autorizacion') session.hub.resendAuthorization(msg.id_surtidor);
}
