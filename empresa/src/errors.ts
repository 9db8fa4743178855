/**
 * The company's error registry: every code the REST API (and the CLI talking to it) can report,
 * with its HTTP status and a description. One table; a test checks each code is documented in
 * docs/empresa.md.
 */
export const COMPANY_ERRORS = {
  VALIDACION: { status: 400, descripcion: 'The request breaks its schema; `detalles` lists the fields.' },
  ESTACION_NO_ENCONTRADA: { status: 404, descripcion: 'No station with that id_estacion.' },
  RUTA_NO_ENCONTRADA: { status: 404, descripcion: 'No such route.' },
  ESTACION_DUPLICADA: {
    status: 409,
    descripcion: 'Another station already has that id_estacion or that host and port.',
  },
  LIMITE_EXCEDIDO: { status: 429, descripcion: 'Too many requests.' },
  ERROR_INTERNO: { status: 500, descripcion: 'Unexpected failure; see the company log.' },
  /** Raised by the CLI client, never by the service. */
  SERVICIO_NO_DISPONIBLE: {
    status: 503,
    descripcion: 'CLI: the company service does not answer at --api (is `empresa serve` running?).',
  },
} as const;

export type CompanyErrorCode = keyof typeof COMPANY_ERRORS;

export class CompanyError extends Error {
  readonly status: number;
  constructor(
    readonly code: CompanyErrorCode,
    message: string,
    readonly detalles?: { campo: string; problema: string }[],
  ) {
    super(message);
    this.name = 'CompanyError';
    this.status = COMPANY_ERRORS[code].status;
  }
}
