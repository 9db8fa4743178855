/** Station → pump dispatch: framing is the client's, parsing is shared, one small handler per tipo. */
import { type ModoAutorizacion, parseLine, type StationToPump, stationToPump } from '@combustible/shared';
import { countCode } from './counters.js';
import type { PumpLink } from './pump-link.js';

type Handlers = {
  [K in StationToPump['tipo']]: (link: PumpLink, msg: Extract<StationToPump, { tipo: K }>) => void;
};

const handlers: Handlers = {
  registro_confirmado(link, msg) {
    link.onRegistered();
    link.log.debug({ version_precios: msg.version_precios }, 'registrado');
    link.pump.offerPrices({ version: msg.version_precios ?? link.pump.priceVersion.version, precios: msg.precios });
    // The station is the authority on the mode; when it says nothing the pump keeps its own.
    if (msg.modo_autorizacion !== undefined) applyMode(link, msg.modo_autorizacion, 'registro_confirmado');
    link.pump.requestState(); // the station assumes `disponible`; a sale may be in progress
    link.pumpOutgoing(); // starts replaying the outbox
  },
  configuracion(link, msg) {
    if (msg.id_surtidor !== link.pump.id) {
      link.log.warn({ id_recibido: msg.id_surtidor }, 'configuración para otro surtidor: se ignora');
      return;
    }
    applyMode(link, msg.modo_autorizacion, 'configuracion');
  },
  actualizacion_precios(link, msg) {
    link.pump.offerPrices({ version: msg.version ?? link.pump.priceVersion.version, precios: msg.precios });
  },
  comando(link, msg) {
    link.log.info(
      { comando: msg.comando, razon: msg.razon, id_comando: msg.id_comando, id_autorizacion: msg.id_autorizacion },
      'comando recibido',
    );
    link.pump.command(msg.comando, msg.id_comando ?? `${msg.comando}-${link.now}`, msg);
  },
  solicitud_estado(link) {
    link.pump.requestState();
  },
  registro_rechazado(link, msg) {
    countCode(link.counters.rechazos, msg.codigo);
    link.onRejected(msg.codigo, msg.mensaje, msg.reintentar_ms);
  },
  transaccion_confirmada(link, msg) {
    link.onConfirmed(msg.id_transaccion, msg.duplicada, msg.conflicto === true);
  },
  error(link, msg) {
    countCode(link.counters.errores, msg.codigo);
    link.log.debug({ codigo: msg.codigo, mensaje: msg.mensaje, detalles: msg.detalles }, 'error de la estación');
    if (msg.codigo === 'ERROR_INTERNO' || msg.codigo === 'LIMITE_EXCEDIDO') link.expediteResends();
    if (msg.codigo === 'SESION_REEMPLAZADA') {
      link.onReplaced();
      link.log.warn('otra conexión registró este surtidor (¿dos procesos con los mismos ids?)');
    }
  },
};

/** The station set the pump's authorization mode: applied, and logged when it changed. */
function applyMode(link: PumpLink, modo: ModoAutorizacion, origen: 'registro_confirmado' | 'configuracion'): void {
  const anterior = link.pump.modoAutorizacion;
  if (link.pump.setMode(modo))
    link.log.info({ modo_autorizacion: modo, anterior, origen }, 'modo de autorización cambiado');
}

export function dispatchLine(link: PumpLink, line: string): void {
  const parsed = parseLine(line, stationToPump);
  if (!parsed.ok) {
    link.counters.lineasInvalidas += 1;
    link.log.debug({ codigo: parsed.error.codigo, linea: line.slice(0, 200) }, 'línea inválida de la estación');
    return;
  }
  const msg = parsed.message;
  (handlers[msg.tipo] as (l: PumpLink, m: StationToPump) => void)(link, msg);
}
