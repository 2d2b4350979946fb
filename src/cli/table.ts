// Aligned text tables for the terminal. Cells that come from the sources are shown with control
// characters escaped (runtime/text.ts), so a cell is one line and paints nothing.
import { visible } from '../runtime/text.ts';

/** Rows of cells, the first the header; `right` lists the columns aligned right (numbers). The last column is not padded. */
export function formatTable(rows: readonly (readonly string[])[], right: readonly number[] = []): string {
  const cells = rows.map((r) => r.map(visible));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]): string =>
    r
      .map((cell, i) => (right.includes(i) ? cell.padStart(widths[i]!) : i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return cells.map(line).join('\n') + '\n';
}
