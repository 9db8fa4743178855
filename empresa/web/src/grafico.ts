/**
 * Sales by day and fuel over the last days (GET /api/resumen), drawn by hand as stacked bars in
 * SVG, one colour per fuel, in pesos or in litres. Days are the company's (its zona_horaria). The
 * SVG has a title and a description; the same numbers are in a table under it, for screen readers
 * and for whoever wants to copy them.
 */
import {
  COMBUSTIBLES,
  dia,
  diaCompleto,
  diaEn,
  entero,
  hora,
  inicioDelDia,
  litros,
  NOMBRE_COMBUSTIBLE,
  pesos,
  sumarDias,
  texto,
} from './formato.js';
import type { Combustible, Resumen, Totales } from './types.js';

export type Unidad = 'monto' | 'litros';

/** How often the chart is read again while the network view is open. */
const REFRESCO_MS = 60_000;
const SVG = 'http://www.w3.org/2000/svg';
const COLOR: Record<Combustible, string> = {
  '93': 'var(--c93)',
  '95': 'var(--c95)',
  '97': 'var(--c97)',
  diesel: 'var(--cdiesel)',
};

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

const compacto = new Intl.NumberFormat('es-CL', { notation: 'compact', maximumFractionDigits: 1 });
const VALOR: Record<Unidad, (n: number) => string> = { monto: pesos, litros };
const EJE: Record<Unidad, (n: number) => string> = {
  monto: (n) => `$${compacto.format(n)}`,
  litros: (n) => `${compacto.format(n)} L`,
};

const estado = {
  dias: 14,
  unidad: 'monto' as Unidad,
  resumen: null as Resumen | null,
  fechas: [] as string[],
  /** What was last asked (days and range) and when. */
  pedido: '',
  leido: 0,
};

/**
 * The request for the chart when it is due (never read, other days asked for, or older than
 * REFRESCO_MS), else null: the last `dias` days, today included, in the company's `zona`.
 */
export function pedidoResumen(zona: string, ahora: string): { path: string; fechas: string[] } | null {
  const ahoraMs = Date.parse(ahora);
  const hoy = diaEn(ahoraMs, zona);
  const fechas = Array.from({ length: estado.dias }, (_, i) => sumarDias(hoy, i - estado.dias + 1));
  const clave = `${zona}|${fechas[0]}|${estado.dias}`;
  if (clave === estado.pedido && Date.now() - estado.leido < REFRESCO_MS) return null;
  const q = new URLSearchParams({ desde: inicioDelDia(fechas[0]!, zona), hasta: new Date(ahoraMs).toISOString() });
  return { path: `/api/resumen?${q.toString()}`, fechas };
}

export function mostrarResumen(r: Resumen, fechas: string[]): void {
  estado.resumen = r;
  estado.fechas = fechas;
  estado.pedido = `${r.zona_horaria}|${fechas[0]}|${fechas.length}`;
  estado.leido = Date.now();
  // Read less often than the network table above it: say when, so the two are not taken to disagree.
  $('grafico-generado').textContent =
    `Leído ${hora(new Date(estado.leido).toISOString())} · se actualiza cada ${REFRESCO_MS / 60_000} min`;
  dibujar();
}

type PorDia = Map<string, Record<Combustible, Totales>>;

function porDia(r: Resumen): PorDia {
  const m: PorDia = new Map();
  for (const f of r.por_dia) {
    const cero = () => ({ transacciones: 0, litros: 0, monto: 0 });
    const d = m.get(f.fecha) ?? { '93': cero(), '95': cero(), '97': cero(), diesel: cero() };
    const t = d[f.tipo_combustible];
    if (!t) continue; // a fuel this page does not know
    t.transacciones += f.transacciones;
    t.litros += f.litros;
    t.monto += f.monto;
    m.set(f.fecha, d);
  }
  return m;
}

/** A round step for about four gridlines up to `max`: 1, 2 or 5 times a power of ten. */
function paso(max: number): number {
  const bruto = max / 4;
  const p = 10 ** Math.floor(Math.log10(bruto));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= bruto) ?? 10 * p;
}

function dibujar(): void {
  const r = estado.resumen;
  if (!r) return;
  const { unidad, fechas } = estado;
  const datos = porDia(r);
  const valor = (d: string, c: Combustible) => datos.get(d)?.[c][unidad] ?? 0;
  const totalDia = (d: string) => COMBUSTIBLES.reduce((a, c) => a + valor(d, c), 0);
  const maximo = Math.max(0, ...fechas.map(totalDia));
  const total = fechas.reduce((a, d) => a + totalDia(d), 0);

  const w = 1000;
  const h = 300;
  const izq = 64;
  const abajo = 28;
  const arriba = 10;
  const alto = h - abajo - arriba;
  const s = maximo > 0 ? paso(maximo) : 1;
  const tope = maximo > 0 ? Math.ceil(maximo / s) * s : 1;
  const y = (v: number) => arriba + alto - (alto * v) / tope;
  const ancho = (w - izq) / Math.max(1, fechas.length);

  const titulo = `Ventas por día y combustible, últimos ${fechas.length} días (${unidad === 'monto' ? 'monto en pesos' : 'litros'})`;
  const mejor = fechas.reduce<string | null>((m, d) => (m === null || totalDia(d) > totalDia(m) ? d : m), null);
  const descripcion =
    total === 0
      ? `Sin ventas entre el ${diaCompleto(fechas[0]!)} y el ${diaCompleto(fechas[fechas.length - 1]!)}.`
      : `Total ${VALOR[unidad](total)}; el día de más ventas fue el ${diaCompleto(mejor!)}, con ${VALOR[unidad](totalDia(mejor!))}.`;
  const raiz = svg('svg', { viewBox: `0 0 ${w} ${h}`, role: 'img', 'aria-labelledby': 'grafico-titulo grafico-desc' });
  const t = svg('title', { id: 'grafico-titulo' });
  t.textContent = titulo;
  const desc = svg('desc', { id: 'grafico-desc' });
  desc.textContent = descripcion;
  raiz.append(t, desc);

  // Gridlines with their values.
  // (Without sales, only the baseline: a scale of nothing would say nothing.)
  for (let v = 0; v <= (maximo > 0 ? tope + s / 2 : 0); v += s) {
    raiz.append(svg('line', { x1: izq, x2: w, y1: y(v), y2: y(v), class: v === 0 ? 'base' : 'guia' }));
    const etiqueta = svg('text', { x: izq - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'eje' });
    etiqueta.textContent = EJE[unidad](v);
    raiz.append(etiqueta);
  }
  const cada = fechas.length <= 16 ? 1 : Math.ceil(fechas.length / 15);
  fechas.forEach((d, i) => {
    const x = izq + i * ancho;
    let base = 0;
    const grupo = svg('g', { 'data-dia': d });
    for (const c of COMBUSTIBLES) {
      const v = valor(d, c);
      if (v <= 0) continue;
      const rect = svg('rect', {
        x: x + ancho * 0.18,
        y: y(base + v),
        width: ancho * 0.64,
        height: Math.max(0.5, y(base) - y(base + v)),
        fill: COLOR[c],
        'data-combustible': c,
      });
      const tt = svg('title', {});
      const tot = datos.get(d)![c];
      tt.textContent = `${diaCompleto(d)} · ${NOMBRE_COMBUSTIBLE[c]}: ${pesos(tot.monto)}, ${litros(tot.litros)}, ${entero(tot.transacciones)} ventas`;
      rect.append(tt);
      grupo.append(rect);
      base += v;
    }
    raiz.append(grupo);
    if (i % cada === 0 || i === fechas.length - 1) {
      const etiqueta = svg('text', { x: x + ancho / 2, y: h - 8, 'text-anchor': 'middle', class: 'eje' });
      etiqueta.textContent = dia(d);
      raiz.append(etiqueta);
    }
  });
  if (total === 0) {
    const vacio = svg('text', {
      x: izq + (w - izq) / 2,
      y: arriba + alto / 2,
      'text-anchor': 'middle',
      class: 'sin-datos',
    });
    vacio.textContent = `Sin ventas en estos ${fechas.length} días`;
    raiz.append(vacio);
  }

  const leyenda = document.createElement('div');
  leyenda.className = 'leyenda';
  for (const c of COMBUSTIBLES) {
    const item = document.createElement('span');
    item.dataset.combustible = c;
    const muestra = document.createElement('i');
    muestra.style.background = COLOR[c];
    const suma = fechas.reduce((a, d) => a + valor(d, c), 0);
    item.append(muestra, `${NOMBRE_COMBUSTIBLE[c]} · ${VALOR[unidad](suma)}`);
    leyenda.append(item);
  }
  $('grafico').replaceChildren(raiz, leyenda);
  $('grafico-tabla').replaceChildren(tabla(fechas, datos));
}

/** The chart's numbers as a table: one row per day, pesos and litres per fuel. */
function tabla(fechas: string[], datos: PorDia): HTMLTableElement {
  const t = document.createElement('table');
  t.className = 'tabla compacta';
  const cab = document.createElement('tr');
  cab.append(texto('th', 'Día'));
  for (const c of COMBUSTIBLES) cab.append(texto('th', NOMBRE_COMBUSTIBLE[c], 'num'));
  cab.append(texto('th', 'Total', 'num'), texto('th', 'Litros', 'num'), texto('th', 'Ventas', 'num'));
  const thead = document.createElement('thead');
  thead.append(cab);
  const tbody = document.createElement('tbody');
  for (const d of [...fechas].reverse()) {
    const tr = document.createElement('tr');
    tr.dataset.dia = d;
    const fila = datos.get(d);
    const suma = (k: keyof Totales) => COMBUSTIBLES.reduce((a, c) => a + (fila?.[c][k] ?? 0), 0);
    const th = texto('th', diaCompleto(d));
    th.scope = 'row';
    tr.append(th);
    for (const c of COMBUSTIBLES) tr.append(texto('td', pesos(fila?.[c].monto ?? 0), 'num'));
    tr.append(
      texto('td', pesos(suma('monto')), 'num'),
      texto('td', litros(suma('litros')), 'num'),
      texto('td', entero(suma('transacciones')), 'num'),
    );
    tbody.append(tr);
  }
  t.append(thead, tbody);
  return t;
}

/** Wires the unit and range controls; `alCambiar` asks the loop for a round now. */
export function iniciarGrafico(alCambiar: () => void): void {
  for (const input of document.querySelectorAll<HTMLInputElement>('input[name="grafico-unidad"]'))
    input.addEventListener('change', () => {
      estado.unidad = input.value === 'litros' ? 'litros' : 'monto';
      dibujar();
    });
  $<HTMLSelectElement>('grafico-dias').addEventListener('change', (ev) => {
    estado.dias = Number((ev.target as HTMLSelectElement).value) || 14;
    alCambiar();
  });
}
