/**
 * What the stress suites measure on a running service: its memory and open files (from /proc),
 * Prometheus values, documented error codes, and HTTP requests that fetch() would not send (any
 * path, any source address on 127.0.0.0/8, so that per-address limits do not hide the input).
 */
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { ROOT } from './processes.js';

export const MiB = 1024 * 1024;

/** Resident memory of a process, bytes (VmRSS). */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** Open file descriptors of a process. */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

/** Samples a process's RSS every `everyMs` until stopped: there is no event for "memory changed". */
export function sampleRss(pid: number, everyMs = 200): { stop(): { before: number; peak: number; after: number } } {
  const before = rssOf(pid);
  let peak = before;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssOf(pid));
    } catch {
      // the process is gone: the test's own checks say why
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const after = rssOf(pid);
      peak = Math.max(peak, after);
      return { before, peak, after };
    },
  };
}

/** One value of a Prometheus text exposition (`name` or `name{label="x"}` exactly as printed), or undefined. */
export function metricValue(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    if (sp > 0 && line.slice(0, sp) === series) return Number(line.slice(sp + 1));
  }
  return undefined;
}

// ── documented error codes ─────────────────────────────────────────────────────────────────────

/**
 * The codes of the error tables (a header row naming `codigo`) in the section of a doc file that
 * starts at `heading` (up to the next heading of the same level): first column, in backticks.
 */
export function documentedCodes(docFile: string, heading: RegExp): Set<string> {
  const lines = readFileSync(`${ROOT}/${docFile}`, 'utf8').split('\n');
  const start = lines.findIndex((l) => heading.test(l));
  if (start === -1) throw new Error(`${docFile}: no heading ${heading}`);
  const level = /^#+/.exec(lines[start] as string)?.[0] ?? '##';
  const codes = new Set<string>();
  let inCodes = false;
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('#') && (/^#+/.exec(line)?.[0].length ?? 0) <= level.length) break;
    if (!line.startsWith('|')) {
      inCodes = false;
      continue;
    }
    if (/`codigo`|\bcodigo\b/.test(line) && !/^\|\s*`[A-Z_]+`/.test(line)) {
      inCodes = true;
      continue;
    }
    const m = /^\|\s*`([A-Z_]+)`/.exec(line);
    if (inCodes && m) codes.add(m[1] as string);
  }
  if (codes.size === 0) throw new Error(`${docFile}: no error codes under ${heading}`);
  return codes;
}

// ── raw HTTP ───────────────────────────────────────────────────────────────────────────────────

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * One HTTP request with a path sent exactly as given, from `localAddress` (any 127.x.y.z), with a
 * deadline. A body string is sent as is (so it can be broken JSON).
 */
export function rawRequest(
  base: string,
  opts: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    localAddress?: string;
    timeoutMs?: number;
  },
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: opts.method,
        path: opts.path,
        // Node frames no body of a DELETE by itself: always say how long it is.
        headers:
          opts.body === undefined
            ? opts.headers
            : { ...opts.headers, 'content-length': String(Buffer.byteLength(opts.body)) },
        localAddress: opts.localAddress,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 15_000, () =>
      req.destroy(new Error(`${opts.method} ${opts.path.slice(0, 200)}: no answer in ${opts.timeoutMs ?? 15_000} ms`)),
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A GET with a bearer token; the status and the body parsed when it is JSON. */
export async function getJson(
  base: string,
  path: string,
  token: string,
  localAddress?: string,
): Promise<{ status: number; body: unknown; headers: http.IncomingHttpHeaders }> {
  const res = await rawRequest(base, {
    method: 'GET',
    path,
    headers: { authorization: `Bearer ${token}` },
    ...(localAddress ? { localAddress } : {}),
  });
  let body: unknown = res.text;
  if (String(res.headers['content-type'] ?? '').includes('json')) body = JSON.parse(res.text);
  return { status: res.status, body, headers: res.headers };
}

/** Logs in from `localAddress`; the session token. */
export async function loginFrom(base: string, usuario: string, clave: string, localAddress?: string): Promise<string> {
  const res = await rawRequest(base, {
    method: 'POST',
    path: '/api/sesion',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ usuario, clave }),
    ...(localAddress ? { localAddress } : {}),
  });
  if (res.status !== 200) throw new Error(`login ${usuario}: HTTP ${res.status} ${res.text}`);
  return (JSON.parse(res.text) as { token: string }).token;
}

/** The GET routes of a route table (`'GET /api/x/:id': role`), with `:params` filled by `fill`. */
export function getRoutes(table: Record<string, unknown>, fill: (param: string, route: string) => string): string[] {
  return Object.keys(table)
    .filter((k) => k.startsWith('GET '))
    .map((k) => k.slice(4).replace(/:(\w+)/g, (_, p: string) => encodeURIComponent(fill(p, k))));
}

/**
 * Every item of a listed route, page by page (`limit=1000&skip=`, total in x-total-count); a route
 * that answers without the header is read in one page. Throws on anything but 200.
 */
export async function readAll(base: string, path: string, token: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const sep = path.includes('?') ? '&' : '?';
  for (let skip = 0; ; skip += 1000) {
    const page = await getJson(base, `${path}${sep}limit=1000&skip=${skip}`, token);
    if (page.status !== 200)
      throw new Error(`GET ${path} skip=${skip}: ${page.status} ${JSON.stringify(page.body).slice(0, 300)}`);
    const list = page.body as Record<string, unknown>[];
    items.push(...list);
    const total = page.headers['x-total-count'];
    if (total === undefined || list.length === 0 || items.length >= Number(total)) {
      if (total !== undefined && items.length !== Number(total))
        throw new Error(`GET ${path}: read ${items.length} items, x-total-count says ${String(total)}`);
      return items;
    }
  }
}
