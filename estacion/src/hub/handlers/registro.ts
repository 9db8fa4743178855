import { type Registro, type WireErrorCode, wireError } from '@combustible/shared';
import type { PumpAuthResult } from '../pump-auth.js';
import type { PumpSession } from '../pump-session.js';

/** Every refusal goes the same way: counted, logged, audited (in the background), answered, closed. */
function refuse(
  session: PumpSession,
  msg: Registro,
  codigo: WireErrorCode,
  mensaje: string,
  logMsg: string,
  reintentar_ms?: number,
): void {
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
    detalles: { codigo, motivo: mensaje, ...(reintentar_ms === undefined ? {} : { reintentar_ms }) },
  });
  session.send({
    tipo: 'registro_rechazado',
    codigo,
    mensaje,
    ...(reintentar_ms === undefined ? {} : { reintentar_ms }),
  });
  session.close();
}

/**
 * The station takes registrations at its admission rate: this one is told when to come back
 * (SOBRECARGA, `reintentar_ms`), then closed. Not a refusal: no warning, no audit entry (a restart
 * defers thousands); counted by the admission's metric and summed in its once-a-second log line.
 */
function defer(session: PumpSession, msg: Registro, reintentar_ms: number): void {
  const { hub } = session;
  hub.log.debug({ id_surtidor: msg.id_surtidor, remote: session.remote, reintentar_ms }, 'registro diferido');
  session.send({
    tipo: 'registro_rechazado',
    codigo: 'SOBRECARGA',
    mensaje: `la estación admite ${hub.registrationAdmission?.ratePerSecond ?? 0} registros por segundo; reintente en ${reintentar_ms} ms`,
    reintentar_ms,
  });
  session.close();
}

/** The limiter's key for a connection: its address. */
const addressKey = (session: PumpSession): string => `ip:${session.remote ?? 'desconocida'}`;

/**
 * `registro`: first the failed-attempt limiter of the address (no check at all while it is
 * slowed down), then the authentication seam, then the service's own rules. While the seam
 * answers later (a store look-up), the connection's next messages wait, in order.
 */
export function registro(session: PumpSession, msg: Registro): void {
  const { hub } = session;
  const key = [addressKey(session)];
  const verdict = hub.registrationLimiter.check(key);
  if (!verdict.ok) {
    refuse(
      session,
      msg,
      'LIMITE_EXCEDIDO',
      `demasiados registros fallidos desde esta dirección; reintente en ${Math.ceil(verdict.retryAfterMs / 1000)} s`,
      'registro rechazado: demasiados intentos fallidos',
      verdict.retryAfterMs,
    );
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
    hub.registrationLimiter.fail(key);
    return;
  }
  let answer: PumpAuthResult | Promise<PumpAuthResult>;
  try {
    answer = hub.authenticatePump({
      id_surtidor: msg.id_surtidor,
      token: msg.token,
      ip: session.remote,
      ...(cert?.pumpId != null ? { certificateId: String(cert.pumpId) } : {}),
    });
  } catch (err) {
    answer = Promise.reject(err);
  }
  if (!(answer instanceof Promise)) {
    authenticated(session, msg, key, answer);
    return;
  }
  session.hold();
  answer.then(
    (result) => {
      if (session.isClosed) return;
      authenticated(session, msg, key, result);
      session.release();
    },
    (err: unknown) => {
      if (session.isClosed) return;
      hub.log.error({ err, id_surtidor: msg.id_surtidor }, 'no se pudo verificar la credencial del surtidor');
      session.send({
        tipo: 'registro_rechazado',
        codigo: 'ERROR_INTERNO',
        mensaje: 'no se pudo verificar la credencial; reintente',
      });
      session.close();
    },
  );
}

function authenticated(session: PumpSession, msg: Registro, key: string[], auth: PumpAuthResult): void {
  const { hub } = session;
  const limiter = hub.registrationLimiter;
  if (!auth.ok) {
    if (auth.codigo === 'AUTENTICACION_FALLIDA') limiter.fail(key);
    hub.metrics.registrationLimiter?.(limiter.size, limiter.evicted);
    refuse(session, msg, auth.codigo, auth.motivo, 'registro rechazado: credencial inválida');
    return;
  }
  if (limiter.size > 0) {
    limiter.succeed(key);
    hub.metrics.registrationLimiter?.(limiter.size, limiter.evicted);
  }
  if (session.id !== null && session.id !== msg.id_surtidor) {
    session.badLine(
      wireError('ID_NO_COINCIDE', `esta conexión ya registró el surtidor ${session.id}, no ${msg.id_surtidor}`),
    );
    return;
  }
  // The service's own rules first: a pump it would refuse takes no admission slot.
  const refusal = hub.service.registrationRefusal(msg.id_surtidor);
  if (refusal) {
    refuse(session, msg, refusal.codigo, refusal.mensaje, 'registro rechazado');
    return;
  }
  const admission = hub.admitRegistration(msg.id_surtidor);
  if (!admission.ok) {
    defer(session, msg, admission.retryAfterMs);
    return;
  }
  const result = hub.service.register(msg, session.remote);
  if (!result.ok) {
    refuse(session, msg, result.codigo, result.mensaje, 'registro rechazado');
    return;
  }
  session.markRegistered(msg.id_surtidor, result.precios.version);
  session.capacidades = new Set(msg.capacidades ?? []);
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
  // (ext) Only a pump that can take authorizations is told its mode: a seed pump gets what it always got.
  const modo = session.capacidades.has('autorizacion') ? result.surtidor.modo_autorizacion : null;
  if (modo === null && result.surtidor.modo_autorizacion === 'prepago') {
    hub.log.warn(
      { id_surtidor: msg.id_surtidor },
      'surtidor configurado en prepago sin la capacidad "autorizacion": venderá en postpago',
    );
  }
  session.modoEnviado = modo;
  session.send({
    tipo: 'registro_confirmado',
    id_surtidor: msg.id_surtidor,
    mensaje: 'Surtidor registrado exitosamente',
    precios: result.precios.precios,
    version_precios: result.precios.version,
    ...(modo === null ? {} : { modo_autorizacion: modo }),
  });
}
