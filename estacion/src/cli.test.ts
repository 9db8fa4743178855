import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AuditLog, checkExposure, sha256, verifyPassword } from '@combustible/server';
import { FakeClock } from '@combustible/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main, parseArgs } from './cli.js';
import { stationExposure } from './config.js';
import { CHEAP_SCRYPT } from './hub/test-harness.js';
import { SqliteStore } from './store/sqlite-store.js';

describe('estacion options', () => {
  it('listens on loopback with bounded connections, pumps and dashboards by default', () => {
    expect(parseArgs([], {})).toMatchObject({
      host: '127.0.0.1',
      insecure: false,
      maxConnections: 20_000,
      maxCompanyConnections: 16,
      maxPumps: 1000,
      maxWsClients: 200,
      allowedOrigin: [],
    });
  });

  it('takes the limits from flags or ESTACION_* variables', () => {
    expect(parseArgs(['--max-connections', '5', '--max-pumps', '3'], {})).toMatchObject({
      maxConnections: 5,
      maxPumps: 3,
    });
    expect(
      parseArgs([], { ESTACION_MAX_WS_CLIENTS: '7', ESTACION_MAX_COMPANY_CONNECTIONS: '2', ESTACION_INSECURE: 'true' }),
    ).toMatchObject({ maxWsClients: 7, maxCompanyConnections: 2, insecure: true });
    expect(() => parseArgs(['--max-pumps', '0'], {})).toThrow(/--maxPumps/);
  });

  it('admits 1000 registrations a second by default, listens with a backlog of 4096; 0 turns admission off', () => {
    expect(parseArgs([], {})).toMatchObject({ registrationRate: 1000, listenBacklog: 4096 });
    expect(parseArgs([], {}).registrationBurst).toBeUndefined();
    expect(
      parseArgs(['--registration-rate', '0', '--listen-backlog', '1024'], { ESTACION_REGISTRATION_BURST: '50' }),
    ).toMatchObject({ registrationRate: 0, registrationBurst: 50, listenBacklog: 1024 });
    expect(() => parseArgs(['--registration-rate', '-1'], {})).toThrow(/--registrationRate/);
    expect(() => parseArgs(['--registration-burst', '0'], {})).toThrow(/--registrationBurst/);
    expect(() => parseArgs(['--listen-backlog', '0'], {})).toThrow(/--listenBacklog/);
  });

  it('takes several company tokens, repeated or as a list (a rotation with an overlap)', () => {
    expect(parseArgs(['--company-token', 'viejo', '--company-token', 'nuevo'], {}).companyToken).toEqual([
      'viejo',
      'nuevo',
    ]);
    expect(parseArgs([], { ESTACION_COMPANY_TOKEN: 'viejo,nuevo' }).companyToken).toEqual(['viejo', 'nuevo']);
    expect(parseArgs([], {}).companyToken).toEqual([]);
  });

  it('reads --allowed-origin repeated or as a list, normalised, and refuses what is not an origin', () => {
    expect(
      parseArgs(['--allowed-origin', 'https://Panel.example.com/', '--allowed-origin', 'http://a:3000,http://b'], {})
        .allowedOrigin,
    ).toEqual(['https://panel.example.com', 'http://a:3000', 'http://b']);
    expect(parseArgs([], { ESTACION_ALLOWED_ORIGIN: 'https://x.example' }).allowedOrigin).toEqual([
      'https://x.example',
    ]);
    expect(() => parseArgs(['--allowed-origin', 'panel'], {})).toThrow(/no es un origen/);
  });

  it('describes its exposure: the pump and company ports with their token flags', () => {
    const open = stationExposure(parseArgs(['--host', '0.0.0.0', '--company-token', 'x'], {}));
    expect(open.credentials.map((c) => [c.flag, c.env, c.present])).toEqual([
      ['--pump-token', 'ESTACION_PUMP_TOKEN', false],
      ['--require-pump-auth', 'ESTACION_REQUIRE_PUMP_AUTH', false],
      ['--tls-client-auth', 'ESTACION_TLS_CLIENT_AUTH', false],
      ['--company-token', 'ESTACION_COMPANY_TOKEN', true],
    ]);
    // Per-pump credentials (--require-pump-auth) protect the pump port instead of a shared token.
    expect(
      checkExposure(
        stationExposure(parseArgs(['--host', '0.0.0.0', '--company-token', 'x', '--require-pump-auth'], {})),
      ).verdict,
    ).toBe('ok');
    expect(checkExposure(open).verdict).toBe('denied');
    expect(checkExposure(open)).toMatchObject({ message: expect.stringContaining('--tls-client-auth') as unknown });
    // Client certificates are a credential for the pump port.
    const mtls = stationExposure(
      parseArgs(
        [
          '--host',
          '0.0.0.0',
          '--company-token',
          'x',
          '--tls-cert',
          'c',
          '--tls-key',
          'k',
          '--tls-ca',
          'a',
          '--tls-client-auth',
        ],
        {},
      ),
    );
    expect(checkExposure(mtls).verdict).toBe('ok');
    expect(() => parseArgs(['--tls-cert', 'c'], {})).toThrow(/--tls-cert y --tls-key van juntos/);
    expect(() => parseArgs(['--tls-client-auth'], {})).toThrow(/exige --tls-ca/);
    expect(() => parseArgs(['--tls-api'], {})).toThrow(/--tls-api: exige --tls-cert/);
    const closed = stationExposure(
      parseArgs(['--host', '0.0.0.0'], { ESTACION_PUMP_TOKEN: 'a', ESTACION_COMPANY_TOKEN: 'b' }),
    );
    expect(checkExposure(closed).verdict).toBe('ok');
    expect(checkExposure(stationExposure(parseArgs([], {}))).verdict).toBe('ok');
  });
});

describe('estacion usuarios', () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** A data dir with a station store in it (as after a first start). */
  async function dataDir(): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'estacion-usuarios-'));
    dirs.push(dir);
    const store = new SqliteStore({ dataDir: dir });
    await store.setup();
    await store.close();
    return dir;
  }

  /** Runs `estacion ...args`; what it printed on stdout and stderr, and its exit code. */
  async function run(args: string[], stdin = '') {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void err.push(String(line)));
    const code = await main(args, {
      print: (line) => out.push(line),
      stdin: Readable.from([stdin]),
      env: {},
      authOptions: { scryptCost: CHEAP_SCRYPT },
    });
    vi.restoreAllMocks();
    return { code, out, err };
  }

  it('adds (printing a generated password once, or reading one from stdin), lists and removes users', async () => {
    const dir = await dataDir();
    const added = await run(['usuarios', 'add', 'ana', '--rol', 'operador', '--data-dir', dir]);
    expect(added.code).toBe(0);
    expect(added.out[0]).toBe('Usuario ana creado con el rol operador.');
    const clave = /^Clave: (\S+)$/.exec(added.out[1] ?? '')?.[1] ?? '';
    expect(clave.length).toBeGreaterThanOrEqual(16);
    expect(added.out[2]).toMatch(/no se volverá a mostrar/);

    const piped = await run(
      ['usuarios', 'add', 'beto', '--rol', 'supervisor', '--clave-stdin', '--data-dir', dir],
      'mi-clave-larga\n',
    );
    expect(piped).toMatchObject({ code: 0, out: ['Usuario beto creado con el rol supervisor.'] });

    const store = new SqliteStore({ dataDir: dir });
    await store.setup();
    try {
      expect(await verifyPassword(clave, (await store.auth.getUser('ana'))?.clave_hash ?? '')).toBe(true);
      expect(await verifyPassword('mi-clave-larga', (await store.auth.getUser('beto'))?.clave_hash ?? '')).toBe(true);
    } finally {
      await store.close();
    }

    const list = await run(['usuarios', 'list', '--data-dir', dir]);
    expect(list.code).toBe(0);
    expect(list.out[0]).toMatch(/^USUARIO\s+ROL\s+CREADO\s+ACTUALIZADO$/);
    expect(list.out.slice(1).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
      ['ana', 'operador'],
      ['beto', 'supervisor'],
    ]);

    expect(await run(['usuarios', 'remove', 'ana', '--data-dir', dir])).toMatchObject({
      code: 0,
      out: ['Usuario ana eliminado (sus sesiones se cerraron).'],
    });
    expect((await run(['usuarios', 'list', '--data-dir', dir])).out).toHaveLength(2);

    // Every change is in the audit log as the CLI, and the chain holds.
    const again = new SqliteStore({ dataDir: dir });
    await again.setup();
    try {
      const audit = new AuditLog(again.auth, new FakeClock());
      const { items } = await audit.list({ limit: 10, skip: 0 });
      expect(items.map((r) => [r.usuario, r.accion, r.objetivo])).toEqual([
        ['cli', 'usuario.eliminar', 'usuario:ana'],
        ['cli', 'usuario.crear', 'usuario:beto'],
        ['cli', 'usuario.crear', 'usuario:ana'],
      ]);
      expect(JSON.stringify(items)).not.toContain(clave);
      expect((await audit.verify()).ok).toBe(true);
    } finally {
      await again.close();
    }
  });

  it('says what went wrong in one line and exits 1', async () => {
    const dir = await dataDir();
    await run(['usuarios', 'add', 'ana', '--rol', 'operador', '--data-dir', dir]);
    const duplicate = await run(['usuarios', 'add', 'ana', '--rol', 'lectura', '--data-dir', dir]);
    expect(duplicate).toMatchObject({ code: 1, err: ['estacion: ya existe el usuario ana'] });
    expect((await run(['usuarios', 'remove', 'nadie', '--data-dir', dir])).err[0]).toBe(
      'estacion: no existe el usuario nadie',
    );
    expect((await run(['usuarios', 'add', 'x', '--rol', 'jefe', '--data-dir', dir])).code).toBe(1);
    expect(
      (await run(['usuarios', 'add', 'corta', '--rol', 'lectura', '--clave-stdin', '--data-dir', dir], 'abc\n')).err,
    ).toContain('estacion: clave inválida');
    const missing = await run(['usuarios', 'list', '--data-dir', join(dir, 'no-existe')]);
    expect(missing.code).toBe(1);
    expect(missing.err[0]).toMatch(/no hay datos de la estación en .*no-existe/);
  });

  it('reads the data dir from ESTACION_DATA_DIR like the station', async () => {
    const dir = await dataDir();
    const out: string[] = [];
    const code = await main(['usuarios', 'list'], { print: (l) => out.push(l), env: { ESTACION_DATA_DIR: dir } });
    expect(code).toBe(0);
    expect(out).toEqual(['No hay usuarios.']);
  });
});

describe('estacion surtidores token', () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function dataDir(): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'estacion-surtidores-'));
    dirs.push(dir);
    const store = new SqliteStore({ dataDir: dir });
    await store.setup();
    await store.close();
    return dir;
  }

  async function run(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void err.push(String(line)));
    const code = await main(args, { print: (line) => out.push(line), env: {} });
    vi.restoreAllMocks();
    return { code, out, err };
  }

  it('issues a token shown once (only its SHA-256 stored), replaces it, revokes it, audited as cli', async () => {
    const dir = await dataDir();
    const first = await run(['surtidores', 'token', '3', '--data-dir', dir]);
    expect(first.code).toBe(0);
    const token = first.out.map((l) => l.trim()).find((l) => l.startsWith('srt_')) as string;
    expect(token).toMatch(/^srt_[\w-]{43}$/);
    const second = await run(['surtidores', 'token', '3', '--data-dir', dir]);
    expect(second.out[0]).toContain('el anterior quedó revocado');
    const token2 = second.out.map((l) => l.trim()).find((l) => l.startsWith('srt_')) as string;
    expect(token2).not.toBe(token);

    let store = new SqliteStore({ dataDir: dir });
    await store.setup();
    const cred = await store.getPumpCredential(3);
    expect(cred?.hash).toBe(sha256(token2));
    expect(JSON.stringify(cred)).not.toContain(token2);
    await store.close();

    expect((await run(['surtidores', 'token', '3', '--revocar', '--data-dir', dir])).out[0]).toContain('revocado');
    expect((await run(['surtidores', 'token', '3', '--revocar', '--data-dir', dir])).out[0]).toContain(
      'no tenía token',
    );
    expect((await run(['surtidores', 'token', 'tres', '--data-dir', dir])).code).toBe(1);

    store = new SqliteStore({ dataDir: dir });
    await store.setup();
    expect(await store.getPumpCredential(3)).toBeNull();
    const audit = new AuditLog(store.auth, new FakeClock());
    const { items } = await audit.list({ limit: 10, skip: 0 });
    const mine = items.filter((i) => i.accion.startsWith('surtidor.token'));
    expect(mine.map((i) => [i.usuario, i.accion, i.objetivo])).toEqual(
      expect.arrayContaining([
        ['cli', 'surtidor.token.emitir', 'surtidor:3'],
        ['cli', 'surtidor.token.revocar', 'surtidor:3'],
      ]),
    );
    expect(mine).toHaveLength(4);
    expect(JSON.stringify(items)).not.toContain(token2);
    await store.close();
  });
});

describe('estacion certificados dev', () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('writes the dev CA with one command and says how to use it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'estacion-certs-'));
    dirs.push(dir);
    const out: string[] = [];
    const code = await main(['certificados', 'dev', '--dir', dir, '--surtidores', '1-2', '--host', 'estacion.lan'], {
      print: (l) => out.push(l),
      env: {},
    });
    expect(code).toBe(0);
    expect(out[0]).toContain('Certificados de desarrollo creados');
    expect(out.join('\n')).toContain('DNS:estacion.lan');
    expect(readdirSync(dir).sort()).toEqual([
      'ca.crt',
      'ca.key',
      'estacion.crt',
      'estacion.key',
      'surtidor-1.crt',
      'surtidor-1.key',
      'surtidor-2.crt',
      'surtidor-2.key',
    ]);
  }, 30_000);

  it('refuses a bad range in one line', async () => {
    const err: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void err.push(String(line)));
    const code = await main(['certificados', 'dev', '--dir', join(tmpdir(), 'nunca'), '--surtidores', '9-1'], {
      env: {},
    });
    expect(code).toBe(1);
    expect(err[0]).toBe('estacion: rango de surtidores inválido: "9-1"');
  });
});
