/**
 * The report's two charts as inline SVG, drawn here rather than by a charting library so that the report
 * stays one file with nothing to fetch: the loss per epoch (one polyline vertex per epoch, training and
 * held-out), and, for regression, predicted against actual values. A viewBox and `width: 100%` make them
 * scale to a phone's width and to paper.
 */
import { html, raw, type SafeHtml } from './html';

const WIDTH = 720;
const HEIGHT = 320;
const MARGIN = { left: 76, right: 20, top: 20, bottom: 44 };

/** A round step (1, 2 or 5 times a power of ten) giving about `count` intervals over `span`. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0)) return 1;
  const rough = span / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

function tickLabel(value: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return value.toFixed(Math.min(decimals, 10));
}

/** An axis: where its ticks go, how a tick is labelled, and the map from values to a pixel range. */
interface Axis {
  ticks: number[];
  label(value: number): string;
  position(value: number, from: number, to: number): number;
}

/** A linear axis over [min, max] widened to round ticks, about `count` intervals. */
function linearAxis(min: number, max: number, count: number, integer = false): Axis {
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  let step = niceStep(max - min, count);
  if (integer) step = Math.max(1, Math.round(step));
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(v);
  return {
    ticks,
    label: (v) => tickLabel(v, step),
    position: (v, from, to) => from + ((v - lo) / (hi - lo)) * (to - from),
  };
}

/**
 * A log axis over [min, max] (both > 0): ticks at powers of ten, and at 2 and 5 times them when the
 * range spans few decades. Losses falling over orders of magnitude need it: on a linear axis everything
 * after the first epochs lies flat on zero.
 */
function logAxis(min: number, max: number): Axis {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
  const ticks: number[] = [];
  for (let k = lo; k <= hi; k++) {
    for (const m of hi - lo <= 2 ? [1, 2, 5] : [1]) {
      const v = m * 10 ** k;
      if (v <= 10 ** hi) ticks.push(v);
    }
  }
  return {
    ticks,
    label: (v) =>
      v >= 1 ? String(Number(v.toPrecision(3))) : v.toFixed(Math.max(0, -Math.floor(Math.log10(v) + 1e-9))),
    position: (v, from, to) => from + ((Math.log10(v) - lo) / (hi - lo)) * (to - from),
  };
}

function frame(x: Axis, y: Axis, xLabel: string, yLabel: string): SafeHtml {
  const sx = (v: number) => x.position(v, MARGIN.left, WIDTH - MARGIN.right);
  const sy = (v: number) => y.position(v, HEIGHT - MARGIN.bottom, MARGIN.top);
  const parts: SafeHtml[] = [];
  for (const v of y.ticks) {
    const py = sy(v).toFixed(1);
    parts.push(
      html`<line class="grid" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${py}" y2="${py}" /><text
          class="tick"
          x="${MARGIN.left - 8}"
          y="${py}"
          dy="0.32em"
          text-anchor="end"
          >${y.label(v)}</text
        >`,
    );
  }
  for (const v of x.ticks) {
    const px = sx(v).toFixed(1);
    parts.push(
      html`<line
          class="tick-mark"
          x1="${px}"
          x2="${px}"
          y1="${HEIGHT - MARGIN.bottom}"
          y2="${HEIGHT - MARGIN.bottom + 5}"
        /><text class="tick" x="${px}" y="${HEIGHT - MARGIN.bottom + 18}" text-anchor="middle">${x.label(v)}</text>`,
    );
  }
  return html`${parts}<line
      class="axis"
      x1="${MARGIN.left}"
      x2="${WIDTH - MARGIN.right}"
      y1="${HEIGHT - MARGIN.bottom}"
      y2="${HEIGHT - MARGIN.bottom}"
    /><line
      class="axis"
      x1="${MARGIN.left}"
      x2="${MARGIN.left}"
      y1="${MARGIN.top}"
      y2="${HEIGHT - MARGIN.bottom}"
    /><text class="axis-label" x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${HEIGHT - 6}" text-anchor="middle"
      >${xLabel}</text
    ><text
      class="axis-label"
      transform="translate(14 ${(MARGIN.top + HEIGHT - MARGIN.bottom) / 2}) rotate(-90)"
      text-anchor="middle"
      >${yLabel}</text
    >`;
}

/** One series of the loss chart. */
export interface Series {
  name: string;
  /** CSS class: `train` or `held-out`. */
  className: string;
  values: readonly number[];
}

/**
 * The loss per epoch: a polyline per series with one vertex per epoch (values at epochs 1, 2, ...), a
 * y axis from 0 (losses are non-negative), and a legend.
 */
export function lossChart(series: readonly Series[], yLabel: string): SafeHtml {
  const epochs = Math.max(...series.map((s) => s.values.length));
  const all = series.flatMap((s) => s.values.filter(Number.isFinite));
  const lowest = Math.min(...all);
  const highest = Math.max(...all, 0);
  // A log scale once the loss has fallen by more than 30 times; a linear one from 0 otherwise.
  const log = lowest > 0 && highest / lowest > 30;
  const x = linearAxis(epochs === 1 ? 0 : 1, Math.max(epochs, 2), 8, true);
  const y = log ? logAxis(lowest, highest) : linearAxis(0, highest, 5);
  const sx = (v: number) => x.position(v, MARGIN.left, WIDTH - MARGIN.right);
  const sy = (v: number) => y.position(Number.isFinite(v) ? v : highest, HEIGHT - MARGIN.bottom, MARGIN.top);
  const lines = series.map((s) => {
    const points = s.values.map((v, i) => `${sx(i + 1).toFixed(1)},${sy(v).toFixed(1)}`).join(' ');
    // Markers only while they stay apart; the polyline carries the points either way.
    const markers =
      s.values.length <= 60
        ? s.values.map(
            (v, i) =>
              html`<circle class="${s.className}" cx="${sx(i + 1).toFixed(1)}" cy="${sy(v).toFixed(1)}" r="2.6"
                ><title>${s.name}, epoch ${i + 1}: ${v.toPrecision(5)}</title></circle
              >`,
          )
        : [];
    return html`<polyline class="series ${s.className}" data-series="${s.name}" points="${points}" />${markers}`;
  });
  const legend = series.map(
    (s, k) =>
      html`<g transform="translate(${WIDTH - MARGIN.right - 170} ${MARGIN.top + 8 + k * 30})"
        ><line class="series ${s.className}" x1="0" x2="26" y1="0" y2="0" /><text
          class="legend"
          x="34"
          y="0"
          dy="0.32em"
          >${s.name}</text
        ></g
      >`,
  );
  const label = log ? `${yLabel} (log scale)` : yLabel;
  const summary = series
    .map((s) => `${s.name} ${s.values[0]?.toPrecision(4)} to ${s.values.at(-1)?.toPrecision(4)}`)
    .join('; ');
  return html`<svg
    class="chart"
    viewBox="0 0 ${WIDTH} ${HEIGHT}"
    role="img"
    aria-label="${`${label} per epoch over ${epochs} epochs: ${summary}`}"
  >
    <title>${label} per epoch</title>
    ${frame(x, y, 'epoch', label)}${lines}${legend}
  </svg>`;
}

/** Predicted against actual values, with the diagonal where they agree; at most `limit` points drawn. */
export function scatterChart(actual: ArrayLike<number>, predicted: ArrayLike<number>, limit = 2000): SafeHtml {
  const n = actual.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    lo = Math.min(lo, actual[i]!, predicted[i]!);
    hi = Math.max(hi, actual[i]!, predicted[i]!);
  }
  const a = linearAxis(lo, hi, 6);
  const sx = (v: number) => a.position(v, MARGIN.left, WIDTH - MARGIN.right);
  const sy = (v: number) => a.position(v, HEIGHT - MARGIN.bottom, MARGIN.top);
  const [first, last] = [a.ticks[0]!, a.ticks.at(-1)!];
  // Every k-th row when there are many: evenly spread, and the same picture every time.
  const stride = Math.max(1, Math.ceil(n / limit));
  const dots: string[] = [];
  for (let i = 0; i < n; i += stride)
    dots.push(`<circle class="dot" cx="${sx(actual[i]!).toFixed(1)}" cy="${sy(predicted[i]!).toFixed(1)}" r="3"/>`);
  const shown = stride === 1 ? `${n} rows` : `every ${stride}th of ${n} rows`;
  return html`<svg
    class="chart"
    viewBox="0 0 ${WIDTH} ${HEIGHT}"
    role="img"
    aria-label="${`predicted against actual values, ${shown}`}"
  >
    <title>predicted against actual</title>
    ${frame(a, a, 'actual', 'predicted')}
    <line class="diagonal" x1="${sx(first)}" y1="${sy(first)}" x2="${sx(last)}" y2="${sy(last)}" />
    ${raw(dots.join(''))}
  </svg>`;
}
