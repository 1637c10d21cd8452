/**
 * Plain-text tables: a header row in capitals, columns padded to their widest cell, numbers right-aligned.
 * Cells never wrap; control characters (a NUL in a key, a newline in an error) are shown escaped so one row stays
 * one line.
 */
export interface Column<R> {
  header: string;
  value: (row: R) => string | number | undefined;
  align?: 'left' | 'right';
}

export function renderTable<R>(columns: readonly Column<R>[], rows: readonly R[]): string {
  const cells = rows.map((row) => columns.map((column) => cell(column.value(row))));
  const headers = columns.map((column) => column.header.toUpperCase());
  const widths = columns.map((_, i) => Math.max(headers[i]!.length, ...cells.map((line) => line[i]!.length)));
  const line = (values: string[]): string =>
    values
      .map((value, i) => (columns[i]!.align === 'right' ? value.padStart(widths[i]!) : i === values.length - 1 ? value : value.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

function cell(value: string | number | undefined): string {
  if (value === undefined || value === '') return '-';
  return printable(String(value));
}

/** Escapes control characters (\0 shows as \u0000) so they cannot break the layout of a terminal. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
