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

/** A figure of a table row: a number (shown with the row's digits), a word, or missing (`n/d`). */
export type Figure = number | string | null | undefined;

export const fmtFigure = (v: Figure, digits: number) =>
  v === null || v === undefined ? 'n/d' : typeof v === 'string' ? v : Number.isFinite(v) ? v.toFixed(digits) : 'n/d';

/** A row of a table with one column per run: its label, the figure of one run, the digits shown. */
export type RunRow<T> = [label: string, value: (run: T) => Figure, digits: number];

/** One column per run (titled by `title`), one row per `rows` entry: the terminal's and the README's table. */
export function runsCells<T>(runs: T[], title: (run: T) => string, rows: RunRow<T>[]): TableCells {
  return {
    header: runs.map(title),
    rows: rows.map(([label, value, digits]) => ({ label, cells: runs.map((r) => fmtFigure(value(r), digits)) })),
  };
}
