/** The error auth raises: one of AUTH_ERRORS' codes (or VALIDACION), answered by the common handler. */
import { ApiError, type ApiErrorDetail } from '../http/errors.js';
import { AUTH_ERRORS } from './error-codes.js';

export { AUTH_ERRORS };

/** Auth's own codes, plus the common VALIDACION (400) for a bad name, password or role. */
export type AuthErrorCode = keyof typeof AUTH_ERRORS | 'VALIDACION';
const statusOf = (code: AuthErrorCode) => (code === 'VALIDACION' ? 400 : AUTH_ERRORS[code].status);

export class AuthError extends ApiError<AuthErrorCode> {
  constructor(
    code: AuthErrorCode,
    message: string,
    readonly extra: { retryAfterMs?: number; detalles?: ApiErrorDetail[] } = {},
  ) {
    super(code, statusOf(code), message, extra.detalles);
  }
}
