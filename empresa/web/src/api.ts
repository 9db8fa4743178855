/**
 * The page's requests to the company API, one at a time: every request waits for the one before it
 * (`enCola`), so the poll loop and a change never overlap and a slow service never piles requests
 * up. A 401 (the session ended) is a `SinSesion`; another error answer a `RespuestaError` with the
 * API's message; no answer at all, the fetch's own error.
 */
import type { ErrorApi } from './types.js';

/** A request that has not answered by then fails (and the next one may go). */
const ESPERA_MS = 10_000;

/** The API answered 401: the session expired, was closed or its user removed. */
export class SinSesion extends Error {}

/** The API answered, with an error (its message, and the fields it names). */
export class RespuestaError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

let cola: Promise<unknown> = Promise.resolve();
/** Runs `hacer` after every request queued before it has finished, well or not. */
function enCola<T>(hacer: () => Promise<T>): Promise<T> {
  const turno = cola.then(hacer, hacer);
  cola = turno.catch(() => undefined);
  return turno;
}

export interface Respuesta<T> {
  data: T;
  res: Response;
}

export function pedir<T>(method: string, path: string, body?: unknown): Promise<Respuesta<T>> {
  return enCola(async () => {
    const res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(ESPERA_MS),
    });
    if (res.status === 401) throw new SinSesion('la sesión terminó');
    if (res.status === 204) return { data: null as T, res };
    const data = (await res.json()) as T & ErrorApi;
    if (!res.ok) {
      const e = data?.error ?? {};
      const mensaje = e.mensaje ?? '';
      // Details the message already says in full (the limits name fuel, value and limit) are not repeated.
      const detalles = (e.detalles ?? [])
        .filter((d) => !mensaje.includes(d.problema))
        .map((d) => `${d.campo}: ${d.problema}`)
        .join('; ');
      throw new RespuestaError(`${e.mensaje ?? res.statusText}${detalles ? ` (${detalles})` : ''}`, res.status);
    }
    return { data, res };
  });
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  return (await pedir<T>(method, path, body)).data;
}

/** A page of a list: its items and how many there are in all (x-total-count). */
export async function pagina<T>(path: string): Promise<{ items: T[]; total: number }> {
  const { data, res } = await pedir<T[]>('GET', path);
  return { items: data, total: Number(res.headers.get('x-total-count') ?? data.length) };
}
