/**
 * The auth benchmark's columns: one variant's cells, shared by the command's table and the
 * README's (informe/), in a module of its own so the README does not load the auth stack.
 */
import type { VariantResult } from './run.js';

export const AUTH_HEAD = ['µs/sol. (inject)', 'costo µs', '× base', 'sol./s HTTP', '× base', 'p50 ms', 'p99 ms'];

export const authCells = (r: VariantResult) => [
  r.inject_us_por_solicitud.toFixed(1),
  r.costo_us.toFixed(1),
  r.ratio_inject.toFixed(2),
  r.http_solicitudes_s.toFixed(0),
  r.ratio_http.toFixed(2),
  r.http_p50_ms.toFixed(2),
  r.http_p99_ms.toFixed(2),
];
