/**
 * A table of figures (the hub's TableCells: header, then rows of a label and cells) laid out two
 * ways: padded text for the terminal, sized to its widest cell, and Markdown for the README
 * (informe/), so both always show the same numbers.
 */
import type { TableCells } from './hub/report.js';

/** Label column left-aligned, figures right-aligned. */
export function textTable(t: TableCells, corner = ''): string {
  const all = [{ label: corner, cells: t.header }, ...t.rows];
  const labelWidth = Math.max(...all.map((r) => r.label.length));
  const widths = t.header.map((_, i) => Math.max(...all.map((r) => (r.cells[i] ?? '').length)));
  const line = (r: { label: string; cells: string[] }) =>
    `${r.label.padEnd(labelWidth)}${widths.map((w, i) => (r.cells[i] ?? '').padStart(w + 2)).join('')}`.trimEnd();
  return all.map(line).join('\n');
}

/** Markdown drops leading spaces: an indented label (a detail of the row above) gets an arrow. */
const escape = (c: string) => c.replace(/^ +/, '↳ ').replace(/\|/g, '\\|');

/** `corner`: the head of the label column (what the columns are, when they are not servers). */
export function markdownTable(t: TableCells, corner = ''): string {
  const line = (cells: string[]) => `| ${cells.map(escape).join(' | ')} |`;
  return [
    line([corner, ...t.header]),
    `|---|${t.header.map(() => '---:').join('|')}|`,
    ...t.rows.map((r) => line([r.label, ...t.header.map((_, i) => r.cells[i] ?? '')])),
  ].join('\n');
}
