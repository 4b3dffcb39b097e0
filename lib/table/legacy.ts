/**
 * Model files from before the table model: `blasnet train` saved a `cli: 1` record (numeric features
 * with their standardisation, the target and its classes). It reads as a table record of numeric
 * columns without missing cells, so those files keep loading and predicting.
 */
import { numberOf } from './cells';
import type { NumericEncoder } from './encoders';
import type { TableSpec } from './model';
import type { TargetEncoder } from './target';

interface CliRecord {
  cli: 1;
  task: 'classification' | 'regression';
  target: { name: string | null; column: number };
  features: string[];
  featureColumns?: number[];
  classes: string[] | null;
  standardize: { mean: number[]; scale: number[] } | null;
  targetStandardize: { mean: number; scale: number } | null;
}

/** The table record equivalent to a CLI record, or undefined when `metadata` holds none that fits. */
export function legacySpec(metadata: Record<string, unknown>, inputs: number, outputs: number): TableSpec | undefined {
  const info = metadata as unknown as CliRecord;
  if (info.cli !== 1 || !Array.isArray(info.features) || info.features.length !== inputs) return undefined;
  const encoders: NumericEncoder[] = info.features.map((column, j) => ({
    kind: 'numeric',
    column,
    median: info.standardize?.mean[j] ?? 0,
    mean: info.standardize?.mean[j] ?? 0,
    scale: info.standardize?.scale[j] ?? 1,
    indicator: false,
  }));
  const targetName = info.target?.name ?? `column ${(info.target?.column ?? inputs) + 1}`;
  let target: TargetEncoder;
  if (info.task === 'classification') {
    const classes = Array.isArray(info.classes)
      ? info.classes
      : Array.from({ length: Math.max(2, outputs) }, (_, k) => String(k));
    target = {
      task: 'classification',
      column: targetName,
      classes,
      labelType: classes.every((c) => numberOf(c) !== undefined) ? 'number' : 'string',
    };
  } else {
    target = {
      task: 'regression',
      columns: [targetName],
      mean: [info.targetStandardize?.mean ?? 0],
      scale: [info.targetStandardize?.scale ?? 1],
    };
  }
  // The training file's columns in order (features at their positions, the target at its own), so a
  // file read by position lines up as it did.
  const columns: TableSpec['columns'] = encoders.map((e) => ({
    column: e.column,
    kind: 'numeric',
    source: 'inferred',
    missing: 0,
    width: 1,
    note: 'numeric (a model saved before the table model)',
  }));
  const positions =
    Array.isArray(info.featureColumns) && info.featureColumns.length === inputs
      ? info.featureColumns
      : encoders.map((_, j) => j);
  const ordered = columns.map((c, j) => ({ c, at: positions[j]! }));
  ordered.push({
    c: { column: targetName, kind: 'ignore', source: 'target', missing: 0, width: 0, note: 'the target' },
    at: info.target?.column ?? inputs,
  });
  ordered.sort((a, b) => a.at - b.at);
  return {
    table: 1,
    target,
    encoders,
    columns: ordered.map((o) => o.c),
    missing: [],
    rows: 0,
    skipped: 0,
  };
}
