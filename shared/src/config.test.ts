import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, logLevel, type OptionSpec, parseConfig, port, withEnvDefaults } from './config.js';
import { LOG_LEVELS } from './logger.js';

const schema = z.object({
  port,
  'log-level': logLevel.default('info'),
  host: z.string().min(1),
  'max-line-bytes': z.coerce.number().int().positive().default(65_536),
});

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('returns typed data, coercing flag and env strings and filling defaults', () => {
    const config = parseConfig(schema, { port: '6000', host: '0.0.0.0', 'max-line-bytes': '1024', extra: 1 });
    expectTypeOf(config.port).toEqualTypeOf<number>();
    expectTypeOf(config['log-level']).toEqualTypeOf<(typeof LOG_LEVELS)[number]>();
    expect(config).toEqual({ port: 6000, 'log-level': 'info', host: '0.0.0.0', 'max-line-bytes': 1024 });
  });

  it('throws a ConfigError with one "--field: problem" line per problem', () => {
    const error = configErrorOf(() =>
      parseConfig(schema, { port: '70000', 'log-level': 'verbose', 'max-line-bytes': '0' }),
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('CONFIGURACION_INVALIDA');
    expect(error.problems).toHaveLength(4);
    const fields = error.problems.map((p) => /^--([\w.-]+): \S/.exec(p)?.[1]);
    expect(fields.sort()).toEqual(['host', 'log-level', 'max-line-bytes', 'port']);
    expect(error.message.startsWith('configuración inválida:\n  - --')).toBe(true);
    for (const problem of error.problems) expect(error.message).toContain(`\n  - ${problem}`);
  });

  it('names nested fields with dots', () => {
    const nested = z.object({ store: z.object({ url: z.string().url() }) });
    const error = configErrorOf(() => parseConfig(nested, { store: { url: 'no es url' } }));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^--store\.url: /);
  });
});

describe('config field schemas', () => {
  it.each([
    ['0', 0],
    [0, 0],
    ['6000', 6000],
    [65_535, 65_535],
  ])('port accepts %j', (value, expected) => {
    expect(port.parse(value)).toBe(expected);
  });

  it.each(['-1', '65536', '1.5', 'abc', '6000x'])('port rejects %j', (value) => {
    expect(port.safeParse(value).success).toBe(false);
  });

  it('log level accepts exactly the pino levels plus silent', () => {
    for (const level of LOG_LEVELS) expect(logLevel.parse(level)).toBe(level);
    expect(LOG_LEVELS).toContain('silent');
    for (const level of ['verbose', 'INFO', '']) expect(logLevel.safeParse(level).success).toBe(false);
  });
});

describe('withEnvDefaults', () => {
  const options: Record<'api-port' | 'token' | 'insecure' | 'allowed-networks', OptionSpec> = {
    'api-port': { type: 'number', default: 8000 },
    token: { type: 'string' },
    insecure: { type: 'boolean', default: false },
    'allowed-networks': { type: 'string', array: true },
  };

  it('takes each default from <PREFIX>_<FLAG>, typed like the flag', () => {
    const out = withEnvDefaults(options, 'EMPRESA', {
      EMPRESA_API_PORT: '9000',
      EMPRESA_INSECURE: 'sí',
      EMPRESA_ALLOWED_NETWORKS: '10.0.0.0/8, 192.168.0.0/16',
      EMPRESA_OTRA: 'x',
    });
    expect(out['api-port'].default).toBe(9000);
    expect(out.insecure.default).toBe(true);
    expect(out['allowed-networks'].default).toEqual(['10.0.0.0/8', '192.168.0.0/16']);
    expect(out.token).toEqual(options.token);
  });

  it('never shows a value from the environment in --help: only the variable it came from', () => {
    const out = withEnvDefaults(options, 'EMPRESA', { EMPRESA_TOKEN: 'secreto-de-enlace' });
    expect(out.token).toMatchObject({ default: 'secreto-de-enlace', defaultDescription: '$EMPRESA_TOKEN' });
  });
});
