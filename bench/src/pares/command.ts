/** The `pares` command: options and their bounds, the run, the table, the JSON. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { installCleanup } from '../hub/children.js';
import { printProblems, within } from '../hub/command.js';
import { openFilesLimit } from '../hub/proc-stats.js';
import { writeResult } from '../hub/report.js';
import { ROOT } from '../hub/run.js';
import { textTable } from '../table.js';
import {
  PER_MESSAGE,
  type ParesDoc,
  paresHeader,
  paresTable,
  ratios,
  saturationLines,
  TARGET_LABEL,
} from './report.js';
import { type ParesParams, runPares } from './run.js';
import { findMosquitto, TARGET_NAMES, type TargetName } from './targets.js';

interface ParesArgs {
  servidores: string;
  conexiones: number;
  generadores: number;
  'estado-por-s': number;
  'ventas-por-s': number;
  calentamiento: number;
  ventana: number;
  'tasa-inicial': number;
  factor: number;
  escalon: number;
  'tasa-max': number;
  inactivas: string;
  mosquitto?: string;
}

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

const builder = (y: Argv) =>
  y
    .options({
      servidores: {
        type: 'string',
        default: TARGET_NAMES.join(','),
        describe: 'Servidores a comparar (techo es la base de las razones)',
      },
      conexiones: {
        type: 'number',
        default: 1000,
        describe: 'Conexiones de la flota en la saturación y la tasa fija',
      },
      generadores: {
        type: 'number',
        default: 2,
        describe: 'Procesos generadores de carga (más que núcleos no ayuda: compiten con el servidor)',
      },
      'estado-por-s': {
        type: 'number',
        default: 20_000,
        describe:
          'Tasa fija pedida: mensajes de estado por segundo, en total (se reduce, y se dice, si algún servidor no la sostuvo en la saturación)',
      },
      'ventas-por-s': { type: 'number', default: 1000, describe: 'Tasa fija: ventas por segundo, en total' },
      calentamiento: {
        type: 'number',
        default: 2,
        describe: 'Tasa fija: segundos de calentamiento (no medidos)',
      },
      ventana: { type: 'number', default: 10, describe: 'Tasa fija: segundos medidos' },
      'tasa-inicial': {
        type: 'number',
        default: 5000,
        describe: 'Saturación: mensajes/s del primer escalón',
      },
      factor: {
        type: 'number',
        default: 1.6,
        describe: 'Saturación: cada escalón multiplica la tasa por esto',
      },
      escalon: { type: 'number', default: 3, describe: 'Saturación: segundos por escalón' },
      'tasa-max': {
        type: 'number',
        default: 250_000,
        describe: 'Saturación: tasa del último escalón posible',
      },
      inactivas: {
        type: 'string',
        default: '1000,5000,15000',
        describe: 'Conexiones inactivas a las que se mide el RSS por conexión (vacío: no medir)',
      },
      mosquitto: {
        type: 'string',
        describe: 'Ruta de mosquitto (por defecto /usr/sbin/mosquitto o el PATH)',
      },
    })
    .check((a) => {
      for (const s of list(a.servidores))
        if (!TARGET_NAMES.includes(s as TargetName))
          throw new Error(`--servidores: "${s}" no es uno de ${TARGET_NAMES.join(', ')}`);
      within('conexiones', a.conexiones, 1, 20_000);
      within('generadores', a.generadores, 1, 16);
      within('estado-por-s', a['estado-por-s'], 0, 1_000_000);
      within('ventas-por-s', a['ventas-por-s'], 1, 100_000);
      within('calentamiento', a.calentamiento, 0, 120);
      within('ventana', a.ventana, 1, 600);
      within('tasa-inicial', a['tasa-inicial'], 10, 1_000_000);
      within('factor', a.factor, 1.05, 10);
      within('escalon', a.escalon, 1, 120);
      within('tasa-max', a['tasa-max'], a['tasa-inicial'], 2_000_000);
      for (const n of list(a.inactivas)) within('inactivas', Number(n), 1, 20_000);
      return true;
    });

async function handler(a: ParesArgs): Promise<void> {
  const idle = [...new Set(list(a.inactivas).map(Number))].sort((x, y) => x - y);
  const params: ParesParams = {
    targets: TARGET_NAMES.filter((t) => list(a.servidores).includes(t)),
    connections: Math.floor(a.conexiones),
    generators: Math.floor(a.generadores),
    fixed: { estadoPerS: a['estado-por-s'], ventasPerS: a['ventas-por-s'] },
    warmupS: a.calentamiento,
    windowS: a.ventana,
    sweep: { startPerS: a['tasa-inicial'], factor: a.factor, stepS: a.escalon, maxPerS: a['tasa-max'] },
    idle,
    mosquittoBin: findMosquitto(a.mosquitto),
  };
  // One server holds every connection; a generator its share. Descriptors, sockets, SQLite: margin.
  const most = Math.max(params.connections, ...idle);
  const limit = openFilesLimit();
  if (limit !== null && most + 200 > limit) {
    throw new Error(
      `ulimit -n es ${limit}: no alcanza para ${most} conexiones en un proceso (suba el límite o baje --inactivas/--conexiones)`,
    );
  }
  installCleanup();
  const at = new Date();
  console.log(
    `Pares: ${params.targets.map((t) => TARGET_LABEL[t]).join(', ')}; ${params.connections} conexiones, ` +
      `${params.generators} generadores (ulimit -n: ${limit ?? 'n/d'})`,
  );
  const run = await runPares(params, (line) => console.log(line));
  const file = writeResult('pares', at, { ...run, ratios: ratios(run), perMessage: PER_MESSAGE });
  // Printed from the saved document, as the README's section is: what is shown is what was kept.
  const doc = JSON.parse(readFileSync(file, 'utf8')) as ParesDoc;
  console.log('');
  console.log(paresHeader(doc));
  console.log('');
  console.log(textTable(paresTable(doc)));
  console.log('');
  for (const line of saturationLines(doc)) console.log(line);
  console.log('');
  console.log('Qué hace cada servidor por mensaje:');
  for (const t of params.targets) console.log(`  ${TARGET_LABEL[t]}: ${PER_MESSAGE[t]}`);
  console.log(`\nresultados: ${path.relative(ROOT, file)}`);
  if (run.problems.length > 0) printProblems(run.problems);
}

export const paresCommand: CommandModule<object, ParesArgs> = {
  command: 'pares',
  describe:
    'La misma flota contra la estación, un servidor Node mínimo, mosquitto y aedes: saturación, CPU por mensaje, latencia de la venta y memoria por conexión',
  builder,
  handler,
};
