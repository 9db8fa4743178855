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
