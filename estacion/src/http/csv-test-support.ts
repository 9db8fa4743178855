/** Reading the station's CSV answers in tests (the format is server/src/http/csv.ts'). */

export const BOM = '\uFEFF';

/** RFC 4180 with `;`: the rows of a CSV text (quoted cells may hold `;`, `"` doubled, line breaks). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ';') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

/** The rows of a CSV answer as objects by header. */
export function registros(body: string): Record<string, string>[] {
  if (!body.startsWith(BOM)) throw new Error('la respuesta CSV no empieza con BOM');
  const [header, ...rows] = parseCsv(body.slice(1));
  return rows.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? ''])));
}
