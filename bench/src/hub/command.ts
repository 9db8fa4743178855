/** The `hub` command: options, validation, and the run → table → JSON sequence. */
import type { Argv, CommandModule } from 'yargs';
import { installCleanup } from './children.js';
import { formatTable, saveJson } from './report.js';
import { type HubParams, type LoadParams, ROOT, runHub } from './run.js';

/** The load flags of the benchmarks that drive the pump hub (`hub`, `tls`). */
export interface LoadArgs {
  connections: number;
  'estado-interval-ms': number;
  'tx-per-second': number;
  duration: number;
  warmup: number;
}

interface HubArgs extends LoadArgs {
  ceiling: boolean;
}

/** Throws unless `--name`'s value lies in [min, max] (and, with `integer`, is a whole number). */
export function within(name: string, value: number, min: number, max: number, { integer = false } = {}): void {
  if (!(integer ? Number.isInteger(value) : Number.isFinite(value)) || value < min || value > max) {
    throw new Error(`--${name} debe ser ${integer ? 'un entero ' : ''}entre ${min} y ${max} (es ${value})`);
  }
}

export const LOAD_OPTIONS = {
  connections: { type: 'number', default: 1000, describe: 'Surtidores conectados a la vez' },
  'estado-interval-ms': {
    type: 'number',
    default: 1000,
    describe: 'Cada conexión envía un "estado" cada tantos ms',
  },
  'tx-per-second': {
    type: 'number',
    default: 200,
    describe: '"transaccion_completada" por segundo, en total',
  },
  duration: { type: 'number', default: 20, describe: 'Segundos medidos' },
  warmup: { type: 'number', default: 3, describe: 'Segundos de calentamiento (no medidos)' },
} as const;

export function checkLoad(a: LoadArgs): void {
  within('connections', a.connections, 1, 20_000);
  within('estado-interval-ms', a['estado-interval-ms'], 10, 600_000);
  within('tx-per-second', a['tx-per-second'], 0, 50_000);
  within('duration', a.duration, 1, 600);
  within('warmup', a.warmup, 0, 120);
}

/** The parameters of the load, with a warning when it is over the station's per-connection rate limit. */
export function loadParams(a: LoadArgs): LoadParams {
  const params: LoadParams = {
    connections: Math.floor(a.connections),
    estadoIntervalMs: a['estado-interval-ms'],
    txPerSecond: a['tx-per-second'],
    durationS: a.duration,
    warmupS: a.warmup,
  };
  const perConnection = 1000 / params.estadoIntervalMs + params.txPerSecond / params.connections;
  if (perConnection > 200) {
    console.warn(`aviso: ${perConnection.toFixed(0)} mensajes/s por conexión supera el límite de la estación (200/s)`);
  }
  return params;
}

const builder = (y: Argv) =>
  y
    .options({
      ...LOAD_OPTIONS,
      ceiling: {
        type: 'boolean',
        default: true,
        describe: 'Medir también el techo (servidor TCP mínimo); --no-ceiling para omitirlo',
      },
    })
    .check((a) => {
      checkLoad(a);
      return true;
    });

async function handler(a: HubArgs): Promise<void> {
  const params: HubParams = { ...loadParams(a), ceiling: a.ceiling };
  installCleanup();
  const at = new Date();
  const run = await runHub(params, (line) => console.log(line));
  console.log('');
  console.log(formatTable(run));
  const file = saveJson(run, at);
  console.log(`\nresultados: ${file.slice(ROOT.length)}`);
  if (run.problems.length > 0) {
    printProblems(run.problems);
  } else {
    console.log('\nOK: la estación tomó toda la carga sin errores ni desconexiones.');
  }
}

/** Prints what failed and sets the exit code to 1. */
export function printProblems(problems: string[]): void {
  console.log('\nFALLÓ:');
  for (const p of problems) console.log(`  - ${p}`);
  process.exitCode = 1;
}

export const hubCommand: CommandModule<object, HubArgs> = {
  command: 'hub',
  describe: 'Hub de surtidores: N conexiones con estado y ventas, contra la estación y contra un techo mínimo',
  builder,
  handler,
};
