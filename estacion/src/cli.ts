/** `estacion`: runs a fuel station. A thin yargs shell around startStation(). */
import { configOrReport, createLogger, parseConfig, runUntilSignal, withEnvDefaults } from '@combustible/shared';
import yargs from 'yargs';
import { type StationConfig, stationConfigSchema } from './config.js';
import { startStation } from './station.js';

/** The flags of `estacion`; each can also come from ESTACION_<FLAG> (e.g. ESTACION_PUMP_PORT). */
export const STATION_OPTIONS = {
  'pump-port': { type: 'number', describe: 'Puerto TCP de los surtidores', default: 6000 },
  'company-port': { type: 'number', describe: 'Puerto TCP del enlace con la empresa', default: 5001 },
  'api-port': { type: 'number', describe: 'Puerto de la API REST y el panel', default: 8001 },
  'ws-port': { type: 'number', describe: 'Puerto del puente WebSocket', default: 4001 },
  host: { type: 'string', describe: 'Dirección donde escuchar', default: '0.0.0.0' },
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
  'max-line-bytes': { type: 'number', describe: 'Largo máximo de una línea', default: 65536 },
  'max-bad-lines': { type: 'number', describe: 'Líneas inválidas toleradas por conexión', default: 20 },
  'rate-limit': { type: 'number', describe: 'Mensajes por segundo por conexión', default: 200 },
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
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .exitProcess(false)
    .parseSync();
  return parseConfig(stationConfigSchema, {
    ...raw,
    mongoUrl: raw.mongoUrl ?? env.MONGO_URL,
  });
}

export async function main(argv: string[]): Promise<number> {
  const config = configOrReport(() => parseArgs(argv));
  if (config === undefined) return 1;
  if (argv.includes('--help') || argv.includes('-h')) return 0;
  const log = createLogger({
    name: 'estacion',
    level: config.logLevel,
    ...(config.logPretty === undefined ? {} : { pretty: config.logPretty }),
  });
  return runUntilSignal(log, () => startStation(config, { log }));
}
