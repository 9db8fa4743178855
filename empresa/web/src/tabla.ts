/**
 * Keeps a table body in step with a list without redrawing it: a row is rebuilt only when what it
 * shows changed (its signature), and rows are moved, not recreated, when the order changes. A
 * periodic refresh therefore never flickers, nor loses the focus or a text selection in a row.
 */
export interface FilasCache {
  filas: Map<string, { firma: string; tr: HTMLTableRowElement }>;
}

export const nuevaCache = (): FilasCache => ({ filas: new Map() });

export function sincronizarFilas<T>(
  cuerpo: HTMLElement,
  cache: FilasCache,
  items: readonly T[],
  id: (item: T) => string,
  firma: (item: T) => string,
  dibujar: (item: T) => HTMLTableRowElement,
  /** Updates in place what a kept row shows outside its signature (a time "hace 5 s", say). */
  actualizar?: (item: T, tr: HTMLTableRowElement) => void,
): void {
  const vistas = new Map<string, { firma: string; tr: HTMLTableRowElement }>();
  const filas = items.map((item) => {
    const clave = id(item);
    const f = firma(item);
    const antes = cache.filas.get(clave);
    const tr = antes && antes.firma === f ? antes.tr : dibujar(item);
    if (antes && antes.tr !== tr) antes.tr.replaceWith(tr);
    else if (antes) actualizar?.(item, tr);
    vistas.set(clave, { firma: f, tr });
    return tr;
  });
  cache.filas = vistas;
  // What is no longer listed (rows, or an empty-state row) goes; the rest is put in order in place.
  const quedan = new Set<Node>(filas);
  for (const hijo of [...cuerpo.children]) if (!quedan.has(hijo)) hijo.remove();
  filas.forEach((tr, i) => {
    if (cuerpo.children[i] !== tr) cuerpo.insertBefore(tr, cuerpo.children[i] ?? null);
  });
}

/** A single row saying the list is empty (or loading), across `columnas` columns. */
export function filaVacia(cuerpo: HTMLElement, cache: FilasCache, mensaje: string, columnas: number): void {
  cache.filas.clear();
  const celda = document.createElement('td');
  celda.className = 'vacio';
  celda.colSpan = columnas;
  celda.textContent = mensaje;
  const fila = document.createElement('tr');
  fila.append(celda);
  cuerpo.replaceChildren(fila);
}
