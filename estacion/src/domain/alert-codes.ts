/**
 * The alert registry: every `codigo` the station itself raises as an alert (GET /api/alertas, the
 * `alerta` event of the WebSocket). A pump's own `error` message also becomes an alert, under the
 * pump's code, which is the pump's to choose and is not listed here. Each code is documented in
 * docs/api.md; tests/error-codes.test.ts checks both ways that every code is raised and listed.
 */
export const STATION_ALERTS = {
  SURTIDOR_SIN_RESPUESTA: 'A registered pump sent nothing within the heartbeat timeout; its connection was closed.',
  RELOJ_DESFASADO: "A pump's clock differs from the station's by more than the allowed drift.",
  SECUENCIA_FALTANTE: "A pump's sale with this `secuencia` is missing (a later one arrived); resolved when it arrives.",
  SECUENCIA_SALTO: "More than 100 of a pump's sales are missing at once: one alert for the whole gap.",
  TOTALIZADOR_DISCONTINUO: "A sale's meter does not start where the pump's previous sale ended.",
  TRANSACCION_EN_CONFLICTO:
    'A sale arrived again under the same id with other content; both versions are kept (GET /api/conflictos).',
  PRECIOS_RECHAZADOS:
    'The company sent prices that break the prices rule; the station keeps its own until a valid update arrives.',
  PRECIOS_ALMACENADOS_INVALIDOS:
    'Stored price versions break the prices rule (written by an older build) and were ignored at start.',
  AUTORIZACION_EXCEDIDA:
    '(ext) A sale went over the preset of its authorization beyond the tolerance (docs/protocol.md); it is stored with an observation.',
  AUTORIZACION_DESCONOCIDA:
    '(ext) A sale names an id_autorizacion this station never issued to that pump; it is stored with an observation.',
  AUTORIZACION_REUTILIZADA:
    '(ext) A sale names an authorization another sale already used; it is stored with an observation.',
  AUTORIZACION_NO_VIGENTE:
    '(ext) A sale names an authorization that was cancelled, expired or rejected; it is stored and completes it.',
  VENTA_SIN_AUTORIZACION: '(ext) A pump in prepago mode sent a sale without id_autorizacion; it is stored.',
  COMBUSTIBLE_NO_AUTORIZADO:
    "(ext) A sale's fuel is not among its authorization's `combustibles`; it is stored with an observation.",
  PRECIOS_DESALINEADOS:
    'A pump that confirms prices reports a version the station never had, or stays `disponible` with another version than the one in force past --price-mismatch seconds (default 30); resolved when it catches up.',
  TANQUE_NIVEL_BAJO:
    "(ext) A tank's level (median of its last readings) is below its `nivel_bajo_litros`; resolved when it is back above it.",
  TANQUE_AGUA_ALTA: "(ext) A tank's water height is above its `agua_alta_mm`; resolved when it is back below.",
  TANQUE_SIN_LECTURAS:
    "(ext) A tank that had readings got none for --sonda-silencio times its probe's own interval; resolved by the next reading.",
  TANQUE_AUTONOMIA_BAJA:
    "(ext) At the tank's sales rate of the last hour its product runs out within --horas-autonomia hours; resolved above 1.1 times that.",
  TLS_CERTIFICADO_POR_VENCER: "The station's TLS certificate expires within 30 days (or has expired).",
  FUGA_SOSPECHADA:
    '(ext) A tank loses litres at a steady rate that sales and deliveries do not explain (domain/fugas.ts), or lost more than --perdida-subita-litros of them within the last --perdida-subita-min (domain/perdida-subita.ts; docs/conciliacion.md).',
  DIFERENCIA_INVENTARIO:
    "(ext) A tank's variance is proportional to its sales beyond the meters' tolerance, or its cumulative variance is beyond the inventory control limit.",
} as const;

export type StationAlertCode = keyof typeof STATION_ALERTS;
