/**
 * TLS towards the station (`--tls`): the station's certificate is verified against `--ca` (or the
 * system's CAs) and by the station's name (the --estacion host, or --tls-servername); with
 * `--cert/--key` each pump shows its own client certificate (`{id}` in the path: its id).
 */
import { readFileSync } from 'node:fs';
import type tls from 'node:tls';
import type { SurtidorConfig } from '../config.js';

type TlsConfig = Pick<SurtidorConfig, 'tls' | 'ca' | 'cert' | 'key' | 'tlsServername'>;

/** A --cert/--key path for one pump: `{id}` becomes its id. */
export const pumpFile = (pattern: string, id: number): string => pattern.replaceAll('{id}', String(id));

/** The TLS options of each pump's connection, or undefined without --tls. Reads the files now. */
export function pumpTls(config: TlsConfig): ((id: number) => tls.ConnectionOptions) | undefined {
  if (!config.tls) return undefined;
  const ca = config.ca === undefined ? undefined : readFileSync(config.ca);
  const read = (pattern: string, id: number) => readFileSync(pumpFile(pattern, id));
  return (id) => ({
    rejectUnauthorized: true,
    ...(ca ? { ca } : {}),
    ...(config.tlsServername ? { servername: config.tlsServername } : {}),
    ...(config.cert && config.key ? { cert: read(config.cert, id), key: read(config.key, id) } : {}),
  });
}
