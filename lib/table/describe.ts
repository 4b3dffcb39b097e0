/**
 * What was done to each column, as text lines for people: the CLI's summary and the README's session.
 * Names are JSON-quoted (escaped) wherever they are shown.
 */
import { quote } from './cells';
import type { ColumnSummary } from './model';

/** One line per column: `  "island"  categorical (3 inputs): "Biscoe", "Dream", "Torgersen"`. */
export function formatColumns(columns: readonly ColumnSummary[]): string[] {
  const names = columns.map((c) => quote(c.column, 40));
  const width = Math.max(...names.map((n) => n.length));
  return columns.map((c, i) => {
    const inputs = c.width > 0 ? ` (${c.width} input${c.width === 1 ? '' : 's'})` : '';
    return `  ${names[i]!.padEnd(width)}  ${c.note}${inputs}`;
  });
}
