/** The `surtidor` command: how many simulated pumps one surtidor process sustains. */
import type { Argv, CommandModule } from 'yargs';
import { within } from '../hub/command.js';
import { installCleanup } from '../hub/children.js';
import { ROOT } from '../hub/run.js';
import { formatTable, saveJson } from './report.js';
import { runSurtidor, type SurtidorFigures } from './run.js';

interface SurtidorArgs {
  pumps: string;
  speed: number;
  'mean-interval': number;
  duration: number;
  warmup: number;
  'register-timeout': number;
}

const builder = (y: Argv) =>
  y
    .options({
      pumps: {
        type: 'string',
        default: '2000',
        describe: 'Surtidores en el proceso; varios separados por coma (p. ej. 1000,2000,5000) se miden uno tras otro',
      },
      speed: { type: 'number', default: 1, describe: '--speed del surtidor (1: tiempo real)' },
      'mean-interval': { type: 'number', default: 20, describe: 'Segundos simulados promedio entre clientes' },
      duration: { type: 'number', default: 20, describe: 'Segundos medidos' },
      warmup: { type: 'number', default: 5, describe: 'Segundos de calentamiento tras registrar todos' },
      'register-timeout': { type: 'number', default: 60, describe: 'Segundos para que se registren todos' },
    })
    .check((a) => {
      for (const n of String(a.pumps).split(',')) within('pumps', Number(n), 1, 20_000);
      within('speed', a.speed, 0.01, 10_000);
      within('mean-interval', a['mean-interval'], 0.01, 86_400);
      within('duration', a.duration, 1, 600);
      within('warmup', a.warmup, 0, 120);
      within('register-timeout', a['register-timeout'], 1, 600);
      return true;
    });

async function handler(a: SurtidorArgs): Promise<void> {
  installCleanup();
  const at = new Date();
  const runs: SurtidorFigures[] = [];
  for (const n of a.pumps.split(',').map(Number)) {
    console.log(`surtidor: ${n} surtidores en un proceso…`);
    runs.push(
      await runSurtidor(
        {
          pumps: n,
          speed: a.speed,
          meanIntervalS: a['mean-interval'],
          warmupS: a.warmup,
          durationS: a.duration,
          registerTimeoutS: a['register-timeout'],
        },
        (line) => console.log(line),
      ),
    );
  }
  console.log('');
  console.log(formatTable(runs));
  const file = saveJson(runs, at);
  console.log(`\nresultados: ${file.slice(ROOT.length)}`);
  const sustained = runs.filter((r) => r.sustained).map((r) => r.params.pumps);
  console.log(
    sustained.length > 0
      ? `\nOK: un proceso sostiene ${Math.max(...sustained)} surtidores en esta máquina (de los probados).`
      : '\nNingún tamaño probado se sostuvo.',
  );
  if (runs.some((r) => r.final.code !== 0)) process.exitCode = 1;
}

export const surtidorCommand: CommandModule<object, SurtidorArgs> = {
  command: 'surtidor',
  describe: 'Simulador de surtidores: cuántos surtidores sostiene un proceso (CPU, RSS, ventas/s)',
  builder,
  handler,
};
