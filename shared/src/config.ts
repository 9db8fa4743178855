import type { ZodType } from 'zod';
import { z } from 'zod';
import { LOG_LEVELS } from './logger.js';

/**
 * Configuration is a zod schema fed by yargs (which reads flags and, through `.env(PREFIX)`, the
 * matching environment variables). The schema is the single source of truth for types and limits.
 */
export class ConfigError extends Error {
  readonly code = 'CONFIGURACION_INVALIDA';
  constructor(readonly problems: string[]) {
    super(`configuración inválida:\n  - ${problems.join('\n  - ')}`);
  }
}

export function parseConfig<T>(schema: ZodType<T>, raw: Record<string, unknown>): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((i) => `--${i.path.map(String).join('.')}: ${i.message}`));
}

export const port = z.coerce.number().int().min(0).max(65_535);
export const logLevel = z.enum(LOG_LEVELS);

export type OptionSpec = { type: string; default?: unknown; defaultDescription?: string; array?: boolean };

/**
 * The options with their defaults taken from `<PREFIX>_<FLAG>` environment variables (e.g.
 * EMPRESA_API_PORT for --api-port). Done here rather than with yargs' `.env()`, which in strict mode
 * refuses any other EMPRESA_* variable (such as EMPRESA_API, which the client commands read).
 */
export function withEnvDefaults<T extends Record<string, OptionSpec>>(
  options: T,
  prefix: string,
  env: NodeJS.ProcessEnv,
): T {
  const out: Record<string, OptionSpec> = {};
  for (const [flag, o] of Object.entries(options)) {
    const name = `${prefix}_${flag.toUpperCase().replaceAll('-', '_')}`;
    const raw = env[name];
    if (raw === undefined || raw === '') {
      out[flag] = o;
      continue;
    }
    let value: unknown = raw;
    if (o.type === 'number') value = Number(raw);
    else if (o.type === 'boolean' && /^(1|true|yes|si|sí)$/i.test(raw)) value = true;
    else if (o.type === 'boolean' && /^(0|false|no)$/i.test(raw)) value = false;
    else if (o.array) value = raw.split(/[\s,]+/).filter((v) => v.length > 0);
    // --help shows where the value came from, never the value: it may be a token or a password.
    out[flag] = { ...o, default: value, defaultDescription: `$${name}` };
  }
  return out as T;
}

/**
 * Runs a CLI's configuration parser. A ConfigError is printed for the user (one line per problem)
 * and becomes `undefined`, which the CLI turns into exit code 1; anything else is a bug and throws.
 */
export function configOrReport<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return undefined;
    }
    throw err;
  }
}
