/**
 * Who may open a WebSocket from a browser. A browser always sends `Origin`; a page from another
 * site must not be able to read the station's live events with the operator's network position
 * (cross-site WebSocket hijacking). Non-browser clients send no Origin and are let through.
 */

export type OriginDecision = { ok: true } | { ok: false; motivo: string };

/** `scheme://host[:port]` of an origin, lowercased, or null when it is not one. */
export function normalizeOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.origin.toLowerCase();
  } catch {
    return null;
  }
}

/** The hostname of a Host header (`example.com:8001`, `[::1]:4001`), lowercased. */
function hostnameOf(hostHeader: string): string | null {
  try {
    return new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Allowed: no Origin at all; an Origin on the same hostname as the request's Host (any port: the
 * dashboard comes from the API port and opens the WebSocket on another one); or one listed in
 * `allowed` (full origins, `https://panel.example.com`).
 */
export function checkOrigin(input: {
  origin: string | undefined;
  host: string | undefined;
  allowed: readonly string[];
}): OriginDecision {
  const { origin } = input;
  if (origin === undefined) return { ok: true };
  const normal = normalizeOrigin(origin);
  if (normal === null) return { ok: false, motivo: `origen inválido: ${JSON.stringify(origin.slice(0, 100))}` };
  if (input.allowed.some((a) => normalizeOrigin(a) === normal)) return { ok: true };
  const host = input.host === undefined ? null : hostnameOf(input.host);
  if (host !== null && new URL(normal).hostname === host) return { ok: true };
  return { ok: false, motivo: `origen no permitido: ${normal} (agréguelo con --allowed-origin)` };
}
