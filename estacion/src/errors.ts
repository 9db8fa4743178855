/**
 * The station's error registry: every code the REST API or the internal APIs can raise, with its
 * HTTP status and a description. The common codes come from @combustible/server; a test checks
 * each code is documented in docs/api.md.
 */
import { ApiError, type ApiErrorDetail, COMMON_API_ERRORS } from '@combustible/server';

export const STATION_ERRORS = {
  ...COMMON_API_ERRORS,
  ORIGEN_NO_PERMITIDO: {
    status: 403,
    descripcion: 'WebSocket handshake from a browser page of another site (see --allowed-origin).',
  },
  SURTIDOR_NO_ENCONTRADO: { status: 404, descripcion: 'No pump with that id_surtidor.' },
  TRANSACCION_NO_ENCONTRADA: { status: 404, descripcion: 'No transaction with that id.' },
  SURTIDOR_CONECTADO: {
    status: 409,
    descripcion: 'The pump is connected; use ?force=true to delete it anyway.',
  },
  SURTIDOR_DESCONECTADO: { status: 409, descripcion: 'The pump is not connected; the command was not sent.' },
  AUTORIZACION_NO_SOPORTADA: {
    status: 409,
    descripcion:
      '(ext) The pump is connected and did not declare the capacity `autorizacion`: it cannot run in prepago.',
  },
  SURTIDOR_NO_PREPAGO: { status: 409, descripcion: '(ext) The pump is in postpago mode: it takes no authorization.' },
  SURTIDOR_OCUPADO: {
    status: 409,
    descripcion: '(ext) The pump is not `esperando_autorizacion` or `disponible` (dispensing, paused, authorized).',
  },
  AUTORIZACION_ABIERTA: { status: 409, descripcion: '(ext) The pump already has an open authorization.' },
  AUTORIZACION_EN_CURSO: {
    status: 409,
    descripcion: '(ext) The authorization is being dispensed: it can no longer be cancelled.',
  },
  AUTORIZACION_NO_ENCONTRADA: { status: 404, descripcion: '(ext) The pump has no open authorization.' },
  COMBUSTIBLE_NO_DISPONIBLE: {
    status: 400,
    descripcion: '(ext) An authorized fuel is not among the fuels the pump sells.',
  },
  AUTORIZACIONES_EXCEDIDAS: {
    status: 429,
    descripcion: '(ext) The station holds --max-open-authorizations open authorizations already.',
  },
  COMANDO_PLAYA_EN_CURSO: {
    status: 409,
    descripcion: 'A command for the whole forecourt is already waiting for its answers; one at a time.',
  },
  COMANDOS_PENDIENTES_EXCEDIDOS: { status: 429, descripcion: 'Too many commands waiting for this pump.' },
  COMANDO_TIMEOUT: { status: 504, descripcion: 'The pump did not answer the command in time.' },
  TANQUE_NO_ENCONTRADO: { status: 404, descripcion: '(ext) No tank with that id_tanque.' },
  TANQUE_EXISTE: { status: 409, descripcion: '(ext) A tank with that id_tanque already exists.' },
  TANQUES_EXCEDIDOS: { status: 429, descripcion: '(ext) The station has --max-tanques tanks already.' },
  CALIBRACION_INVALIDA: {
    status: 400,
    descripcion:
      "(ext) The tank's calibration chart is implausible (not from 0 mm, heights not increasing, litres decreasing, far from the capacity) or its low level is not below the capacity.",
  },
  TANQUE_NO_COINCIDE: {
    status: 400,
    descripcion: "(ext) A pump's configuracion.tanques names a tank that does not exist or holds another fuel.",
  },
  EXPORTACIONES_EXCEDIDAS: {
    status: 429,
    descripcion: '--max-exports CSV exports are being downloaded already; try again when one ends.',
  },
  CIERRE_NO_ENCONTRADO: { status: 404, descripcion: 'No close with that id.' },
  CIERRE_SUPERPUESTO: {
    status: 409,
    descripcion:
      'A stored close covers part of the range (only closes of different shifts may overlap); the message names it.',
  },
  RANGO_INVALIDO: {
    status: 400,
    descripcion: 'The close range is empty or inverted, or longer than 31 days, or mixes `fecha` with `desde`/`hasta`.',
  },
  ERROR_INTERNO: { status: 500, descripcion: 'Unexpected failure; see the station log.' },
} as const;

export type StationErrorCode = keyof typeof STATION_ERRORS;

export class StationError extends ApiError<StationErrorCode> {
  constructor(code: StationErrorCode, message: string, detalles?: ApiErrorDetail[]) {
    super(code, STATION_ERRORS[code].status, message, detalles);
  }
}
