/**
 * Station configuration: one zod schema (types, defaults, limits) fed by yargs flags, each of which
 * can also come from an environment variable ESTACION_<FLAG> (e.g. ESTACION_PUMP_PORT), plus MONGO_URL.
 */
import { ZONA_HORARIA_POR_DEFECTO, zonaValida } from './domain/cierres.js';
import { type ExposureInput, normalizeOrigin } from '@combustible/server';
import { logLevel, MAX_VENTANA_REPORTES, port } from '@combustible/shared';
import { z } from 'zod';

/**
 * Registrations admitted per second by default (see hub/registration-admission.ts): below what a
 * station on 2 shared vCPUs registers (about 1500/s with the simulators on the same machine, far
 * fewer when other work takes the CPU), so that a restart with 10,000 pumps defers the excess
 * instead of running the station flat out; a station of up to 1000 pumps is never deferred.
 */
export const DEFAULT_REGISTRATION_RATE = 1000;
/**
 * The pump port's listen backlog by default: Node's is 511, too few when thousands of pumps
 * reconnect at once after a restart (a full queue drops SYNs, and the pump retries a second later).
 */
export const DEFAULT_LISTEN_BACKLOG = 4096;

const seconds = z.coerce.number().positive();
const limit = z.coerce.number().int().min(1);

/** A browser origin (`https://panel.example.com`), kept normalised. */
const origin = z.string().transform((value, ctx) => {
  const normal = normalizeOrigin(value);
  if (normal === null) {
    ctx.addIssue({ code: 'custom', message: `"${value}" no es un origen (p. ej. https://panel.example.com)` });
    return z.NEVER;
  }
  return normal;
});

/** `a,b`, `['a', 'b,c']` or nothing as a list of non-empty tokens (repeated flags, comma lists). */
function tokenList(value: unknown): unknown {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'string' && !Array.isArray(value)) return value;
  return ([] as unknown[])
    .concat(value)
    .flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]))
    .map((v) => (typeof v === 'string' ? v.trim() : v))
    .filter((v) => v !== '');
}

export const stationConfigSchema = z
  .object({
    /** Every listener binds here; loopback unless told otherwise (see protected mode, stationExposure). */
    host: z.string().min(1).default('127.0.0.1'),
    /** Listen on a public address without credentials, with a warning at every start. */
    insecure: z.boolean().default(false),
    pumpPort: port.default(6000),
    companyPort: port.default(5001),
    apiPort: port.default(8001),
    wsPort: port.default(4001),
    dataDir: z.string().min(1).default('./data'),
    mongoUrl: z.string().url().optional(),
    id: z
      .string()
      .regex(/^[\w.-]{1,64}$/, 'letras, dígitos, _ . - (hasta 64)')
      .refine((id) => !/^\.+$/.test(id), 'no puede ser solo puntos (la empresa no lo aceptaría)')
      .default('estacion-1'),
    nombre: z.string().min(1).max(100).default('Estación Central'),
    heartbeatTimeout: seconds.default(60),
    registrationTimeout: seconds.default(10),
    strictRegistration: z.boolean().default(false),
    pumpToken: z.string().min(1).optional(),
    /**
     * Every `registro` needs a valid token (its pump's own, or the shared --pump-token) even before
     * any pump has a credential of its own (`estacion surtidores token ID`).
     */
    requirePumpAuth: z.boolean().default(false),
    /**
     * The tokens the company may present (any of them): several at once let a token be rotated with
     * an overlap (docs/security.md). Empty: no company authentication.
     */
    companyToken: z.preprocess(tokenList, z.array(z.string().min(1))).default([]),
    /** The password of the `admin` user created on the first start (generated and shown once if absent). */
    adminPassword: z.string().min(8).optional(),
    /** Hours a dashboard/API login session lasts. */
    sessionTtl: z.coerce
      .number()
      .positive()
      .max(24 * 365)
      .default(12),
    maxLineBytes: z.coerce
      .number()
      .int()
      .min(256)
      .max(16 * 1024 * 1024)
      .default(64 * 1024),
    maxBadLines: z.coerce.number().int().min(0).default(20),
    /** Open connections on the pump port; past it a socket gets an `error` LIMITE_EXCEDIDO and is closed. */
    maxConnections: limit.default(20_000),
    /** Open connections on the company port (one per company replica, plus reconnections). */
    maxCompanyConnections: limit.default(16),
    /** Pump records a `registro` may create (unknown ids past it are refused). */
    maxPumps: limit.default(1000),
    /**
     * `registro` admitted per second (a token bucket); the excess is deferred with `registro_rechazado`
     * SOBRECARGA and `reintentar_ms`, spread at this rate. 0: no admission limit.
     */
    registrationRate: z.coerce.number().min(0).max(1_000_000).default(DEFAULT_REGISTRATION_RATE),
    /** `registro` admitted at once after a quiet period (the bucket's size); default: one second's worth. */
    registrationBurst: z.coerce.number().int().min(1).max(1_000_000).optional(),
    /** The pump port's TCP listen backlog (the kernel caps it at net.core.somaxconn). */
    listenBacklog: z.coerce.number().int().min(1).max(65_535).default(DEFAULT_LISTEN_BACKLOG),
    /** Dashboard WebSocket clients at once; past it a client is closed with 1013. */
    maxWsClients: limit.default(200),
    /** Browser origins allowed on the WebSocket besides the station's own hostname. */
    allowedOrigin: z.array(origin).default([]),
    rateLimit: z.coerce.number().positive().default(200),
    maxClockDrift: seconds.default(5),
    /** Seconds a disponible pump may keep another price version before PRECIOS_DESALINEADOS (0: never checked). */
    priceMismatch: z.coerce.number().min(0).max(86_400).default(30),
    /** (ext, issue 15) Reports in flight per company connection at most, whatever the company asks. */
    reportesVentanaMax: z.coerce.number().int().min(1).max(MAX_VENTANA_REPORTES).default(256),
    /** (ext, issue 15) Reports sent to the company per second at most, per connection. */
    reportesPorSeg: z.coerce.number().int().min(1).max(100_000).default(500),
    /** (ext, issue 15) Alerts at or above this severity are forwarded to the company (ninguna: none). */
    reportarAlertas: z.enum(['info', 'advertencia', 'critica', 'ninguna']).default('advertencia'),
    commandTimeout: seconds.default(5),
    /** (ext) Seconds an authorization waits for dispensing to start (the wire's vence_en_ms bounds). */
    authorizationTimeout: z.coerce.number().min(1).max(3600).default(120),
    /** (ext) Open prepaid authorizations at once (one per pump at most). */
    maxOpenAuthorizations: limit.max(1_000_000).default(1000),
    /** (ext) The station authorizes every waiting prepaid pump itself, full tank (unattended). */
    autorizacionAutomatica: z.boolean().default(false),
    /** (ext) Tanks the station may have. */
    maxTanques: limit.max(10_000).default(64),
    /** (ext) Distinct tank gauges that may register while the station runs. */
    maxMedidores: limit.max(10_000).default(64),
    /** (ext) Days raw tank readings are kept (the first of each tank in each hour is kept always). */
    lecturasDias: z.coerce.number().int().min(1).max(3650).default(35),
    /** (ext) A product that runs out within this many hours at the current sales rate raises TANQUE_AUTONOMIA_BAJA. */
    horasAutonomia: z.coerce
      .number()
      .positive()
      .max(24 * 365)
      .default(12),
    /** (ext) A probe silent for this many times its own interval raises TANQUE_SIN_LECTURAS. */
    sondaSilencio: z.coerce.number().min(1).max(1000).default(5),
    /** (ext) A rise of a tank's level beyond this many litres within 10 minutes is a delivery. */
    descargaMinLitros: z.coerce.number().positive().max(1_000_000).default(300),
    /** (ext) Minutes between runs of the leak detector (FUGA_SOSPECHADA, DIFERENCIA_INVENTARIO); 0 = off. */
    deteccionFugasMin: z.coerce.number().int().min(0).max(10_080).default(60),
    /** (ext) On a start without tanks, create the demo tanks 1–4 (93, 95, 97, diesel): npm start. */
    tanquesDemo: z.boolean().default(false),
    /** Seconds a command for the whole forecourt waits for the pumps' answers (and the most a request may ask). */
    forecourtCommandTimeout: seconds.max(60).default(2),
    /** CSV exports at once (each holds a store reader while its client downloads). */
    maxExports: limit.max(1000).default(4),
    /** The station's IANA time zone: what "a day" is for a close by `fecha`. */
    zonaHoraria: z
      .string()
      .min(1)
      .max(100)
      .refine(zonaValida, 'zona horaria desconocida')
      .default(ZONA_HORARIA_POR_DEFECTO),
    logLevel: logLevel.default('info'),
    logPretty: z.boolean().optional(),
    /** TLS on the pump and company ports: the station's certificate and key (PEM files). */
    tlsCert: z.string().min(1).optional(),
    tlsKey: z.string().min(1).optional(),
    /** The CA that signs the pumps' client certificates (PEM file). */
    tlsCa: z.string().min(1).optional(),
    /** Mutual TLS on the pump port: every pump shows a certificate from --tls-ca naming its id. */
    tlsClientAuth: z.boolean().default(false),
    /** HTTPS on the API and dashboard, wss:// on the WebSocket, with the same certificate. */
    tlsApi: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    if (c.tlsApi && c.tlsCert === undefined)
      ctx.addIssue({ code: 'custom', path: ['tls-api'], message: 'exige --tls-cert y --tls-key' });
    if ((c.tlsCert === undefined) !== (c.tlsKey === undefined))
      ctx.addIssue({ code: 'custom', path: ['tls-cert'], message: '--tls-cert y --tls-key van juntos' });
    if (c.tlsClientAuth && (c.tlsCa === undefined || c.tlsCert === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['tls-client-auth'],
        message: 'exige --tls-ca (la CA de los surtidores) y --tls-cert/--tls-key',
      });
  });

export type StationConfig = z.infer<typeof stationConfigSchema>;

/** What protected mode needs to know: where the station listens and which ports have a credential. */
export function stationExposure(config: StationConfig): ExposureInput {
  return {
    service: 'estacion',
    host: config.host,
    insecure: config.insecure,
    credentials: [
      {
        name: 'el puerto de surtidores',
        flag: '--pump-token',
        env: 'ESTACION_PUMP_TOKEN',
        present: config.pumpToken !== undefined,
      },
      // Per-pump credentials are the alternative: with --require-pump-auth no pump registers without one.
      {
        name: 'el puerto de surtidores',
        flag: '--require-pump-auth',
        env: 'ESTACION_REQUIRE_PUMP_AUTH',
        present: config.requirePumpAuth,
      },
      {
        name: 'el puerto de surtidores',
        flag: '--tls-client-auth',
        env: 'ESTACION_TLS_CLIENT_AUTH',
        present: config.tlsClientAuth,
      },
      {
        name: 'el puerto de la empresa',
        flag: '--company-token',
        env: 'ESTACION_COMPANY_TOKEN',
        present: config.companyToken.length > 0,
      },
    ],
  };
}
