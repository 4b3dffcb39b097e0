/**
 * How well a model does on a set of labelled rows, as the reports show it: scikit-learn's classification
 * metrics and confusion matrix, or the regression metrics people compare (MSE, MAE and R^2, as
 * sklearn.metrics defines them), in the target's own units. The table model computes them
 * (lib/table/model.ts; table-data.ts's partsOf turns its evaluation into these parts).
 */
import type { ClassificationMetrics } from '../metrics';

/** A classification part: held-out, training, or the rows given to evaluate. */
export interface ClassificationPart {
  kind: 'classification';
  name: string;
  rows: number;
  accuracy: number;
  metrics: ClassificationMetrics;
  /** confusion[true][predicted], every class of the model. */
  confusion: number[][];
  truth: Int32Array;
  predicted: Int32Array;
}

/** A regression part: its metrics, and the values behind them (for the report's scatter chart). */
export interface RegressionPart {
  kind: 'regression';
  name: string;
  rows: number;
  mse: number;
  mae: number;
  /** 1 - SSE / SST; for constant targets 1 when every prediction is exact, else 0 (scikit-learn's force_finite). */
  r2: number;
  actual: Float64Array;
  predicted: Float64Array;
}

/** What one part of the rows measured. */
export type PartResult = ClassificationPart | RegressionPart;
