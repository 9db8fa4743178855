/**
 * No Docker engine runs on these machines, so the deployment file is checked against the code:
 * every flag and environment variable of a service must exist in that service's CLI (parsed by the
 * CLI's own strict parser), published ports must be the ones the service listens on, addresses
 * between services must point at a service and the port it serves, and dependencies must exist.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkExposure, NetworkPolicy } from '@combustible/server';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseServeArgs } from '../empresa/src/cli/serve.js';
import { type CompanyConfig, companyExposure } from '../empresa/src/config.js';
import { parseArgs as parseEstacionArgs } from '../estacion/src/cli.js';
import { type StationConfig, stationExposure } from '../estacion/src/config.js';
import { parseArgs as parseSurtidorArgs } from '../surtidor/src/cli.js';
import { binPath, ROOT } from './helpers/processes.js';

type Kind = 'empresa' | 'estacion' | 'surtidor';

interface Service {
  image?: string;
  build?: { context: string; target: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  networks?: { default?: { ipam?: { config?: { subnet?: string }[] } } };
}

const composeText = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as Compose;
/**
 * The secrets come from `.env` (not committed); `.env.example` holds a placeholder for each, and
 * those placeholders are what the compose file is parsed with here.
 */
const envExample = Object.fromEntries(
  readFileSync(path.join(ROOT, '.env.example'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
);
const SECRET_KEY = /TOKEN|PASSWORD|CLAVE|SECRET/i;
const SECRET_FLAGS = ['--token', '--pump-token', '--company-token', '--admin-password'];
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const services = Object.entries(compose.services);
const ENV_PREFIX: Record<Kind, string> = { empresa: 'EMPRESA', estacion: 'ESTACION', surtidor: 'SURTIDOR' };

const kindOf = (s: Service): Kind | undefined => s.build?.target as Kind | undefined;
const appServices = services.filter(([, s]) => kindOf(s) !== undefined) as [string, Service][];
const ofKind = (kind: Kind) => appServices.filter(([, s]) => kindOf(s) === kind);

/**
 * `${VAR}`, `${VAR:-default}` and `${VAR:?message}` as compose resolves them with the values of
 * `.env.example` (a variable it lacks fails the test), and `$$` as a literal `$`.
 */
const interpolate = (v: string) =>
  v.replace(/\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}/g, (m, name: string | undefined, op?: string, arg?: string) => {
    if (m === '$$') return '$';
    const value = envExample[name as string];
    if (value !== undefined && value !== '') return value;
    if (op === '-') return arg ?? '';
    throw new Error(`\${${name}} is not set in .env.example${op === '?' ? ` (${arg})` : ''}`);
  });
const env = (s: Service) =>
  Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));

/** The flags a CLI documents in its --help. */
function helpFlags(kind: Kind): Set<string> {
  const args = kind === 'empresa' ? ['serve', '--help'] : ['--help'];
  const r = spawnSync(process.execPath, [binPath(kind), ...args], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return new Set([...r.stdout.matchAll(/--([a-z][a-z0-9-]*)/g)].map((m) => m[1] as string));
}

/** Parses a service's command with its own CLI, with the service's environment in place. */
function parsed(kind: Kind, s: Service): Record<string, unknown> {
  const vars = env(s);
  const saved = { ...process.env };
  // The CLIs read EMPRESA_* / ESTACION_* / SURTIDOR_* from process.env; MONGO_URL comes in too.
  for (const key of Object.keys(process.env)) {
    if (/^(EMPRESA|ESTACION|SURTIDOR)_|^MONGO_URL$/.test(key)) delete process.env[key];
  }
  Object.assign(process.env, vars);
  try {
    const command = s.command ?? [];
    if (kind === 'empresa') {
      expect(command[0]).toBe('serve');
      return parseServeArgs(command.slice(1), process.env) as unknown as Record<string, unknown>;
    }
    if (kind === 'estacion')
      return parseEstacionArgs(command, process.env) as unknown as Record<string, unknown>;
    return parseSurtidorArgs(command) as unknown as Record<string, unknown>;
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

/** `HOST:CONTAINER` or `IP:HOST:CONTAINER`; the host port must be the container's. */
const containerPorts = (s: Service) =>
  (s.ports ?? []).map((p) => {
    const [host, container] = String(p).split(':').slice(-2).map(Number);
    expect(host, `published port ${p}`).toBe(container);
    return container as number;
  });

const flags: Partial<Record<Kind, Set<string>>> = {};
const parseErrors = new Map<string, Error>();
const parsedConfigs = new Map<string, Record<string, unknown>>();
/** A service's config as its CLI parsed it (a parse failure fails the test that needs it). */
const configs = {
  get(name: string): Record<string, unknown> | undefined {
    const err = parseErrors.get(name);
    if (err) throw new Error(`${name}: its CLI refuses the command or environment: ${err.message}`);
    return parsedConfigs.get(name);
  },
};

beforeAll(() => {
  for (const kind of ['empresa', 'estacion', 'surtidor'] as const) flags[kind] = helpFlags(kind);
  for (const [name, s] of appServices) {
    try {
      parsedConfigs.set(name, parsed(kindOf(s) as Kind, s));
    } catch (err) {
      parseErrors.set(name, err as Error);
    }
  }
});

describe('docker-compose.yml', () => {
  it('has both MongoDBs, the company, a station and three pump simulators', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        'empresa',
        'estacion',
        'mongo-empresa',
        'mongo-estacion',
        'surtidor-1',
        'surtidor-2',
        'surtidor-3',
      ].sort(),
    );
    expect(ofKind('surtidor')).toHaveLength(3);
  });

  it('runs each MongoDB on its port with a volume and a healthcheck', () => {
    for (const [name, port] of [
      ['mongo-empresa', 27017],
      ['mongo-estacion', 27018],
    ] as const) {
      const s = compose.services[name] as Service;
      expect(s.image).toMatch(/^mongo:/);
      expect(containerPorts(s)).toEqual([port]);
      const cmd = s.command ?? [];
      expect(cmd[cmd.indexOf('--port') + 1]).toBe(String(port));
      expect(s.volumes?.some((v) => v.endsWith(':/data/db'))).toBe(true);
      expect(s.healthcheck?.test.join(' ')).toContain(`${name}:${port}`);
    }
  });

  it('builds every service from a target of the Dockerfile that runs that service', () => {
    for (const [name, s] of appServices) {
      const kind = kindOf(s) as Kind;
      expect(s.build?.context, name).toBe('.');
      const stage = new RegExp(
        `^FROM \\S+ AS ${kind}$[\\s\\S]*?^ENTRYPOINT \\["node", "${kind}/bin/${kind}.js"\\]`,
        'm',
      );
      expect(dockerfile, `Dockerfile stage "${kind}"`).toMatch(stage);
    }
  });

  it('uses only flags and environment variables that the CLIs define', () => {
    for (const [name, s] of appServices) {
      const kind = kindOf(s) as Kind;
      const known = flags[kind] as Set<string>;
      const used = (s.command ?? [])
        .filter((t) => t.startsWith('--'))
        .map((t) => t.slice(2).split('=')[0] as string);
      expect(used.length, name).toBeGreaterThan(0);
      for (const flag of used) expect(known.has(flag.replace(/^no-/, '')), `${name}: --${flag}`).toBe(true);
      for (const key of Object.keys(s.environment ?? {})) {
        if (key === 'MONGO_URL') continue;
        const prefix = `${ENV_PREFIX[kind]}_`;
        expect(key.startsWith(prefix), `${name}: ${key} should start with ${prefix}`).toBe(true);
        const flag = key.slice(prefix.length).toLowerCase().replaceAll('_', '-');
        expect(known.has(flag), `${name}: ${key} (--${flag})`).toBe(true);
      }
      expect(configs.get(name), name).toBeDefined(); // the CLI's own strict parser took it
    }
  });

  it('publishes exactly the ports each service listens on', () => {
    const [[, empresa]] = ofKind('empresa') as [[string, Service]];
    expect(containerPorts(empresa)).toEqual([configs.get('empresa')?.apiPort]);
    expect(configs.get('empresa')?.apiPort).toBe(8000);
    for (const [name, s] of ofKind('estacion')) {
      const c = configs.get(name) as Record<string, number>;
      expect(containerPorts(s).sort()).toEqual([c.pumpPort, c.companyPort, c.apiPort, c.wsPort].sort());
      expect([c.pumpPort, c.companyPort, c.apiPort, c.wsPort]).toEqual([6000, 5001, 8001, 4001]);
    }
  });

  it('points every service at its own MongoDB', () => {
    const expected: Record<string, string> = { empresa: 'mongo-empresa', estacion: 'mongo-estacion' };
    for (const [name, target] of Object.entries(expected)) {
      const url = new URL(String(configs.get(name)?.mongoUrl));
      expect(url.hostname, name).toBe(target);
      expect(containerPorts(compose.services[target] as Service)).toEqual([Number(url.port)]);
      expect(url.pathname, name).toBe(`/${name}`);
      expect(compose.services[name]?.depends_on?.[target]?.condition).toBe('service_healthy');
    }
  });

  it('registers the station with the company at its company port, with the same token', () => {
    const empresa = configs.get('empresa') as { estacion: { host: string; port: number }[]; token?: string };
    const stations = ofKind('estacion').map(([n]) => n);
    expect(empresa.estacion.map((e) => e.host).sort()).toEqual(stations.sort());
    for (const { host, port } of empresa.estacion) {
      const station = configs.get(host) as { companyPort: number; companyToken: string[] };
      expect(port).toBe(station.companyPort);
      expect(empresa.token).toBeDefined();
      expect(station.companyToken).toEqual([empresa.token]);
    }
  });

  it('points the pumps at the station pump port, with ids that do not overlap', () => {
    const ranges: [number, number][] = [];
    for (const [name] of ofKind('surtidor')) {
      const c = configs.get(name) as {
        estacion: { host: string; port: number };
        firstId: number;
        count: number;
      };
      const station = configs.get(c.estacion.host) as { pumpPort: number } | undefined;
      expect(station, `${name} → ${c.estacion.host}`).toBeDefined();
      expect(c.estacion.port).toBe(station?.pumpPort);
      expect(compose.services[name]?.depends_on?.[c.estacion.host]).toBeDefined();
      ranges.push([c.firstId, c.firstId + c.count - 1]);
    }
    ranges.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]?.[0]).toBeGreaterThan(ranges[i - 1]?.[1] ?? 0);
  });

  it('has dependencies that exist, waiting only on services with a healthcheck', () => {
    for (const [name, s] of services) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(compose.services[dep], `${name} depends on ${dep}`).toBeDefined();
        expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(condition);
        if (condition === 'service_healthy') expect(compose.services[dep]?.healthcheck, dep).toBeDefined();
      }
    }
  });

  it('checks /health of the company and the station on their API port', () => {
    for (const name of ['empresa', 'estacion']) {
      const test = compose.services[name]?.healthcheck?.test.join(' ') ?? '';
      expect(test).toContain(`:${configs.get(name)?.apiPort}/health`);
    }
  });

  it('declares every named volume it mounts', () => {
    for (const [name, s] of services) {
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0] as string;
        if (!source.startsWith('.') && !source.startsWith('/')) {
          expect(Object.keys(compose.volumes), `${name}: ${source}`).toContain(source);
        }
      }
    }
  });

  it('takes every secret from .env: no secret and no default for one in the file itself', () => {
    const referenced = new Set([...composeText.matchAll(/\$\{(\w+)/g)].map((m) => m[1] as string));
    for (const name of referenced) expect(envExample, `${name} in .env.example`).toHaveProperty(name);
    for (const [name, s] of services) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (SECRET_KEY.test(key))
          expect(String(value), `${name}: ${key}`).toMatch(/^\$\{\w+:\?[^}]+\}$/); // required, no default
        if (key === 'MONGO_URL')
          expect(String(value), `${name}: ${key}`).toMatch(/^mongodb:\/\/\$\{\w+\}:\$\{\w+\}@/);
      }
      for (const flag of s.command ?? []) expect(SECRET_FLAGS, `${name}: ${flag} (visible in ps)`).not.toContain(flag);
    }
    for (const [key, value] of Object.entries(envExample)) {
      if (SECRET_KEY.test(key)) expect(composeText, `${key}'s placeholder`).not.toContain(value);
    }
    const ignored = (file: string) => readFileSync(path.join(ROOT, file), 'utf8').split('\n').map((l) => l.trim());
    expect(ignored('.gitignore')).toContain('.env');
    expect(ignored('.dockerignore')).toContain('.env');
  });

  it('runs each MongoDB with authentication, and its service connects with that user', () => {
    for (const [service, mongo] of [
      ['empresa', 'mongo-empresa'],
      ['estacion', 'mongo-estacion'],
    ] as const) {
      const vars = env(compose.services[mongo] as Service);
      expect(vars.MONGO_INITDB_ROOT_USERNAME, mongo).toBeTruthy();
      expect(vars.MONGO_INITDB_ROOT_PASSWORD, mongo).toBeTruthy();
      expect(compose.services[mongo]?.command).toContain('--keyFile');
      const url = new URL(String(configs.get(service)?.mongoUrl));
      expect(decodeURIComponent(url.username)).toBe(vars.MONGO_INITDB_ROOT_USERNAME);
      expect(decodeURIComponent(url.password)).toBe(vars.MONGO_INITDB_ROOT_PASSWORD);
      expect(url.searchParams.get('authSource')).toBe('admin');
      // Published on the host's loopback only.
      for (const p of compose.services[mongo]?.ports ?? []) expect(p).toMatch(/^127\.0\.0\.1:/);
    }
  });

  it('listens on 0.0.0.0 inside the containers, with the credentials protected mode asks for', () => {
    const station = configs.get('estacion') as unknown as StationConfig;
    const company = configs.get('empresa') as unknown as CompanyConfig;
    expect([station.host, company.host]).toEqual(['0.0.0.0', '0.0.0.0']);
    expect([station.insecure, company.insecure]).toEqual([false, false]);
    expect(checkExposure(stationExposure(station))).toEqual({ verdict: 'ok' });
    expect(checkExposure(companyExposure(company))).toEqual({ verdict: 'ok' });
    expect(dockerfile).toMatch(/^CMD \["serve", "--host", "0\.0\.0\.0"/m);
    expect(dockerfile).toMatch(/^CMD \["--host", "0\.0\.0\.0"/m);
  });

  it('gives the pumps the station pump token', () => {
    const station = configs.get('estacion') as { pumpToken?: string };
    expect(station.pumpToken).toBeDefined();
    for (const [name] of ofKind('surtidor')) expect((configs.get(name) as { token?: string }).token, name).toBe(station.pumpToken);
  });

  it('lets the company dial the compose network, and only it', () => {
    const subnet = compose.networks?.default?.ipam?.config?.[0]?.subnet;
    expect(subnet).toBeDefined();
    const company = configs.get('empresa') as unknown as CompanyConfig;
    expect(company.allowedNetworks).toEqual([subnet]);
    const [address] = String(subnet).split('/');
    expect(NetworkPolicy.parse(company.allowedNetworks).contains(address as string)).toBe(true);
  });
});