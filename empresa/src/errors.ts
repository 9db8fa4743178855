/**
 * The company's error registry: every code the REST API (and the CLI talking to it) can report,
 * with its HTTP status and a description. The common codes come from @combustible/server; a test
 * checks each code is documented in docs/empresa.md.
 */
import { ApiError, type ApiErrorDetail, COMMON_API_ERRORS } from '@combustible/server';

export const COMPANY_ERRORS = {
  ...COMMON_API_ERRORS,
  DIRECCION_NO_PERMITIDA: {
    status: 400,
    descripcion: "The station's address is outside the networks the company may connect to (--allowed-networks).",
  },
  ESTACION_NO_ENCONTRADA: { status: 404, descripcion: 'No station with that id_estacion.' },
  ESTACION_DUPLICADA: {
    status: 409,
    descripcion: 'Another station already has that id_estacion or that host and port.',
  },
  VERSIONES_AGOTADAS: {
    status: 409,
    descripcion: 'The price book reached MAX_VERSION (the prices rule): no further version can be created.',
  },
  PRECIO_FUERA_DE_LIMITES: {
    status: 422,
    descripcion:
      'A new price is outside the limits an admin set for its fuel (minimum, maximum, largest change in one step); `detalles` names each.',
  },
  PRECIOS_PROGRAMADOS_PENDIENTES: {
    status: 409,
    descripcion:
      'A scheduled price version is pending: cancel it (DELETE /api/precios/programada) before publishing another.',
  },
  SIN_PRECIOS_PROGRAMADOS: {
    status: 404,
    descripcion: 'There is no scheduled price version pending to cancel (none was made, or it already took effect).',
  },
  RANGO_INVALIDO: {
    status: 400,
    descripcion: '`hasta` is before `desde`, or the range is longer than /api/resumen sums (366 days).',
  },
  EXPORTACIONES_EXCEDIDAS: {
    status: 429,
    descripcion: 'As many CSV exports as --max-exports are running; retry when one ends.',
  },
  ERROR_INTERNO: { status: 500, descripcion: 'Unexpected failure; see the company log.' },
  /** Raised by the CLI client, never by the service. */
  SERVICIO_NO_DISPONIBLE: {
    status: 503,
    descripcion: 'CLI: the company service does not answer at --api (is `empresa serve` running?).',
  },
} as const;

export type CompanyErrorCode = keyof typeof COMPANY_ERRORS;

export class CompanyError extends ApiError<CompanyErrorCode> {
  constructor(code: CompanyErrorCode, message: string, detalles?: ApiErrorDetail[]) {
    super(code, COMPANY_ERRORS[code].status, message, detalles);
  }
}
