/** `empresa estaciones add|list|show|remove`: the station registry through the API. */
import { parseHostPort } from '@combustible/shared';
import type { Argv, CommandModule } from 'yargs';
import type { VersionPrecios } from '../domain/types.js';
import { CliError, type GlobalArgs, request, requestAll, TOKEN_OPTION } from './client.js';
import { type EstacionVista, fecha, formatEstaciones } from './format.js';
import { type ClientArgs, clientArgs, type Print } from './precios.js';

export async function estacionesList(args: ClientArgs, print: Print): Promise<void> {
  const [estaciones, precios] = await Promise.all([
    requestAll<EstacionVista>(args, '/api/estaciones'),
    request<VersionPrecios>(args, 'GET', '/api/precios'),
  ]);
  if (args.json) print(JSON.stringify(estaciones, null, 2));
  else print(formatEstaciones(estaciones, precios.version));
}

export async function estacionesAdd(
  args: ClientArgs & {
    direccion: string;
    id?: string | undefined;
    nombre?: string | undefined;
    tls?: boolean | undefined;
  },
  print: Print,
): Promise<void> {
  let address: { host: string; port: number };
  try {
    address = parseHostPort(args.direccion, 5001);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const body = {
    host: address.host,
    puerto: address.port,
    ...(args.id ? { id_estacion: args.id } : {}),
    ...(args.nombre ? { nombre: args.nombre } : {}),
    ...(args.tls ? { tls: true } : {}),
  };
  const e = await request<EstacionVista>(args, 'POST', '/api/estaciones', body);
  if (args.json) print(JSON.stringify(e, null, 2));
  else {
    print(
      `Estación "${e.id_estacion}" registrada en ${e.host}:${e.puerto}${e.tls ? ' (TLS)' : ''}; la empresa se conecta y la pone al día.`,
    );
  }
}

export async function estacionesShow(args: ClientArgs & { id: string }, print: Print): Promise<void> {
  const e = await request<EstacionVista & Record<string, unknown>>(
    args,
    'GET',
    `/api/estaciones/${encodeURIComponent(args.id)}`,
  );
  if (args.json) {
    print(JSON.stringify(e, null, 2));
    return;
  }
  print(`${e.id_estacion}: ${e.nombre} (${e.host}:${e.puerto}${e.tls ? ', TLS' : ''})`);
  print(`  enlace            ${e.enlace?.estado ?? '—'}${e.conectada ? ' (conectada)' : ''}`);
  print(`  versión confirmada ${e.version_confirmada ?? '—'}${e.al_dia ? ' (al día)' : ''}`);
  const anomalia = e.enlace?.anomalia;
  if (anomalia) {
    print(
      `  anomalía          ${anomalia.codigo}: informa la versión ${anomalia.version_reportada}, que la empresa no creó (la más nueva es la ${anomalia.version_empresa}), desde ${fecha(anomalia.desde)}`,
    );
  }
  print(`  último contacto   ${fecha(e.ultimo_contacto)}`);
  if (e.ultimo_error) print(`  último error      ${e.ultimo_error}`);
}

export async function estacionesRemove(args: ClientArgs & { id: string }, print: Print): Promise<void> {
  await request(args, 'DELETE', `/api/estaciones/${encodeURIComponent(args.id)}`);
  if (!args.json) print(`Estación "${args.id}" eliminada.`);
}

type Run = (fn: () => Promise<void>) => Promise<void>;

export function estacionesCommand(
  run: Run,
  print: Print,
  env: NodeJS.ProcessEnv = process.env,
): CommandModule<GlobalArgs, GlobalArgs> {
  return {
    command: 'estaciones <accion>',
    describe: 'Registro de estaciones y estado de sus enlaces (habla con la API de la empresa)',
    builder: (y: Argv<GlobalArgs>) =>
      y
        .options(TOKEN_OPTION)
        .command({
          command: 'add <direccion>',
          describe: 'Registra una estación por HOST:PUERTO (puerto del enlace con la empresa, 5001)',
          builder: (b: Argv<GlobalArgs>) =>
            b
              .positional('direccion', { type: 'string', demandOption: true, describe: 'HOST:PUERTO' })
              .options({
                id: { type: 'string', describe: 'id_estacion (si no, el que informe la estación)' },
                nombre: { type: 'string', describe: 'Nombre (si no, el que informe la estación)' },
                tls: {
                  type: 'boolean',
                  describe: 'La estación sirve el enlace por TLS (la empresa verifica su certificado con --tls-ca)',
                },
              })
              .example('$0 estaciones add 10.0.0.7:5001', 'registra una estación'),
          handler: (a) =>
            run(() =>
              estacionesAdd(
                {
                  ...clientArgs(a, env),
                  direccion: String(a.direccion),
                  id: a.id,
                  nombre: a.nombre,
                  tls: a.tls,
                },
                print,
              ),
            ),
        })
        .command({
          command: 'list',
          describe: 'Lista las estaciones con su enlace y la versión de precios que tienen',
          handler: (a) => run(() => estacionesList(clientArgs(a, env), print)),
        })
        .command({
          command: 'show <id>',
          describe: 'Una estación con el estado de su enlace',
          handler: (a) => run(() => estacionesShow({ ...clientArgs(a, env), id: String(a.id) }, print)),
        })
        .command({
          command: 'remove <id>',
          describe: 'Quita una estación del registro',
          handler: (a) => run(() => estacionesRemove({ ...clientArgs(a, env), id: String(a.id) }, print)),
        })
        .demandCommand(1, 'indique add, list, show o remove'),
    handler: () => {},
  };
}
