/** The `recuperacion` command: how fast N pumps are all registered again after a station restart. */
import type { Argv, CommandModule } from 'yargs';
import { within } from '../hub/command.js';
import { installCleanup } from '../hub/children.js';
import { ROOT } from '../hub/run.js';
import { formatTable, saveJson } from './report.js';
import { type RecuperacionFigures, runRecuperacion, type StopSignal } from './run.js';

interface RecuperacionArgs {
  surtidores: string;
  procesos: number;
  'por-proceso': number;
  signal: string;
  asentamiento: number;
  pausa: number;
  timeout: number;
  'mean-interval': number;
  'estacion-arg': string[];
  'surtidor-arg': string[];
}

const builder = (y: Argv) =>
  y
    .options({
      surtidores: {
        type: 'string',
        default: '1000,10000',
        describe: 'Surtidores conectados al reiniciar; varios separados por coma se miden uno tras otro',
      },
      procesos: {
        type: 'number',
        default: 0,
        describe: 'Procesos de surtidor entre los que se reparten (0: uno por cada --por-proceso)',
      },
      'por-proceso': {
        type: 'number',
        default: 5000,
        describe: 'Con --procesos 0: surtidores por proceso, como máximo',
      },
      signal: {
        type: 'string',
        choices: ['SIGKILL', 'SIGTERM'] as const,
        default: 'SIGKILL',
        describe: 'Cómo se detiene la estación: SIGKILL (caída) o SIGTERM (parada ordenada)',
      },
      asentamiento: { type: 'number', default: 5, describe: 'Segundos con todos registrados antes de reiniciar' },
      pausa: {
        type: 'number',
        default: 0,
        describe: 'Segundos con la estación caída antes de arrancarla otra vez (0: en cuanto termina)',
      },
      timeout: { type: 'number', default: 120, describe: 'Segundos de espera a que vuelvan todos' },
      'mean-interval': {
        type: 'number',
        default: 600,
        describe: 'Segundos simulados promedio entre clientes de un surtidor (--mean-interval del simulador)',
      },
      'estacion-arg': {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'Opción más para la estación (repetible), p. ej. --estacion-arg=--registration-rate=500',
      },
      'surtidor-arg': {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'Opción más para cada proceso de surtidores (repetible), p. ej. --surtidor-arg=--reconnect-max=30',
      },
    })
    .check((a) => {
      for (const n of String(a.surtidores).split(',')) within('surtidores', Number(n), 1, 20_000);
      within('procesos', a.procesos, 0, 16);
      within('por-proceso', a['por-proceso'], 1, 20_000);
      within('asentamiento', a.asentamiento, 0, 120);
      within('pausa', a.pausa, 0, 300);
      within('timeout', a.timeout, 1, 600);
      within('mean-interval', a['mean-interval'], 0.01, 86_400);
      return true;
    });

async function handler(a: RecuperacionArgs): Promise<void> {
  installCleanup();
  const at = new Date();
  const runs: RecuperacionFigures[] = [];
  // yargs has checked it is one of the choices.
  const signal: StopSignal = a.signal === 'SIGTERM' ? 'SIGTERM' : 'SIGKILL';
  for (const n of a.surtidores.split(',').map((x) => Math.floor(Number(x)))) {
    const procesos = a.procesos > 0 ? Math.min(a.procesos, n) : Math.ceil(n / a['por-proceso']);
    console.log(`recuperación: ${n} surtidores, ${signal}…`);
    runs.push(
      await runRecuperacion(
        {
          surtidores: n,
          procesos,
          signal,
          asentamientoS: a.asentamiento,
          pausaS: a.pausa,
          timeoutS: a.timeout,
          meanIntervalS: a['mean-interval'],
          estacionArgs: a['estacion-arg'],
          surtidorArgs: a['surtidor-arg'],
        },
        (line) => console.log(line),
      ),
    );
  }
  console.log('');
  console.log(formatTable(runs));
  const file = saveJson(runs, at);
  console.log(`\nresultados: ${file.slice(ROOT.length)}`);
  if (runs.some((r) => r.problems.length > 0)) {
    console.log('\nFALLÓ: ver "no cumple porque".');
    process.exitCode = 1;
  } else {
    console.log('\nOK: todos los surtidores volvieron dentro del objetivo.');
  }
}

export const recuperacionCommand: CommandModule<object, RecuperacionArgs> = {
  command: 'recuperacion',
  describe: 'Recuperación: reiniciar la estación con N surtidores conectados y medir cuánto tardan en volver todos',
  builder,
  handler,
};
