/**
 * The codes auth can raise, with their HTTP status. No imports: the common API registry
 * (http/errors.ts) spreads this table, and AuthError (auth/errors.ts) carries one of its codes.
 */
export const AUTH_ERRORS = {
  NO_AUTENTICADO: {
    status: 401,
    descripcion: 'No valid session: log in (POST /api/sesion) or send Authorization: Bearer <token>.',
  },
  CREDENCIALES_INVALIDAS: { status: 401, descripcion: 'Wrong user name or password.' },
  SIN_PERMISO: { status: 403, descripcion: "The session's role may not do this; `detalles` names the role needed." },
  USUARIO_NO_ENCONTRADO: { status: 404, descripcion: 'No user with that name.' },
  TOKEN_NO_ENCONTRADO: { status: 404, descripcion: 'No API token with that id.' },
  USUARIO_DUPLICADO: { status: 409, descripcion: 'A user with that name already exists.' },
  ULTIMO_ADMIN: { status: 409, descripcion: 'The last admin cannot be removed or lose the admin role.' },
  DEMASIADOS_INTENTOS: {
    status: 429,
    descripcion: 'Too many failed logins for this user or from this address; retry after Retry-After seconds.',
  },
} as const;
