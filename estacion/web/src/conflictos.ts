/**
 * "Conflictos": sales that arrived with the id of a stored sale but other content. The station
 * kept both versions; the operator sees how many there are and the latest ones, both versions side
 * by side. Read from GET /api/conflictos (the total from x-total-count).
 */
import { el, fmtHora, fmtLitros, fmtPesos, NOMBRE_COMBUSTIBLE } from './format.js';
import type { Conflicto, Transaccion } from './types.js';

/** How many of the latest conflicts are listed. */
export const MAX_CONFLICTOS = 10;

/** The alert the station raises for each new conflict: seeing one means the list changed. */
export const ALERTA_CONFLICTO = 'TRANSACCION_EN_CONFLICTO';

const NOMBRE_CAMPO: Record<string, string> = {
  tipo_combustible: 'combustible',
  precio_por_litro: 'precio',
  monto_total: 'monto',
  metodo_pago: 'medio de pago',
  fecha_inicio: 'inicio',
  fecha_fin: 'fin',
};

function version(titulo: string, t: Transaccion): HTMLElement {
  return el(
    'div',
    { class: 'version' },
    el('span', { class: 'titulo-version' }, titulo),
    ` ${fmtLitros(t.litros)} · ${fmtPesos(t.monto_total)} · ${NOMBRE_COMBUSTIBLE[t.tipo_combustible] ?? t.tipo_combustible}` +
      ` · ${t.metodo_pago}${t.estado === 'completada' ? '' : ` (${t.estado})`} · fin ${fmtHora(t.fecha_fin)}`,
  );
}

function item(c: Conflicto): HTMLElement {
  const surtidor = c.original.nombre_surtidor ?? c.nueva.nombre_surtidor ?? `Surtidor ${c.id_surtidor}`;
  const campos = c.campos.map((k) => NOMBRE_CAMPO[k] ?? k).join(', ');
  return el(
    'li',
    { 'data-conflicto': c.id, title: `Huella de la versión recibida: ${c.huella}` },
    el('strong', {}, `${surtidor} · venta ${c.id_transaccion}`),
    ` distinta en: ${campos || '—'}`,
    version('Guardada:', c.original),
    version('Recibida después:', c.nueva),
    el('span', { class: 'cuando' }, `${fmtHora(c.detectado)} · se guardaron ambas versiones`),
  );
}

/** Shows the total and the latest conflicts. */
export function renderConflictos(lista: HTMLElement, total: HTMLElement, items: Conflicto[], cuantos: number): void {
  total.textContent = String(cuantos);
  total.classList.toggle('hay', cuantos > 0);
  lista.replaceChildren(...(items.length > 0 ? items.map(item) : [el('li', { class: 'vacio' }, 'Sin conflictos.')]));
}

/** Reads the latest conflicts through `api` (the dashboard's fetch) and shows them. */
export async function refreshConflictos(
  api: (path: string) => Promise<Response>,
  lista: HTMLElement,
  total: HTMLElement,
): Promise<void> {
  const res = await api(`/api/conflictos?limit=${MAX_CONFLICTOS}`);
  if (!res.ok) return;
  const items = (await res.json()) as Conflicto[];
  const cuantos = Number(res.headers.get('x-total-count') ?? items.length);
  renderConflictos(lista, total, items, Number.isFinite(cuantos) ? cuantos : items.length);
}
