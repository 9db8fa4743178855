import { secretsEqual } from '@combustible/server';
import { type Registro, wireError } from '@combustible/shared';
import type { PumpSession } from '../pump-session.js';

export function registro(session: PumpSession, msg: Registro): void {
  const { hub } = session;
  const token = hub.options.pumpToken;
  if (token !== undefined && !secretsEqual(msg.token, token)) {
    hub.metrics.registrationRefused('AUTENTICACION_FALLIDA');
    hub.log.warn(
      { id_surtidor: msg.id_surtidor, remote: session.remote },
      'registro rechazado: token inválido',
    );
    session.send({
      tipo: 'registro_rechazado',
      codigo: 'AUTENTICACION_FALLIDA',
      mensaje: 'token ausente o inválido',
    });
    session.close();
    return;
  }
  if (session.id !== null && session.id !== msg.id_surtidor) {
    session.badLine(
      wireError(
        'ID_NO_COINCIDE',
        `esta conexión ya registró el surtidor ${session.id}, no ${msg.id_surtidor}`,
      ),
    );
    return;
  }
  const result = hub.service.register(msg, session.remote);
  if (!result.ok) {
    hub.metrics.registrationRefused(result.codigo);
    hub.log.warn({ id_surtidor: msg.id_surtidor, codigo: result.codigo }, 'registro rechazado');
    session.send({ tipo: 'registro_rechazado', codigo: result.codigo, mensaje: result.mensaje });
    session.close();
    return;
  }
  session.markRegistered(msg.id_surtidor, result.precios.version);
  hub.adopt(session, msg.id_surtidor);
  hub.log.info(
    {
      id_surtidor: msg.id_surtidor,
      nombre: msg.nombre,
      remote: session.remote,
      version_precios: result.precios.version,
    },
    'surtidor registrado',
  );
  session.send({
    tipo: 'registro_confirmado',
    id_surtidor: msg.id_surtidor,
    mensaje: 'Surtidor registrado exitosamente',
    precios: result.precios.precios,
    version_precios: result.precios.version,
  });
}
