/** The CLI's HTTP client for the company API: one-line errors, never a stack trace. */
export const DEFAULT_API = 'http://127.0.0.1:8000';

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
  api: string,
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  let url: URL;
  try {
    url = new URL(path, api);
  } catch {
    throw new CliError(`--api inválida: "${api}" (p. ej. ${DEFAULT_API})`);
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
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
    throw new CliError(
      `respuesta inesperada de ${url.origin} (HTTP ${res.status}): ¿es el servicio de la empresa?`,
    );
  }
  if (!res.ok) {
    const e = (data as ApiErrorBody | undefined)?.error;
    const codigo = e?.codigo ?? `HTTP_${res.status}`;
    throw new CliError(
      `${codigo}: ${e?.mensaje ?? res.statusText}`,
      (e?.detalles ?? []).map((d) => `${d.campo}: ${d.problema}`),
    );
  }
  return data as T;
}
