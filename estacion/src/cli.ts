/** `estacion`: runs a fuel station. A thin yargs shell around startStation(). */
import { checkExposure } from '@combustible/server';
import { configOrReport, createLogger, parseConfig, runUntilSignal, withEnvDefaults } from '@combustible/shared';
import yargs from 'yargs';
import { type StationConfig, stationConfigSchema, stationExposure } from './config.js';
import { startStation } from './station.js';

/** The flags of `estacion`; each can also come from ESTACION_<FLAG> (e.g. ESTACION_PUMP_PORT). */
export const STATION_OPTIONS = {
  'pump-port': { type: 'number', describe: 'Puerto TCP de los surtidores', default: 6000 },
  'company-port': { type: 'number', describe: 'Puerto TCP del enlace con la empresa', default: 5001 },
  'api-port': { type: 'number', describe: 'Puerto de la API REST y el panel', default: 8001 },
  'ws-port': { type: 'number', describe: 'Puerto del puente WebSocket', default: 4001 },
  host: {
    type: 'string',
    describe: 'Dirección donde escuchar (0.0.0.0: todas; exige --pump-token y --company-token, o --insecure)',
    default: '127.0.0.1',
  },
  insecure: {
    type: 'boolean',
    describe: 'Escuchar en una dirección pública sin credenciales (modo protegido desactivado; avisa al iniciar)',
    default: false,
  },
  'data-dir': {
    type: 'string',
    describe: 'Carpeta del almacenamiento embebido (SQLite)',
    default: './data',
  },
  'mongo-url': {
    type: 'string',
    describe: 'Usar MongoDB en vez del almacenamiento embebido (o MONGO_URL)',
  },
  id: { type: 'string', describe: 'Identificador de la estación', default: 'estacion-1' },
  nombre: { type: 'string', describe: 'Nombre de la estación', default: 'Estación Central' },
  'heartbeat-timeout': {
    type: 'number',
    describe: 'Segundos sin mensajes para marcar un surtidor en timeout',
    default: 60,
  },
  'registration-timeout': { type: 'number', describe: 'Segundos para recibir "registro"', default: 10 },
  'strict-registration': {
    type: 'boolean',
    describe: 'Rechazar surtidores no configurados',
    default: false,
  },
  'pump-token': { type: 'string', describe: 'Token exigido en "registro" a los surtidores' },
  'company-token': { type: 'string', describe: 'Token exigido a la empresa' },
  'admin-password': {
    type: 'string',
    describe: 'Clave del usuario admin creado en el primer arranque (si no, se genera y se muestra una vez)',
  },
  'max-line-bytes': { type: 'number', describe: 'Largo máximo de una línea', default: 65536 },
  'max-bad-lines': { type: 'number', describe: 'Líneas inválidas toleradas por conexión', default: 20 },
  'rate-limit': { type: 'number', describe: 'Mensajes por segundo por conexión', default: 200 },
  'max-connections': {
    type: 'number',
    describe: 'Conexiones abiertas en el puerto de surtidores (las demás reciben LIMITE_EXCEDIDO)',
    default: 20000,
  },
  'max-company-connections': {
    type: 'number',
    describe: 'Conexiones abiertas en el puerto de la empresa',
    default: 16,
  },
  'max-pumps': {
    type: 'number',
    describe: 'Surtidores que un "registro" puede dar de alta (los ids nuevos de más se rechazan)',
    default: 1000,
  },
  'max-ws-clients': { type: 'number', describe: 'Clientes WebSocket (paneles) a la vez', default: 200 },
  'allowed-origin': {
    type: 'string',
    array: true,
    describe: 'Origen de navegador admitido en el WebSocket además del propio host (repetible o lista con comas)',
  },
  'max-clock-drift': {
    type: 'number',
    describe: 'Segundos de desfase de reloj que generan alerta',
    default: 5,
  },
  'command-timeout': {
    type: 'number',
    describe: 'Segundos de espera de la respuesta a un comando',
    default: 5,
  },
  'log-level': {
    type: 'string',
    describe: 'Nivel de log',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
  },
  'log-pretty': { type: 'boolean', describe: 'Log legible (por defecto en una terminal)' },
} as const;

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): StationConfig {
  const raw = yargs(argv)
    .scriptName('estacion')
    .usage(
      '$0 [opciones]\n\nEstación de servicio: hub de surtidores (TCP), enlace con la empresa, API REST y panel.',
    )
    .options(withEnvDefaults(STATION_OPTIONS, 'ESTACION', env))
    .example('$0', 'todo en los puertos por defecto, datos en ./data')
    .example('$0 --pump-port 7000 --mongo-url mongodb://localhost:27018/estacion', 'con MongoDB')
    .example(
      'ESTACION_PUMP_TOKEN=… ESTACION_COMPANY_TOKEN=… $0 --host 0.0.0.0',
      'en todas las interfaces, con credenciales',
    )
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .exitProcess(false)
    .parseSync();
  return parseConfig(stationConfigSchema, {
    ...raw,
    allowedOrigin: ([] as unknown[])
      .concat(raw.allowedOrigin ?? [])
      .flatMap((v) => String(v).split(/[\s,]+/))
      .filter((v) => v.length > 0),
    mongoUrl: raw.mongoUrl ?? env.MONGO_URL,
  });
}

export async function main(argv: string[]): Promise<number> {
  const config = configOrReport(() => parseArgs(argv));
  if (config === undefined) return 1;
  if (argv.includes('--help') || argv.includes('-h')) return 0;
  // Protected mode: refuse a public address without credentials in one line, before anything starts.
  const exposure = checkExposure(stationExposure(config));
  if (exposure.verdict === 'denied') {
    console.error(exposure.message);
    return 1;
  }
  const log = createLogger({
    name: 'estacion',
    level: config.logLevel,
    ...(config.logPretty === undefined ? {} : { pretty: config.logPretty }),
  });
  return runUntilSignal(log, () => startStation(config, { log }));
}
