import type { TransaccionCompletada } from '@combustible/shared';
import type { PumpSession } from '../pump-session.js';

/** Confirmed only after the durable commit; on a storage failure the pump keeps it and resends. */
export function transaccionCompletada(session: PumpSession, msg: TransaccionCompletada): void {
  session.hub.service.recordTransaction(msg).then(
    (receipt) => session.send({ tipo: 'transaccion_confirmada', ...receipt }),
    (err: unknown) => {
      session.hub.log.error({ err, id_surtidor: msg.id_surtidor }, 'no se pudo guardar la transacción');
      session.sendError('ERROR_INTERNO', 'no se pudo guardar la transacción; consérvela y reenvíela');
    },
  );
}
