/**
 * One table per service decides who may call each route: `'METHOD /url'` → the lowest role that
 * may, or 'publico'. A rule can also raise the role by a body field's value (the station's
 * `detener_emergencia` needs a supervisor where `pausar` needs an operator). The auth plugin
 * refuses to start when an /api route or /metrics is missing from the table, the OpenAPI
 * document shows each route's role, and the 401/403 test matrix is generated from it.
 */
export type RouteRule<R extends string> =
  R | 'publico' | { rol: R; segun: { campo: string; roles: Partial<Record<string, R>> } };

export type RouteTable<R extends string> = Readonly<Record<string, RouteRule<R>>>;

/** Routes that must appear in the table; everything else (pages, /docs, /health) is public. */
export const isProtectedUrl = (url: string): boolean => url === '/metrics' || url === '/api' || url.startsWith('/api/');

export function routeKey(method: string, url: string): string {
  return `${method === 'HEAD' ? 'GET' : method} ${url}`;
}

/** The lowest role a rule asks for, before looking at the body. */
export function baseRole<R extends string>(rule: RouteRule<R>): R | 'publico' {
  return typeof rule === 'string' ? rule : rule.rol;
}

/** The role a rule asks for given the request body. */
export function roleFor<R extends string>(rule: RouteRule<R>, body: unknown): R | 'publico' {
  if (typeof rule === 'string') return rule;
  const value =
    body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[rule.segun.campo] : undefined;
  return (typeof value === 'string' ? rule.segun.roles[value] : undefined) ?? rule.rol;
}

/** Human text for the docs: "operador" or "operador (supervisor si comando = detener_emergencia)". */
export function describeRule<R extends string>(rule: RouteRule<R>): string {
  if (typeof rule === 'string') return rule;
  const raised = Object.entries(rule.segun.roles)
    .map(([valor, rol]) => `${String(rol)} si ${rule.segun.campo} = ${valor}`)
    .join('; ');
  return `${rule.rol} (${raised})`;
}
