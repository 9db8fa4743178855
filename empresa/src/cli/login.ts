/**
 * `empresa login --usuario U` and `empresa logout`: a session for the client commands. The password
 * is asked on the terminal without echo, or read from stdin (`--clave-stdin`, or whenever stdin is
 * not a terminal); the session token goes to a file only the user can read (sesion-file.ts).
 */
import { readPasswordFromStdin } from '@combustible/server';
import type { Argv, CommandModule } from 'yargs';
import { type ClientArgs, CliError, clientArgs, type GlobalArgs, request } from './client.js';
import { fecha } from './format.js';
import type { Print } from './precios.js';
import { readSession, removeSession, saveSession } from './sesion-file.js';

/** What the login and logout commands read from and write to (the process's, unless a test says). */
export interface LoginIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where the prompt goes (never stdout: that one may be piped). */
  prompt: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** Reads a line from a terminal without echoing it. Ctrl-C cancels. */
export function promptHidden(question: string, stdin: NodeJS.ReadStream, out: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = '';
    out.write(question);
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    const finish = (err: Error | null) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      out.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish(null);
        if (ch === '\u0003') return finish(new CliError('cancelado'));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readPassword(usuario: string, fromStdin: boolean, io: LoginIo): Promise<string> {
  if (fromStdin || !io.stdin.isTTY) {
    try {
      return await readPasswordFromStdin(io.stdin);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
  }
  const clave = await promptHidden(`Clave de ${usuario}: `, io.stdin as NodeJS.ReadStream, io.prompt);
  if (clave.length === 0) throw new CliError('no se escribió ninguna clave');
  return clave;
}

interface Sesion {
  token: string;
  usuario: string;
  rol: string;
  expira: string | null;
}

export async function login(
  args: ClientArgs & { usuario: string; claveStdin: boolean },
  print: Print,
  io: LoginIo,
): Promise<void> {
  const clave = await readPassword(args.usuario, args.claveStdin, io);
  const s = await request<Sesion>({ api: args.api, credencial: null }, 'POST', '/api/sesion', {
    usuario: args.usuario,
    clave,
  });
  const file = saveSession(args.api, { token: s.token, usuario: s.usuario, rol: s.rol, expira: s.expira }, io.env);
  if (args.json) {
    print(JSON.stringify({ usuario: s.usuario, rol: s.rol, expira: s.expira, archivo: file }, null, 2));
    return;
  }
  print(`Sesión iniciada: ${s.usuario} (${s.rol}) en ${new URL(args.api).origin}; vence: ${fecha(s.expira)}`);
  print(`Guardada en ${file} (solo usted puede leerla); "npx empresa logout" la cierra.`);
}

export async function logout(args: ClientArgs, print: Print, io: LoginIo): Promise<void> {
  const saved = readSession(args.api, io.env);
  if (!saved) {
    print(`No hay sesión guardada para ${new URL(args.api).origin}.`);
    return;
  }
  try {
    const credencial = { token: saved.token, origen: 'sesion' as const, usuario: saved.usuario };
    await request({ api: args.api, credencial }, 'DELETE', '/api/sesion');
  } catch (err) {
    // Already expired or closed on the service, or the service is down: forget it here anyway.
    if (!(err instanceof CliError)) throw err;
  }
  removeSession(args.api, io.env);
  print(`Sesión de ${saved.usuario} cerrada.`);
}

type Run = (fn: () => Promise<void>) => Promise<void>;

export function loginCommand(run: Run, print: Print, io: LoginIo): CommandModule<GlobalArgs, GlobalArgs> {
  return {
    command: 'login',
    describe: 'Inicia sesión en la API de la empresa para los comandos cliente (pide la clave)',
    builder: (y: Argv<GlobalArgs>) =>
      y
        .options({
          usuario: { type: 'string', demandOption: true, describe: 'Nombre de usuario' },
          'clave-stdin': {
            type: 'boolean',
            default: false,
            describe: 'Leer la clave de la entrada estándar (si no, se pide sin eco en la terminal)',
          },
        })
        .example('$0 login --usuario admin', 'pide la clave y guarda la sesión')
        .example('echo "$CLAVE" | $0 login --usuario erp --clave-stdin', 'sin terminal'),
    handler: (a) =>
      run(() =>
        login({ ...clientArgs(a, io.env), usuario: String(a.usuario), claveStdin: a.claveStdin === true }, print, io),
      ),
  };
}

export function logoutCommand(run: Run, print: Print, io: LoginIo): CommandModule<GlobalArgs, GlobalArgs> {
  return {
    command: 'logout',
    describe: 'Cierra la sesión guardada por "empresa login" (en la empresa y en este equipo)',
    handler: (a) => run(() => logout(clientArgs(a, io.env), print, io)),
  };
}
