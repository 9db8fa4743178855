/** The `playa` command: one command for the whole forecourt, 50 and 1000 pumps, against a minimal server. */
import type { Argv, CommandModule } from 'yargs';
import { installCleanup } from '../hub/children.js';
import { ROOT } from '../hub/run.js';
import { formatTable, saveJson } from './report.js';
import { type PlayaParams, runPlaya } from './run.js';

interface PlayaArgs {
  surtidores: number[];
  repeticiones: number;
  calentamiento: number;
  perfil: boolean;
}

const builder = (y: Argv) =>
  y
    .options({
      surtidores: {
        type: 'number',
        array: true,
        default: [50, 1000],
        describe: 'Surtidores conectados, una corrida por valor',
      },
      repeticiones: { type: 'number', default: 20, describe: 'Comandos medidos por corrida' },
      calentamiento: { type: 'number', default: 3, describe: 'Comandos de calentamiento (no medidos)' },
      perfil: {
        type: 'boolean',
        default: false,
        describe: 'Perfil de CPU de la estación (node --cpu-prof); la ruta queda en el resultado',
      },
    })
    .check((a) => {
      for (const n of a.surtidores)
        if (!Number.isInteger(n) || n < 1 || n > 20_000) throw new Error(`--surtidores: entre 1 y 20000 (es ${n})`);
      if (!Number.isInteger(a.repeticiones) || a.repeticiones < 1 || a.repeticiones > 1000)
        throw new Error('--repeticiones: entre 1 y 1000');
      if (!Number.isInteger(a.calentamiento) || a.calentamiento < 0 || a.calentamiento > 100)
        throw new Error('--calentamiento: entre 0 y 100');
      return true;
    });

async function handler(a: PlayaArgs): Promise<void> {
  const params: PlayaParams = {
    sizes: a.surtidores,
    repetitions: a.repeticiones,
    warmup: a.calentamiento,
    profile: a.perfil,
  };
  installCleanup();
  const at = new Date();
  const run = await runPlaya(params, (line) => console.log(line));
  console.log('');
  console.log(formatTable(run));
  const file = saveJson(run, at);
  console.log(`\nresultados: ${file.slice(ROOT.length)}`);
  for (const s of run.sizes) if (s.profile) console.log(`perfil de la estación (${s.pumps}): ${s.profile}`);
  if (run.problems.length > 0) {
    console.log('\nFALLÓ:');
    for (const p of run.problems) console.log(`  - ${p}`);
    process.exitCode = 1;
  } else {
    console.log('\nOK: todos los surtidores ejecutaron cada comando y la estación cumple los objetivos.');
  }
}

export const playaCommand: CommandModule<object, PlayaArgs> = {
  command: 'playa',
  describe:
    'Un comando para toda la playa (POST /api/surtidores/comando): 50 y 1000 surtidores, hasta la última respuesta, contra un servidor TCP mínimo',
  builder,
  handler,
};
