import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { CLI_ACTOR } from '@combustible/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from './cli.js';
import { DEFAULT_API, loginHint } from './cli/client.js';
import { adminBox, parseServeArgs } from './cli/serve.js';
import { sessionFilePath } from './cli/sesion-file.js';
import type { RunningCompany } from './company.js';
import { ADMIN_CLAVE, bearer, CHEAP_SCRYPT, claveDe, login, startTestCompany, tokensByRole } from './test-harness.js';

let c: RunningCompany;
let api: string;
const dirs: string[] = [];
/** The CLI's environment: its own config folder (for the session file), nothing else. */
let env: NodeJS.ProcessEnv;

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

beforeAll(async () => {
  c = await startTestCompany();
  await tokensByRole(c); // creates u-lectura and u-precios
  api = `http://127.0.0.1:${c.ports.api}`;
  env = { XDG_CONFIG_HOME: tempDir('empresa-cli-config-') };
});
afterAll(async () => {
  await c.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs the CLI; what it printed and wrote to stderr. `stdin` is what is piped in. */
async function cliWith(
  opts: { stdin?: string; env?: NodeJS.ProcessEnv },
  ...argv: string[]
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    err.push(a.join(' '));
  });
  try {
    const code = await main(argv, (line) => out.push(line), {
      env: opts.env ?? env,
      stdin: Readable.from(opts.stdin === undefined ? [] : [opts.stdin]),
      authOptions: { scryptCost: CHEAP_SCRYPT },
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    spy.mockRestore();
  }
}
const cli = (...argv: string[]) => cliWith({}, ...argv);
const loginAs = (usuario: string, clave: string, options: { env?: NodeJS.ProcessEnv } = {}) =>
  cliWith({ stdin: `${clave}\n`, ...options }, '--api', api, 'login', '--usuario', usuario, '--clave-stdin');

describe('empresa client commands', () => {
  beforeAll(async () => {
    expect(await loginAs('admin', ADMIN_CLAVE)).toMatchObject({ code: 0, err: '' });
  });

  it('sets prices with FUEL=PRICE as the logged-in user and shows them', async () => {
    const set = await cli('--api', api, 'precios', 'set', '95=1360', 'diesel=1130');
    expect(set).toMatchObject({ code: 0, err: '' });
    expect(set.out).toContain('Versión 2 creada: 95 $1.350 → $1.360, diesel $1.120 → $1.130.');
    expect(c.service.current).toMatchObject({ version: 2, autor: 'admin' });
    const show = await cli('--api', api, 'precios', 'show');
    expect(show.code).toBe(0);
    expect(show.out).toMatch(/versión 2/);
    expect(show.out).toMatch(/95\s+\$1\.360/);
    const again = await cli('--api', api, 'precios', 'set', '95=1360');
    expect(again.out).toMatch(/Sin cambios/);
    const hist = await cli('--api', api, 'precios', 'historial');
    expect(hist.out.split('\n')[0]).toMatch(/^versión 2 .*por admin.*95 \$1\.350 → \$1\.360/);
    expect((await cli('--api', api, 'precios', 'set', '95=1360', '--autor', 'ana')).code).toBe(1);
    const asJson = await cli('--api', api, '--json', 'precios', 'show');
    expect(JSON.parse(asJson.out)).toMatchObject({ version: 2 });
  });

  it('refuses bad assignments before calling the API', async () => {
    const r = await cli('--api', api, 'precios', 'set', '95=0');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^empresa: precio inválido para 95/);
    expect((await cli('--api', api, 'precios', 'set', 'gas=10')).err).toMatch(/combustible desconocido/);
  });

  it('schedules a version with --vigencia, shows it, cancels it, and says why a price is refused', async () => {
    const vigencia = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const set = await cli('--api', api, 'precios', 'set', '97=1450', '--vigencia', vigencia);
    expect(set).toMatchObject({ code: 0, err: '' });
    expect(set.out).toContain(`Programada: entra en vigencia el ${vigencia}`);
    const version = c.service.current.version;
    const show = await cli('--api', api, 'precios', 'show');
    expect(show.out).toContain(`Programada: versión ${version} `);
    expect(show.out).toContain(`en vigencia el ${vigencia}`);
    const blocked = await cli('--api', api, 'precios', 'set', '93=1300');
    expect(blocked.code).toBe(1);
    expect(blocked.err).toMatch(/está programada .*cancélela/);
    const cancel = await cli('--api', api, 'precios', 'cancelar');
    expect(cancel).toMatchObject({ code: 0, err: '' });
    expect(cancel.out).toContain(`Versión ${version} cancelada`);
    expect((await cli('--api', api, 'precios', 'cancelar')).err).toMatch(/no hay una versión de precios programada/);
    const limit = await cli('--api', api, 'precios', 'set', '93=12900');
    expect(limit.code).toBe(1);
    expect(limit.err).toMatch(/precio_93 12900 sube \d+% desde \d+ \(máximo 20% por cambio\)/);
  });

  it('adds, lists, shows and removes stations', async () => {
    const add = await cli('--api', api, 'estaciones', 'add', '127.0.0.1:1', '--id', 'lejana', '--nombre', 'Lejana');
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
    const withService = { ...env, EMPRESA_TOKEN: 'secreto', EMPRESA_API_PORT: '9000' };
    expect((await cliWith({ env: withService }, '--api', api, 'precios', 'show')).code).toBe(0);
  });

  it('rejects unknown commands and options', async () => {
    expect((await cli('precios', 'borrar')).code).toBe(1);
    expect((await cli('--no-existe', 'precios', 'show')).code).toBe(1);
    expect((await cli()).code).toBe(1);
  });
});

describe('empresa login and logout', () => {
  it('saves the session for that API in a file only the user can read, and logout ends it', async () => {
    const own = { XDG_CONFIG_HOME: tempDir('empresa-cli-login-') };
    const r = await loginAs('u-precios', claveDe('precios'), { env: own });
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/^Sesión iniciada: u-precios \(precios\) en http:\/\/127\.0\.0\.1:\d+/);
    const file = sessionFilePath(own);
    expect(file).toBe(join(own.XDG_CONFIG_HOME, 'empresa', 'sesion.json'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(own.XDG_CONFIG_HOME, 'empresa')).mode & 0o777).toBe(0o700);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as {
      sesiones: Record<string, { token: string; usuario: string }>;
    };
    const entry = saved.sesiones[api];
    expect(entry).toMatchObject({ usuario: 'u-precios', rol: 'precios', token: expect.stringMatching(/^ses_/) });
    expect(r.out).not.toContain(entry?.token);

    const set = await cliWith({ env: own }, '--api', api, 'precios', 'set', '97=1455');
    expect(set.code).toBe(0);
    expect(c.service.current.autor).toBe('u-precios');
    const denied = await cliWith({ env: own }, '--api', api, 'estaciones', 'add', '127.0.0.1:9');
    expect(denied).toMatchObject({ code: 1 });
    expect(denied.err).toMatch(/^empresa: SIN_PERMISO: esta acción requiere el rol admin/);

    const out = await cliWith({ env: own }, '--api', api, 'logout');
    expect(out).toMatchObject({ code: 0, out: 'Sesión de u-precios cerrada.' });
    expect((await c.api.inject({ url: '/api/sesion', headers: bearer(entry?.token ?? '') })).statusCode).toBe(401);
    expect(() => statSync(file)).toThrow(); // the last session gone: no file left
    expect((await cliWith({ env: own }, '--api', api, 'logout')).out).toMatch(/^No hay sesión guardada/);
  });

  it('says in one line to log in when there is no session, or it was closed', async () => {
    const own = { XDG_CONFIG_HOME: tempDir('empresa-cli-nosesion-') };
    const none = await cliWith({ env: own }, '--api', api, 'precios', 'show');
    expect(none.code).toBe(1);
    expect(none.err.split('\n')).toHaveLength(1);
    expect(none.err).toMatch(
      /^empresa: NO_AUTENTICADO: no hay sesión iniciada en .*npx empresa login --usuario admin --api http:\/\/127\.0\.0\.1:\d+/,
    );
    // On the default API there is no --api to add.
    expect(loginHint({ api: DEFAULT_API, credencial: null }).message).toMatch(/login --usuario admin"/);

    await loginAs('u-lectura', claveDe('lectura'), { env: own });
    const { token } = (JSON.parse(readFileSync(sessionFilePath(own), 'utf8')) as { sesiones: Record<string, unknown> })
      .sesiones[api] as { token: string };
    await c.api.inject({ method: 'DELETE', url: '/api/sesion', headers: bearer(token) });
    const closed = await cliWith({ env: own }, '--api', api, 'estaciones', 'list');
    expect(closed.code).toBe(1);
    expect(closed.err.split('\n')).toHaveLength(1);
    expect(closed.err).toMatch(
      /la sesión de u-lectura .* venció o se cerró; ejecute "npx empresa login --usuario u-lectura/,
    );
  });

  it('asks the password on a terminal without echoing it', async () => {
    const own = { XDG_CONFIG_HOME: tempDir('empresa-cli-tty-') };
    const raw: boolean[] = [];
    const terminal = Object.assign(new PassThrough(), {
      isTTY: true,
      setRawMode: (on: boolean) => raw.push(on),
    });
    const prompt = new PassThrough();
    let shown = '';
    prompt.on('data', (d: Buffer) => {
      shown += d.toString();
    });
    const out: string[] = [];
    const running = main(['--api', api, 'login', '--usuario', 'admin'], (l) => out.push(l), {
      env: own,
      stdin: terminal,
      prompt,
    });
    await vi.waitFor(() => expect(shown).toBe('Clave de admin: '));
    terminal.write(`${ADMIN_CLAVE.slice(0, 3)}x\u007f${ADMIN_CLAVE.slice(3)}\r`); // a typo, erased
    expect(await running).toBe(0);
    expect(shown).toBe('Clave de admin: \n');
    expect(raw).toEqual([true, false]);
    expect(out[0]).toMatch(/^Sesión iniciada: admin \(admin\)/);
  });

  it('refuses a wrong password without saving anything', async () => {
    const own = { XDG_CONFIG_HOME: tempDir('empresa-cli-mala-') };
    const r = await loginAs('admin', 'no-es-esta', { env: own });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^empresa: CREDENCIALES_INVALIDAS: usuario o clave incorrectos/);
    expect(() => statSync(sessionFilePath(own))).toThrow();
  });

  it('takes an API token from --token or EMPRESA_API_TOKEN before the saved session', async () => {
    const erp = await c.auth.createToken(CLI_ACTOR, { nombre: 'erp', rol: 'precios' });
    const own = { XDG_CONFIG_HOME: tempDir('empresa-cli-token-') };
    const viaFlag = await cliWith({ env: own }, '--api', api, 'precios', 'set', '93=1333', '--token', erp.token);
    expect(viaFlag).toMatchObject({ code: 0, err: '' });
    expect(c.service.current.autor).toBe('token:erp');
    const viaEnv = await cliWith({ env: { ...own, EMPRESA_API_TOKEN: erp.token } }, '--api', api, 'precios', 'show');
    expect(viaEnv.code).toBe(0);
    const bad = await cliWith({ env: own }, '--api', api, 'precios', 'show', '--token', 'tok_falso_falso');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(
      /rechazó el token de --token \(o EMPRESA_API_TOKEN\); use otro o ejecute "npx empresa login --usuario admin/,
    );
  });
});

describe('empresa usuarios (on the store)', () => {
  let running: RunningCompany;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = tempDir('empresa-cli-usuarios-');
    running = await startTestCompany({ dataDir });
  });
  afterAll(async () => {
    await running.stop();
  });

  it('adds a user with a generated password shown once, which works on the running service at once', async () => {
    const r = await cli('usuarios', 'add', 'ana', '--rol', 'precios', '--data-dir', dataDir);
    expect(r).toMatchObject({ code: 0, err: '' });
    const clave = /^Clave: (\S+)$/m.exec(r.out)?.[1] ?? '';
    expect(clave).toHaveLength(24);
    expect(await login(running.api, 'ana', clave)).toMatch(/^ses_/);
    const list = await cli('usuarios', 'list', '--data-dir', dataDir);
    expect(list.out).toMatch(/^USUARIO\s+ROL/);
    expect(list.out).toMatch(/^admin\s+admin/m);
    expect(list.out).toMatch(/^ana\s+precios/m);
    expect(list.out).not.toContain(clave);
  });

  it('adds a user with a password from stdin, refuses duplicates and removing the last admin, and audits as cli', async () => {
    const r = await cliWith(
      { stdin: 'una-clave-larga\n' },
      'usuarios',
      'add',
      'beto',
      '--rol',
      'lectura',
      '--clave-stdin',
      '--data-dir',
      dataDir,
    );
    expect(r).toMatchObject({ code: 0, out: 'Usuario beto creado con el rol lectura.' });
    await login(running.api, 'beto', 'una-clave-larga');
    const dup = await cliWith(
      { stdin: 'otra-clave-larga\n' },
      'usuarios',
      'add',
      'beto',
      '--rol',
      'admin',
      '--clave-stdin',
      '--data-dir',
      dataDir,
    );
    expect(dup).toMatchObject({ code: 1 });
    expect(dup.err).toMatch(/^empresa: USUARIO_DUPLICADO: ya existe el usuario beto/);
    const last = await cli('usuarios', 'remove', 'admin', '--data-dir', dataDir);
    expect(last.err).toMatch(/^empresa: ULTIMO_ADMIN: /);
    expect((await cli('usuarios', 'remove', 'beto', '--data-dir', dataDir)).code).toBe(0);
    expect(
      (
        await running.api.inject({
          method: 'POST',
          url: '/api/sesion',
          payload: { usuario: 'beto', clave: 'una-clave-larga' },
        })
      ).statusCode,
    ).toBe(401);
    expect((await cli('usuarios', 'add', 'x', '--rol', 'jefe', '--data-dir', dataDir)).code).toBe(1);
    const entries = await running.audit.list({ usuario: 'cli', limit: 10, skip: 0 });
    expect(entries.items.map((e) => [e.accion, e.objetivo, e.resultado])).toEqual(
      expect.arrayContaining([
        ['usuario.eliminar', 'usuario:beto', 'ok'],
        ['usuario.eliminar', 'usuario:admin', 'denegado'],
        ['usuario.crear', 'usuario:beto', 'error'],
        ['usuario.crear', 'usuario:beto', 'ok'],
      ]),
    );
    expect((await running.audit.verify()).ok).toBe(true);
  });

  it('refuses a folder without company data instead of creating an empty store', async () => {
    const empty = tempDir('empresa-cli-vacia-');
    const r = await cli('usuarios', 'list', '--data-dir', empty);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^empresa: no hay datos de la empresa en .*empresa\.db/);
  });
});

describe('empresa serve first-start notice', () => {
  it('shows a generated password in a box, and never a given one', () => {
    const generated = adminBox(
      { usuario: 'admin', clave: 'Xy7-generada-123456789ab', generada: true },
      8000,
      '0.0.0.0',
    );
    expect(generated).toMatch(/^╔═+╗$/m);
    expect(generated).toContain('clave:   Xy7-generada-123456789ab');
    expect(generated).toContain('http://127.0.0.1:8000/');
    expect(generated).toContain('npx empresa login --usuario admin');
    const given = adminBox({ usuario: 'admin', clave: 'la-de-la-opcion', generada: false }, 8000, '127.0.0.1');
    expect(given).not.toContain('la-de-la-opcion');
    expect(given).toContain('--admin-password');
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
      sessionTtl: 12,
    });
    expect(parseServeArgs(['--session-ttl', '0.5'], {}).sessionTtl).toBe(0.5);
    expect(parseServeArgs([], { EMPRESA_ADMIN_PASSWORD: 'de-entorno-123' }).adminPassword).toBe('de-entorno-123');
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

  it('reads the replica options: id (default HOST-PID), lease TTL and renewal, store poll, connection pacing', () => {
    const defaults = parseServeArgs([], {});
    expect(defaults).toMatchObject({ leaseTtl: 6, leaseRenew: 2, storePoll: 1, conexionesSimultaneas: 200 });
    expect(defaults.replicaId).toMatch(new RegExp(`-${process.pid}$`));
    const config = parseServeArgs(
      ['--replica-id', 'b', '--lease-ttl', '9', '--lease-renew', '3', '--conexiones-simultaneas', '50'],
      { EMPRESA_STORE_POLL: '0.5' },
    );
    expect(config).toMatchObject({
      replicaId: 'b',
      leaseTtl: 9,
      leaseRenew: 3,
      storePoll: 0.5,
      conexionesSimultaneas: 50,
    });
    expect(() => parseServeArgs(['--lease-ttl', '6', '--lease-renew', '3'], {})).toThrow(/un tercio de --lease-ttl/);
    expect(() => parseServeArgs(['--replica-id', 'con espacio'], {})).toThrow(/replicaId/);
    expect(() => parseServeArgs(['--conexiones-simultaneas', '0'], {})).toThrow(/conexionesSimultaneas/);
  });

  it('reads repeated and comma-separated --estacion, and MONGO_URL', () => {
    const config = parseServeArgs(
      ['--estacion', 'a:5001', '--estacion', 'b:5002,c:5003', '--token', 't', '--ping-interval', '2'],
      { MONGO_URL: 'mongodb://m:27017/empresa' },
    );
    expect(config.estacion).toEqual([
      { host: 'a', port: 5001, tls: false },
      { host: 'b', port: 5002, tls: false },
      { host: 'c', port: 5003, tls: false },
    ]);
    expect(config).toMatchObject({ token: 't', pingInterval: 2, mongoUrl: 'mongodb://m:27017/empresa' });
  });

  it('reads tls://HOST:PORT as a station whose link is TLS, per entry', () => {
    expect(
      parseServeArgs(
        ['--tls-ca', 'ca.crt', '--estacion', 'tls://estacion:5001,b:5002', '--estacion', 'TLS://[::1]:5003'],
        {},
      ).estacion,
    ).toEqual([
      { host: 'estacion', port: 5001, tls: true },
      { host: 'b', port: 5002, tls: false },
      { host: '::1', port: 5003, tls: true },
    ]);
    expect(parseServeArgs([], { EMPRESA_ESTACION: 'tls://estacion:5001' }).estacion).toEqual([
      { host: 'estacion', port: 5001, tls: true },
    ]);
    expect(() => parseServeArgs(['--estacion', 'tls://sin-puerto'], {})).toThrow(/HOST:PORT/);
    expect(() => parseServeArgs(['--estacion', 'https://estacion:5001'], {})).toThrow(/HOST:PORT/);
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
        { host: 'a', port: 5001, tls: false },
        { host: 'b', port: 5002, tls: false },
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
