/**
 * `estacion`: runs a fuel station (the default command, with no subcommand) and manages its users
 * (`estacion usuarios add|list|remove`, on the store, whether the station runs or not). A thin yargs
 * command registry; `main()` resolves with the exit code (1 on any failure).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  adminBanner,
  checkExposure,
  CliUsuariosError,
  cliErrorLines,
  type OpenedAuthStore,
  STATION_ROLES,
  usuariosCommand,
  type UsuariosCommandOptions,
} from '@combustible/server';
import { configOrReport, createLogger, parseConfig, runUntilSignal, withEnvDefaults } from '@combustible/shared';
import yargs, { type Argv } from 'yargs';
import { surtidoresCommand } from './cli-surtidores.js';
import {
  DEFAULT_LISTEN_BACKLOG,
  DEFAULT_REGISTRATION_RATE,
  type StationConfig,
  stationConfigSchema,
  stationExposure,
} from './config.js';
import { startStation } from './station.js';
import { createDevCa, DevCaError, devCaSummary, parsePumpRange } from './tls/dev-ca.js';
import { createStore } from './store/index.js';
import type { StationStore } from './store/port.js';
import { SQLITE_FILE } from './store/sqlite-store.js';

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
  'require-pump-auth': {
    type: 'boolean',
    describe:
      'Todo "registro" necesita un token válido (el propio del surtidor o --pump-token), aunque ningún surtidor tenga credencial propia',
    default: false,
  },
  'company-token': {
    type: 'string',
    array: true,
    describe: 'Token exigido a la empresa (repetible o lista con comas: todos valen, para rotarlo sin cortes)',
  },
  'admin-password': {
    type: 'string',
    describe: 'Clave del usuario admin creado en el primer arranque (si no, se genera y se muestra una vez)',
  },
  'session-ttl': {
    type: 'number',
    describe: 'Horas que dura una sesión iniciada en el panel o la API',
    default: 12,
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
  'registration-rate': {
    type: 'number',
    describe:
      '"registro" admitidos por segundo; los demás reciben registro_rechazado SOBRECARGA con reintentar_ms, repartidos a esta tasa (0: sin límite)',
    default: DEFAULT_REGISTRATION_RATE,
  },
  'registration-burst': {
    type: 'number',
    describe: '"registro" admitidos de una vez tras un rato tranquilo (por defecto, los de un segundo)',
  },
  'listen-backlog': {
    type: 'number',
    describe: 'Cola de conexiones por aceptar del puerto de surtidores (el kernel la limita a net.core.somaxconn)',
    default: DEFAULT_LISTEN_BACKLOG,
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
  'price-mismatch': {
    type: 'number',
    describe:
      'Segundos que un surtidor disponible puede seguir con otra versión de precios antes de la alerta PRECIOS_DESALINEADOS (0: no se revisa)',
    default: 30,
  },
  'reportes-ventana-max': {
    type: 'number',
    describe:
      'Reportes a la empresa enviados y aún sin acuse, como máximo, por conexión (1–1000; la empresa pide su ventana)',
    default: 256,
  },
  'reportes-por-seg': {
    type: 'number',
    describe:
      'Reportes a la empresa por segundo, como máximo, por conexión (1–100000): una semana pendiente no ahoga los precios',
    default: 500,
  },
  'reportar-alertas': {
    type: 'string',
    choices: ['info', 'advertencia', 'critica', 'ninguna'],
    describe: 'Alertas que se reportan a la empresa: de esta severidad hacia arriba (ninguna: ninguna)',
    default: 'advertencia',
  },
  'command-timeout': {
    type: 'number',
    describe: 'Segundos de espera de la respuesta a un comando',
    default: 5,
  },
  'authorization-timeout': {
    type: 'number',
    describe: 'Segundos que una autorización de prepago espera que el surtidor empiece a despachar (1–3600)',
    default: 120,
  },
  'max-open-authorizations': {
    type: 'number',
    describe: 'Autorizaciones de prepago abiertas a la vez en la estación',
    default: 1000,
  },
  'autorizacion-automatica': {
    type: 'boolean',
    describe:
      'La estación autoriza sola (estanque lleno) a todo surtidor en prepago que espera: islas sin atención y pruebas de carga',
    default: false,
  },
  'max-tanques': { type: 'number', describe: 'Tanques que la estación puede tener', default: 64 },
  'max-medidores': {
    type: 'number',
    describe: 'Medidores de tanque distintos que pueden registrarse mientras la estación corre',
    default: 64,
  },
  'lecturas-dias': {
    type: 'number',
    describe: 'Días que se guardan las lecturas de tanque (la primera de cada tanque en cada hora se guarda siempre)',
    default: 35,
  },
  'horas-autonomia': {
    type: 'number',
    describe: 'Alerta TANQUE_AUTONOMIA_BAJA si un producto se agota en menos de estas horas al ritmo de ventas actual',
    default: 12,
  },
  'sonda-silencio': {
    type: 'number',
    describe: 'Alerta TANQUE_SIN_LECTURAS tras estas veces el intervalo propio de la sonda sin lecturas',
    default: 5,
  },
  'deteccion-fugas-min': {
    type: 'number',
    describe:
      'Minutos entre revisiones de fugas e inventario de los tanques (FUGA_SOSPECHADA, DIFERENCIA_INVENTARIO); 0 = nunca',
    default: 60,
  },
  'descarga-min-litros': {
    type: 'number',
    describe: 'Una subida del nivel de más de estos litros en 10 minutos es una descarga',
    default: 300,
  },
  'tanques-demo': {
    type: 'boolean',
    describe: 'Si la estación no tiene tanques, crea los de demostración 1–4 (93, 95, 97, diésel): npm start',
    default: false,
  },
  'forecourt-command-timeout': {
    type: 'number',
    describe:
      'Segundos de espera de las respuestas a un comando para toda la playa (máximo 60; plazo_ms no puede pedir más)',
    default: 2,
  },
  'max-exports': {
    type: 'number',
    describe: 'Exportaciones CSV a la vez (cada una lee del almacenamiento mientras el cliente descarga)',
    default: 4,
  },
  'zona-horaria': {
    type: 'string',
    describe: 'Zona horaria IANA de la estación: qué es "un día" en un cierre por fecha',
    default: 'America/Santiago',
  },
  'log-level': {
    type: 'string',
    describe: 'Nivel de log',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
  },
  'log-pretty': { type: 'boolean', describe: 'Log legible (por defecto en una terminal)' },
  'tls-cert': {
    type: 'string',
    describe: 'Certificado (PEM) de la estación: TLS en los puertos de surtidores y empresa (con --tls-key)',
  },
  'tls-key': { type: 'string', describe: 'Clave privada (PEM) del certificado de --tls-cert' },
  'tls-ca': { type: 'string', describe: 'CA (PEM) que firma los certificados de los surtidores' },
  'tls-client-auth': {
    type: 'boolean',
    describe: 'Exigir a cada surtidor un certificado de --tls-ca que nombre su id (TLS mutuo; cuenta como credencial)',
    default: false,
  },
  'tls-api': {
    type: 'boolean',
    describe: 'También HTTPS en la API y el panel, y wss:// en el WebSocket (mismo certificado)',
    default: false,
  },
} as const;

const USAGE =
  '$0 [opciones]\n$0 usuarios <add|list|remove>\n$0 surtidores token <id> [--revocar]\n$0 certificados dev --dir DIR --surtidores 1-10\n\nEstación de servicio: hub de surtidores (TCP), enlace con la empresa, API REST y panel.';

/** The station's flags (with their ESTACION_* defaults) and examples, on `y`. */
export function stationBuilder<T>(y: Argv<T>, env: NodeJS.ProcessEnv = process.env) {
  return y
    .options(withEnvDefaults(STATION_OPTIONS, 'ESTACION', env))
    .example('$0', 'todo en los puertos por defecto, datos en ./data')
    .example('$0 --pump-port 7000 --mongo-url mongodb://localhost:27018/estacion', 'con MongoDB')
    .example(
      'ESTACION_PUMP_TOKEN=… ESTACION_COMPANY_TOKEN=… $0 --host 0.0.0.0',
      'en todas las interfaces, con credenciales',
    )
    .example(
      '$0 certificados dev --dir certs && $0 --tls-cert certs/estacion.crt --tls-key certs/estacion.key --tls-ca certs/ca.crt --tls-client-auth',
      'TLS mutuo con una CA de desarrollo (kill -HUP recarga el certificado)',
    )
    .example('$0 usuarios add ana --rol operador', 'crea un usuario del panel (la clave se muestra una vez)')
    .example('$0 surtidores token 3', 'un token propio para el surtidor 3 (se muestra una vez)');
}

/** The station's configuration from its flags alone (no subcommand). */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): StationConfig {
  const raw = stationBuilder(yargs(argv).scriptName('estacion').usage(USAGE), env)
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .exitProcess(false)
    .parseSync();
  return toConfig(raw, env);
}

/** The config from the parsed flags (and MONGO_URL); `--allowed-origin a,b` and repeated flags both work. */
export function toConfig(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): StationConfig {
  return parseConfig(stationConfigSchema, {
    ...raw,
    allowedOrigin: ([] as unknown[])
      .concat(raw.allowedOrigin ?? [])
      .flatMap((v) => String(v).split(/[\s,]+/))
      .filter((v) => v.length > 0),
    mongoUrl: raw.mongoUrl ?? env.MONGO_URL,
  });
}

/** Runs the station until a signal; resolves with the exit code only if it could not start. */
async function serve(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<number> {
  const config = configOrReport(() => toConfig(raw, env));
  if (config === undefined) return 1;
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
  // SIGHUP reloads the TLS certificate and key (never exits): live sessions stay.
  let running: Awaited<ReturnType<typeof startStation>> | undefined;
  process.on('SIGHUP', () => {
    log.info({ signal: 'SIGHUP' }, 'señal recibida: recargar el certificado TLS');
    running?.reloadTls('SIGHUP');
  });
  return runUntilSignal(log, async () => {
    const station = await startStation(config, { log });
    running = station;
    station.tls?.watch();
    // Shown once, on stderr and never through the log: secrets never appear in logs.
    if (station.adminInicial?.generada) console.error(`\n${adminBanner('estacion', station.adminInicial)}\n`);
    return station;
  });
}

/** The flags that locate the store, for `estacion usuarios`. */
const STORE_OPTIONS = {
  'data-dir': STATION_OPTIONS['data-dir'],
  'mongo-url': STATION_OPTIONS['mongo-url'],
} as const;

/** Opens the station's store (as the running station does) for the `usuarios` and `surtidores` commands. */
async function openStationStore(argv: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<StationStore> {
  const dataDir = String((argv.dataDir as string | undefined) ?? STATION_OPTIONS['data-dir'].default);
  const mongoUrl = (argv.mongoUrl as string | undefined) ?? env.MONGO_URL;
  if (!mongoUrl && dataDir !== ':memory:' && !existsSync(join(dataDir, SQLITE_FILE)))
    throw new CliUsuariosError(
      `no hay datos de la estación en ${dataDir} (falta ${SQLITE_FILE}): indique --data-dir (o ESTACION_DATA_DIR), o inicie la estación una vez`,
    );
  const store = createStore(mongoUrl ? { dataDir, mongoUrl } : { dataDir });
  await store.setup();
  return store;
}

async function openStationAuth(argv: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<OpenedAuthStore> {
  const store = await openStationStore(argv, env);
  return { auth: store.auth, close: () => store.close() };
}

export interface CliIo {
  /** Results of the `usuarios` command (stdout by default). */
  print(line: string): void;
  /** For `--clave-stdin`. */
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  /** Tests use a cheap scrypt cost. */
  authOptions?: UsuariosCommandOptions<string>['authOptions'];
}

export async function main(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const env = io.env ?? process.env;
  let served: Promise<number> | undefined;
  const cli = yargs(argv)
    .scriptName('estacion')
    .usage(USAGE)
    .command({
      command: '$0',
      describe: 'Inicia la estación: surtidores (TCP), enlace con la empresa, API REST, panel y WebSocket',
      builder: (y) => stationBuilder(y, env),
      handler: (raw) => {
        served = serve(raw, env);
      },
    })
    .command(
      usuariosCommand({
        roles: STATION_ROLES,
        storeOptions: withEnvDefaults(STORE_OPTIONS, 'ESTACION', env),
        open: (args) => openStationAuth(args, env),
        ...(io.print ? { print: io.print } : {}),
        ...(io.stdin ? { stdin: io.stdin } : {}),
        ...(io.authOptions ? { authOptions: io.authOptions } : {}),
      }),
    )
    .command(
      surtidoresCommand({
        storeOptions: withEnvDefaults(STORE_OPTIONS, 'ESTACION', env),
        open: (args) => openStationStore(args, env),
        ...(io.print ? { print: io.print } : {}),
      }),
    )
    .command({
      command: 'certificados',
      describe: 'Certificados TLS (certificados dev: una CA de desarrollo en un comando)',
      builder: (y) =>
        y
          .command({
            command: 'dev',
            describe: 'Crea una CA de desarrollo, el certificado de la estación y uno por surtidor',
            builder: (d) =>
              d
                .option('dir', { type: 'string', describe: 'Carpeta donde escribirlos', demandOption: true })
                .option('surtidores', {
                  type: 'string',
                  describe: 'Surtidores con certificado de cliente (1-10, 1,3,5-7)',
                  default: '1-10',
                })
                .option('host', {
                  type: 'string',
                  array: true,
                  describe: 'Nombre o IP adicional del certificado de la estación (repetible)',
                })
                .option('dias', { type: 'number', describe: 'Validez de los certificados, en días', default: 825 })
                .option('conservar', {
                  type: 'boolean',
                  describe:
                    'Conservar lo que ya esté en --dir y siga vigente (la CA y lo firmado por ella) y crear solo lo que falte: para correrlo en cada arranque',
                  default: false,
                }),
            handler: async (args) => {
              const print = io.print ?? ((line: string) => console.log(line));
              const result = await createDevCa({
                dir: String(args.dir),
                surtidores: parsePumpRange(String(args.surtidores)),
                hosts: (args.host ?? []).flatMap((h) => String(h).split(',')),
                days: Number(args.dias),
                keepExisting: args.conservar === true,
              });
              for (const line of devCaSummary(result)) print(line);
            },
          })
          .demandCommand(1, 'indique la acción: certificados dev'),
      handler: () => {},
    })
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new CliUsuariosError(msg);
    });
  try {
    await cli.parseAsync();
  } catch (err) {
    if (err instanceof DevCaError) {
      console.error(`estacion: ${err.message}`);
      return 1;
    }
    const lines = cliErrorLines(err);
    if (lines === null) throw err;
    for (const line of lines) console.error(`estacion: ${line}`);
    if (err instanceof CliUsuariosError) console.error('  (estacion --help muestra los comandos y opciones)');
    return 1;
  }
  return served ?? 0;
}
