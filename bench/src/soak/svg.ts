/**
 * A small hand-written SVG chart: one panel per series, stacked, sharing the time axis; a dashed
 * line marks the end of the warm-up. No dependency, no randomness, fixed decimals: the same
 * samples always give the same bytes (the README embeds the file, a test compares it).
 */

export interface Series {
  title: string;
  unit: string;
  /** y per sample; null where the sample could not be taken (the line breaks there). */
  values: (number | null)[];
  color: string;
}

export interface Chart {
  title: string;
  /** x of each sample, minutes since the start of the measurement. */
  minutes: number[];
  /** Where the warm-up ends (minutes); drawn as a dashed line. */
  warmupMinutes: number;
  series: Series[];
}

const WIDTH = 760;
const PANEL_H = 110;
const GAP = 34;
const LEFT = 70;
const RIGHT = 20;
const TOP = 56;

const f = (n: number) => (Math.round(n * 10) / 10).toFixed(1);
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Upper end of the y axis: a round figure above the maximum, so panels read at a glance. */
function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

const label = (v: number) => (v === 0 || v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

export function chartSvg(chart: Chart): string {
  const plotW = WIDTH - LEFT - RIGHT;
  const height = TOP + chart.series.length * (PANEL_H + GAP) + 10;
  const xMax = Math.max(chart.minutes.at(-1) ?? 1, 1e-9);
  const x = (m: number) => LEFT + (m / xMax) * plotW;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="20" font-size="13" font-weight="bold">${esc(chart.title)}</text>`,
  ];
  chart.series.forEach((s, i) => {
    const top = TOP + i * (PANEL_H + GAP);
    const bottom = top + PANEL_H;
    const known = s.values.filter((v): v is number => v !== null && Number.isFinite(v));
    const yMax = niceMax(Math.max(0, ...known));
    const y = (v: number) => bottom - (v / yMax) * PANEL_H;
    out.push(`<text x="${LEFT}" y="${top - 6}" font-weight="bold">${esc(`${s.title} (${s.unit})`)}</text>`);
    out.push(`<rect x="${LEFT}" y="${top}" width="${plotW}" height="${PANEL_H}" fill="none" stroke="#999999"/>`);
    for (const v of [0, yMax / 2, yMax]) {
      out.push(`<text x="${LEFT - 6}" y="${f(y(v) + 4)}" text-anchor="end">${label(v)}</text>`);
      if (v > 0) out.push(`<line x1="${LEFT}" y1="${f(y(v))}" x2="${LEFT + plotW}" y2="${f(y(v))}" stroke="#eeeeee"/>`);
    }
    const wx = f(x(chart.warmupMinutes));
    out.push(`<line x1="${wx}" y1="${top}" x2="${wx}" y2="${bottom}" stroke="#888888" stroke-dasharray="4 3"/>`);
    // A null sample breaks the line rather than joining its neighbours across the gap.
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1)
        out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${run.join(' ')}"/>`);
      run = [];
    };
    s.values.forEach((v, k) => {
      const m = chart.minutes[k];
      if (v === null || !Number.isFinite(v) || m === undefined) return flush();
      run.push(`${f(x(m))},${f(y(v))}`);
    });
    flush();
  });
  const axisY = TOP + chart.series.length * (PANEL_H + GAP) - GAP + 16;
  const step = xMax <= 2 ? 0.5 : xMax <= 10 ? 1 : xMax <= 30 ? 5 : 10;
  for (let m = 0; m <= xMax + 1e-9; m += step) {
    out.push(
      `<text x="${f(x(m))}" y="${axisY}" text-anchor="middle">${m % 1 === 0 ? m.toFixed(0) : m.toFixed(1)}</text>`,
    );
  }
  out.push(
    `<text x="${LEFT + plotW}" y="${axisY + 14}" text-anchor="end">minutos (línea discontinua: fin del calentamiento)</text>`,
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
