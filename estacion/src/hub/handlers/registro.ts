import { secretsEqual } from '@combustible/server';
import { type Registro, type WireErrorCode, wireError } from '@combustible/shared';
import type { PumpSession } from '../pump-session.js';

/** Every refusal goes the same way: counted, logged, audited (in the background), answered, closed. */
function refuse(session: PumpSession, msg: Registro, codigo: WireErrorCode, mensaje: string, logMsg: string): void {
  const { hub } = session;
  hub.metrics.registrationRefused(codigo);
  hub.log.warn({ id_surtidor: msg.id_surtidor, remote: session.remote, codigo }, logMsg);
  hub.audit.record({
    usuario: `surtidor:${msg.id_surtidor}`,
    rol: null,
    ip: session.remote,
    accion: 'surtidor.registro',
    objetivo: `surtidor:${msg.id_surtidor}`,
    resultado: 'denegado',
    detalles: { codigo, motivo: mensaje },
  });
  session.send({ tipo: 'registro_rechazado', codigo, mensaje });
  session.close();
}

export function registro(session: PumpSession, msg: Registro): void {
  const { hub } = session;
  const token = hub.options.pumpToken;
  if (token !== undefined && !secretsEqual(msg.token, token)) {
    refuse(session, msg, 'AUTENTICACION_FALLIDA', 'token ausente o inválido', 'registro rechazado: token inválido');
    return;
  }
  // Mutual TLS: a pump's certificate names its id, and it may register under that id only.
  const cert = session.certificate;
  if (cert !== null && cert.pumpId !== msg.id_surtidor) {
    refuse(
      session,
      msg,
      'AUTENTICACION_FALLIDA',
      cert.pumpId === null
        ? 'el certificado de cliente no nombra ningún surtidor'
        : `el certificado de cliente es del surtidor ${cert.pumpId}, no del ${msg.id_surtidor}`,
      'registro rechazado: el certificado no corresponde al surtidor',
    );
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
    refuse(session, msg, result.codigo, result.mensaje, 'registro rechazado');
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
