/**
 * A development CA in one command (`estacion certificados dev`): a CA, a station certificate for
 * localhost/127.0.0.1 (plus any `--host` names) and one client certificate per pump, each naming
 * its pump id (CN `surtidor-<id>`, SAN `URI:urn:surtidor:<id>`). Everything is done by the system's
 * `openssl` (run with execFile, never through a shell); keys are written with mode 0600. With
 * `keepExisting` (`--conservar`) it can run at every start of a deployment: what is already there
 * and still good is kept, so certificates handed out stay valid.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class DevCaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DevCaError';
  }
}

export interface DevCaOptions {
  dir: string;
  /** Pump ids that get a client certificate. */
  surtidores: number[];
  /** Extra names (DNS or IP) for the station certificate, besides localhost and 127.0.0.1. */
  hosts?: string[];
  /** Validity of the leaf certificates, in days (default 825). */
  days?: number;
  /** The openssl binary (default `openssl` on the PATH). */
  openssl?: string;
  /**
   * Keep what `dir` already holds and make only the rest: the CA when its certificate is there and
   * has not expired (its key is needed only to sign something missing, and then must match); a
   * certificate when its key matches, it has not expired, that CA signed it and (the station's) it
   * names every host asked for. A new CA means every certificate is made again.
   */
  keepExisting?: boolean;
}

export interface DevCaResult {
  ca: { cert: string; key: string };
  estacion: { cert: string; key: string; nombres: string[] };
  surtidores: { id: number; cert: string; key: string }[];
  /** What was kept as it was (`keepExisting`): `ca`, `estacion`, `surtidor-<id>`. */
  conservados: string[];
}

/** Parses "1-10", "1,3,5-7" into sorted unique pump ids. */
export function parsePumpRange(value: string): number[] {
  const ids = new Set<number>();
  for (const part of value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new DevCaError(`"${part}" no es un id ni un rango de surtidores (p. ej. 1-10 o 1,3,5-7)`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < 1 || to < from) throw new DevCaError(`rango de surtidores inválido: "${part}"`);
    if (to - from > 10_000) throw new DevCaError(`rango de surtidores demasiado grande: "${part}"`);
    for (let id = from; id <= to; id += 1) ids.add(id);
  }
  if (ids.size === 0) throw new DevCaError('indique al menos un surtidor (p. ej. --surtidores 1-10)');
  return [...ids].sort((a, b) => a - b);
}

/** The subjectAltName line of the station certificate. */
export function stationAltNames(hosts: string[] = []): string[] {
  const names = ['DNS:localhost', 'IP:127.0.0.1'];
  for (const h of hosts) {
    const host = h.trim().replace(/^\[(.*)\]$/, '$1');
    if (host.length === 0) continue;
    if (!net.isIP(host) && !/^[a-zA-Z0-9*]([a-zA-Z0-9.-]{0,252})$/.test(host))
      throw new DevCaError(`"${h}" no es un nombre de host ni una dirección IP`);
    const name = net.isIP(host) ? `IP:${host}` : `DNS:${host}`;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * The certificate at `certPath` when it exists and has not expired, and the key at `keyPath` (if
 * given) exists and is its key; null otherwise.
 */
async function stillGood(certPath: string, keyPath?: string): Promise<X509Certificate | null> {
  try {
    const x509 = new X509Certificate(await readFile(certPath));
    if (Date.parse(x509.validTo) <= Date.now()) return null;
    if (keyPath !== undefined && !x509.checkPrivateKey(createPrivateKey(await readFile(keyPath)))) return null;
    return x509;
  } catch {
    // Missing, unreadable or not PEM: made again (openssl then reports a file it cannot write).
    return null;
  }
}

/** Whether a station certificate names every one of `altNames` (`DNS:…`, `IP:…`). */
function namesAll(cert: X509Certificate, altNames: string[]): boolean {
  return altNames.every((n) =>
    n.startsWith('IP:') ? cert.checkIP(n.slice(3)) !== undefined : cert.checkHost(n.slice(4)) !== undefined,
  );
}

export async function createDevCa(options: DevCaOptions): Promise<DevCaResult> {
  const openssl = options.openssl ?? 'openssl';
  const days = String(options.days ?? 825);
  const dir = options.dir;
  const altNames = stationAltNames(options.hosts);
  await mkdir(dir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'dev-ca-'));
  const exec = async (args: string[]) => {
    try {
      await run(openssl, args);
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT') throw new DevCaError(`no se encontró "${openssl}": instale OpenSSL`);
      throw new DevCaError(`openssl falló: ${(e.stderr ?? e.message).trim().split('\n')[0]}`);
    }
  };
  const serial = () =>
    `0x${randomBytes(16)
      .toString('hex')
      .replace(/^[89a-f]/, '1')}`;
  const conservados: string[] = [];
  /** The CA's certificate when it was kept (so a kept leaf must be signed by it). */
  let keptCa: X509Certificate | null = null;
  /**
   * A kept CA signs only with its own key. Without it, refuse rather than make a new CA: that
   * would silently invalidate every certificate already handed out (or another CA's, put there).
   */
  let keptCaKeyChecked = false;
  const checkKeptCaKey = async (name: string) => {
    if (keptCa === null || keptCaKeyChecked) return;
    if ((await stillGood(caCert, caKey)) === null)
      throw new DevCaError(`falta ${name}: para firmarlo hace falta ${caKey}, la clave de ${caCert}`);
    keptCaKeyChecked = true;
  };
  /**
   * A key and a certificate signed by the CA, with the given extensions (an openssl config file);
   * with keepExisting, the ones in `dir` if the kept CA signed them and `fits` accepts them.
   */
  const leaf = async (
    name: string,
    subject: string,
    extensions: string[],
    fits: (cert: X509Certificate) => boolean = () => true,
  ) => {
    const key = join(dir, `${name}.key`);
    const cert = join(dir, `${name}.crt`);
    if (keptCa) {
      const existing = await stillGood(cert, key);
      if (existing?.verify(keptCa.publicKey) && fits(existing)) {
        conservados.push(name);
        return { cert, key };
      }
      await checkKeptCaKey(name);
    }
    const csr = join(work, `${name}.csr`);
    const ext = join(work, `${name}.ext`);
    await writeFile(ext, `${extensions.join('\n')}\n`);
    await exec(['req', '-new', ...KEY_ARGS, '-keyout', key, '-out', csr, '-subj', subject]);
    await chmod(key, 0o600);
    await exec([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      caCert,
      '-CAkey',
      caKey,
      '-set_serial',
      serial(),
      '-days',
      days,
      '-sha256',
      '-extfile',
      ext,
      '-out',
      cert,
    ]);
    return { cert, key };
  };
  const caCert = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  try {
    if (options.keepExisting) {
      const existing = await stillGood(caCert);
      keptCa = existing?.ca ? existing : null;
    }
    if (keptCa) conservados.push('ca');
    else {
      await exec([
        'req',
        '-x509',
        ...KEY_ARGS,
        '-keyout',
        caKey,
        '-out',
        caCert,
        '-days',
        '3650',
        '-sha256',
        '-subj',
        '/O=Combustible (desarrollo)/CN=CA de desarrollo combustible',
        '-addext',
        'basicConstraints=critical,CA:TRUE,pathlen:0',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ]);
      await chmod(caKey, 0o600);
    }
    const estacion = await leaf(
      'estacion',
      '/O=Combustible (desarrollo)/CN=localhost',
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
        `subjectAltName=${altNames.join(',')}`,
      ],
      // A --host added since: the station certificate is made again to name it.
      (cert) => namesAll(cert, altNames),
    );
    const surtidores: DevCaResult['surtidores'] = [];
    for (const id of options.surtidores) {
      const files = await leaf(`surtidor-${id}`, `/O=Combustible (desarrollo)/CN=surtidor-${id}`, [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=clientAuth',
        `subjectAltName=URI:urn:surtidor:${id}`,
      ]);
      surtidores.push({ id, ...files });
    }
    return {
      ca: { cert: caCert, key: caKey },
      estacion: { ...estacion, nombres: altNames },
      surtidores,
      conservados,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** What `estacion certificados dev` prints. */
export function devCaSummary(r: DevCaResult): string[] {
  const ids = r.surtidores.map((s) => s.id);
  const total = 2 + r.surtidores.length;
  return [
    `Certificados de desarrollo ${r.conservados.length === 0 ? 'creados' : 'listos'} (no los use en producción):`,
    `  CA:        ${r.ca.cert}  (clave ${r.ca.key}: guárdela, firma todo lo demás)`,
    `  estación:  ${r.estacion.cert}  para ${r.estacion.nombres.join(', ')}`,
    `  surtidores: ${r.surtidores.length} certificados de cliente (${ids.length > 3 ? `${ids[0]}…${ids[ids.length - 1]}` : ids.join(', ')}), surtidor-<id>.crt/.key`,
    ...(r.conservados.length > 0
      ? [`  conservados: ${r.conservados.length} de ${total}, que ya estaban y siguen vigentes`]
      : []),
    '',
    'Para usarlos:',
    `  estacion --tls-cert ${r.estacion.cert} --tls-key ${r.estacion.key} --tls-ca ${r.ca.cert} --tls-client-auth`,
    `  surtidor --tls --ca ${r.ca.cert} --cert ${r.surtidores[0]?.cert ?? '…'} --key ${r.surtidores[0]?.key ?? '…'}`,
  ];
}
