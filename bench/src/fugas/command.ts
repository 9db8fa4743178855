/** The `fugas` command: the leak detector over many simulated months, as a table and JSON. */
import type { Argv, CommandModule } from 'yargs';
import { writeResult } from '../hub/report.js';
import { ROOT } from '../hub/run.js';
import { textTable } from '../table.js';
import { escenarioLinea, fugasCells, veredicto } from './report.js';
import { ESCENARIOS } from './mes.js';
import { type FugasParams, type ResultadoEscenario, runEscenario } from './run.js';

interface FugasArgs {
  meses: number;
  'meses-sin-fuga': number;
  dias: number;
  fugas: string;
  semilla: number;
  escenarios: string;
  'lectura-cada': number;
}

const builder = (y: Argv) =>
  y
    .options({
      meses: { type: 'number', default: 250, describe: 'Meses simulados por tamaño de fuga' },
      'meses-sin-fuga': { type: 'number', default: 800, describe: 'Meses sin fuga (para la tasa de falsas alarmas)' },
      dias: { type: 'number', default: 30, describe: 'Días de cada mes' },
      fugas: {
        type: 'string',
        default: '0.2,0.38,0.4,0.76,1,2,5',
        describe: 'Tamaños de fuga en L/h, separados por coma',
      },
      semilla: {
        type: 'number',
        default: 20_261_130,
        describe: 'Semilla del azar (la misma semilla repite la corrida)',
      },
      escenarios: { type: 'string', default: 'nominal,adverso', describe: 'Escenarios de ruido: nominal, adverso' },
      'lectura-cada': { type: 'number', default: 5, describe: 'Minutos entre lecturas del medidor' },
    })
    .check((a) => {
      const fugas = a.fugas.split(',').map(Number);
      if (fugas.some((f) => !Number.isFinite(f) || f <= 0 || f > 100))
        throw new Error('--fugas: tamaños entre 0 y 100 L/h');
      for (const e of a.escenarios.split(',')) if (!ESCENARIOS[e]) throw new Error(`--escenarios: no existe "${e}"`);
      if (!(a.meses >= 1 && a.meses <= 10_000 && a['meses-sin-fuga'] >= 1 && a['meses-sin-fuga'] <= 20_000))
        throw new Error('--meses entre 1 y 10000, --meses-sin-fuga entre 1 y 20000');
      if (!(a.dias >= 2 && a.dias <= 90)) throw new Error('--dias entre 2 y 90');
      if (!(a['lectura-cada'] >= 1 && a['lectura-cada'] <= 60)) throw new Error('--lectura-cada entre 1 y 60 minutos');
      return true;
    });

export function formatFugas(params: FugasParams, runs: ResultadoEscenario[]): string {
  const out = [
    `Detección de fugas: ${params.meses} meses por tamaño de fuga y ${params.mesesSinFuga} sin fuga, ` +
      `${params.dias} días, una lectura cada ${params.lecturaCadaMin} min, el detector al final de cada día`,
  ];
  for (const r of runs) {
    out.push(
      '',
      escenarioLinea(r),
      '',
      textTable(fugasCells(r)),
      '',
      `  ${veredicto(r, 0.76)}`,
      `  ${veredicto(r, 0.38)}`,
    );
  }
  return out.join('\n');
}

async function handler(a: FugasArgs): Promise<void> {
  const at = new Date();
  const params: FugasParams = {
    meses: a.meses,
    mesesSinFuga: a['meses-sin-fuga'],
    dias: a.dias,
    fugas: a.fugas.split(',').map(Number),
    semilla: a.semilla,
    escenarios: a.escenarios.split(','),
    lecturaCadaMin: a['lectura-cada'],
  };
  const runs: ResultadoEscenario[] = [];
  for (const nombre of params.escenarios) {
    const escenario = ESCENARIOS[nombre];
    if (!escenario) continue;
    console.log(`escenario ${nombre}…`);
    runs.push(runEscenario(params, escenario, (l) => console.log(l)));
  }
  console.log('');
  console.log(formatFugas(params, runs));
  const file = writeResult('fugas', at, { params, escenarios: runs });
  console.log(`\nresultados: ${file.slice(ROOT.length)}`);
}

export const fugasCommand: CommandModule<object, FugasArgs> = {
  command: 'fugas',
  describe: 'Detección de fugas: el detector sobre muchos meses simulados (tasa de detección, días, falsas alarmas)',
  builder,
  handler,
};
