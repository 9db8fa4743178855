/**
 * The network's sales (GET /api/ventas), newest first: filters by station, fuel, pump and days (in
 * the company's time zone), a page at a time with its place in the total (x-total-count), and a
 * link to download every match as CSV (`?formato=csv`, the same filters, unpaged).
 */
import { entero, hora, inicioDelDia, NOMBRE_COMBUSTIBLE, pesos, sumarDias, texto } from './formato.js';
import { filaVacia, nuevaCache, sincronizarFilas } from './tabla.js';
import type { Combustible, VentaRed } from './types.js';

/** Sales per page. */
export const POR_PAGINA = 50;
/** The query parameter of the first item of a page, and its largest value (MAX_OFFSET_VENTAS). */
const SALTO = 'offset';
const MAX_SALTO = 100_000;
const COLUMNAS = 11;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const litros3 = new Intl.NumberFormat('es-CL', { minimumFractionDigits: 2, maximumFractionDigits: 3 });
const NOMBRE_PAGO: Record<VentaRed['metodo_pago'], string> = {
  efectivo: 'efectivo',
  tarjeta: 'tarjeta',
  transferencia: 'transferencia',
};

const estado = {
  /** The filters as query parameters (without paging). */
  filtros: new URLSearchParams(),
  salto: 0,
  total: 0,
  /** The company's time zone, for days typed in the filters (until known, the browser's). */
  zona: Intl.DateTimeFormat().resolvedOptions().timeZone,
  nombres: new Map<string, string>(),
  cache: nuevaCache(),
};

/** The company's time zone and its stations' names, as the network view last read them. */
export function conocerRed(zona: string, nombres: Map<string, string>): void {
  estado.zona = zona;
  estado.nombres = nombres;
  const lista = $('lista-estaciones');
  if (lista.childElementCount !== Math.min(nombres.size, 1000))
    lista.replaceChildren(
      ...[...nombres]
        .slice(0, 1000)
        .map(([id, nombre]) => Object.assign(document.createElement('option'), { value: id, label: nombre })),
    );
}

/** The page of sales to read in this round. */
export function rutaVentas(): string {
  const q = new URLSearchParams(estado.filtros);
  q.set('limit', String(POR_PAGINA));
  q.set(SALTO, String(estado.salto));
  return `/api/ventas?${q.toString()}`;
}

function fila(v: VentaRed): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.venta = `${v.id_estacion}:${v.seq}`;
  const estacion = document.createElement('td');
  const nombre = estado.nombres.get(v.id_estacion);
  if (nombre) estacion.append(texto('div', nombre), texto('div', v.id_estacion, 'etiqueta'));
  else estacion.append(texto('div', v.id_estacion));
  const est = texto(
    'td',
    v.estado === 'completada' ? 'completada' : v.estado,
    v.estado === 'completada' ? '' : 'atrasada',
  );
  tr.append(
    texto('td', hora(v.fecha_fin), 'fecha'),
    estacion,
    texto('td', String(v.id_surtidor), 'num'),
    texto('td', NOMBRE_COMBUSTIBLE[v.tipo_combustible] ?? v.tipo_combustible),
    texto('td', `${litros3.format(v.litros)} L`, 'num'),
    texto('td', pesos(v.precio_por_litro), 'num'),
    texto('td', pesos(v.monto_total), 'num'),
    texto('td', NOMBRE_PAGO[v.metodo_pago] ?? v.metodo_pago),
    est,
    texto('td', v.version_precios === null ? '—' : String(v.version_precios), 'num'),
    texto('td', hora(v.recibida_empresa), 'fecha'),
  );
  return tr;
}

/** The API refused the query (a filter it does not take): said by the filters, the list as it was. */
export function ventasRechazadas(mensaje: string): void {
  $('mensaje-ventas').textContent = `No se pudo leer las ventas: ${mensaje}`;
  $('mensaje-ventas').className = 'mensaje error';
}

export function mostrarVentas({ items, total }: { items: VentaRed[]; total: number }): void {
  estado.total = total;
  const cuerpo = $('ventas');
  if (items.length === 0) {
    filaVacia(
      cuerpo,
      estado.cache,
      estado.salto > 0
        ? 'No hay más ventas.'
        : estado.filtros.size > 0
          ? 'Ninguna venta coincide con los filtros.'
          : 'Las estaciones aún no han informado ventas.',
      COLUMNAS,
    );
  } else {
    sincronizarFilas(
      cuerpo,
      estado.cache,
      items,
      (v) => `${v.id_estacion}:${v.seq}`,
      (v) => `${JSON.stringify(v)}|${estado.nombres.get(v.id_estacion) ?? ''}`,
      fila,
    );
  }
  const desde = items.length === 0 ? 0 : estado.salto + 1;
  // The API pages only so deep: past that, narrower filters or the CSV.
  const alFondo = estado.salto + POR_PAGINA > MAX_SALTO;
  $('ventas-cuenta').textContent =
    total === 0
      ? 'Sin ventas'
      : `${entero(desde)}–${entero(estado.salto + items.length)} de ${entero(total)} ventas` +
        (alFondo && estado.salto + items.length < total ? ' (para ver más, acote los filtros o descargue el CSV)' : '');
  $<HTMLButtonElement>('ventas-anterior').disabled = estado.salto === 0;
  $<HTMLButtonElement>('ventas-siguiente').disabled = estado.salto + POR_PAGINA >= total || alFondo;
}

/** Reads the filter form into query parameters; a message and null when something is wrong. */
function leerFiltros(form: HTMLFormElement): URLSearchParams | null {
  const valor = (n: string) => (form.elements.namedItem(n) as HTMLInputElement).value.trim();
  const q = new URLSearchParams();
  const mal = (m: string) => {
    $('mensaje-ventas').textContent = m;
    $('mensaje-ventas').className = 'mensaje error';
    return null;
  };
  const estacion = valor('estacion');
  if (estacion !== '') {
    // A station id as the link protocol spells it (idEstacion).
    if (!/^[\w.-]{1,64}$/.test(estacion)) return mal('Estación: su id (letras, dígitos, _ . -).');
    q.set('estacion', estacion);
  }
  const combustible = valor('combustible') as Combustible | '';
  if (combustible !== '') q.set('combustible', combustible);
  const surtidor = valor('surtidor');
  if (surtidor !== '') {
    if (!/^[1-9][0-9]{0,8}$/.test(surtidor)) return mal('Surtidor: un número entero positivo.');
    q.set('surtidor', surtidor);
  }
  const desde = valor('desde');
  const hasta = valor('hasta');
  const fecha = /^\d{4}-\d{2}-\d{2}$/;
  if ((desde !== '' && !fecha.test(desde)) || (hasta !== '' && !fecha.test(hasta))) return mal('Fechas inválidas.');
  if (desde !== '' && hasta !== '' && hasta < desde) return mal('«Hasta» es anterior a «Desde».');
  // Whole days in the company's time zone: from the start of `desde` to the end of `hasta`.
  if (desde !== '') q.set('desde', inicioDelDia(desde, estado.zona));
  if (hasta !== '')
    q.set('hasta', new Date(Date.parse(inicioDelDia(sumarDias(hasta, 1), estado.zona)) - 1).toISOString());
  $('mensaje-ventas').textContent = '';
  return q;
}

function enlaceCsv(): void {
  const q = new URLSearchParams(estado.filtros);
  q.set('formato', 'csv');
  $<HTMLAnchorElement>('ventas-csv').href = `/api/ventas?${q.toString()}`;
}

/** Wires the filters, paging and the CSV link; `alCambiar` asks the loop for a round now. */
export function iniciarVentas(alCambiar: () => void): void {
  const form = $<HTMLFormElement>('form-ventas');
  enlaceCsv();
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = leerFiltros(form);
    if (!q) return;
    estado.filtros = q;
    estado.salto = 0;
    enlaceCsv();
    alCambiar();
  });
  form.addEventListener('reset', () => {
    estado.filtros = new URLSearchParams();
    estado.salto = 0;
    $('mensaje-ventas').textContent = '';
    enlaceCsv();
    alCambiar();
  });
  $('ventas-anterior').addEventListener('click', () => {
    estado.salto = Math.max(0, estado.salto - POR_PAGINA);
    alCambiar();
  });
  $('ventas-siguiente').addEventListener('click', () => {
    if (estado.salto + POR_PAGINA >= estado.total || estado.salto + POR_PAGINA > MAX_SALTO) return;
    estado.salto += POR_PAGINA;
    alCambiar();
  });
}
