/**
 * No Docker engine runs on these machines, so the deployment file is checked against the code:
 * every flag and environment variable of a service must exist in that service's CLI (parsed by the
 * CLI's own strict parser), published ports must be the ones the service listens on, addresses
 * between services must point at a service and the port it serves, and dependencies must exist.
 * The certificates are checked for real: the certificados service's own command is run into a
 * temporary directory, and every certificate file the others name must be there and fit (signed
 * by the CA its peer trusts, for the name it is dialled by, naming the pump id it is shown for).
 */
import { spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkExposure, NetworkPolicy } from '@combustible/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseServeArgs } from '../empresa/src/cli/serve.js';
import { type CompanyConfig, companyExposure } from '../empresa/src/config.js';
import { parseArgs as parseEstacionArgs } from '../estacion/src/cli.js';
import { type StationConfig, stationExposure } from '../estacion/src/config.js';
import { pumpIdOfCertificate } from '../estacion/src/tls/identity.js';
import { parseArgs as parseSurtidorArgs } from '../surtidor/src/cli.js';
import type { SurtidorConfig } from '../surtidor/src/config.js';
import { pumpFile } from '../surtidor/src/link/tls.js';
import { binPath, ROOT } from './helpers/processes.js';

type Kind = 'empresa' | 'estacion' | 'surtidor';

interface Service {
  image?: string;
  build?: { context: string; target: string };
  restart?: string;
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

/** The Dockerfile target a service is built from. */
const imageOf = (s: Service): Kind | undefined => s.build?.target as Kind | undefined;
/** The one-shot that writes the certificates: the station's image running `estacion certificados dev`. */
const isCertificados = (s: Service) => imageOf(s) === 'estacion' && s.command?.[0] === 'certificados';
/** Which service a long-running container is (the certificados one-shot is none of them). */
const kindOf = (s: Service): Kind | undefined => (isCertificados(s) ? undefined : imageOf(s));
const builtServices = services.filter(([, s]) => imageOf(s) !== undefined);
const appServices = services.filter(([, s]) => kindOf(s) !== undefined);
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
      return parseServeArgs(command.slice(1), process.env);
    }
    if (kind === 'estacion') return parseEstacionArgs(command, process.env);
    return parseSurtidorArgs(command);
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

/** `SOURCE:TARGET[:MODE]` of each of a service's volumes. */
const mounts = (s: Service) =>
  (s.volumes ?? []).map((v) => {
    const [source = '', target = '', mode] = v.split(':');
    return { source, target, mode };
  });
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const certificadosServices = services.filter(([, s]) => isCertificados(s));
const [certificadosName = '', certificados] = certificadosServices[0] ?? [];
/** Where certificados writes (its --dir), and the named volume mounted there. */
const certsCommand = certificados?.command ?? [];
const dirAt = certsCommand.indexOf('--dir') + 1;
const certsDir = dirAt > 0 ? certsCommand[dirAt] : undefined;
const certsVolume = certificados && mounts(certificados).find((m) => m.target === certsDir)?.source;
/** Where the certificados command writes on this machine: its --dir, in a temporary directory. */
const certsOut = mkdtempSync(path.join(tmpdir(), 'compose-certs-'));
/** The certificados command run twice (a first start, then a restart), and the files after the first. */
const certRuns: { status: number | null; stderr: string }[] = [];
let filesAtFirstStart: Record<string, string> = {};
const certFiles = () =>
  Object.fromEntries(readdirSync(certsOut).map((f) => [f, readFileSync(path.join(certsOut, f), 'utf8')]));

/** A file a service names in the certificates volume, as the certificados command wrote it here. */
function localPath(s: Service, file: string): string {
  const mount = mounts(s).find((m) => m.source === certsVolume);
  expect(mount, `${file}: the service mounts the ${certsVolume} volume`).toBeDefined();
  const target = String(mount?.target);
  expect(file.startsWith(`${target}/`), `${file} is in ${target}`).toBe(true);
  return path.join(certsOut, file.slice(target.length + 1));
}

/** The certificate at a path a service names (its config must name one). */
function certAt(s: Service, file: string | undefined): X509Certificate {
  expect(file, 'a certificate file').toBeDefined();
  return new X509Certificate(readFileSync(localPath(s, String(file))));
}

/** The station's certificate as a client checks it: signed by the client's CA, for the name it dials. */
function expectStationTrusted(client: string, ca: string | undefined, station: string, servername: string) {
  const stationConfig = configs.get(station) as unknown as StationConfig;
  const cert = certAt(compose.services[station] as Service, stationConfig.tlsCert);
  const trusted = certAt(compose.services[client] as Service, ca);
  expect(cert.verify(trusted.publicKey), `${client} → ${station}: signed by the CA ${client} trusts`).toBe(true);
  expect(cert.checkHost(servername), `${client} → ${station}: valid for "${servername}"`).toBe(servername);
}

beforeAll(() => {
  for (const kind of ['empresa', 'estacion', 'surtidor'] as const) flags[kind] = helpFlags(kind);
  for (const [name, s] of appServices) {
    try {
      parsedConfigs.set(name, parsed(kindOf(s) as Kind, s));
    } catch (err) {
      parseErrors.set(name, err as Error);
    }
  }
  if (certificados && certsDir !== undefined) {
    const args = certsCommand.map((a, i) => (i === dirAt ? certsOut : a));
    for (let run = 0; run < 2; run++) {
      const r = spawnSync(process.execPath, [binPath('estacion'), ...args], { cwd: ROOT, encoding: 'utf8' });
      certRuns.push({ status: r.status, stderr: r.stderr });
      if (run === 0) filesAtFirstStart = certFiles();
    }
  }
}, 60_000);

afterAll(() => rmSync(certsOut, { recursive: true, force: true }));

describe('docker-compose.yml', () => {
  it('has both MongoDBs, the company, a station, three pump simulators and the certificates one-shot', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        'certificados',
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
    for (const [name, s] of builtServices) {
      const kind = imageOf(s) as Kind;
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
      const used = (s.command ?? []).filter((t) => t.startsWith('--')).map((t) => t.slice(2).split('=')[0] as string);
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

  it('checks /health of the company and the station on their API port, over HTTPS with --tls-api', () => {
    for (const name of ['empresa', 'estacion']) {
      const test = compose.services[name]?.healthcheck?.test.join(' ') ?? '';
      const scheme = configs.get(name)?.tlsApi === true ? 'https' : 'http';
      expect(test).toContain(`${scheme}://127.0.0.1:${Number(configs.get(name)?.apiPort)}/health`);
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
        if (SECRET_KEY.test(key)) expect(String(value), `${name}: ${key}`).toMatch(/^\$\{\w+:\?[^}]+\}$/); // required, no default
        if (key === 'MONGO_URL') expect(String(value), `${name}: ${key}`).toMatch(/^mongodb:\/\/\$\{\w+\}:\$\{\w+\}@/);
      }
      for (const flag of s.command ?? []) expect(SECRET_FLAGS, `${name}: ${flag} (visible in ps)`).not.toContain(flag);
    }
    for (const [key, value] of Object.entries(envExample)) {
      if (SECRET_KEY.test(key)) expect(composeText, `${key}'s placeholder`).not.toContain(value);
    }
    const ignored = (file: string) =>
      readFileSync(path.join(ROOT, file), 'utf8')
        .split('\n')
        .map((l) => l.trim());
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
    for (const [name] of ofKind('surtidor'))
      expect((configs.get(name) as { token?: string }).token, name).toBe(station.pumpToken);
  });

  it('makes the certificates once, before the services that use them, which mount them read-only', () => {
    expect(certificadosServices.map(([n]) => n)).toEqual(['certificados']);
    // A one-shot: restarted whenever it exits (even with 0), it would run over and over.
    expect(['no', 'on-failure', undefined]).toContain(certificados?.restart);
    expect(certsVolume, `a named volume mounted at its --dir (${certsDir})`).toBeDefined();
    expect(Object.keys(compose.volumes)).toContain(certsVolume);
    expect(certRuns).toHaveLength(2);
    for (const [i, r] of certRuns.entries()) expect(r.status, `run ${i + 1}: ${r.stderr}`).toBe(0);
    // A restart changes nothing: the certificates in use stay valid.
    expect(Object.keys(filesAtFirstStart)).toContain('ca.crt');
    expect(certFiles()).toEqual(filesAtFirstStart);
    const users = services.filter(
      ([n, s]) => n !== certificadosName && mounts(s).some((m) => m.source === certsVolume),
    );
    expect(users.map(([n]) => n).sort()).toEqual(appServices.map(([n]) => n).sort());
    for (const [name, s] of users) {
      expect(mounts(s).find((m) => m.source === certsVolume)?.mode, `${name}: read-only`).toBe('ro');
      expect(s.depends_on?.[certificadosName]?.condition, name).toBe('service_completed_successfully');
    }
  });

  it('builds the certificados image with openssl, and the volume directory owned by the user that writes it', () => {
    const stage = dockerfile
      .split(/^(?=FROM )/m)
      .find((st) => st.startsWith('FROM ') && st.split('\n')[0]?.endsWith(` AS ${imageOf(certificados ?? {})}`));
    expect(stage).toMatch(/apt-get install [^\n]*\bopenssl\b/);
    // A new named volume takes the owner of the image directory it is mounted on.
    const dir = escapeRegExp(String(certsDir));
    expect(dockerfile).toMatch(new RegExp(`^RUN mkdir -p .*${dir}\\b.* && chown node:node .*${dir}\\b`, 'm'));
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('names only certificate files that the certificados command writes, for every id of a pump', () => {
    let named = 0;
    for (const [name, s] of services) {
      if (name === certificadosName) continue;
      const target = mounts(s).find((m) => m.source === certsVolume)?.target ?? String(certsDir);
      const texts = [...(s.command ?? []), ...Object.values(env(s)), ...(s.healthcheck?.test ?? [])];
      const inVolume = new RegExp(`${escapeRegExp(target)}/[\\w.{}-]+`, 'g');
      const files = texts.flatMap((t) => [...t.matchAll(inVolume)].map((m) => m[0]));
      for (const file of files) {
        let paths = [file];
        if (file.includes('{id}')) {
          expect(kindOf(s), `${name}: {id} in ${file}`).toBe('surtidor');
          const { firstId, count } = configs.get(name) as unknown as SurtidorConfig;
          paths = Array.from({ length: count }, (_, i) => pumpFile(file, firstId + i));
        }
        for (const p of paths) expect(existsSync(localPath(s, p)), `${name}: ${p}`).toBe(true);
        named += paths.length;
      }
    }
    expect(named).toBeGreaterThan(0);
  });

  it('runs the station with TLS on both links, mutual TLS on the pump port and HTTPS on its API', () => {
    for (const [name, s] of ofKind('estacion')) {
      const c = configs.get(name) as unknown as StationConfig;
      expect(c.tlsClientAuth, `${name}: --tls-client-auth`).toBe(true);
      expect(c.tlsApi, `${name}: --tls-api`).toBe(true);
      const cert = certAt(s, c.tlsCert);
      expect(cert.checkPrivateKey(createPrivateKey(readFileSync(localPath(s, String(c.tlsKey)))))).toBe(true);
      expect(cert.verify(certAt(s, c.tlsCa).publicKey), `${name}: its certificate is signed by --tls-ca`).toBe(true);
    }
  });

  it('gives every pump a certificate of the station CA naming its id, and has it verify the station', () => {
    for (const [name, s] of ofKind('surtidor')) {
      const c = configs.get(name) as unknown as SurtidorConfig;
      expect(c.tls, `${name}: --tls`).toBe(true);
      expectStationTrusted(name, c.ca, c.estacion.host, c.tlsServername ?? c.estacion.host);
      const stationCa = certAt(
        compose.services[c.estacion.host] as Service,
        (configs.get(c.estacion.host) as unknown as StationConfig).tlsCa,
      );
      for (let id = c.firstId; id < c.firstId + c.count; id++) {
        const cert = certAt(s, pumpFile(String(c.cert), id));
        const key = createPrivateKey(readFileSync(localPath(s, pumpFile(String(c.key), id))));
        expect(cert.verify(stationCa.publicKey), `${name}: pump ${id} signed by the station's --tls-ca`).toBe(true);
        expect(pumpIdOfCertificate({ subjectaltname: cert.subjectAltName }), `${name}: pump ${id}`).toBe(id);
        expect(cert.checkPrivateKey(key), `${name}: pump ${id} key`).toBe(true);
      }
    }
  });

  it('links the company to the station over TLS, verifying the station by the name it dials', () => {
    const company = configs.get('empresa') as unknown as CompanyConfig;
    expect(company.estacion.length).toBeGreaterThan(0);
    for (const { host, tls } of company.estacion) {
      expect(tls, `empresa → ${host}: tls://`).toBe(true);
      expectStationTrusted('empresa', company.tlsCa, host, host);
    }
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
