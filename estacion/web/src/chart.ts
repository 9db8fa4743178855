/** Today's sales by hour and fuel: a stacked bar chart drawn as SVG (no chart library needed). */
import { fmtPesos, NOMBRE_COMBUSTIBLE } from './format.js';
import type { Combustible, VentasPorHora } from './types.js';

const COMBUSTIBLES: Combustible[] = ['93', '95', '97', 'diesel'];
const COLOR: Record<Combustible, string> = {
  '93': 'var(--c93)',
  '95': 'var(--c95)',
  '97': 'var(--c97)',
  diesel: 'var(--cdiesel)',
};
const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element with these attributes. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

export function drawChart(container: HTMLElement, rows: VentasPorHora[]): void {
  const byHour = new Map<number, Record<Combustible, number>>();
  for (const r of rows) {
    const h = new Date(r.hora).getHours();
    const slot = byHour.get(h) ?? { '93': 0, '95': 0, '97': 0, diesel: 0 };
    slot[r.tipo_combustible] += r.monto;
    byHour.set(h, slot);
  }
  const max = Math.max(1, ...[...byHour.values()].map((s) => COMBUSTIBLES.reduce((a, c) => a + s[c], 0)));
  const width = 720;
  const height = 220;
  const left = 8;
  const bottom = 20;
  const barW = (width - left) / 24;
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': 'Ventas de hoy por hora y combustible',
  });
  // Scale: a gridline at the busiest hour's total, labelled.
  const top = 8;
  root.append(
    svg('line', { x1: left, x2: width, y1: top, y2: top, stroke: 'var(--borde)', 'stroke-dasharray': '4 4' }),
  );
  const scale = svg('text', { x: left, y: top + 12, class: 'eje' });
  scale.textContent = byHour.size > 0 ? `máx. ${fmtPesos(max)} por hora` : 'sin ventas hoy';
  root.append(scale);
  for (let h = 0; h < 24; h++) {
    const x = left + h * barW;
    let y = height - bottom;
    const slot = byHour.get(h);
    for (const c of COMBUSTIBLES) {
      const v = slot?.[c] ?? 0;
      if (v === 0) continue;
      const hgt = ((height - bottom - 8) * v) / max;
      y -= hgt;
      const rect = svg('rect', { x: x + 2, y, width: barW - 4, height: hgt, fill: COLOR[c], rx: 2 });
      const title = svg('title', {});
      title.textContent = `${String(h).padStart(2, '0')}:00 · ${NOMBRE_COMBUSTIBLE[c]}: ${fmtPesos(v)}`;
      rect.append(title);
      root.append(rect);
    }
    if (h % 3 === 0) {
      const label = svg('text', { x: x + barW / 2, y: height - 6, 'text-anchor': 'middle', class: 'eje' });
      label.textContent = `${String(h).padStart(2, '0')}h`;
      root.append(label);
    }
  }
  const legend = document.createElement('div');
  legend.className = 'leyenda';
  for (const c of COMBUSTIBLES) {
    const item = document.createElement('span');
    const swatch = document.createElement('i');
    swatch.style.background = COLOR[c];
    item.append(swatch, NOMBRE_COMBUSTIBLE[c] ?? c);
    legend.append(item);
  }
  container.replaceChildren(root, legend);
}
