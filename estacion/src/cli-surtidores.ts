/**
 * `estacion surtidores token ID [--revocar]`: a credential of its own for one pump, on the store
 * (whether the station runs or not; the station reads credentials at every `registro`). A new
 * token is shown once and only its SHA-256 is stored; issuing one revokes the previous. Both are
 * audited as `cli` (`surtidor.token.emitir`, `surtidor.token.revocar`).
 *
 * `estacion surtidores modo IDS postpago|prepago`: the pumps' authorization mode, on the store,
 * with the station stopped (a running station keeps its pumps in memory: use PUT /api/surtidores/:id).
 * A pump not known yet is pre-configured (named "Surtidor N" until its first `registro`). Audited
 * as `surtidor.modo`.
 */
import { AuditLog, CLI_ACTOR, CliUsuariosError, newToken, sha256 } from '@combustible/server';
import { type Clock, COMBUSTIBLES, isoNow, MODOS_AUTORIZACION, systemClock } from '@combustible/shared';
import { DEFAULT_CONFIGURACION } from './app/station-service.js';
import type { Argv, CommandModule, Options } from 'yargs';
import type { Surtidor } from './domain/types.js';
import type { StationStore } from './store/port.js';
import { DevCaError, parsePumpRange } from './tls/dev-ca.js';

export interface SurtidoresCommandOptions {
  /** The flags that locate the store (`data-dir`, `mongo-url`). */
  storeOptions: Record<string, Options>;
  /** Opens (sets up) the station's store from the parsed flags. */
  open(argv: Record<string, unknown>): Promise<StationStore>;
  print?: (line: string) => void;
  clock?: Clock;
}

/** Pump ids as on the wire: positive integers. */
function pumpId(value: unknown): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1 || !/^\d+$/.test(String(value)))
    throw new CliUsuariosError(`"${String(value)}" no es un id de surtidor (un entero positivo)`);
  return id;
}

export function surtidoresCommand(options: SurtidoresCommandOptions): CommandModule {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const clock = options.clock ?? systemClock;

  const withStore = async (
    argv: Record<string, unknown>,
    fn: (store: StationStore, audit: AuditLog) => Promise<void>,
  ) => {
    const store = await options.open(argv);
    try {
      const audit = new AuditLog(store.auth, clock);
      await fn(store, audit);
      await audit.flush();
    } finally {
      await store.close();
    }
  };

  return {
    command: 'surtidores',
    describe:
      'Surtidores sobre el almacenamiento: token (con o sin la estación en marcha) y modo de autorización (con la estación detenida)',
    builder: (y: Argv) =>
      y
        .options(options.storeOptions)
        .command({
          command: 'token <id>',
          describe:
            'Emite un token propio para el surtidor (se muestra una vez; revoca el anterior), o lo revoca con --revocar',
          builder: (a: Argv) =>
            a.positional('id', { type: 'string', describe: 'Id del surtidor', demandOption: true }).option('revocar', {
              type: 'boolean',
              default: false,
              describe: 'Revocar el token del surtidor sin emitir otro',
            }),
          handler: async (argv) => {
            const id = pumpId(argv.id);
            if (argv.revocar === true) {
              let had = false;
              await withStore(argv, async (store, audit) => {
                had = await store.revokePumpCredential(id);
                audit.record({
                  ...CLI_ACTOR,
                  accion: 'surtidor.token.revocar',
                  objetivo: `surtidor:${id}`,
                  resultado: 'ok',
                  detalles: { habia_token: had },
                });
              });
              print(
                had
                  ? `Token del surtidor ${id} revocado: ya no podrá registrarse con él.`
                  : `El surtidor ${id} no tenía token propio: no hay nada que revocar.`,
              );
              return;
            }
            const token = newToken('srt');
            let replaced = false;
            await withStore(argv, async (store, audit) => {
              replaced = (await store.getPumpCredential(id)) !== null;
              await store.setPumpCredential({ id_surtidor: id, hash: sha256(token), emitida: isoNow(clock) });
              audit.record({
                ...CLI_ACTOR,
                accion: 'surtidor.token.emitir',
                objetivo: `surtidor:${id}`,
                resultado: 'ok',
                detalles: { reemplaza_anterior: replaced },
              });
            });
            print(`Token nuevo para el surtidor ${id}${replaced ? ' (el anterior quedó revocado)' : ''}:`);
            print('');
            print(`  ${token}`);
            print('');
            print('Guárdelo: no se volverá a mostrar (la estación guarda solo su huella SHA-256).');
            print(
              `Úselo en el surtidor: surtidor --id ${id} --token <TOKEN>  (o una línea "${id} <TOKEN>" en --tokens-file)`,
            );
            print(
              'Desde ahora todo surtidor necesita un token válido para registrarse (el propio, o --pump-token si no tiene).',
            );
          },
        })
        .command({
          command: 'modo <ids> <modo>',
          describe:
            'Modo de autorización de los surtidores (p. ej. 1-4 o 1,3): postpago o prepago; con la estación detenida',
          builder: (a: Argv) =>
            a
              .positional('ids', { type: 'string', describe: 'Ids de surtidor: 3, 1-4 o 1,3,5-7', demandOption: true })
              .positional('modo', { choices: MODOS_AUTORIZACION, describe: 'postpago o prepago', demandOption: true }),
          handler: async (argv) => {
            let ids: number[];
            try {
              ids = parsePumpRange(String(argv.ids));
            } catch (err) {
              if (err instanceof DevCaError) throw new CliUsuariosError(err.message);
              throw err;
            }
            const modo = argv.modo;
            let nuevos = 0;
            await withStore(argv, async (store, audit) => {
              const now = isoNow(clock);
              const pumps: Surtidor[] = [];
              for (const id of ids) {
                const known = await store.getPump(id);
                if (!known) nuevos += 1;
                pumps.push(
                  known
                    ? { ...known, modo_autorizacion: modo, fecha_actualizacion: now }
                    : {
                        id_surtidor: id,
                        nombre: `Surtidor ${id}`,
                        combustibles_soportados: [...COMBUSTIBLES],
                        combustible_actual: null,
                        configuracion: DEFAULT_CONFIGURACION,
                        fecha_creacion: now,
                        fecha_actualizacion: now,
                        ultima_conexion: null,
                        ip: null,
                        version: null,
                        modo_autorizacion: modo,
                      },
                );
              }
              await store.upsertPumps(pumps);
              audit.record({
                ...CLI_ACTOR,
                accion: 'surtidor.modo',
                objetivo: `surtidores:${String(argv.ids)}`,
                resultado: 'ok',
                detalles: { modo_autorizacion: modo, surtidores: ids.length, nuevos },
              });
            });
            print(
              `${ids.length} surtidor(es) en ${modo}${nuevos > 0 ? ` (${nuevos} preconfigurado(s) hasta su primer registro)` : ''}.`,
            );
            if (modo === 'prepago')
              print(
                'Cada venta espera una autorización: desde el panel ("Autorizar") o con --autorizacion-automatica.',
              );
          },
        })
        .demandCommand(1, 'indique token o modo')
        .example('$0 surtidores token 3', 'emite un token para el surtidor 3 (revoca el anterior)')
        .example('$0 surtidores token 3 --revocar', 'revoca el token del surtidor 3')
        .example('$0 surtidores modo 3-4 prepago', 'los surtidores 3 y 4 esperan autorización antes de despachar'),
    handler: () => {},
  };
}
