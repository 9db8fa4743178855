import type { ComandoEjecutado } from '@combustible/shared';
import type { PumpSession } from '../pump-session.js';

export function comandoEjecutado(session: PumpSession, msg: ComandoEjecutado): void {
  if (!session.hub.commands.answer(msg.id_surtidor, msg.id_comando, msg.resultado)) {
    session.hub.log.info(
      { id_surtidor: msg.id_surtidor, id_comando: msg.id_comando },
      'respuesta a un comando que ya no se espera',
    );
  }
}
