/**
 * `empresa`: the company service (`serve`), the client commands for staff (`login`, `logout`,
 * `precios`, `estaciones`), which talk to the service's API as the logged-in user, and `usuarios`,
 * which works on the store. A thin yargs command registry; `main()` resolves with the exit code (1
 * on any failure).
 */
import { AuthError, CliUsuariosError, type UsuariosCommandOptions } from '@combustible/server';
import yargs from 'yargs';
import { CliError, DEFAULT_API } from './cli/client.js';
import { estacionesCommand } from './cli/estaciones.js';
import { loginCommand, logoutCommand } from './cli/login.js';
import { type ClientArgs, preciosCommand } from './cli/precios.js';
import { serve, serveBuilder } from './cli/serve.js';
import { companyUsuariosCommand } from './cli/usuarios.js';

/** What the CLI reads and writes besides its arguments (the process's, unless a test says). */
export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Password prompts. */
  prompt: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Tests use a cheap scrypt cost for `usuarios`. */
  authOptions?: UsuariosCommandOptions<string>['authOptions'];
}

export async function main(
  argv: string[],
  print: (line: string) => void = console.log,
  io: Partial<CliIo> = {},
): Promise<number> {
  const env = io.env ?? process.env;
  const loginIo = { stdin: io.stdin ?? process.stdin, prompt: io.prompt ?? process.stderr, env };
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
      '$0 <comando> [opciones]\n\nEmpresa de combustibles: precios versionados y enlace con las estaciones.\n' +
        'Los comandos cliente usan la sesión de "empresa login" (o --token / EMPRESA_API_TOKEN).',
    )
    .options({
      api: {
        type: 'string',
        default: env.EMPRESA_API || DEFAULT_API,
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
        served = serve(raw);
      },
    })
    .command(loginCommand(run, print, loginIo))
    .command(logoutCommand(run, print, loginIo))
    .command(preciosCommand(run, print, env))
    .command(estacionesCommand(run, print, env))
    .command(
      companyUsuariosCommand({
        print,
        env,
        ...(io.stdin ? { stdin: io.stdin } : {}),
        ...(io.authOptions ? { authOptions: io.authOptions } : {}),
      }),
    )
    .example('$0 serve --estacion 127.0.0.1:5001', 'inicia la empresa con una estación')
    .example('$0 login --usuario admin', 'inicia sesión (pide la clave)')
    .example('$0 precios set 95=1360 diesel=1130', 'cambia dos precios')
    .example('$0 precios show', 'precios vigentes')
    .example('$0 estaciones list', 'estaciones, su enlace y su versión de precios')
    .example('$0 usuarios add ana --rol precios', 'crea un usuario (la clave se muestra una vez)')
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
    if (err instanceof CliError || err instanceof CliUsuariosError) {
      console.error(`empresa: ${err.message}`);
      for (const d of err.detalles) console.error(`  - ${d}`);
      console.error('  (empresa --help muestra los comandos)');
      return 1;
    }
    if (err instanceof AuthError) {
      // `usuarios`: a taken name, the last admin, a short password...
      console.error(`empresa: ${err.code}: ${err.message}`);
      for (const d of err.detalles ?? []) console.error(`  - ${d.campo}: ${d.problema}`);
      return 1;
    }
    throw err;
  }
  if (served) return served;
  return code;
}

export type { ClientArgs };
