/**
 * A table of figures, printed two ways from the same cells: padded text for the terminal and
 * Markdown for the README (informe/), so both always show the same numbers.
 */

export interface Table {
  head: string[];
  rows: string[][];
}

/** First column left-aligned (labels), the rest right-aligned (figures). */
export function textTable(t: Table): string {
  const widths = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart((widths[i] ?? 0) + 2)))
      .join('')
      .trimEnd();
  return [line(t.head), ...t.rows.map(line)].join('\n');
}

/** Markdown drops leading spaces: an indented label (a detail of the row above) gets an arrow. */
const cell = (c: string) => c.replace(/^ +/, '↳ ').replace(/\|/g, '\\|');

export function markdownTable(t: Table): string {
  return [
    `| ${t.head.map(cell).join(' | ')} |`,
    `|${t.head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...t.rows.map((r) => `| ${t.head.map((_, i) => cell(r[i] ?? '')).join(' | ')} |`),
  ].join('\n');
}

/** A figure with fixed decimals, or `n/d` when it is missing. */
export function num(v: number | null | undefined, digits = 0): string {
  return v === null || v === undefined || !Number.isFinite(v) ? 'n/d' : v.toFixed(digits);
}
