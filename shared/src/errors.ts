/**
 * The wire error-code registry: every `codigo` a peer can receive in an `error` or
 * `registro_rechazado` message. One table, documented in docs/protocol.md (a test checks that).
 */
export const WIRE_ERRORS = {
  JSON_INVALIDO: 'The line is not valid JSON (or not a JSON object).',
  MENSAJE_INVALIDO: 'A field is missing or breaks its schema; `detalles` lists the fields.',
  TIPO_DESCONOCIDO: 'The `tipo` is not one this link accepts in this direction.',
  LINEA_DEMASIADO_LARGA: 'The line exceeds the maximum length; the connection is closed.',
  NO_REGISTRADO: 'A message arrived before a successful `registro`.',
  REGISTRO_TIMEOUT: 'No `registro` arrived within the time limit; the connection is closed.',
  ID_NO_COINCIDE: "The message's `id_surtidor` differs from the registered one.",
  AUTENTICACION_FALLIDA: 'Missing or wrong token.',
  SESION_REEMPLAZADA: 'Another connection registered the same pump; this one is closed.',
  LIMITE_EXCEDIDO:
    'Too many messages (rate limit) or bad lines, the port is at its connection limit, or --max-pumps is reached.',
  SURTIDOR_NO_CONFIGURADO: 'Strict registration: the pump id is not configured at the station.',
  ERROR_INTERNO: 'The peer failed internally; the message may be retried.',
  SOBRECARGA:
    'In `registro_rechazado`: the station is admitting registrations at its rate; come back after `reintentar_ms` (not a failure).',
  VERSION_INVALIDA:
    'An `actualizacion_precios` whose version breaks the prices rule (above MAX_VERSION, or more than MAX_VERSION_JUMP ahead of the version held); nothing is applied.',
  PRECIO_FUERA_DE_RANGO:
    'An `actualizacion_precios` with a price outside PRECIO_MIN..PRECIO_MAX; `detalles` names each field; nothing is applied.',
  TANQUE_DESCONOCIDO:
    '(ext) A `lectura_tanque` for a tank the station does not have, or that the gauge did not declare in `registro_medidor`; not stored.',
  LECTURA_IMPLAUSIBLE:
    "(ext) A `lectura_tanque` whose product height is above the tank's calibration chart, or whose water is above the product; not stored.",
} as const;

export type WireErrorCode = keyof typeof WIRE_ERRORS;

export const WIRE_ERROR_CODES = Object.keys(WIRE_ERRORS) as WireErrorCode[];

export function isWireErrorCode(value: string): value is WireErrorCode {
  return Object.hasOwn(WIRE_ERRORS, value);
}
