import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface LoggerOptions {
  name: string;
  level?: LevelWithSilent;
  /** Human-readable output; defaults to true when stdout is a terminal. */
  pretty?: boolean;
  /** Where lines go (tests pass an in-memory stream); defaults to stdout. */
  destination?: DestinationStream;
}

/** Field names that hold secrets; their values never reach a log line. */
export const SECRET_KEYS = [
  'token',
  'pumpToken',
  'companyToken',
  'clave',
  'password',
  'adminPassword',
  'contrasena',
  'secret',
  'authorization',
  'cookie',
  'set-cookie',
] as const;

/**
 * pino `redact` paths for the secret keys at the top level of a log event and up to three levels
 * down (`req.headers.authorization`, `config.pumpToken`, `err.config.token`…).
 */
export const REDACT_PATHS: string[] = SECRET_KEYS.flatMap((key) => {
  const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
  const dot = k.startsWith('[') ? '' : '.';
  return [k, `*${dot}${k}`, `*.*${dot}${k}`, `*.*.*${dot}${k}`];
});

export const REDACTED = '[REDACTADO]';

/** Structured logs: one JSON event per line, or pretty on a TTY. Secrets are redacted (REDACT_PATHS). */
export function createLogger(options: LoggerOptions): Logger {
  const base = {
    name: options.name,
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: REDACTED },
  };
  if (options.destination) return pino(base, options.destination);
  const usePretty = options.pretty ?? Boolean(process.stdout.isTTY);
  if (usePretty) {
    return pino(
      base,
      pretty({ colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }),
    );
  }
  return pino(base);
}
