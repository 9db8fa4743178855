/** `surtidor`: runs N simulated pumps against a station. A thin yargs shell around the fleet. */
import path from 'node:path';
import {
  configOrReport,
  createLogger,
  type Logger,
  parseConfig,
  systemClock,
  type TimerHandle,
} from '@combustible/shared';
import { pino } from 'pino';
import yargs from 'yargs';
import {
  DEFAULT_RECONNECT_BASE_S,
  DEFAULT_RECONNECT_MAX_S,
  LIMITES_TANQUES,
  type SurtidorConfig,
  surtidorConfigSchema,
} from './config.js';
import { Fleet, type ShutdownSummary } from './fleet/fleet.js';
import { readTokensFile } from './tokens-file.js';
import { LiveTable, renderTable } from './ui/table.js';

/** A second signal within this time of the first is taken as the same request. */
const DOUBLE_SIGNAL_MS = 2000;

export function parseArgs(argv: string[]): SurtidorConfig {
  const raw = yargs(argv)
    .scriptName('surtidor')
    .usage(
      '$0 [opciones]\n\nSimulador de surtidores: de uno a miles por proceso, hablan con una estación por TCP (enlace 1), con outbox durable (ninguna venta se pierde aunque la estación caiga).',
    )
    .env('SURTIDOR')
    .options({
      estacion: { type: 'string', describe: 'Estación HOST:PUERTO', default: 'localhost:6000' },
      count: { type: 'number', describe: 'Cuántos surtidores simula este proceso', default: 1 },
      'first-id': { type: 'number', describe: 'id_surtidor del primero (los demás siguen)', default: 1 },
      speed: { type: 'number', describe: 'El tiempo simulado corre X veces más rápido', default: 1 },
      'outbox-dir': {
        type: 'string',
        describe: 'Carpeta del outbox durable (una por proceso)',
        default: './data/surtidores',
      },
      token: { type: 'string', describe: 'Token de registro que exige la estación (el compartido, --pump-token)' },
      'tokens-file': {
        type: 'string',
        describe:
          'Archivo con un token por surtidor: líneas "ID TOKEN" (# comentarios); los que no aparecen usan --token',
      },
      tls: { type: 'boolean', describe: 'Conectar por TLS, verificando el nombre de la estación', default: false },
      ca: { type: 'string', describe: 'CA (PEM) que firma el certificado de la estación (con --tls)' },
      cert: {
        type: 'string',
        describe: 'Certificado de cliente (PEM, TLS mutuo); {id} se reemplaza por el id de cada surtidor',
      },
      key: { type: 'string', describe: 'Clave del certificado de cliente; {id} como en --cert' },
      'tls-servername': { type: 'string', describe: 'Nombre a verificar en el certificado de la estación' },
      fuels: { type: 'string', describe: 'Combustibles de cada surtidor', default: '93,95,97,diesel' },
      'mean-interval': {
        type: 'number',
        describe: 'Segundos simulados promedio entre clientes',
        default: 20,
      },
      'estado-interval': { type: 'number', describe: 'Segundos entre "estado" al despachar', default: 2 },
      'heartbeat-interval': { type: 'number', describe: 'Segundos entre "heartbeat"', default: 30 },
      velocidad: { type: 'number', describe: 'velocidad_despacho, litros por segundo', default: 1 },
      capacidad: { type: 'number', describe: 'capacidad_maxima_litros por venta', default: 100 },
      modo: {
        type: 'string',
        describe:
          'Modo de venta inicial: postpago (se despacha y se paga después), prepago (cada cliente espera el "autorizar" de la estación) o mixto (la mitad aprox., fija por id); manda el modo_autorizacion de la estación',
        default: 'postpago',
      },
      'autorizar-solo': {
        type: 'boolean',
        describe:
          'Solo para pruebas de carga: en prepago cada surtidor autoriza a su propio cliente tras el pago (id "auto-…", que la estación no emitió) en vez de esperar a un operador',
        default: false,
      },
      ledger: { type: 'string', describe: 'Anotar cada venta (línea del protocolo) en este archivo' },
      seed: { type: 'number', describe: 'Semilla: los mismos clientes en cada ejecución' },
      'tick-ms': { type: 'number', describe: 'Paso del reloj común de los surtidores (ms)', default: 100 },
      window: { type: 'number', describe: 'Ventas enviadas sin confirmar, por surtidor', default: 32 },
      'resend-after': { type: 'number', describe: 'Segundos antes de reenviar una venta sin confirmar', default: 10 },
      'max-rate': { type: 'number', describe: 'Ventas por segundo por surtidor, como máximo', default: 100 },
      'reconnect-base': {
        type: 'number',
        describe: 'Primera espera de reconexión (s, al azar entre 0 y este valor; se duplica mientras falle)',
        default: DEFAULT_RECONNECT_BASE_S,
      },
      'reconnect-max': {
        type: 'number',
        describe:
          'Espera máxima entre intentos de conexión (s): con la estación de vuelta, se la encuentra en a lo más este tiempo',
        default: DEFAULT_RECONNECT_MAX_S,
      },
      'registration-timeout': { type: 'number', describe: 'Segundos para recibir registro_confirmado', default: 15 },
      'connect-concurrency': {
        type: 'number',
        describe: 'Surtidores conectándose o esperando registro_confirmado a la vez, como máximo',
        default: 100,
      },
      'shutdown-timeout': {
        type: 'number',
        describe: 'Al detener: segundos para terminar las ventas en curso (luego se cancelan)',
        default: 10,
      },
      'confirm-wait': {
        type: 'number',
        describe: 'Al detener: segundos de espera de las últimas confirmaciones',
        default: 5,
      },
      'stats-interval': { type: 'number', describe: 'Segundos entre resúmenes en el log', default: 10 },
      table: { type: 'boolean', describe: 'Tabla en vivo (por defecto en una terminal); --no-table: logs' },
      'log-level': {
        type: 'string',
        describe: 'Nivel de log',
        choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
        default: 'info',
      },
      'log-pretty': { type: 'boolean', describe: 'Log legible' },
      'chaos-drop': { type: 'number', describe: 'Caos: probabilidad de descartar una línea saliente', default: 0 },
      'chaos-duplicate': { type: 'number', describe: 'Caos: probabilidad de duplicarla', default: 0 },
      'chaos-reorder': {
        type: 'number',
        describe: 'Caos: probabilidad de enviarla después de la siguiente',
        default: 0,
      },
      'chaos-delay': { type: 'number', describe: 'Caos: probabilidad de demorarla', default: 0 },
      'chaos-delay-ms': { type: 'number', describe: 'Caos: demora máxima (ms)', default: 2000 },
      'chaos-clock-skew-ms': { type: 'number', describe: 'Caos: desfase del reloj del surtidor (ms)', default: 0 },
      'chaos-half-open': {
        type: 'number',
        describe: 'Caos: probabilidad por conexión de quedar medio abierta (deja de leer y escribir sin cerrar)',
        default: 0,
      },
      'chaos-half-open-ms': {
        type: 'number',
        describe: 'Caos: cuánto dura medio abierta antes de reconectar (ms)',
        default: 120_000,
      },
      'chaos-slow-read': { type: 'number', describe: 'Caos: leer a lo más estos bytes por segundo', default: 0 },
      tanques: {
        type: 'boolean',
        describe:
          'Simular un medidor de tanques (consola ATG) en el mismo puerto: un tanque por combustible de --fuels (1 = 93, 2 = 95, 3 = 97, 4 = diesel), que baja con lo que despachan los surtidores',
        default: false,
      },
      'id-medidor': { type: 'number', describe: 'id_medidor de la consola de tanques', default: 1 },
      'capacidad-tanques': {
        type: 'string',
        describe: `Litros de cada tanque: uno para todos o uno por combustible de --fuels (${LIMITES_TANQUES.capacidadMinLitros}–${LIMITES_TANQUES.capacidadMaxLitros})`,
        default: '30000',
      },
      'intervalo-lecturas': {
        type: 'number',
        describe: 'Segundos simulados entre lecturas de cada tanque (y una más cuando el nivel cambia)',
        default: 60,
      },
      'cambio-lectura-mm': {
        type: 'number',
        describe: 'Un cambio de nivel de estos milímetros desde la última lectura envía otra',
        default: 10,
      },
      descargas: {
        type: 'boolean',
        describe: 'Camiones: un tanque bajo --nivel-descarga pide una descarga, que llega y entra en unos minutos',
        default: false,
      },
      'nivel-descarga': {
        type: 'number',
        describe: 'Porcentaje de llenado bajo el cual se pide un camión',
        default: 25,
      },
      'litros-descarga': {
        type: 'number',
        describe: 'Litros de cada descarga (el tanque recibe hasta el 95 % de su capacidad)',
        default: 15_000,
      },
      'minutos-descarga': { type: 'number', describe: 'Minutos simulados que dura una descarga', default: 40 },
      fuga: {
        type: 'string',
        array: true,
        describe: `Falla: el tanque pierde LITROS_HORA litros por hora simulada (TANQUE:LITROS_HORA, repetible, ≤ ${LIMITES_TANQUES.fugaMaxLitrosHora})`,
      },
      robo: {
        type: 'string',
        array: true,
        describe: `Falla: salen LITROS_DIA litros por día por una manguera en modo manual, sin venta (TANQUE:LITROS_DIA, repetible, ≤ ${LIMITES_TANQUES.roboMaxLitrosDia})`,
      },
      'medidor-alto': {
        type: 'string',
        array: true,
        describe: `Falla: el medidor del surtidor marca PORCENTAJE % de más (la venta dice más de lo que salió del tanque; SURTIDOR:PORCENTAJE, repetible, ≤ ${LIMITES_TANQUES.medidorAltoMaxPorcentaje})`,
      },
    })
    .example('$0 --estacion localhost:6000 --count 4', 'cuatro surtidores a velocidad real')
    .example('$0 --count 2000 --first-id 1001 --speed 10 --outbox-dir data/s2', 'dos mil, diez veces más rápido')
    .example('$0 --count 4 --tokens-file tokens.txt', 'cada surtidor con su token (estacion surtidores token ID)')
    .example('$0 --chaos-drop 0.05 --chaos-duplicate 0.05', 'probar la estación con líneas perdidas y repetidas')
    .example('$0 --count 100 --modo mixto', 'la mitad en prepago: sus clientes esperan la autorización de la estación')
    .example('$0 --count 1000 --modo prepago --autorizar-solo', 'carga en prepago sin operador (autorización propia)')
    .example(
      '$0 --count 4 --tanques --descargas',
      'con medidor de tanques: niveles que bajan con las ventas y camiones',
    )
    .example('$0 --count 4 --tanques --fuga 2:0.4 --robo 4:30 --medidor-alto 3:2', 'fallas para el detector de fugas')
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .exitProcess(false)
    .parseSync();
  const config = parseConfig(surtidorConfigSchema, raw as Record<string, unknown>);
  return config.tokensFile === undefined ? config : { ...config, pumpTokens: readTokensFile(config.tokensFile) };
}

function summaryLine(s: ShutdownSummary): string {
  return `surtidores ${s.surtidores}, ventas ${s.ventas} (canceladas ${s.canceladas}), monto $${s.monto}, confirmadas ${s.confirmadas}${s.conflictos > 0 ? ` (${s.conflictos} en conflicto)` : ''}, pendientes en el outbox ${s.pendientes}`;
}

export async function main(argv: string[]): Promise<number> {
  const config = configOrReport(() => parseArgs(argv));
  if (config === undefined) return 1;
  if (argv.includes('--help') || argv.includes('-h')) return 0;

  const tableMode = config.table ?? Boolean(process.stdout.isTTY);
  const logFile = path.join(config.outboxDir, 'surtidor.log');
  let log: Logger;
  if (tableMode) {
    log = createLogger({
      name: 'surtidor',
      level: config.logLevel,
      destination: pino.destination({ dest: logFile, mkdir: true, sync: false }),
    });
  } else {
    log = createLogger({
      name: 'surtidor',
      level: config.logLevel,
      ...(config.logPretty === undefined ? {} : { pretty: config.logPretty }),
    });
  }

  // The one place the simulator takes the real clock; everything below gets it injected.
  const clock = systemClock;
  let fleet: Fleet;
  try {
    fleet = await Fleet.create(config, { log, clock });
  } catch (err) {
    const code = (err as { code?: string }).code;
    log.error({ err, codigo: code }, 'no se pudo iniciar');
    console.error(`surtidor: ${(err as Error).message}`);
    return 1;
  }
  const estacion = `${config.estacion.host}:${config.estacion.port}`;
  log.info(
    {
      listo: true,
      surtidores: config.count,
      primer_id: config.firstId,
      estacion,
      velocidad: config.speed,
      modo: config.modo,
      autorizar_solo: config.autorizarSolo,
      ...(config.tanques
        ? {
            medidor: config.idMedidor,
            tanques: fleet.gauge?.console.idsTanques,
            descargas: config.descargas,
            fuga: config.fuga,
            robo: config.robo,
            medidor_alto: config.medidorAlto,
          }
        : {}),
      outbox: config.outboxDir,
      pendientes: fleet.outbox.pending,
    },
    `${config.count} surtidores hacia ${estacion}`,
  );
  fleet.start();

  const started = clock.now();
  let lastVentas = 0;
  let lastAt = started;
  const table = tableMode ? new LiveTable(process.stdout) : undefined;
  /** A last line under the table while stopping. */
  let status: string | undefined;
  const reportEveryMs = tableMode ? 1000 : config.statsInterval * 1000;
  let report: TimerHandle | undefined;
  const reportLoop = () => {
    report = clock.setTimeout(reportLoop, reportEveryMs);
    const stats = fleet.stats();
    if (table) {
      const now = clock.now();
      const rate = ((stats.ventas - lastVentas) * 1000) / Math.max(1, now - lastAt);
      lastVentas = stats.ventas;
      lastAt = now;
      const lines = renderTable(stats, {
        estacion,
        speed: config.speed,
        elapsedS: (now - started) / 1000,
        ventasPorSegundo: rate,
        logFile,
      });
      table.draw(status === undefined ? lines : [...lines, status]);
    } else {
      log.info({ resumen: stats, tick: fleet.takeTickStats() }, 'resumen');
    }
  };
  report = clock.setTimeout(reportLoop, reportEveryMs);

  return new Promise<number>((resolve) => {
    let stopping = false;
    /** `finishMs`: how long sales in progress may take to finish (default: --shutdown-timeout). */
    const stop = (reason: string, code: number, finishMs?: number) => {
      if (stopping) return;
      stopping = true;
      log.info({ motivo: reason }, 'deteniendo: no se aceptan clientes; se terminan o cancelan las ventas');
      if (table) status = `${reason}: terminando las ventas en curso y vaciando el outbox…`;
      fleet.shutdown(finishMs === undefined ? {} : { finishMs }).then(
        (summary) => {
          clock.clearTimeout(report);
          if (summary.pendientes > 0) {
            log.warn(
              { codigo: 'CIERRE_INCOMPLETO', pendientes: summary.pendientes },
              'quedan ventas sin confirmar en el outbox; se enviarán en la próxima ejecución',
            );
          }
          log.info({ resumen: summary }, 'resumen final');
          if (table) console.log(summaryLine(summary));
          log.flush?.();
          resolve(code);
        },
        (err: unknown) => {
          clock.clearTimeout(report);
          log.error({ err }, 'error al detener');
          resolve(1);
        },
      );
    };
    let firstSignalAt: number | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (firstSignalAt === undefined) {
        firstSignalAt = clock.now();
        stop(signal, 0);
        return;
      }
      // Ctrl-C reaches the whole process group and a parent (npm start) may forward a SIGTERM too:
      // a second signal right after the first is the same request, a later one means "now".
      if (clock.now() - firstSignalAt < DOUBLE_SIGNAL_MS) return;
      log.warn({ signal }, 'segunda señal: salida inmediata (las ventas ya escritas siguen en el outbox)');
      process.exit(1);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    fleet.onAllStopped = (err) => {
      const code = (err as Error & { code?: string }).code;
      log.error(
        { codigo: 'TODOS_RECHAZADOS', causa: code, err: err.message },
        'la estación rechazó a todos los surtidores; se detiene el proceso',
      );
      console.error(`surtidor: la estación rechazó a todos los surtidores (${code ?? err.message})`);
      stop('rechazados', 1, 0); // nothing can be delivered: sales in progress end now
    };
  });
}
