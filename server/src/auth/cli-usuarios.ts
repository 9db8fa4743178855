/**
 * The `usuarios` command of a service's CLI (`estacion usuarios add ana --rol operador`): manages
 * users directly on the service's store, whether the service is running or not (SQLite in WAL mode
 * takes a second connection; MongoDB does anyway). Every change is audited as `cli`. The service
 * gives the function that opens its store and the flags that locate it (`--data-dir`,
 * `--mongo-url`); this module does the rest, so the station and the company share it.
 */
import { type Clock, systemClock } from '@combustible/shared';
import type { Argv, CommandModule } from 'yargs';
import { AuditLog } from '../audit/audit-log.js';
import { AuthService, type AuthServiceOptions, CLI_ACTOR, PASSWORD_MAX, PASSWORD_MIN } from './auth-service.js';
import { AuthError } from './errors.js';
import type { RoleLadder } from './roles.js';
import { newPassword } from './secrets.js';
import type { AuthStore } from './store.js';

/** A mistake of the user of the CLI: printed as one line (plus details), exit code 1. */
export class CliUsuariosError extends Error {
  constructor(
    message: string,
    readonly detalles: string[] = [],
  ) {
    super(message);
    this.name = 'CliUsuariosError';
  }
}

/** The store the command acts on, opened from the parsed flags; closed when the command ends. */
export interface OpenedAuthStore {
  auth: AuthStore;
  close(): Promise<void>;
}

export interface UsuariosCommandOptions<R extends string> {
  /** The service's roles (the `--rol` choices). */
  roles: RoleLadder<R>;
  /** The flags that locate the store (`data-dir`, `mongo-url`), as yargs options. */
  storeOptions: Record<string, import('yargs').Options>;
  /** Opens (sets up) the service's store from the parsed flags. */
  open(argv: Record<string, unknown>): Promise<OpenedAuthStore>;
  /** Where results go (stdout by default). */
  print?: (line: string) => void;
  /** Where `--clave-stdin` reads from (process.stdin by default). */
  stdin?: NodeJS.ReadableStream;
  clock?: Clock;
  /** Tests use a cheap scrypt cost. */
  authOptions?: Partial<AuthServiceOptions>;
}

/**
 * Reads a password piped on stdin (`echo "$CLAVE" | estacion usuarios add ana --rol operador
 * --clave-stdin`): the first line, without its line break.
 */
export async function readPasswordFromStdin(stdin: NodeJS.ReadableStream, maxBytes = 4096): Promise<string> {
  if ((stdin as { isTTY?: boolean }).isTTY)
    throw new CliUsuariosError(
      '--clave-stdin lee la clave de una tubería (echo "$CLAVE" | … --clave-stdin), no de la terminal',
    );
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > maxBytes) throw new CliUsuariosError(`la clave recibida por stdin supera ${maxBytes} bytes`);
    chunks.push(b);
  }
  const clave = (Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '').trimEnd();
  if (clave.length === 0) throw new CliUsuariosError('no llegó ninguna clave por stdin');
  return clave;
}

/** A framed message for a terminal: used once, to show the first admin password. */
export function boxed(lines: readonly string[]): string {
  const width = Math.max(...lines.map((l) => [...l].length));
  const pad = (l: string) => l + ' '.repeat(width - [...l].length);
  return [`╔${'═'.repeat(width + 4)}╗`, ...lines.map((l) => `║  ${pad(l)}  ║`), `╚${'═'.repeat(width + 4)}╝`].join(
    '\n',
  );
}

/**
 * The banner shown (on stderr, never in the log) when the first start created `admin` with a
 * generated password.
 */
export function adminBanner(servicio: string, inicial: { usuario: string; clave: string }): string {
  return boxed([
    `${servicio}: primer arranque, se creó el usuario administrador`,
    '',
    `  usuario: ${inicial.usuario}`,
    `  clave:   ${inicial.clave}`,
    '',
    'Guárdela: no se volverá a mostrar.',
    `Cree más usuarios con: ${servicio} usuarios add NOMBRE --rol ROL`,
  ]);
}

/** Lines to print for an error the CLI expects (a bad name, a duplicate user...); null for a bug. */
export function cliErrorLines(err: unknown): string[] | null {
  if (err instanceof CliUsuariosError) return [err.message, ...err.detalles.map((d) => `  - ${d}`)];
  if (err instanceof AuthError)
    return [err.message, ...(err.detalles ?? []).map((d) => `  - ${d.campo}: ${d.problema}`)];
  return null;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '));
}

/** `usuarios add|list|remove`, ready for `yargs().command(...)`. */
export function usuariosCommand<R extends string>(options: UsuariosCommandOptions<R>): CommandModule {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const roles = options.roles;
  /** A role of this service for the examples (the station's operador, the company's precios). */
  const exampleRole = roles.roles[1] ?? roles.admin;

  /** Opens the store, runs `fn` with an auth service on it, and always closes the store. */
  const withAuth = async (argv: Record<string, unknown>, fn: (auth: AuthService<R>) => Promise<void>) => {
    const opened = await options.open(argv);
    const clock = options.clock ?? systemClock;
    try {
      const audit = new AuditLog(opened.auth, clock);
      const auth = new AuthService(opened.auth, roles, audit, clock, undefined, options.authOptions);
      await fn(auth);
      await audit.flush();
    } finally {
      await opened.close();
    }
  };

  return {
    command: 'usuarios',
    describe:
      'Usuarios del panel y la API: add, list, remove (sobre el almacenamiento, con o sin el servicio en marcha)',
    builder: (y: Argv) =>
      y
        .options(options.storeOptions)
        .command({
          command: 'add <nombre>',
          describe: 'Crea un usuario; sin --clave-stdin genera una clave y la muestra una vez',
          builder: (a: Argv) =>
            a
              .positional('nombre', { type: 'string', describe: 'Nombre (letras, dígitos, . _ -)', demandOption: true })
              .option('rol', { type: 'string', choices: roles.roles, demandOption: true, describe: 'Rol del usuario' })
              .option('clave-stdin', {
                type: 'boolean',
                default: false,
                describe: `Leer la clave (${PASSWORD_MIN} a ${PASSWORD_MAX} caracteres) de la entrada estándar`,
              }),
          handler: async (argv) => {
            const nombre = String(argv.nombre);
            const rol = String(argv.rol) as R;
            const generada = argv.claveStdin !== true;
            const clave = generada ? newPassword() : await readPasswordFromStdin(options.stdin ?? process.stdin);
            await withAuth(argv, async (auth) => {
              await auth.createUser(CLI_ACTOR, { nombre, rol, clave });
            });
            print(`Usuario ${nombre} creado con el rol ${rol}.`);
            if (generada) {
              print(`Clave: ${clave}`);
              print('Guárdela: no se volverá a mostrar.');
            }
          },
        })
        .command({
          command: 'list',
          describe: 'Lista los usuarios y sus roles',
          handler: async (argv) => {
            await withAuth(argv, async (auth) => {
              const users = await auth.listUsers();
              if (users.length === 0) {
                print('No hay usuarios.');
                return;
              }
              for (const line of table([
                ['USUARIO', 'ROL', 'CREADO', 'ACTUALIZADO'],
                ...users.map((u) => [u.nombre, u.rol, u.creado, u.actualizado]),
              ]))
                print(line);
            });
          },
        })
        .command({
          command: 'remove <nombre>',
          describe: 'Elimina un usuario y cierra sus sesiones',
          builder: (a: Argv) => a.positional('nombre', { type: 'string', demandOption: true }),
          handler: async (argv) => {
            const nombre = String(argv.nombre);
            await withAuth(argv, (auth) => auth.deleteUser(CLI_ACTOR, nombre));
            print(`Usuario ${nombre} eliminado (sus sesiones se cerraron).`);
          },
        })
        .demandCommand(1, 'indique add, list o remove')
        .example(`$0 usuarios add ana --rol ${exampleRole}`, 'crea ana con una clave generada')
        .example(`echo "$CLAVE" | $0 usuarios add ana --rol ${exampleRole} --clave-stdin`, 'con una clave propia')
        .example('$0 usuarios list', 'usuarios y roles')
        .example('$0 usuarios remove ana', 'elimina a ana'),
    handler: () => {},
  };
}
