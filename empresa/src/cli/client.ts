/**
 * The CLI's HTTP client for the company API: one-line errors, never a stack trace. Every request
 * carries a credential: `--token` (or EMPRESA_API_TOKEN), else the session saved by `empresa
 * login` for that API; a refused or missing one becomes one line saying how to log in.
 */
import { readSession } from './sesion-file.js';

export const DEFAULT_API = 'http://127.0.0.1:8000';

/** `--token`, for the commands that call the API (not a yargs default: --help would show it). */
export const TOKEN_OPTION = {
  token: {
    type: 'string',
    describe: 'Token de API para autenticarse (o EMPRESA_API_TOKEN); sin él, la sesión de "empresa login"',
  },
} as const;

/** A bearer secret and where it came from (to say what to do when the API refuses it). */
export interface Credencial {
  token: string;
  origen: 'token' | 'sesion';
  /** The user of a saved session. */
  usuario?: string;
}

/** The global options of the CLI as yargs parses them. */
export interface GlobalArgs {
  api: string;
  json: boolean;
}

/** The global options of the client commands, with the credential they resolve to. */
export interface ClientArgs {
  api: string;
  json: boolean;
  credencial: Credencial | null;
}

/**
 * From yargs' parsed arguments: `--token`, else EMPRESA_API_TOKEN (not EMPRESA_TOKEN: that one is
 * the station-link token of `empresa serve`, often set in the same shell), else the saved session.
 */
export function clientArgs(a: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): ClientArgs {
  const api = String(a.api);
  const json = a.json === true;
  const given = typeof a.token === 'string' && a.token !== '' ? a.token : env.EMPRESA_API_TOKEN || undefined;
  if (given) return { api, json, credencial: { token: given, origen: 'token' } };
  const saved = readSession(api, env);
  return { api, json, credencial: saved ? { token: saved.token, origen: 'sesion', usuario: saved.usuario } : null };
}

/** The one line for a request without a valid credential: what to run. */
export function loginHint(client: Pick<ClientArgs, 'api' | 'credencial'>): CliError {
  let origin = client.api;
  try {
    origin = new URL(client.api).origin;
  } catch {
    // shown as given
  }
  const usuario = client.credencial?.usuario ?? 'admin';
  const apiFlag = origin === DEFAULT_API ? '' : ` --api ${origin}`;
  const run = `ejecute "npx empresa login --usuario ${usuario}${apiFlag}"`;
  switch (client.credencial?.origen) {
    case 'token':
      return new CliError(
        `NO_AUTENTICADO: la empresa en ${origin} rechazó el token de --token (o EMPRESA_API_TOKEN); use otro o ${run}`,
      );
    case 'sesion':
      return new CliError(`NO_AUTENTICADO: la sesión de ${usuario} en ${origin} venció o se cerró; ${run}`);
    default:
      return new CliError(
        `NO_AUTENTICADO: no hay sesión iniciada en ${origin}; ${run} (o use --token / EMPRESA_API_TOKEN)`,
      );
  }
}

/** A failure to show the user as one line (plus details); the CLI exits 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly detalles: string[] = [],
  ) {
    super(message);
    this.name = 'CliError';
  }
}

interface ApiErrorBody {
  error?: { codigo?: string; mensaje?: string; detalles?: { campo: string; problema: string }[] };
}

export async function request<T>(
  client: Pick<ClientArgs, 'api' | 'credencial'>,
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const { api, credencial } = client;
  let url: URL;
  try {
    url = new URL(path, api);
  } catch {
    throw new CliError(`--api inválida: "${api}" (p. ej. ${DEFAULT_API})`);
  }
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (credencial) headers.authorization = `Bearer ${credencial.token}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new CliError(
      `SERVICIO_NO_DISPONIBLE: la empresa no responde en ${url.origin} (${why}); ` +
        '¿está corriendo "npx empresa serve"? (otra dirección: --api o EMPRESA_API)',
    );
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown;
  try {
    data = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    throw new CliError(`respuesta inesperada de ${url.origin} (HTTP ${res.status}): ¿es el servicio de la empresa?`);
  }
  if (!res.ok) {
    const e = (data as ApiErrorBody | undefined)?.error;
    const codigo = e?.codigo ?? `HTTP_${res.status}`;
    if (codigo === 'NO_AUTENTICADO') throw loginHint(client);
    throw new CliError(
      `${codigo}: ${e?.mensaje ?? res.statusText}`,
      (e?.detalles ?? []).map((d) => `${d.campo}: ${d.problema}`),
    );
  }
  return data as T;
}

/** The largest page the API answers (`limit`); a shorter page is the last one. */
export const PAGE_MAX = 1000;

/** Every item of a paged list (`?limit&skip`; the API answers at most PAGE_MAX at a time). */
export async function requestAll<T>(client: Pick<ClientArgs, 'api' | 'credencial'>, path: string): Promise<T[]> {
  const all: T[] = [];
  const sep = path.includes('?') ? '&' : '?';
  for (let skip = 0; ; skip += PAGE_MAX) {
    const page = await request<T[]>(client, 'GET', `${path}${sep}limit=${PAGE_MAX}&skip=${skip}`);
    all.push(...page);
    if (page.length < PAGE_MAX) return all;
  }
}
