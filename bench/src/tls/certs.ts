/**
 * The benchmark's certificates, made by the station's own `estacion certificados dev` (openssl) in
 * a temp dir: a CA, the station's certificate for localhost/127.0.0.1 and, for mutual TLS, one
 * client certificate per pump. openssl takes about 0.1 s per client certificate, hence only when
 * asked for (--mutual).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, STATION_BIN } from '../hub/run.js';

const run = promisify(execFile);

export interface DevCertificates {
  dir: string;
  ca: string;
  cert: string;
  key: string;
}

/** Makes the CA and station certificate, plus client certificates for pumps 1..clients (if any). */
export async function devCertificates(dir: string, clients: number): Promise<DevCertificates> {
  // The command insists on at least one pump; a single unused client certificate costs nothing.
  const surtidores = clients > 1 ? `1-${clients}` : '1';
  try {
    await run(process.execPath, [STATION_BIN, 'certificados', 'dev', '--dir', dir, '--surtidores', surtidores], {
      cwd: ROOT,
      maxBuffer: 1 << 20,
    });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`no se pudieron crear los certificados de desarrollo: ${stderr || String(err)}`);
  }
  return {
    dir,
    ca: path.join(dir, 'ca.crt'),
    cert: path.join(dir, 'estacion.crt'),
    key: path.join(dir, 'estacion.key'),
  };
}

/** The station's flags for server TLS with these certificates, and mutual TLS when `mutual`. */
export function stationTlsArgs(certs: DevCertificates, mutual: boolean): string[] {
  const server = ['--tls-cert', certs.cert, '--tls-key', certs.key];
  return mutual ? [...server, '--tls-ca', certs.ca, '--tls-client-auth'] : server;
}
