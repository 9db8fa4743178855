/**
 * `estacion surtidores token ID [--revocar]`: a credential of its own for one pump, on the store
 * (whether the station runs or not; the station reads credentials at every `registro`). A new
 * token is shown once and only its SHA-256 is stored; issuing one revokes the previous. Both are
 * audited as `cli` (`surtidor.token.emitir`, `surtidor.token.revocar`).
 */
import { AuditLog, CLI_ACTOR, CliUsuariosError, newToken, sha256 } from '@combustible/server';
import { type Clock, isoNow, systemClock } from '@combustible/shared';
import type { Argv, CommandModule, Options } from 'yargs';
import type { StationStore } from './store/port.js';

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
    describe: 'Credenciales de los surtidores: token (sobre el almacenamiento, con o sin la estación en marcha)',
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
        .demandCommand(1, 'indique token')
        .example('$0 surtidores token 3', 'emite un token para el surtidor 3 (revoca el anterior)')
        .example('$0 surtidores token 3 --revocar', 'revoca el token del surtidor 3'),
    handler: () => {},
  };
}
