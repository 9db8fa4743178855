import { type TransaccionCompletada, wireError } from '@combustible/shared';
import type { PumpSession } from '../pump-session.js';

/**
 * Confirmed only after the durable commit; on a storage failure the pump keeps it and resends. A
 * sale that can never be real is answered MENSAJE_INVALIDO naming the fields (the pump keeps it).
 */
export function transaccionCompletada(session: PumpSession, msg: TransaccionCompletada): void {
  session.hub.service.takeSale(
    msg,
    (result) => {
      if ('rechazada' in result) {
        session.refuse(wireError('MENSAJE_INVALIDO', 'mensaje "transaccion_completada" inválido', result.detalles));
        return;
      }
      session.send({ tipo: 'transaccion_confirmada', ...result });
    },
    (err: unknown) => {
      session.hub.log.error({ err, id_surtidor: msg.id_surtidor }, 'no se pudo guardar la transacción');
      session.sendError('ERROR_INTERNO', 'no se pudo guardar la transacción; consérvela y reenvíela');
    },
  );
}
