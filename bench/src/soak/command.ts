/** The `soak` command: options and their bounds, the run, the figures, the JSON and its SVG chart. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { installCleanup } from '../hub/children.js';
import { printProblems, within } from '../hub/command.js';
import { writeResult } from '../hub/report.js';
import { ROOT } from '../hub/run.js';
import { textTable } from '../table.js';
import { type SoakDoc, soakHeader, soakSvg, soakTable } from './report.js';
import { runSoak, type SoakParams } from './run.js';

interface SoakArgs {
  minutos: number;
  surtidores: number;
  procesos: number;
  intervalo: number;
  calentamiento?: number;
  'register-timeout': number;
}

const builder = (y: Argv) =>
  y
    .options({
      minutos: {
        type: 'number',
        default: 10,
        describe: 'Minutos medidos (tras registrar todos los surtidores)',
      },
      surtidores: { type: 'number', default: 10_000, describe: 'Surtidores simulados a velocidad real' },
      procesos: {
        type: 'number',
        default: 1,
        describe: 'Procesos del simulador que se reparten los surtidores (uno sostiene 10000 a velocidad real)',
      },
      intervalo: { type: 'number', default: 10, describe: 'Segundos entre muestras' },
      calentamiento: {
        type: 'number',
        describe: 'Segundos de calentamiento, referencia de la deriva (por defecto el 20 % de la duración)',
      },
      'register-timeout': { type: 'number', default: 120, describe: 'Segundos para que se registren todos' },
    })
    .check((a) => {
      within('minutos', a.minutos, 0.5, 24 * 60);
      within('surtidores', a.surtidores, 1, 20_000);
      within('procesos', a.procesos, 1, 16);
      within('intervalo', a.intervalo, 1, 600);
      if (a.intervalo * 2 > a.minutos * 60) throw new Error('--intervalo: hacen falta al menos dos muestras');
      if (a.calentamiento !== undefined) within('calentamiento', a.calentamiento, 0, a.minutos * 60 - a.intervalo);
      within('register-timeout', a['register-timeout'], 1, 1800);
      return true;
    });

async function handler(a: SoakArgs): Promise<void> {
  const totalS = a.minutos * 60;
  // By default a fifth of the run, on a sample: the reference must be a measured point.
  const warmupS = a.calentamiento ?? Math.max(a.intervalo, Math.round((totalS * 0.2) / a.intervalo) * a.intervalo);
  const params: SoakParams = {
    minutes: a.minutos,
    pumps: Math.floor(a.surtidores),
    processes: Math.floor(a.procesos),
    intervalS: a.intervalo,
    warmupS,
    registerTimeoutS: a['register-timeout'],
  };
  installCleanup();
  const at = new Date();
  console.log(`Soak: estación con ${params.pumps} surtidores a velocidad real durante ${params.minutes} min…`);
  const run = await runSoak(params, (line) => console.log(line));
  const file = writeResult('soak', at, run);
  // Both from the saved document, as the README's section is.
  const doc = JSON.parse(readFileSync(file, 'utf8')) as SoakDoc;
  // Beside the JSON, same name: the README (informe/) finds the chart of a result that way.
  const svg = file.replace(/\.json$/, '.svg');
  writeFileSync(svg, soakSvg(doc));
  console.log('');
  console.log(soakHeader(doc));
  console.log('');
  console.log(textTable(soakTable(doc)));
  console.log(`\nresultados: ${path.relative(ROOT, file)}\ngráfico: ${path.relative(ROOT, svg)}`);
  if (run.problems.length > 0) printProblems(run.problems);
}

export const soakCommand: CommandModule<object, SoakArgs> = {
  command: 'soak',
  describe:
    'Prueba de resistencia: una flota a velocidad real contra la estación durante minutos; RSS, heap, bucle de eventos y CPU en el tiempo, con gráfico SVG',
  builder,
  handler,
};
