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
    const classes = Array.isArray(info.classes) ? info.classes : Array.from({ length: Math.max(2, outputs) }, (_, k) => String(k));
    target = { task: 'classification', column: targetName, classes, labelType: classes.every((c) => numberOf(c) !== undefined) ? 'number' : 'string' };
  } else {
    target = { task: 'regression', columns: [targetName], mean: [info.targetStandardize?.mean ?? 0], scale: [info.targetStandardize?.scale ?? 1] };
  }
  return {
    table: 1,
    target,
    encoders,
    columns: encoders.map((e) => ({ column: e.column, kind: 'numeric', source: 'inferred', missing: 0, width: 1, note: 'numeric (a model saved before the table model)' })),
    missing: [],
    rows: 0,
    skipped: 0,
  };
}
