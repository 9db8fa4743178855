/**
 * The station's error registry: every code the REST API or the internal APIs can raise, with its
 * HTTP status and a description. One table; a test checks each code is documented.
 */
export const STATION_ERRORS = {
  VALIDACION: { status: 400, descripcion: 'The request breaks its schema; `detalles` lists the fields.' },
  SURTIDOR_NO_ENCONTRADO: { status: 404, descripcion: 'No pump with that id_surtidor.' },
  TRANSACCION_NO_ENCONTRADA: { status: 404, descripcion: 'No transaction with that id.' },
  RUTA_NO_ENCONTRADA: { status: 404, descripcion: 'No such route.' },
  SURTIDOR_CONECTADO: {
    status: 409,
    descripcion: 'The pump is connected; use ?force=true to delete it anyway.',
  },
  SURTIDOR_DESCONECTADO: { status: 409, descripcion: 'The pump is not connected; the command was not sent.' },
  COMANDOS_PENDIENTES_EXCEDIDOS: { status: 429, descripcion: 'Too many commands waiting for this pump.' },
  LIMITE_EXCEDIDO: { status: 429, descripcion: 'Too many requests.' },
  COMANDO_TIMEOUT: { status: 504, descripcion: 'The pump did not answer the command in time.' },
  ALMACENAMIENTO_NO_DISPONIBLE: { status: 503, descripcion: 'The store cannot be reached.' },
  ERROR_INTERNO: { status: 500, descripcion: 'Unexpected failure; see the station log.' },
} as const;

export type StationErrorCode = keyof typeof STATION_ERRORS;

export class StationError extends Error {
  readonly status: number;
  constructor(
    readonly code: StationErrorCode,
    message: string,
    readonly detalles?: unknown,
  ) {
    super(message);
    this.name = 'StationError';
    this.status = STATION_ERRORS[code].status;
  }
}
