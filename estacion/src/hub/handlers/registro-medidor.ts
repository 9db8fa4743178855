import type { RegistroMedidor } from '@combustible/shared';
import type { PumpSession } from '../pump-session.js';
import { checkRegistration, type Registrante, refuseRegistration } from './registro.js';

/**
 * (ext) `registro_medidor`: a tank gauge registers as a pump does (the address's failed-attempt
 * limiter, the client certificate, the authentication seam with the shared --pump-token; a gauge
 * has no credential of its own), then --max-medidores; answered `medidor_confirmado`.
 */
export function registroMedidor(session: PumpSession, msg: RegistroMedidor): void {
  const who: Registrante = {
    quien: `medidor:${msg.id_medidor}`,
    accion: 'medidor.registro',
    nombre: 'medidor',
    log: { id_medidor: msg.id_medidor },
  };
  const { hub } = session;
  if (hub.tanks === null) {
    refuseRegistration(session, who, 'TIPO_DESCONOCIDO', 'esta estación no lleva tanques', 'medidor rechazado');
    return;
  }
  const tanks = hub.tanks;
  checkRegistration(session, who, { id_surtidor: msg.id_medidor, token: msg.token, dispositivo: 'medidor' }, () => {
    if (session.gaugeId !== null && session.gaugeId !== msg.id_medidor) {
      refuseRegistration(
        session,
        who,
        'ID_NO_COINCIDE',
        `esta conexión ya registró el medidor ${session.gaugeId}`,
        'medidor rechazado',
      );
      return;
    }
    const result = tanks.registerGauge(msg);
    if (!result.ok) {
      refuseRegistration(session, who, result.codigo, result.mensaje, 'medidor rechazado');
      return;
    }
    session.markGauge(msg.id_medidor);
    hub.adoptGauge(session, msg.id_medidor);
    hub.log.info(
      { id_medidor: msg.id_medidor, nombre: msg.nombre, tanques: msg.tanques, remote: session.remote },
      'medidor registrado',
    );
    session.send({
      tipo: 'medidor_confirmado',
      id_medidor: msg.id_medidor,
      mensaje: 'Medidor registrado exitosamente',
    });
  });
}

/** (ext) `lectura_tanque`: reviewed and kept by the tank service; a refused one is answered with its code. */
export function lecturaTanque(session: PumpSession, msg: import('@combustible/shared').LecturaTanque): void {
  const revision = session.hub.tanks?.reading(msg);
  if (revision && !revision.ok) {
    session.refuse({ tipo: 'error', codigo: revision.codigo, mensaje: revision.mensaje });
  }
}
