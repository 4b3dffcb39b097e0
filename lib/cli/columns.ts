/**
 * Which column `--target` names (train and tune read it through table-data.ts's resolveTargets).
 * Predicting and evaluating find their columns through the table model (table-data.ts).
 */
import { closest } from '../validate';
import { displayName } from './csv';
import { UsageError } from './errors';
import type { TableLayout } from './table';

/** `--target`: `last`, `first`, a column number from 1, or a header name. */
export function resolveTarget(spec: string, layout: TableLayout): number {
  if (spec === 'last') return layout.width - 1;
  if (spec === 'first') return 0;
  const named = layout.header.kind === 'names';
  if (named) {
    const matches = layout.names.flatMap((name, j) => (name === spec ? [j] : []));
    if (matches.length > 1) {
      throw new UsageError(
        'ERR_CLI_TARGET',
        `--target ${JSON.stringify(spec)} names ${matches.length} columns of ${displayName(layout.file)} (${matches.map((j) => j + 1).join(', ')}); pick one by number`,
      );
    }
    if (matches.length === 1) return matches[0]!;
  }
  if (/^\d+$/.test(spec)) {
    const column = Number(spec);
    if (column >= 1 && column <= layout.width) return column - 1;
  }
  const suggestion = named ? closest(spec, layout.names) : undefined;
  const columns = named
    ? `its columns: ${layout.names.map((n) => JSON.stringify(n)).join(', ')}`
    : `it has no header line, so give a column number from 1 to ${layout.width}`;
  throw new UsageError(
    'ERR_CLI_TARGET',
    `--target ${JSON.stringify(spec)} is not a column of ${displayName(layout.file)}${suggestion ? ` (did you mean ${JSON.stringify(suggestion)}?)` : ''}; ${columns}, or first or last`,
  );
}
