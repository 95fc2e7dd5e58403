// Plain-text tables for terminal output: columns padded to their widest cell, numbers right
// aligned, and no colour codes (output is read in CI logs as often as in terminals).

export type Cell = string | number | undefined;

export interface Column {
  readonly title: string;
  readonly align?: 'left' | 'right';
}

/** Formats a figure for a table: integers as is, others with up to `digits` decimals. */
export function formatNumber(value: number, digits = 2): string {
  if (Number.isNaN(value)) return '-';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(digits).replace(/\.?0+$/, '');
}

function cellText(cell: Cell): string {
  if (cell === undefined) return '';
  return typeof cell === 'number' ? formatNumber(cell) : cell;
}

export function renderTable(columns: readonly Column[], rows: readonly (readonly Cell[])[]): string {
  const texts = rows.map((row) => columns.map((_, i) => cellText(row[i])));
  const widths = columns.map((column, i) => Math.max(column.title.length, ...texts.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((text, i) => (columns[i]!.align === 'right' ? text.padStart(widths[i]!) : text.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const header = line(columns.map((column) => column.title));
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [header, rule, ...texts.map(line)].join('\n');
}
