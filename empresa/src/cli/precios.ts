/**
 * `empresa precios set|show|historial|cancelar`: the price book through the API, as the logged-in
 * user (the author of a change is that user: the API takes it from the session).
 */
import type { Argv, CommandModule } from 'yargs';
import { parseAsignaciones } from '../domain/price-book.js';
import type { VersionPrecios } from '../domain/types.js';
import { type ClientArgs, CliError, clientArgs, type GlobalArgs, request, requestAll, TOKEN_OPTION } from './client.js';
import { type EstacionVista, formatCambios, formatEstaciones, formatPrecios, formatVersion } from './format.js';

export type { ClientArgs };
export { clientArgs };

export type Print = (line: string) => void;

/** Polls the stations until every connected one holds `version` or `timeoutMs` passes. */
async function esperarConfirmaciones(client: ClientArgs, version: number, timeoutMs: number): Promise<EstacionVista[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const estaciones = await requestAll<EstacionVista>(client, '/api/estaciones');
    const pendientes = estaciones.filter((e) => e.conectada && (e.version_confirmada ?? 0) < version);
    if (pendientes.length === 0 || Date.now() >= deadline) return estaciones;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function preciosSet(
  args: ClientArgs & { asignaciones: string[]; esperar: number; vigencia?: string | undefined },
  print: Print,
): Promise<void> {
  const parsed = parseAsignaciones(args.asignaciones);
  if (!parsed.ok) throw new CliError(parsed.error);
  const body = args.vigencia === undefined ? parsed.cambios : { ...parsed.cambios, vigencia: args.vigencia };
  const r = await request<VersionPrecios & { creada: boolean }>(args, 'PUT', '/api/precios', body);
  if (args.json) {
    print(JSON.stringify(r, null, 2));
    return;
  }
  if (!r.creada) {
    print(`Sin cambios: esos precios ya están vigentes (${formatVersion(r)}).`);
    return;
  }
  print(`Versión ${r.version} creada: ${formatCambios(r.cambios)}.`);
  if (r.vigencia !== null) print(`Programada: entra en vigencia el ${r.vigencia} (cada estación por su reloj).`);
  print(formatPrecios(r.precios));
  if (args.esperar > 0) {
    const estaciones = await esperarConfirmaciones(args, r.version, args.esperar * 1000);
    print('');
    print(formatEstaciones(estaciones, r.version));
  } else {
    print('Se envía ahora a cada estación conectada; las desconectadas la reciben al volver.');
  }
}

export async function preciosShow(args: ClientArgs, print: Print): Promise<void> {
  const v = await request<VersionPrecios & { programada: VersionPrecios | null }>(args, 'GET', '/api/precios');
  if (args.json) {
    print(JSON.stringify(v, null, 2));
    return;
  }
  print(`Precios vigentes: ${formatVersion(v)}`);
  print(formatPrecios(v.precios));
  if (v.programada !== null) {
    print('');
    print(`Programada: ${formatVersion(v.programada)}, en vigencia el ${v.programada.vigencia ?? '?'}`);
    print(formatPrecios(v.programada.precios));
  }
}

export async function preciosCancelar(args: ClientArgs, print: Print): Promise<void> {
  const v = await request<VersionPrecios>(args, 'DELETE', '/api/precios/programada');
  if (args.json) {
    print(JSON.stringify(v, null, 2));
    return;
  }
  print(`Versión ${v.version} cancelada (iba a entrar en vigencia el ${v.vigencia ?? '?'}).`);
  print('Se avisa ahora a cada estación conectada; las desconectadas se enteran al volver.');
}

export async function preciosHistorial(args: ClientArgs & { limit: number }, print: Print): Promise<void> {
  const versions = await request<VersionPrecios[]>(args, 'GET', `/api/precios/historial?limit=${args.limit}`);
  if (args.json) {
    print(JSON.stringify(versions, null, 2));
    return;
  }
  for (const v of versions) print(`${formatVersion(v)}: ${formatCambios(v.cambios)}`);
}

type Run = (fn: () => Promise<void>) => Promise<void>;

export function preciosCommand(
  run: Run,
  print: Print,
  env: NodeJS.ProcessEnv = process.env,
): CommandModule<GlobalArgs, GlobalArgs> {
  return {
    command: 'precios <accion>',
    describe: 'Precios vigentes, cambios e historial (habla con la API de la empresa)',
    builder: (y: Argv<GlobalArgs>) =>
      y
        .options(TOKEN_OPTION)
        .command({
          command: 'set <asignaciones..>',
          describe: 'Cambia precios: crea una versión nueva y la envía a todas las estaciones',
          builder: (b: Argv<GlobalArgs>) =>
            b
              .positional('asignaciones', {
                type: 'string',
                array: true,
                demandOption: true,
                describe: 'COMBUSTIBLE=PRECIO, con combustible 93, 95, 97 o diesel',
              })
              .options({
                esperar: {
                  type: 'number',
                  default: 0,
                  describe: 'Segundos a esperar que las estaciones conectadas confirmen (0: no esperar)',
                },
                vigencia: {
                  type: 'string',
                  describe:
                    'Programa la versión: fecha y hora ISO-8601 con zona en que entra en vigencia (futura, hasta 90 días)',
                },
              })
              .example('$0 precios set 95=1360 diesel=1130', 'cambia dos precios')
              .example('$0 precios set 93=1310 --vigencia 2026-01-16T08:00:00-03:00', 'programa un cambio'),
          handler: (a) =>
            run(() =>
              preciosSet(
                {
                  ...clientArgs(a, env),
                  asignaciones: a.asignaciones.map(String),
                  esperar: Number(a.esperar),
                  vigencia: a.vigencia === undefined ? undefined : String(a.vigencia),
                },
                print,
              ),
            ),
        })
        .command({
          command: 'show',
          describe: 'Muestra los precios vigentes',
          handler: (a) => run(() => preciosShow(clientArgs(a, env), print)),
        })
        .command({
          command: 'cancelar',
          describe: 'Cancela la versión programada antes de que entre en vigencia',
          handler: (a) => run(() => preciosCancelar(clientArgs(a, env), print)),
        })
        .command({
          command: 'historial',
          describe: 'Versiones anteriores: quién cambió qué y cuándo',
          builder: (b: Argv<GlobalArgs>) =>
            b.option('limit', { type: 'number', default: 20, describe: 'Cuántas versiones' }),
          handler: (a) => run(() => preciosHistorial({ ...clientArgs(a, env), limit: Number(a.limit) }, print)),
        })
        .demandCommand(1, 'indique set, show, cancelar o historial'),
    handler: () => {},
  };
}
