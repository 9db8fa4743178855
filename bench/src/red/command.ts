/** The `red` command: a company and thousands of fleet stations, against a raw write loop. */
import os from 'node:os';
import type { Argv, CommandModule } from 'yargs';
import { printProblems, within } from '../hub/command.js';
import { installCleanup } from '../hub/children.js';
import { writeResult } from '../hub/report.js';
import { ROOT } from '../hub/run.js';
import { formatRed } from './report.js';
import { type RedRun, runRedSize, type SizeResult } from './run.js';

interface RedArgs {
  estaciones: number[];
  rondas: number;
  calentamiento: number;
  'ventas-por-seg': number;
  'duracion-ventas': number;
  concurrencia: number;
}

const builder = (y: Argv) =>
  y
    .options({
      estaciones: {
        type: 'string',
        array: true,
        default: ['1000,5000,10000'],
        describe: 'Estaciones de la flota, una corrida por valor (lista con comas o repetible)',
        coerce: (xs: string[]) => xs.flatMap((x) => x.split(',')).map(Number),
      },
      rondas: { type: 'number', default: 5, describe: 'Cambios de precio medidos por tamaño' },
      calentamiento: { type: 'number', default: 1, describe: 'Cambios de calentamiento (no medidos)' },
      'ventas-por-seg': { type: 'number', default: 10_000, describe: 'Ventas por segundo ofrecidas por toda la flota' },
      'duracion-ventas': { type: 'number', default: 10, describe: 'Segundos de la ventana de ventas' },
      concurrencia: { type: 'number', default: 32, describe: 'Registros POST /api/estaciones en curso a la vez' },
    })
    .check((a) => {
      for (const n of a.estaciones) within('estaciones', n, 1, 20_000, { integer: true });
      within('rondas', a.rondas, 1, 100, { integer: true });
      within('calentamiento', a.calentamiento, 0, 10, { integer: true });
      within('ventas-por-seg', a['ventas-por-seg'], 1, 1_000_000);
      within('duracion-ventas', a['duracion-ventas'], 1, 600);
      within('concurrencia', a.concurrencia, 1, 1000, { integer: true });
      return true;
    });

async function handler(a: RedArgs): Promise<void> {
  installCleanup();
  const at = new Date();
  const params = {
    estaciones: a.estaciones,
    rondas: a.rondas,
    calentamiento: a.calentamiento,
    ventasPorSeg: a['ventas-por-seg'],
    duracionVentasS: a['duracion-ventas'],
    concurrencia: a.concurrencia,
  };
  const start = os.loadavg()[0] ?? 0;
  const sizes: SizeResult[] = [];
  for (const n of a.estaciones) sizes.push(await runRedSize(n, params, (line) => console.log(line)));
  const run: RedRun = { params, sizes, loadavg: { start, end: os.loadavg()[0] ?? 0 } };
  console.log('');
  console.log(formatRed(run));
  console.log(`\nresultados: ${writeResult('red', at, run).slice(ROOT.length)}`);
  const problems = sizes.flatMap((s) => s.problems.map((p) => `${s.estaciones}: ${p}`));
  if (problems.length > 0) printProblems(problems);
}

export const redCommand: CommandModule<object, RedArgs> = {
  command: 'red',
  describe:
    'La red: una empresa y miles de estaciones simuladas; PUT /api/precios hasta que todas lo tienen, RSS por enlace e ingesta de ventas, contra un bucle de escritura crudo',
  builder,
  handler,
};
