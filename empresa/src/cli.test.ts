import { createLogger } from '@combustible/shared';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from './cli.js';
import { parseServeArgs } from './cli/serve.js';
import { type RunningCompany, startCompany } from './company.js';
import { companyConfigSchema } from './config.js';
import { SqliteStore } from './store/sqlite-store.js';

let c: RunningCompany;
let api: string;

beforeAll(async () => {
  const config = companyConfigSchema.parse({ host: '127.0.0.1', apiPort: 0, dataDir: ':memory:' });
  c = await startCompany(config, {
    log: createLogger({ name: 'test', level: 'silent' }),
    store: new SqliteStore({ dataDir: ':memory:' }),
  });
  api = `http://127.0.0.1:${c.ports.api}`;
});
afterAll(async () => {
  await c.stop();
});

/** Runs the CLI; what it printed and wrote to stderr. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    err.push(a.join(' '));
  });
  try {
    const code = await main(argv, (line) => out.push(line));
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

describe('empresa client commands', () => {
  it('sets prices with FUEL=PRICE and shows them', async () => {
    const set = await cli('--api', api, 'precios', 'set', '95=1360', 'diesel=1130', '--autor', 'ana');
    expect(set).toMatchObject({ code: 0, err: '' });
    expect(set.out).toContain('Versión 2 creada: 95 $1.350 → $1.360, diesel $1.120 → $1.130.');
    expect(c.service.current).toMatchObject({ version: 2, autor: 'ana' });
    const show = await cli('--api', api, 'precios', 'show');
    expect(show.code).toBe(0);
    expect(show.out).toMatch(/versión 2/);
    expect(show.out).toMatch(/95\s+\$1\.360/);
    const again = await cli('--api', api, 'precios', 'set', '95=1360');
    expect(again.out).toMatch(/Sin cambios/);
    const hist = await cli('--api', api, 'precios', 'historial');
    expect(hist.out.split('\n')[0]).toMatch(/^versión 2 .*por ana.*95 \$1\.350 → \$1\.360/);
    const asJson = await cli('--api', api, '--json', 'precios', 'show');
    expect(JSON.parse(asJson.out)).toMatchObject({ version: 2 });
  });

  it('refuses bad assignments before calling the API', async () => {
    const r = await cli('--api', api, 'precios', 'set', '95=0');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^empresa: precio inválido para 95/);
    expect((await cli('--api', api, 'precios', 'set', 'gas=10')).err).toMatch(/combustible desconocido/);
  });

  it('adds, lists, shows and removes stations', async () => {
    const add = await cli(
      '--api',
      api,
      'estaciones',
      'add',
      '127.0.0.1:1',
      '--id',
      'lejana',
      '--nombre',
      'Lejana',
    );
    expect(add).toMatchObject({ code: 0 });
    expect(add.out).toMatch(/"lejana" registrada en 127\.0\.0\.1:1/);
    const list = await cli('--api', api, 'estaciones', 'list');
    expect(list.out).toMatch(/^ID\s+NOMBRE/);
    expect(list.out).toMatch(/lejana\s+Lejana\s+127\.0\.0\.1:1/);
    const show = await cli('--api', api, 'estaciones', 'show', 'lejana');
    expect(show.out).toMatch(/^lejana: Lejana/);
    const dup = await cli('--api', api, 'estaciones', 'add', '127.0.0.1:1');
    expect(dup).toMatchObject({ code: 1 });
    expect(dup.err).toMatch(/^empresa: ESTACION_DUPLICADA: /);
    expect((await cli('--api', api, 'estaciones', 'remove', 'lejana')).code).toBe(0);
    const gone = await cli('--api', api, 'estaciones', 'show', 'lejana');
    expect(gone.err).toMatch(/ESTACION_NO_ENCONTRADA/);
  });

  it('says clearly, in one line, when the service is not running', async () => {
    const r = await cli('--api', 'http://127.0.0.1:1', 'precios', 'show');
    expect(r.code).toBe(1);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toMatch(
      /^empresa: SERVICIO_NO_DISPONIBLE: la empresa no responde en http:\/\/127\.0\.0\.1:1 .*empresa serve/,
    );
  });

  it('client commands ignore the service variables (EMPRESA_TOKEN…) set in the same shell', async () => {
    process.env.EMPRESA_TOKEN = 'secreto';
    process.env.EMPRESA_API_PORT = '9000';
    try {
      expect((await cli('--api', api, 'precios', 'show')).code).toBe(0);
    } finally {
      delete process.env.EMPRESA_TOKEN;
      delete process.env.EMPRESA_API_PORT;
    }
  });

  it('rejects unknown commands and options', async () => {
    expect((await cli('precios', 'borrar')).code).toBe(1);
    expect((await cli('--no-existe', 'precios', 'show')).code).toBe(1);
    expect((await cli()).code).toBe(1);
  });
});

describe('empresa serve options', () => {
  it('has the documented defaults', () => {
    expect(parseServeArgs([], {})).toMatchObject({
      apiPort: 8000,
      host: '127.0.0.1',
      insecure: false,
      allowedNetworks: ['127.0.0.0/8', '::1/128'],
      dataDir: './data',
      estacion: [],
      pingInterval: 10,
      nombre: 'Empresa de Combustibles',
    });
  });

  it('reads --allowed-networks repeated, comma-separated or from EMPRESA_ALLOWED_NETWORKS, and refuses a bad one', () => {
    expect(
      parseServeArgs(['--allowed-networks', '10.0.0.0/8,192.168.1.7', '--allowed-networks', 'fd00::/8'], {})
        .allowedNetworks,
    ).toEqual(['10.0.0.0/8', '192.168.1.7/32', 'fd00::/8']);
    expect(parseServeArgs([], { EMPRESA_ALLOWED_NETWORKS: '172.28.0.0/16, 127.0.0.0/8' }).allowedNetworks).toEqual([
      '172.28.0.0/16',
      '127.0.0.0/8',
    ]);
    expect(() => parseServeArgs(['--allowed-networks', 'estacion'], {})).toThrow(/--allowedNetworks/);
    expect(() => parseServeArgs(['--allowed-networks', '10.0.0.0/40'], {})).toThrow(/prefijo/);
  });

  it('reads repeated and comma-separated --estacion, and MONGO_URL', () => {
    const config = parseServeArgs(
      ['--estacion', 'a:5001', '--estacion', 'b:5002,c:5003', '--token', 't', '--ping-interval', '2'],
      { MONGO_URL: 'mongodb://m:27017/empresa' },
    );
    expect(config.estacion).toEqual([
      { host: 'a', port: 5001 },
      { host: 'b', port: 5002 },
      { host: 'c', port: 5003 },
    ]);
    expect(config).toMatchObject({ token: 't', pingInterval: 2, mongoUrl: 'mongodb://m:27017/empresa' });
  });

  it('takes EMPRESA_<FLAG> variables as defaults, flags first, other EMPRESA_* ignored', () => {
    const env = {
      EMPRESA_API_PORT: '9100',
      EMPRESA_ESTACION: 'a:5001, b:5002',
      EMPRESA_LOG_PRETTY: 'false',
      EMPRESA_TOKEN: 'de-env',
      EMPRESA_API: 'http://127.0.0.1:9100',
      EMPRESA_OTRA_COSA: 'x',
    };
    expect(parseServeArgs([], env)).toMatchObject({
      apiPort: 9100,
      estacion: [
        { host: 'a', port: 5001 },
        { host: 'b', port: 5002 },
      ],
      logPretty: false,
      token: 'de-env',
    });
    expect(parseServeArgs(['--api-port', '9200', '--token', 'flag'], env)).toMatchObject({
      apiPort: 9200,
      token: 'flag',
    });
    expect(() => parseServeArgs([], { EMPRESA_API_PORT: 'ocho mil' })).toThrow(/apiPort/);
  });

  it('refuses unknown flags and bad values', () => {
    expect(() => parseServeArgs(['--api-prot', '1'], {})).toThrow(/Unknown argument/);
    expect(() => parseServeArgs(['--estacion', 'sin-puerto'], {})).toThrow(/HOST:PORT/);
    expect(() => parseServeArgs(['--api-port', '70000'], {})).toThrow(/api-port|apiPort/);
  });
});
