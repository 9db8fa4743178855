/** `npm run bench -- <command>`: the project's benchmarks. Exits 1 when a benchmark fails. */
import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { authCommand } from './auth/command.js';
import { fugasCommand } from './fugas/command.js';
import { csvCommand } from './csv/command.js';
import { hubCommand } from './hub/command.js';
import { informeCommand } from './informe/command.js';
import { paresCommand } from './pares/command.js';
import { playaCommand } from './playa/command.js';
import { preciosCommand } from './precios/command.js';
import { recuperacionCommand } from './recuperacion/command.js';
import { redCommand } from './red/command.js';
import { soakCommand } from './soak/command.js';
import { surtidorCommand } from './surtidor/command.js';
import { tlsCommand } from './tls/command.js';
import { ventasCommand } from './ventas/command.js';

// The registry: one entry per benchmark.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- commands have different argument shapes.
const commands: CommandModule<object, any>[] = [
  authCommand,
  fugasCommand,
  csvCommand,
  hubCommand,
  informeCommand,
  paresCommand,
  playaCommand,
  preciosCommand,
  recuperacionCommand,
  redCommand,
  soakCommand,
  surtidorCommand,
  tlsCommand,
  ventasCommand,
];

async function main(): Promise<void> {
  let cli = yargs(hideBin(process.argv))
    .scriptName('bench')
    .usage('$0 <benchmark> [opciones]')
    .demandCommand(1, 'indique un benchmark')
    .strict()
    .help()
    .alias('h', 'help')
    .version(false);
  for (const command of commands) cli = cli.command(command);
  await cli.parseAsync();
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
