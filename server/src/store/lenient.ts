/**
 * The first steps of a lenient reader (a stored record can never make a read fail), shared by the
 * station's and the company's stores.
 */

/** The object a stored value holds, or an empty one (null, arrays, scalars). */
export function asObject(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** JSON text parsed, or undefined when it is not JSON. */
export function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
