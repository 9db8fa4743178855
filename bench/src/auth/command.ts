/** The `auth` command: what authentication costs per REST request, as a table and JSON. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { machineInfo, writeResult } from '../hub/report.js';
import { ROOT } from '../hub/run.js';
import { AUTH_HEAD, authCells } from './report.js';
import { type AuthBenchParams, runAuthBench, type VariantResult } from './run.js';

interface AuthArgs {
  inject: number;
  requests: number;
  concurrency: number;
}

const builder = (y: Argv) =>
  y.options({
    inject: { type: 'number', default: 20_000, describe: 'Solicitudes en proceso (inject) por variante' },
    requests: { type: 'number', default: 20_000, describe: 'Solicitudes HTTP por variante' },
    concurrency: { type: 'number', default: 16, describe: 'Solicitudes HTTP simultáneas' },
  });

export function formatAuth(params: AuthBenchParams, rows: VariantResult[]): string {
  const m = machineInfo();
  return [
    `Autenticación por solicitud: ${params.injectRequests} solicitudes en proceso y ${params.httpRequests} por HTTP ` +
      `(${params.concurrency} simultáneas) por variante; la base es la misma ruta sin autenticación`,
    `Máquina: ${m.cpus} × ${m.model}, Node ${m.node}`,
    '',
    `${''.padEnd(36)}${AUTH_HEAD.map((c) => c.padStart(17)).join('')}`,
    ...rows.map(
      (r) =>
        `${r.variante.padEnd(36)}${authCells(r)
          .map((c) => c.padStart(17))
          .join('')}`,
    ),
  ].join('\n');
}

async function handler(a: AuthArgs): Promise<void> {
  const at = new Date();
  const params: AuthBenchParams = { injectRequests: a.inject, httpRequests: a.requests, concurrency: a.concurrency };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-auth-'));
  try {
    console.log('Midiendo el costo de la autenticación…');
    const rows = await runAuthBench(params, dir, (line) => console.log(line));
    console.log('');
    console.log(formatAuth(params, rows));
    const file = writeResult('auth', at, { params, resultados: rows });
    console.log(`\nresultados: ${file.slice(ROOT.length)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const authCommand: CommandModule<object, AuthArgs> = {
  command: 'auth',
  describe: 'Costo de la autenticación por solicitud REST (con y sin sesión, token de API y cookie)',
  builder,
  handler,
};
