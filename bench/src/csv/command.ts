/** The `csv` command: a CSV export of N sales (1,000,000 by default) with the station's RSS sampled. */
import type { Argv, CommandModule } from 'yargs';
import { installCleanup } from '../hub/children.js';
import { ROOT } from '../hub/run.js';
import { formatTable, saveJson } from './report.js';
import { runCsv } from './run.js';

interface CsvArgs {
  ventas: number;
}

const builder = (y: Argv) =>
  y
    .options({
      ventas: { type: 'number', default: 1_000_000, describe: 'Ventas sembradas en el archivo SQLite y exportadas' },
    })
    .check((a) => {
      if (!Number.isInteger(a.ventas) || a.ventas < 1 || a.ventas > 20_000_000)
        throw new Error(`--ventas: entre 1 y 20000000 (es ${a.ventas})`);
      return true;
    });

async function handler(a: CsvArgs): Promise<void> {
  installCleanup();
  const at = new Date();
  const run = await runCsv({ ventas: a.ventas }, (line) => console.log(line));
  console.log('');
  console.log(formatTable(run));
  const file = saveJson(run, at);
  console.log(`\nresultados: ${file.slice(ROOT.length)}`);
  if (run.problems.length > 0) {
    console.log('\nFALLÓ:');
    for (const p of run.problems) console.log(`  - ${p}`);
    process.exitCode = 1;
  } else {
    console.log('\nOK: llegaron todas las filas.');
  }
}

export const csvCommand: CommandModule<object, CsvArgs> = {
  command: 'csv',
  describe:
    'Exportación CSV de 1.000.000 de ventas (sembradas en SQLite) por HTTP, con el RSS de la estación muestreado: tiempo y memoria',
  builder,
  handler,
};
