import { type Registro, type WireErrorCode, wireError } from '@combustible/shared';
import type { PumpAuthRequest, PumpAuthResult } from '../pump-auth.js';
import type { PumpSession } from '../pump-session.js';

/** Who a registration is from: a pump (`registro`) or, (ext), a tank gauge (`registro_medidor`). */
export interface Registrante {
  /** `surtidor:5`, `medidor:2`: the audit entry's user and target. */
  quien: string;
  accion: 'surtidor.registro' | 'medidor.registro';
  /** What it is, in messages: `surtidor`, `medidor`. */
  nombre: 'surtidor' | 'medidor';
  log: Record<string, number>;
}

const pumpRegistrant = (msg: Registro): Registrante => ({
  quien: `surtidor:${msg.id_surtidor}`,
  accion: 'surtidor.registro',
  nombre: 'surtidor',
  log: { id_surtidor: msg.id_surtidor },
});

/** Every refusal goes the same way: counted, logged, audited (in the background), answered, closed. */
export function refuseRegistration(
  session: PumpSession,
  who: Registrante,
  codigo: WireErrorCode,
  mensaje: string,
  logMsg: string,
  reintentar_ms?: number,
): void {
  const { hub } = session;
  hub.metrics.registrationRefused(codigo);
  hub.log.warn({ ...who.log, remote: session.remote, codigo }, logMsg);
  hub.audit.record({
    usuario: who.quien,
    rol: null,
    ip: session.remote,
    accion: who.accion,
    objetivo: who.quien,
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

function refuse(
  session: PumpSession,
  msg: Registro,
  codigo: WireErrorCode,
  mensaje: string,
  logMsg: string,
  reintentar_ms?: number,
): void {
  refuseRegistration(session, pumpRegistrant(msg), codigo, mensaje, logMsg, reintentar_ms);
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
export const addressKey = (session: PumpSession): string => `ip:${session.remote ?? 'desconocida'}`;

/**
 * What every registration goes through (a pump's `registro`, a gauge's `registro_medidor`): first
 * the failed-attempt limiter of the address (no check at all while it is slowed down), then the
 * client certificate (mutual TLS: it must name this id), then the authentication seam. While the
 * seam answers later (a store look-up), the connection's next messages wait, in order. `done` gets
 * the seam's answer; refusals before it are answered here.
 */
export function checkRegistration(
  session: PumpSession,
  who: Registrante,
  request: Omit<PumpAuthRequest, 'ip' | 'certificateId'>,
  done: (auth: PumpAuthResult) => void,
): void {
  const { hub } = session;
  const key = [addressKey(session)];
  const verdict = hub.registrationLimiter.check(key);
  if (!verdict.ok) {
    refuseRegistration(
      session,
      who,
      'LIMITE_EXCEDIDO',
      `demasiados registros fallidos desde esta dirección; reintente en ${Math.ceil(verdict.retryAfterMs / 1000)} s`,
      'registro rechazado: demasiados intentos fallidos',
      verdict.retryAfterMs,
    );
    return;
  }
  // Mutual TLS: a device's certificate names its id, and it may register under that id only.
  const cert = session.certificate;
  if (cert !== null && cert.pumpId !== request.id_surtidor) {
    refuseRegistration(
      session,
      who,
      'AUTENTICACION_FALLIDA',
      cert.pumpId === null
        ? `el certificado de cliente no nombra ningún ${who.nombre}`
        : `el certificado de cliente es del ${who.nombre} ${cert.pumpId}, no del ${request.id_surtidor}`,
      `registro rechazado: el certificado no corresponde al ${who.nombre}`,
    );
    hub.registrationLimiter.fail(key);
    return;
  }
  let answer: PumpAuthResult | Promise<PumpAuthResult>;
  try {
    answer = hub.authenticatePump({
      ...request,
      ip: session.remote,
      ...(cert?.pumpId != null ? { certificateId: String(cert.pumpId) } : {}),
    });
  } catch (err) {
    answer = Promise.reject(err);
  }
  const settle = (auth: PumpAuthResult) => {
    const limiter = hub.registrationLimiter;
    if (!auth.ok) {
      if (auth.codigo === 'AUTENTICACION_FALLIDA') limiter.fail(key);
      hub.metrics.registrationLimiter?.(limiter.size, limiter.evicted);
      refuseRegistration(session, who, auth.codigo, auth.motivo, 'registro rechazado: credencial inválida');
      return;
    }
    if (limiter.size > 0) {
      limiter.succeed(key);
      hub.metrics.registrationLimiter?.(limiter.size, limiter.evicted);
    }
    done(auth);
  };
  if (!(answer instanceof Promise)) {
    settle(answer);
    return;
  }
  session.hold();
  answer.then(
    (result) => {
      if (session.isClosed) return;
      settle(result);
      session.release();
    },
    (err: unknown) => {
      if (session.isClosed) return;
      hub.log.error({ err, ...who.log }, `no se pudo verificar la credencial del ${who.nombre}`);
      session.send({
        tipo: 'registro_rechazado',
        codigo: 'ERROR_INTERNO',
        mensaje: 'no se pudo verificar la credencial; reintente',
      });
      session.close();
    },
  );
}

/** `registro`: checkRegistration, then the service's own rules and the admission. */
export function registro(session: PumpSession, msg: Registro): void {
  checkRegistration(session, pumpRegistrant(msg), { id_surtidor: msg.id_surtidor, token: msg.token }, () =>
    authenticated(session, msg),
  );
}

function authenticated(session: PumpSession, msg: Registro): void {
  const { hub } = session;
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
