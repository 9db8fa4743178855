/** The `tls` command: options, limits, and the run → tables → JSON sequence. */
import type { Argv, CommandModule } from 'yargs';
import { installCleanup } from '../hub/children.js';
import { checkLoad, LOAD_OPTIONS, type LoadArgs, loadParams, printProblems, within } from '../hub/command.js';
import { openFilesLimit } from '../hub/proc-stats.js';
import { ROOT } from '../hub/run.js';
import { formatTls, saveTlsJson } from './report.js';
import { runTlsBench, type TlsBenchParams } from './run.js';

interface TlsArgs extends LoadArgs {
  storm: number;
  mutual: boolean;
}

/** `estacion certificados dev` makes at most this many pump certificates in one go. */
const MAX_CLIENT_CERTS = 10_000;
/** Descriptors a process needs besides its sockets (store, logs, pipes, libraries). */
const FD_HEADROOM = 512;

const builder = (y: Argv) =>
  y
    .options({
      ...LOAD_OPTIONS,
      // Two stations under load plus four storms of 5000 stay within about three minutes.
      duration: { ...LOAD_OPTIONS.duration, default: 15 },
      storm: {
        type: 'number',
        default: 5000,
        describe: 'Surtidores TLS en la tormenta de reconexión (0: sin tormenta)',
      },
      mutual: {
        type: 'boolean',
        default: false,
        describe: 'Medir también TLS mutuo (un certificado por surtidor; openssl tarda ~0,1 s por certificado)',
      },
    })
    .check((a) => {
      checkLoad(a);
      within('storm', a.storm, 0, 10_000);
      if (a.mutual) within('connections', a.connections, 1, MAX_CLIENT_CERTS);
      checkOpenFiles(Math.floor(a.connections), Math.floor(a.storm));
      return true;
    });

/**
 * Each process (station, generators) inherits our `ulimit -n` and holds one descriptor per
 * connection; in a storm after a cut the station may hold the old and the new connections at once.
 */
function checkOpenFiles(connections: number, storm: number): void {
  const needed = Math.max(connections, 2 * storm) + FD_HEADROOM;
  const limit = openFilesLimit();
  if (limit === null) {
    console.warn(`aviso: no se pudo leer ulimit -n; este benchmark necesita ${needed} descriptores por proceso`);
  } else if (limit < needed) {
    throw new Error(
      `ulimit -n es ${limit} y este benchmark necesita ${needed} descriptores por proceso ` +
        `(${connections} conexiones, tormenta de ${storm}): suba el límite (ulimit -n ${needed}) ` +
        'o baje --connections / --storm',
    );
  }
}

async function handler(a: TlsArgs): Promise<void> {
  const params: TlsBenchParams = { ...loadParams(a), storm: Math.floor(a.storm), mutual: a.mutual };
  installCleanup();
  const at = new Date();
  const run = await runTlsBench(params, (line) => console.log(line));
  console.log('');
  console.log(formatTls(run));
  const file = saveTlsJson(run, at);
  console.log(`\nresultados: ${file.slice(ROOT.length)}`);
  if (run.problems.length > 0) printProblems(run.problems);
  else
    console.log('\nOK: la estación tomó la carga con y sin TLS, y todos los surtidores volvieron tras cada tormenta.');
}

export const tlsCommand: CommandModule<object, TlsArgs> = {
  command: 'tls',
  describe: 'Costo de TLS en la estación: la carga del hub con y sin TLS, y una tormenta de reconexión',
  builder,
  handler,
};
