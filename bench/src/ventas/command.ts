/** The `ventas` command: durable sales at saturation, against raw better-sqlite3, with a CPU profile. */
import type { Argv, CommandModule } from 'yargs';
import { printProblems, within } from '../hub/command.js';
import { installCleanup } from '../hub/children.js';
import { ROOT } from '../hub/run.js';
import { formatTable, saveJson } from './report.js';
import { runVentas, type VentasParams } from './run.js';

interface VentasArgs {
  surtidores: number;
  'en-vuelo': number;
  duracion: number;
  calentamiento: number;
  perfil: boolean;
}

const builder = (y: Argv) =>
  y
    .options({
      surtidores: { type: 'number', default: 1000, describe: 'Surtidores conectados (una conexión cada uno)' },
      'en-vuelo': {
        type: 'number',
        default: 8,
        describe: 'Ventas enviadas y aún sin confirmar por surtidor (lazo cerrado: cada confirmación libera una)',
      },
      duracion: { type: 'number', default: 15, describe: 'Segundos medidos' },
      calentamiento: { type: 'number', default: 3, describe: 'Segundos de calentamiento (no medidos)' },
      perfil: {
        type: 'boolean',
        default: true,
        describe: 'Perfil de CPU de la estación (node --cpu-prof) y su resumen por venta; --no-perfil para omitirlo',
      },
    })
    .check((a) => {
      within('surtidores', a.surtidores, 1, 20_000);
      within('en-vuelo', a['en-vuelo'], 1, 200);
      within('duracion', a.duracion, 1, 600);
      within('calentamiento', a.calentamiento, 0, 120);
      return true;
    });

async function handler(a: VentasArgs): Promise<void> {
  const params: VentasParams = {
    connections: Math.floor(a.surtidores),
    inFlight: Math.floor(a['en-vuelo']),
    durationS: a.duracion,
    warmupS: a.calentamiento,
    profile: a.perfil,
  };
  installCleanup();
  const at = new Date();
  const run = await runVentas(params, (line) => console.log(line));
  console.log('');
  console.log(formatTable(run));
  const file = saveJson(run, at);
  console.log(`\nresultados: ${file.slice(ROOT.length)}`);
  if (run.problems.length > 0) {
    printProblems(run.problems);
  } else {
    console.log('\nOK: cada venta confirmada está en el archivo.');
  }
}

export const ventasCommand: CommandModule<object, VentasArgs> = {
  command: 'ventas',
  describe:
    'Ventas durables a saturación: confirmadas/s con group commit, contra better-sqlite3 directo, con perfil de CPU',
  builder,
  handler,
};
