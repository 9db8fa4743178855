/**
 * `bench tls`: what TLS costs the station. The hub benchmark's load against a station started
 * plain, then with --tls-cert/--tls-key (and, with --mutual, mutual TLS), side by side; then a
 * reconnect storm of TLS pumps (storm.ts). Every child process is stopped and every temp dir
 * removed whatever happens.
 */
import { removeTempDir, tempDir } from '../hub/children.js';
import { type Figures, type LoadParams, problemsOf, runStation, type StationVariant } from '../hub/run.js';
import { type DevCertificates, devCertificates, stationTlsArgs } from './certs.js';
import { runStorm, type StormRun } from './storm.js';

export interface TlsBenchParams extends LoadParams {
  /** Pumps in the reconnect storm (0: no storm). */
  storm: number;
  /** Also measure mutual TLS (a client certificate per pump). */
  mutual: boolean;
}

export type IngestKey = 'tcp' | 'tls' | 'tlsMutuo';

export interface IngestRun {
  key: IngestKey;
  title: string;
  figures: Figures;
}

export interface TlsRun {
  params: TlsBenchParams;
  ingest: IngestRun[];
  storm: StormRun | null;
  problems: string[];
}

interface IngestVariant {
  key: IngestKey;
  title: string;
  variant: StationVariant;
}

function ingestVariants(params: TlsBenchParams, certs: DevCertificates): IngestVariant[] {
  const variants: IngestVariant[] = [
    { key: 'tcp', title: 'sin TLS', variant: { args: [] } },
    { key: 'tls', title: 'TLS', variant: { args: stationTlsArgs(certs, false), tls: { caFile: certs.ca } } },
  ];
  if (params.mutual) {
    variants.push({
      key: 'tlsMutuo',
      title: 'TLS mutuo',
      variant: { args: stationTlsArgs(certs, true), tls: { caFile: certs.ca, clientCertDir: certs.dir } },
    });
  }
  return variants;
}

async function runIngest(
  params: TlsBenchParams,
  certs: DevCertificates,
  progress: (line: string) => void,
): Promise<IngestRun[]> {
  const runs: IngestRun[] = [];
  for (const { key, title, variant } of ingestVariants(params, certs)) {
    progress(
      `ingesta ${title}: ${params.connections} conexiones, ${params.warmupS} s de calentamiento + ${params.durationS} s medidos…`,
    );
    runs.push({ key, title, figures: await runStation(params, variant) });
  }
  return runs;
}

export async function runTlsBench(params: TlsBenchParams, progress: (line: string) => void): Promise<TlsRun> {
  const certDir = tempDir('bench-tls-certs-');
  try {
    const clients = params.mutual ? params.connections : 0;
    progress(
      clients > 0
        ? `certificados de desarrollo: CA, estación y ${clients} surtidores (openssl, ~0,1 s cada uno)…`
        : 'certificados de desarrollo: CA y estación…',
    );
    const certs = await devCertificates(certDir, clients);
    const ingest = await runIngest(params, certs, progress);
    let storm: StormRun | null = null;
    if (params.storm > 0) {
      progress(`tormenta de reconexión: ${params.storm} surtidores TLS (sin certificado de cliente)…`);
      storm = await runStorm({ pumps: params.storm, certs }, progress);
    }
    const problems = [...ingest.flatMap((r) => problemsOf(r.figures, params, r.title)), ...(storm?.problems ?? [])];
    return { params, ingest, storm, problems };
  } finally {
    removeTempDir(certDir);
  }
}
