/**
 * `empresa usuarios add|list|remove`: the shared command of @combustible/server, on the company's
 * store (`--data-dir` or `--mongo-url`, as `empresa serve` finds it), whether the service runs or
 * not. Changes are audited as `cli`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  COMPANY_ROLES,
  CliUsuariosError,
  type OpenedAuthStore,
  type UsuariosCommandOptions,
  usuariosCommand,
} from '@combustible/server';
import { withEnvDefaults } from '@combustible/shared';
import type { CommandModule } from 'yargs';
import { createStore } from '../store/index.js';
import { SQLITE_FILE } from '../store/sqlite-store.js';
import { SERVE_OPTIONS } from './serve.js';

/** The flags that locate the store, with the same EMPRESA_* variables (and MONGO_URL) as serve. */
const STORE_OPTIONS = {
  'data-dir': SERVE_OPTIONS['data-dir'],
  'mongo-url': SERVE_OPTIONS['mongo-url'],
} as const;

/** Opens the company's store as the running service does; refuses a folder with no company data. */
export async function openCompanyAuth(argv: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<OpenedAuthStore> {
  const dataDir = String((argv.dataDir as string | undefined) ?? SERVE_OPTIONS['data-dir'].default);
  const mongoUrl = (argv.mongoUrl as string | undefined) || env.MONGO_URL || undefined;
  if (!mongoUrl && dataDir !== ':memory:' && !existsSync(join(dataDir, SQLITE_FILE)))
    throw new CliUsuariosError(
      `no hay datos de la empresa en ${dataDir} (falta ${SQLITE_FILE}): indique --data-dir (o EMPRESA_DATA_DIR) ` +
        'o --mongo-url (o MONGO_URL), o inicie "empresa serve" una vez',
    );
  const store = createStore(mongoUrl ? { dataDir, mongoUrl } : { dataDir });
  await store.setup();
  return { auth: store.auth, close: () => store.close() };
}

export function companyUsuariosCommand(io: {
  print: (line: string) => void;
  stdin?: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  authOptions?: UsuariosCommandOptions<string>['authOptions'];
}): CommandModule {
  return usuariosCommand({
    roles: COMPANY_ROLES,
    storeOptions: withEnvDefaults(STORE_OPTIONS, 'EMPRESA', io.env),
    open: (argv) => openCompanyAuth(argv, io.env),
    print: io.print,
    ...(io.stdin ? { stdin: io.stdin } : {}),
    ...(io.authOptions ? { authOptions: io.authOptions } : {}),
  });
}
