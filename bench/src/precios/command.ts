/** The `precios` command: company → stations → pumps price propagation, as a table and JSON. */
import type { Argv, CommandModule } from 'yargs';
import { printProblems, within } from '../hub/command.js';
import { installCleanup } from '../hub/children.js';
import { machineInfo, writeResult } from '../hub/report.js';
import { ROOT } from '../hub/run.js';
import type { LatencySummary } from '../hub/types.js';
import { type PreciosRun, runPrecios } from './run.js';

interface PreciosArgs {
  stations: number;
  pumps: number;
  rounds: number;
  warmup: number;
}

const builder = (y: Argv) =>
  y
    .options({
      stations: { type: 'number', default: 2, describe: 'Estaciones (procesos)' },
      pumps: { type: 'number', default: 50, describe: 'Surtidores por estación' },
      rounds: { type: 'number', default: 10, describe: 'Cambios de precio medidos' },
      warmup: { type: 'number', default: 1, describe: 'Cambios de calentamiento (no medidos)' },
    })
    .check((a) => {
      within('stations', a.stations, 1, 20, { integer: true });
      within('pumps', a.pumps, 1, 5000, { integer: true });
      within('rounds', a.rounds, 1, 1000, { integer: true });
      within('warmup', a.warmup, 0, 100, { integer: true });
      return true;
    });

const ms = (n: number | undefined) => (n === undefined ? '—' : n.toFixed(1));

/** What is timed from the PUT, in order (also the README's rows, see informe/). */
export function preciosRows(summary: PreciosRun['summary']): [string, LatencySummary | null][] {
  return [
    ['PUT /api/precios respondido', summary.put],
    ['todos los surtidores confirmaron', summary.pumps],
    ['visible en la API de cada estación', summary.stationApi],
    ['todas las estaciones confirmaron (empresa)', summary.company],
  ];
}

export function formatPrecios(run: PreciosRun): string {
  const { params, summary } = run;
  const m = machineInfo();
  const rows = preciosRows(summary);
  return [
    `Precios: ${params.stations} estaciones × ${params.pumpsPerStation} surtidores, ${params.rounds} cambios ` +
      `(+${params.warmup} de calentamiento), tiempo desde el PUT /api/precios`,
    `Máquina: ${m.cpus} × ${m.model}, Node ${m.node}`,
    '',
    `${''.padEnd(44)}${['p50 ms', 'p90 ms', 'máx ms'].map((c) => c.padStart(10)).join('')}`,
    ...rows.map(
      ([label, s]) => `${label.padEnd(44)}${[s?.p50, s?.p90, s?.max].map((v) => ms(v).padStart(10)).join('')}`,
    ),
  ].join('\n');
}

async function handler(a: PreciosArgs): Promise<void> {
  installCleanup();
  const at = new Date();
  const run = await runPrecios(
    { stations: a.stations, pumpsPerStation: a.pumps, rounds: a.rounds, warmup: a.warmup },
    (line) => console.log(line),
  );
  console.log('');
  console.log(formatPrecios(run));
  console.log(`\nresultados: ${writeResult('precios', at, run).slice(ROOT.length)}`);
  if (run.problems.length > 0) {
    printProblems(run.problems);
  }
}

export const preciosCommand: CommandModule<object, PreciosArgs> = {
  command: 'precios',
  describe: 'Propagación de precios: PUT /api/precios hasta que todos los surtidores de todas las estaciones confirman',
  builder,
  handler,
};
