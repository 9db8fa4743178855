/**
 * The `informe` command: rewrites the README's "Benchmarks" section from bench/results/
 * (--comprobar: only says whether it is up to date, exit 1 if not).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ROOT } from '../hub/run.js';
import { currentSection, renderBenchmarks, replaceSection, type ResultFile } from './render.js';

export const README = path.join(ROOT, 'README.md');
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

/** Every file in bench/results/, JSON with its text (the SVGs only by name: the README links them). */
export function readResults(dir = RESULTS_DIR): ResultFile[] {
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .map((name) => (name.endsWith('.json') ? { name, text: readFileSync(path.join(dir, name), 'utf8') } : { name }));
}

interface InformeArgs {
  comprobar: boolean;
}

async function handler(a: InformeArgs): Promise<void> {
  const section = renderBenchmarks(readResults());
  const readme = readFileSync(README, 'utf8');
  if (a.comprobar) {
    const ok = currentSection(readme) === section;
    console.log(
      ok
        ? 'README: la sección Benchmarks está al día.'
        : 'README: la sección Benchmarks no corresponde a bench/results/ (npm run bench -- informe).',
    );
    if (!ok) process.exitCode = 1;
    return;
  }
  const updated = replaceSection(readme, section);
  if (updated === readme) {
    console.log('README: la sección Benchmarks ya estaba al día.');
    return;
  }
  writeFileSync(README, updated);
  console.log('README: sección Benchmarks reescrita desde bench/results/.');
}

export const informeCommand: CommandModule<object, InformeArgs> = {
  command: 'informe',
  describe: 'Reescribe la sección Benchmarks del README con el último resultado de cada benchmark en bench/results/',
  builder: (y: Argv) =>
    y.options({
      comprobar: {
        type: 'boolean',
        default: false,
        describe: 'Solo comprobar que está al día (sale con 1 si no)',
      },
    }),
  handler,
};
