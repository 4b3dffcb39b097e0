/**
 * The results as text for a terminal: scikit-learn's classification report for each part, then the
 * accuracies; or a small table of MSE, MAE and R^2 per part.
 */
import { classificationReport } from '../metrics';
import type { ClassificationPart, PartResult, RegressionPart } from './evaluation';

/** Every part's report, held-out first. */
export function resultsText(parts: readonly PartResult[], classes: readonly string[] | null): string {
  const classification = parts.filter((p): p is ClassificationPart => p.kind === 'classification');
  const regression = parts.filter((p): p is RegressionPart => p.kind === 'regression');
  let text = '';
  for (const part of classification) {
    text += `\nclassification report, ${part.name} (${part.rows} rows):\n\n`;
    text += classificationReport(part.truth, part.predicted, { digits: 4, targetNames: classes ?? undefined });
  }
  if (classification.length > 0) {
    text += '\n';
    for (const part of classification) text += `${part.name} accuracy: ${part.accuracy.toFixed(4)}\n`;
  }
  if (regression.length > 0) {
    const width = Math.max(...regression.map((p) => p.name.length), 4);
    const cell = (v: number) => formatMetric(v).padStart(12);
    text += `\n${''.padEnd(width)}  ${'rows'.padStart(7)}${'MSE'.padStart(12)}${'MAE'.padStart(12)}${'R^2'.padStart(12)}\n`;
    for (const p of regression)
      text += `${p.name.padEnd(width)}  ${String(p.rows).padStart(7)}${cell(p.mse)}${cell(p.mae)}${cell(p.r2)}\n`;
    text += "(MSE and MAE in the target's units)\n";
  }
  return text;
}

/** Six significant digits, without exponent notation for everyday magnitudes. */
export function formatMetric(value: number): string {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e7 || abs < 1e-4)) return value.toExponential(4);
  return Number(value.toPrecision(6)).toString();
}
