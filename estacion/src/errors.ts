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
  COMANDOS_PENDIENTES_EXCEDIDOS: { status: 429, descripcion: 'Too many commands waiting for this pump.' },
  COMANDO_TIMEOUT: { status: 504, descripcion: 'The pump did not answer the command in time.' },
  ERROR_INTERNO: { status: 500, descripcion: 'Unexpected failure; see the station log.' },
} as const;

export type StationErrorCode = keyof typeof STATION_ERRORS;

export class StationError extends ApiError<StationErrorCode> {
  constructor(code: StationErrorCode, message: string, detalles?: ApiErrorDetail[]) {
    super(code, STATION_ERRORS[code].status, message, detalles);
  }
}
