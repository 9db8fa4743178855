/** `empresa serve`: runs the company service. A thin shell around startCompany(). */
import { boxed, checkExposure } from '@combustible/server';
import {
  configOrReport,
  createLogger,
  MAX_VENTANA_REPORTES,
  parseConfig,
  runUntilSignal,
  withEnvDefaults,
  ZONA_HORARIA_POR_DEFECTO,
} from '@combustible/shared';
import yargs, { type Argv } from 'yargs';
import { startCompany } from '../company.js';
import { type CompanyConfig, companyConfigSchema, companyExposure, DEFAULT_ALLOWED_NETWORKS } from '../config.js';

/** The options of `empresa serve`; each can also come from EMPRESA_<FLAG> (e.g. EMPRESA_API_PORT). */
export const SERVE_OPTIONS = {
  'api-port': { type: 'number', describe: 'Puerto de la API REST y la página del personal', default: 8000 },
  host: {
    type: 'string',
    describe: 'Dirección donde escuchar (0.0.0.0: todas; exige --token, o --insecure)',
    default: '127.0.0.1',
  },
  insecure: {
    type: 'boolean',
    describe: 'Escuchar en una dirección pública sin credenciales (modo protegido desactivado; avisa al iniciar)',
    default: false,
  },
  'allowed-networks': {
    type: 'string',
    array: true,
    describe: 'Redes (CIDR) a las que la empresa puede conectarse para los enlaces (repetible o lista con comas)',
    default: DEFAULT_ALLOWED_NETWORKS,
  },
  'data-dir': { type: 'string', describe: 'Carpeta del almacenamiento embebido (SQLite)', default: './data' },
  'mongo-url': { type: 'string', describe: 'Usar MongoDB en vez del almacenamiento embebido (o MONGO_URL)' },
  estacion: {
    type: 'string',
    array: true,
    describe:
      'HOST:PUERTO del enlace de una estación a registrar al iniciar (repetible); tls://HOST:PUERTO si su enlace es TLS (con --tls-ca)',
  },
  token: { type: 'string', describe: 'Token enviado en "autenticacion" a las estaciones' },
  'tls-ca': {
    type: 'string',
    describe: 'CA (PEM) de los certificados de las estaciones registradas con tls (si no, las CA del sistema)',
  },
  'tls-cert': {
    type: 'string',
    describe: 'Certificado de cliente (PEM) de la empresa para enlaces TLS (con --tls-key)',
  },
  'tls-key': { type: 'string', describe: 'Clave del certificado de --tls-cert' },
  'admin-password': {
    type: 'string',
    describe: 'Clave del usuario admin creado en el primer arranque (si no, se genera y se muestra una vez)',
  },
  'session-ttl': {
    type: 'number',
    describe: 'Horas que dura una sesión iniciada (página del personal, "empresa login")',
    default: 12,
  },
  nombre: {
    type: 'string',
    describe: 'Nombre de la empresa (en "autenticacion")',
    default: 'Empresa de Combustibles',
  },
  'ping-interval': { type: 'number', describe: 'Segundos entre pings a cada estación', default: 10 },
  'ping-timeout': {
    type: 'number',
    describe: 'Segundos sin respuesta a un ping para cortar el enlace',
    default: 5,
  },
  'handshake-timeout': { type: 'number', describe: 'Segundos de espera de "estacion_info"', default: 10 },
  'retry-min': {
    type: 'number',
    describe: 'Primera espera entre reconexiones, segundos (con jitter)',
    default: 0.5,
  },
  'retry-max': { type: 'number', describe: 'Espera máxima entre reconexiones, segundos', default: 10 },
  'rate-limit': {
    type: 'number',
    describe: 'Solicitudes a la API por minuto y dirección (0: sin límite)',
    default: 1200,
  },
  'reportes-ventana': {
    type: 'number',
    describe: `Reportes que cada estación puede enviar sin confirmar (suscripcion_reportes, 1–${MAX_VENTANA_REPORTES})`,
    default: 200,
  },
  'reportes-cola': {
    type: 'number',
    describe: 'Reportes esperando escritura en toda la empresa antes de dejar de leer de las estaciones',
    default: 20_000,
  },
  'reportes-apartados': {
    type: 'number',
    describe: 'Reportes rechazados (y en conflicto) que se guardan por estación, los más recientes',
    default: 1000,
  },
  'max-exports': {
    type: 'number',
    describe: 'Exportaciones CSV de ventas descargándose a la vez',
    default: 4,
  },
  'zona-horaria': {
    type: 'string',
    describe: 'Zona horaria de los días de /api/resumen y de las ventas de hoy (IANA)',
    default: ZONA_HORARIA_POR_DEFECTO,
  },
  'log-level': {
    type: 'string',
    describe: 'Nivel de log',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
  },
  'log-pretty': { type: 'boolean', describe: 'Log legible (por defecto en una terminal)' },
} as const;

export function serveBuilder<T>(y: Argv<T>, env: NodeJS.ProcessEnv = process.env) {
  return y
    .options(withEnvDefaults(SERVE_OPTIONS, 'EMPRESA', env))
    .example('$0 serve --estacion 127.0.0.1:5001', 'todo por defecto, con una estación')
    .example('$0 serve --mongo-url mongodb://localhost:27017/empresa --token secreto', 'con MongoDB y token')
    .example('$0 serve --allowed-networks 10.20.0.0/16 --estacion 10.20.0.7:5001', 'estaciones en una red privada')
    .example('$0 serve --tls-ca certs/ca.crt --estacion tls://estacion.lan:5001', 'una estación con su enlace por TLS');
}

/** The config from the parsed flags (and MONGO_URL); `--estacion a:1,b:2` and repeated flags both work. */
export function toConfig(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): CompanyConfig {
  const list = (value: unknown) =>
    ([] as unknown[])
      .concat(value ?? [])
      .flatMap((v) => String(v).split(/[\s,]+/))
      .filter((v) => v.length > 0);
  return parseConfig(companyConfigSchema, {
    ...raw,
    estacion: list(raw.estacion),
    allowedNetworks: raw.allowedNetworks === undefined ? undefined : list(raw.allowedNetworks),
    mongoUrl: (raw.mongoUrl as string | undefined) || env.MONGO_URL || undefined,
  });
}

/** Parses `serve` flags alone (tests). */
export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): CompanyConfig {
  const raw = serveBuilder(yargs(argv), env).strict().exitProcess(false).version(false).parseSync();
  return toConfig(raw, env);
}

export async function serve(raw: Record<string, unknown>): Promise<number> {
  const config = configOrReport(() => toConfig(raw));
  if (config === undefined) return 1;
  // Protected mode: refuse a public address without credentials in one line, before anything starts.
  const exposure = checkExposure(companyExposure(config));
  if (exposure.verdict === 'denied') {
    console.error(exposure.message);
    return 1;
  }
  const log = createLogger({
    name: 'empresa',
    level: config.logLevel,
    ...(config.logPretty === undefined ? {} : { pretty: config.logPretty }),
  });
  return runUntilSignal(log, async () => {
    const company = await startCompany(config, { log });
    // Straight to stderr, once: the logger never sees the password.
    if (company.adminInicial) console.error(`\n${adminBox(company.adminInicial, company.ports.api, config.host)}\n`);
    return company;
  });
}

/** The first-start notice, in a box: who `admin` is and how to log in (the password only if generated). */
export function adminBox(
  admin: { usuario: string; clave: string; generada: boolean },
  apiPort: number,
  host: string,
): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const lines = admin.generada
    ? [
        'empresa: primer arranque, se creó el usuario administrador',
        '',
        `  usuario: ${admin.usuario}`,
        `  clave:   ${admin.clave}`,
        '',
        'Guárdela: no se volverá a mostrar (o elíjala con --admin-password',
        'o EMPRESA_ADMIN_PASSWORD en el primer arranque).',
      ]
    : [
        'empresa: primer arranque, se creó el usuario administrador',
        `"${admin.usuario}" con la clave de --admin-password (o EMPRESA_ADMIN_PASSWORD).`,
      ];
  lines.push(
    '',
    `Página del personal: http://${shown}:${apiPort}/`,
    `Línea de comandos:   npx empresa login --usuario ${admin.usuario}`,
    'Más usuarios:        npx empresa usuarios add NOMBRE --rol lectura|precios|admin',
  );
  return boxed(lines);
}
