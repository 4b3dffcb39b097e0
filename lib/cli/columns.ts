/**
 * Which columns are features and which is the target: from `--target` when training, from the model's
 * record when predicting or evaluating (by name when both files have a header of names, else by
 * position).
 */
import { closest } from '../validate';
import { displayName } from './csv';
import { DataError, UsageError } from './errors';
import type { ModelInfo } from './model-info';
import type { ColumnPlan, TableLayout } from './table';

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

/** Training: every column but the target is a feature. */
export function trainingPlan(layout: TableLayout, target: number): ColumnPlan {
  const features = layout.names.map((_, j) => j).filter((j) => j !== target);
  return {
    features,
    target,
    // A string column met in the first row is most often the label, with --target left at "last".
    firstRowHint: () => `if that column is the label, pick it with --target ${layout.header.kind === 'names' ? '<name>' : '<column number>'}`,
  };
}

/**
 * Predicting or evaluating: the model's features (and, with `needTarget`, its target) in `layout`.
 * @throws {@link DataError} when the file lacks a column the model needs, or has a different number of
 *   columns than any positional reading allows
 */
export function modelPlan(layout: TableLayout, info: ModelInfo, needTarget: boolean): ColumnPlan {
  const file = displayName(layout.file);
  if (info.namedColumns && layout.header.kind === 'names') {
    const find = (name: string, role: string): number => {
      const j = layout.names.indexOf(name);
      if (j < 0) {
        throw new DataError(
          'ERR_CLI_COLUMNS',
          `${file} has no column ${JSON.stringify(name)} (the model's ${role}); its columns: ${layout.names.map((n) => JSON.stringify(n)).join(', ')}`,
        );
      }
      return j;
    };
    const features = info.features.map((name) => find(name, 'feature'));
    if (!needTarget) return { features };
    return { features, target: find(info.target.name!, 'target') };
  }
  if (layout.width === info.columns) {
    return needTarget ? { features: info.featureColumns, target: info.target.column } : { features: info.featureColumns };
  }
  if (!needTarget && layout.width === info.features.length) return { features: info.features.map((_, j) => j) };
  const expected = needTarget
    ? `${info.columns} (${info.features.length} features and the target, as in training)`
    : `${info.features.length} (the features) or ${info.columns} (with the target column, as in training)`;
  throw new DataError('ERR_CLI_COLUMNS', `${file} has ${layout.width} columns but the model expects ${expected}`);
}
