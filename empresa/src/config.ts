/**
 * Company configuration: one zod schema (types, defaults, limits) fed by yargs flags of
 * `empresa serve`, each of which can also come from an environment variable EMPRESA_<FLAG>
 * (e.g. EMPRESA_API_PORT), plus MONGO_URL.
 */
import { type ExposureInput, formatCidr, parseCidr } from '@combustible/server';
import {
  logLevel,
  MAX_VENTANA_REPORTES,
  parseHostPort,
  port,
  ZONA_HORARIA_POR_DEFECTO,
  zonaValida,
} from '@combustible/shared';
import { z } from 'zod';

const seconds = z.coerce.number().positive();

/** Marks a `--estacion` entry whose company port speaks TLS: `tls://HOST:PORT`. */
const TLS_SCHEME = 'tls://';

/**
 * A station to register at start: `HOST:PORT` of its company link, or `tls://HOST:PORT` for a link
 * over TLS (`tls: true` in the registry). The scheme is per entry, not a flag of its own, because
 * `--estacion` is a list and one company may reach stations with and without TLS.
 */
export const direccionEstacion = z.string().transform((value, ctx) => {
  const entry = value.trim();
  const tls = entry.toLowerCase().startsWith(TLS_SCHEME);
  try {
    return { ...parseHostPort(tls ? entry.slice(TLS_SCHEME.length) : entry), tls };
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** A network in CIDR form (`10.0.0.0/8`), kept normalised. */
export const red = z.string().transform((value, ctx) => {
  try {
    return formatCidr(parseCidr(value));
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** Loopback only: the company dials nothing else unless told (see --allowed-networks). */
export const DEFAULT_ALLOWED_NETWORKS = ['127.0.0.0/8', '::1/128'];

export const companyConfigSchema = z
  .object({
    /** The API binds here; loopback unless told otherwise (see protected mode, companyExposure). */
    host: z.string().min(1).default('127.0.0.1'),
    /** Listen on a public address without credentials, with a warning at every start. */
    insecure: z.boolean().default(false),
    /** The networks station links may go to; a station address outside is refused. */
    allowedNetworks: z.array(red).min(1).default(DEFAULT_ALLOWED_NETWORKS),
    apiPort: port.default(8000),
    dataDir: z.string().min(1).default('./data'),
    mongoUrl: z.string().url().optional(),
    /** Stations ensured in the registry at start (by address; `tls://` ones with TLS). */
    estacion: z.array(direccionEstacion).default([]),
    /** Sent in `autenticacion`; without it the company does not authenticate. */
    token: z.string().min(1).max(256).optional(),
    /** The password of the `admin` user created on the first start (generated and shown once if absent). */
    adminPassword: z.string().min(8).optional(),
    /** Hours a login session lasts (staff page, `empresa login`). */
    sessionTtl: z.coerce
      .number()
      .positive()
      .max(24 * 365)
      .default(12),
    /** The company name sent in `autenticacion`. */
    nombre: z.string().min(1).max(100).default('Empresa de Combustibles'),
    pingInterval: seconds.default(10),
    pingTimeout: seconds.default(5),
    /** Seconds to wait for `estacion_info` after connecting. */
    handshakeTimeout: seconds.default(10),
    /** Backoff between reconnection attempts, seconds: first ceiling and cap. */
    retryMin: seconds.default(0.5),
    retryMax: seconds.default(30),
    /** API requests per minute per client address; 0 turns the limit off. */
    rateLimit: z.coerce.number().int().min(0).default(1200),
    /** (issue 15) Reports a station may have unacknowledged on its link (suscripcion_reportes.ventana). */
    reportesVentana: z.coerce.number().int().min(1).max(MAX_VENTANA_REPORTES).default(200),
    /** Reports waiting for a durable write, company-wide, before the links stop reading. */
    reportesCola: z.coerce.number().int().min(1).max(1_000_000).default(20_000),
    /** Rejected (and conflicting) reports kept per station and kind, the newest. */
    reportesApartados: z.coerce.number().int().min(1).max(1_000_000).default(1000),
    /** CSV exports (GET /api/ventas?formato=csv) downloading at once. */
    maxExports: z.coerce.number().int().min(1).max(100).default(4),
    /** The zone of the days in /api/resumen and of "today" in /api/red. */
    zonaHoraria: z.string().refine(zonaValida, 'zona horaria desconocida').default(ZONA_HORARIA_POR_DEFECTO),
    logLevel: logLevel.default('info'),
    logPretty: z.boolean().optional(),
    /** The CA that signs the stations' certificates, for stations registered with `tls: true`. */
    tlsCa: z.string().min(1).optional(),
    /** The company's client certificate and key for TLS station links (optional). */
    tlsCert: z.string().min(1).optional(),
    tlsKey: z.string().min(1).optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.tlsCert === undefined) !== (c.tlsKey === undefined))
      ctx.addIssue({ code: 'custom', path: ['tls-cert'], message: '--tls-cert y --tls-key van juntos' });
  });

export type CompanyConfig = z.infer<typeof companyConfigSchema>;

/** What protected mode needs to know: where the API listens and whether the station links carry a token. */
export function companyExposure(config: CompanyConfig): ExposureInput {
  return {
    service: 'empresa',
    host: config.host,
    insecure: config.insecure,
    credentials: [
      {
        name: 'los enlaces con las estaciones',
        flag: '--token',
        env: 'EMPRESA_TOKEN',
        present: config.token !== undefined,
      },
    ],
  };
}
