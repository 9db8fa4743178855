/**
 * `empresa`: the company service (`serve`) and the client commands for staff (`precios`,
 * `estaciones`), which talk to the service's API. A thin yargs command registry; `main()` resolves
 * with the exit code (1 on any failure).
 */
import yargs from 'yargs';
import { CliError, DEFAULT_API } from './cli/client.js';
import { estacionesCommand } from './cli/estaciones.js';
import { type ClientArgs, preciosCommand } from './cli/precios.js';
import { serve, serveBuilder } from './cli/serve.js';

export async function main(argv: string[], print: (line: string) => void = console.log): Promise<number> {
  let code = 0;
  let served: Promise<number> | undefined;
  const run = async (fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      console.error(`empresa: ${err.message}`);
      for (const d of err.detalles) console.error(`  - ${d}`);
      code = 1;
    }
  };
  const cli = yargs(argv)
    .scriptName('empresa')
    .usage(
      '$0 <comando> [opciones]\n\nEmpresa de combustibles: precios versionados y enlace con las estaciones.',
    )
    .options({
      api: {
        type: 'string',
        default: process.env.EMPRESA_API || DEFAULT_API,
        describe: 'URL de la API de la empresa, para los comandos cliente (o EMPRESA_API)',
        global: true,
      },
      json: { type: 'boolean', default: false, describe: 'Salida JSON (comandos cliente)', global: true },
    })
    .command({
      command: 'serve',
      describe: 'Inicia el servicio de la empresa (API, página y enlaces con las estaciones)',
      builder: (y) => serveBuilder(y),
      handler: (raw) => {
        served = serve(raw as Record<string, unknown>);
      },
    })
    .command(preciosCommand(run, print))
    .command(estacionesCommand(run, print))
    .example('$0 serve --estacion 127.0.0.1:5001', 'inicia la empresa con una estación')
    .example('$0 precios set 95=1360 diesel=1130', 'cambia dos precios')
    .example('$0 precios show', 'precios vigentes')
    .example('$0 estaciones list', 'estaciones, su enlace y su versión de precios')
    .demandCommand(1, 'indique un comando')
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new CliError(msg);
    });
  try {
    await cli.parseAsync();
  } catch (err) {
    if (err instanceof CliError) {
      console.error(`empresa: ${err.message}`);
      console.error('  (empresa --help muestra los comandos)');
      return 1;
    }
    throw err;
  }
  if (served) return served;
  return code;
}

export type { ClientArgs };
