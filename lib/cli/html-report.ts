/**
 * `--report`: one self-contained HTML file (inline CSS and SVG, no script, nothing fetched) that says what
 * was trained on what and how well it does: headline numbers, the loss per epoch, the confusion matrix as
 * a heat map with its counts, per-class precision, recall and F1, the network, the settings and the BLAS
 * library. It reads on a phone (one column, tables scroll sideways) and prints (no backgrounds lost, no
 * section split across pages).
 */
import type { BlasInfo } from '../backend';
import type { ColumnSummary } from '../table/model';
import type { ClassificationPart, PartResult, RegressionPart } from './evaluation';
import { html, raw, type SafeHtml } from './html';
import { lossChart, scatterChart, type Series } from './svg-charts';
import { formatMetric } from './text-report';

/** Everything the report shows. */
export interface ReportData {
  /** e.g. `blasnet train iris.csv` */
  title: string;
  /** The command line as typed. */
  command: string;
  created: Date;
  task: 'classification' | 'regression';
  taskReason: string;
  classes: readonly string[] | null;
  data: {
    file: string;
    rows: number;
    target: string;
    features: readonly string[];
    trainRows?: number;
    testRows?: number;
    standardized: boolean;
  };
  /** What was done to each column of the table (kind, categories, missing cells, or why it was left out). */
  columns?: readonly ColumnSummary[];
  network: {
    dims: readonly number[];
    activations: readonly string[];
    loss: string;
    optimizer: string;
    parameters: number;
    file: string | null;
  };
  /** The flags, resolved, as flag/value pairs, and a line saying whose they are. */
  settings: readonly (readonly [string, string])[];
  settingsNote: string;
  /** Loss per epoch, when the report follows a training run (or the model recorded one). */
  history: { loss: readonly number[]; valLoss: readonly number[] | null; lossName: string; recorded?: string } | null;
  /** The parts measured; the first is the one the headline and the confusion matrix show. */
  parts: readonly PartResult[];
  timing: { seconds: number; samplesPerSecond: number } | null;
  backend: string;
  blas: BlasInfo | null;
  versions: { blasnet: string; node: string };
}

const CSS = `
:root { --ink: #1f2933; --muted: #5f6b7a; --line: #d9dee5; --accent: #2563eb; --held: #ea580c; --panel: #f6f8fa; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 1000px; padding: 20px 16px 40px; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", sans-serif; }
h1 { font-size: 1.5rem; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 0 0 10px; }
h3 { font-size: 1rem; margin: 14px 0 6px; }
p { margin: 6px 0; }
.sub, .note { color: var(--muted); font-size: 0.9rem; overflow-wrap: anywhere; }
code { font: 0.85em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; background: var(--panel); padding: 1px 4px; border-radius: 4px; overflow-wrap: anywhere; }
section { margin: 26px 0 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin-top: 16px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; background: var(--panel); }
.card .label { color: var(--muted); font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.04em; }
.card .value { font-size: 1.35rem; font-weight: 600; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.card .detail { color: var(--muted); font-size: 0.85rem; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child, th.text, td.text { text-align: left; }
thead th { color: var(--muted); font-weight: 600; font-size: 0.85rem; }
tr.total td { border-top: 2px solid var(--line); }
td.wrap { white-space: normal; overflow-wrap: anywhere; min-width: 16em; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 440px), 1fr)); gap: 8px 24px; }
.chart { width: 100%; height: auto; display: block; }
.chart .grid { stroke: #eef1f4; }
.chart .axis, .chart .tick-mark { stroke: #9aa5b1; }
.chart .tick { font-size: 12px; fill: var(--muted); }
.chart .axis-label, .chart .legend { font-size: 13px; fill: var(--ink); }
.chart .series { fill: none; stroke-width: 2.2; stroke-linejoin: round; }
.chart .series.train { stroke: var(--accent); }
.chart .series.held-out { stroke: var(--held); stroke-dasharray: 6 4; }
.chart circle.train { fill: var(--accent); }
.chart circle.held-out { fill: var(--held); }
.chart .dot { fill: var(--accent); fill-opacity: 0.45; }
.chart .diagonal { stroke: var(--held); stroke-dasharray: 6 4; stroke-width: 1.5; }
table.confusion td.cell { text-align: center; min-width: 2.6em; border: 1px solid #fff; }
table.confusion th.corner { font-size: 0.75rem; }
table.confusion th.predicted { text-align: center; }
.legend-scale { display: inline-block; width: 120px; height: 10px; vertical-align: middle; border-radius: 2px;
  background: linear-gradient(to right, rgba(37, 99, 235, 0.04), rgba(37, 99, 235, 1)); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
ul.flags { list-style: none; padding: 0; margin: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(165px, 1fr)); gap: 2px 16px; }
ul.flags li { padding: 3px 0; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
.nowrap { white-space: nowrap; }
footer { margin-top: 32px; color: var(--muted); font-size: 0.85rem; }
@media (max-width: 560px) {
  body { padding: 14px 10px 30px; font-size: 14px; }
  dl.facts { grid-template-columns: 1fr; gap: 0; }
  dl.facts dd { margin-bottom: 6px; }
  th, td { padding: 4px 4px; }
  th:first-child, td:first-child { padding-left: 0; }
  table { font-size: 13px; }
  thead th { font-size: 0.75rem; }
  table.confusion td.cell { min-width: 2.2em; }
  table.confusion th.corner { white-space: normal; min-width: 5em; }
  /* The charts scale down to about half; their text is in the viewBox's units, so it is enlarged to stay
     readable, and the axis titles (the heading says what they are) make room for it. */
  .chart .tick { font-size: 24px; }
  .chart .legend { font-size: 26px; }
  .chart .axis-label { display: none; }
}
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section, .card, table, svg { break-inside: avoid; }
  .scroll { overflow: visible; }
  @page { margin: 14mm; }
}
`;

/** The report as one HTML document. */
export function renderReport(data: ReportData): string {
  const main = data.parts[0];
  const page = html`<!DOCTYPE html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="generator" content="${`blasnet ${data.versions.blasnet}`}" />
        <title>${data.title}</title>
        <style>
          ${raw(CSS)}
        </style>
      </head>
      <body>
        <header>
          <h1>${data.title}</h1>
          <p class="sub"><code>${data.command}</code></p>
          <p class="sub">${taskLine(data)}</p>
          <p class="sub">
            ${data.created
              .toISOString()
              .replace('T', ' ')
              .replace(/\.\d+Z$/, ' UTC')}
            · blasnet ${data.versions.blasnet} ·
            ${data.backend === 'native' && data.blas ? `OpenBLAS ${data.blas.version}` : `${data.backend} backend`}
          </p>
        </header>
        ${headline(data)} ${lossSection(data)}
        ${main?.kind === 'classification' ? confusionSection(main, data.classes!) : ''}
        ${data.task === 'classification' ? perClassSection(data) : regressionSection(data)} ${networkSection(data)}
        ${dataSection(data)} ${columnsSection(data)} ${settingsSection(data)} ${blasSection(data)}
        <footer>
          Written by blasnet ${data.versions.blasnet} on Node.js ${data.versions.node}. Self-contained: inline CSS and
          SVG, no scripts, nothing fetched.
        </footer>
      </body>
    </html> `;
  return page.text;
}

function card(label: string, value: string, detail?: string): SafeHtml {
  return html`<div class="card">
    <div class="label">${label}</div>
    <div class="value">${value}</div>
    ${detail ? html`<div class="detail">${detail}</div>` : ''}
  </div>`;
}

function headline(data: ReportData): SafeHtml {
  const cards: SafeHtml[] = [];
  for (const part of data.parts) {
    if (part.kind === 'classification') {
      cards.push(card(`${part.name} accuracy`, part.accuracy.toFixed(4), `${part.rows} rows`));
      // What matters when classes are imbalanced: the mean recall over classes, and the mean F1.
      if (part === data.parts[0]) {
        cards.push(
          card(`${part.name} balanced accuracy`, part.metrics.balancedAccuracy.toFixed(4), 'mean recall over classes'),
        );
        cards.push(card(`${part.name} macro F1`, part.metrics.macro.f1.toFixed(4), 'mean F1 over classes'));
      }
    } else
      cards.push(card(`${part.name} R²`, formatMetric(part.r2), `MSE ${formatMetric(part.mse)}, ${part.rows} rows`));
  }
  if (data.timing) {
    const rate = Math.round(data.timing.samplesPerSecond).toLocaleString('en-US');
    cards.push(card('fit time', `${data.timing.seconds.toFixed(2)} s`, `${rate} samples/s`));
  }
  return html`<section class="cards" aria-label="summary">${cards}</section>`;
}

/** `classification into 3 classes, 150 rows, 4 features` */
function taskLine(data: ReportData): string {
  const what = data.classes ? `classification into ${data.classes.length} classes` : 'regression';
  return `${what} · ${data.data.rows} rows · ${data.data.features.length} features`;
}

function lossSection(data: ReportData): SafeHtml {
  const h = data.history;
  if (h === null || h.loss.length === 0) return html``;
  const series: Series[] = [{ name: 'training', className: 'train', values: h.loss }];
  if (h.valLoss !== null && h.valLoss.length > 0)
    series.push({ name: 'held-out', className: 'held-out', values: h.valLoss });
  return html`<section id="loss">
    <h2>Loss per epoch</h2>
    ${lossChart(series, h.lossName)}
    <p class="note">
      ${h.recorded ? `${h.recorded}. ` : ''}Training: the mean minibatch loss during each epoch (as Keras reports it).
      Held-out: the loss on the held-out rows after each epoch.
    </p>
  </section>`;
}

/** Rows are true classes, columns predicted; each cell's shade is its share of its row (the class's recall spread). */
function confusionSection(part: ClassificationPart, classes: readonly string[]): SafeHtml {
  const rows = part.confusion.map((row, t) => {
    const total = row.reduce((s, v) => s + v, 0);
    const cells = row.map((count, p) => {
      const share = total === 0 ? 0 : count / total;
      const alpha = count === 0 ? 0 : Math.max(0.06, share);
      const style = `background: rgba(37, 99, 235, ${alpha.toFixed(3)}); color: ${alpha > 0.5 ? '#fff' : 'var(--ink)'}`;
      const title = `true ${classes[t]}, predicted ${classes[p]}: ${count} (${(share * 100).toFixed(1)}% of ${classes[t]})`;
      return html`<td class="cell${t === p ? ' diagonal' : ''}" data-count="${count}" style="${style}" title="${title}">
        ${count}
      </td>`;
    });
    return html`<tr>
      <th scope="row">${classes[t]}</th>
      ${cells}
      <td class="row-total">${total}</td>
    </tr>`;
  });
  const header = classes.map((name) => html`<th class="predicted" scope="col">${name}</th>`);
  return html`<section id="confusion">
    <h2>Confusion matrix, ${part.name} (${part.rows} rows)</h2>
    <div class="scroll">
      <table class="confusion">
        <thead>
          <tr>
            <th class="corner">true \\ predicted</th>
            ${header}
            <th>rows</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
    </div>
    <p class="note">
      Each row is a true class; a cell counts its rows predicted as the column's class. Shade: the cell's share of its
      row, <span class="nowrap">0% <span class="legend-scale" aria-hidden="true"></span> 100%</span>.
    </p>
  </section>`;
}

function metricsTable(part: ClassificationPart, classes: readonly string[]): SafeHtml {
  const m = part.metrics;
  const f = (v: number) => v.toFixed(4);
  const rows = m.labels.map(
    (label, i) =>
      html`<tr>
        <td>${classes[label] ?? String(label)}</td>
        <td>${f(m.precision[i]!)}</td>
        <td>${f(m.recall[i]!)}</td>
        <td>${f(m.f1[i]!)}</td>
        <td>${m.support[i]}</td>
      </tr>`,
  );
  return html`<div>
    <h3>${part.name} (${part.rows} rows)</h3>
    <div class="scroll">
      <table class="per-class" data-part="${part.name}">
        <thead>
          <tr>
            <th>class</th>
            <th>precision</th>
            <th>recall</th>
            <th>f1-score</th>
            <th>support</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
          <tr class="total">
            <td>accuracy</td>
            <td></td>
            <td></td>
            <td>${f(m.accuracy)}</td>
            <td>${m.total}</td>
          </tr>
          <tr>
            <td>macro avg</td>
            <td>${f(m.macro.precision)}</td>
            <td>${f(m.macro.recall)}</td>
            <td>${f(m.macro.f1)}</td>
            <td>${m.total}</td>
          </tr>
          <tr>
            <td>weighted avg</td>
            <td>${f(m.weighted.precision)}</td>
            <td>${f(m.weighted.recall)}</td>
            <td>${f(m.weighted.f1)}</td>
            <td>${m.total}</td>
          </tr>
        </tbody>
      </table>
    </div>
  </div>`;
}

function perClassSection(data: ReportData): SafeHtml {
  const parts = data.parts.filter((p): p is ClassificationPart => p.kind === 'classification');
  return html`<section id="per-class">
    <h2>Precision, recall and F1 per class</h2>
    <div class="pair">${parts.map((p) => metricsTable(p, data.classes!))}</div>
    <p class="note">
      As scikit-learn's classification_report: precision = tp / (tp + fp), recall = tp / (tp + fn), F1 their harmonic
      mean; support = true rows of the class.
    </p>
  </section>`;
}

function regressionSection(data: ReportData): SafeHtml {
  const parts = data.parts.filter((p): p is RegressionPart => p.kind === 'regression');
  const main = parts[0];
  const rows = parts.map(
    (p) =>
      html`<tr>
        <td>${p.name}</td>
        <td>${p.rows}</td>
        <td>${formatMetric(p.mse)}</td>
        <td>${formatMetric(p.mae)}</td>
        <td>${formatMetric(p.r2)}</td>
      </tr>`,
  );
  return html`<section id="regression">
    <h2>Regression metrics</h2>
    <div class="scroll">
      <table class="regression">
        <thead>
          <tr>
            <th>part</th>
            <th>rows</th>
            <th>MSE</th>
            <th>MAE</th>
            <th>R²</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
    </div>
    ${
      main
        ? html`<h3>Predicted against actual, ${main.name}</h3>
            ${scatterChart(main.actual, main.predicted)}
            <p class="note">Points on the dashed diagonal are exact predictions. Values in the target's units.</p>`
        : ''
    }
  </section>`;
}

function networkSection(data: ReportData): SafeHtml {
  const n = data.network;
  const layers = n.dims.slice(1).map((units, i) => {
    const params = n.dims[i]! * units + units;
    return html`<tr>
      <td>${i === n.dims.length - 2 ? 'output' : `hidden ${i + 1}`}</td>
      <td>${units}</td>
      <td class="text">${n.activations[i]}</td>
      <td>${params.toLocaleString('en-US')}</td>
    </tr>`;
  });
  return html`<section id="network">
    <h2>Network</h2>
    <div class="scroll">
      <table class="layers">
        <thead>
          <tr>
            <th>layer</th>
            <th>units</th>
            <th class="text">activation</th>
            <th>parameters</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>input</td>
            <td>${n.dims[0]}</td>
            <td></td>
            <td></td>
          </tr>
          ${layers}
          <tr class="total">
            <td>total</td>
            <td></td>
            <td></td>
            <td>${n.parameters.toLocaleString('en-US')}</td>
          </tr>
        </tbody>
      </table>
    </div>
    <p>Loss: ${n.loss}. Optimizer: ${n.optimizer}.${n.file ? html` Model file: <code>${n.file}</code>.` : ''}</p>
  </section>`;
}

function dataSection(data: ReportData): SafeHtml {
  const d = data.data;
  const facts: [string, SafeHtml | string][] = [
    ['file', html`<code>${d.file}</code>`],
    [
      'rows',
      d.trainRows !== undefined
        ? `${d.rows} (${d.trainRows} for training, ${d.testRows ?? 0} held out)`
        : String(d.rows),
    ],
    ['target', d.target],
    ['task', `${data.task}: ${data.taskReason}`],
  ];
  if (data.classes) facts.push([`classes (${data.classes.length})`, data.classes.join(', ')]);
  facts.push([
    `features (${d.features.length})`,
    d.features.length > 40 ? `${d.features.slice(0, 40).join(', ')}, ...` : d.features.join(', '),
  ]);
  facts.push([
    'standardised',
    d.standardized ? "yes: each feature centred and scaled with the training part's mean and deviation" : 'no',
  ]);
  return html`<section id="data">
    <h2>Data</h2>
    ${factList(facts)}
  </section>`;
}

/** One row per column of the table: its kind, network inputs, missing cells and what was done. */
function columnsSection(data: ReportData): SafeHtml {
  if (data.columns === undefined || data.columns.length === 0) return html``;
  const rows = data.columns.map(
    (c) =>
      html`<tr>
        <td class="text"><code>${c.column}</code></td>
        <td class="text">${c.source === 'target' ? 'target' : c.kind}</td>
        <td>${String(c.width)}</td>
        <td>${String(c.missing)}</td>
        <td class="text wrap">${c.note}</td>
      </tr>`,
  );
  return html`<section id="columns">
    <h2>Columns</h2>
    <div class="scroll">
      <table>
        <thead>
          <tr>
            <th>column</th>
            <th class="text">kind</th>
            <th>inputs</th>
            <th>missing</th>
            <th class="text">what was done</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
    </div>
  </section>`;
}

function settingsSection(data: ReportData): SafeHtml {
  const flags = data.settings.map(([flag, value]) => html`<li><code>${flag}</code> ${value}</li>`);
  return html`<section id="settings">
    <h2>Settings</h2>
    <ul class="flags">
      ${flags}
    </ul>
    <p class="note">${data.settingsNote}</p>
  </section>`;
}

function blasSection(data: ReportData): SafeHtml {
  const b = data.blas;
  if (b === null)
    return html`<section id="blas">
      <h2>BLAS</h2>
      <p>The ${data.backend} backend: no BLAS library is used.</p>
    </section>`;
  return html`<section id="blas">
    <h2>BLAS</h2>
    ${factList([
      ['backend', data.backend],
      ['OpenBLAS', b.version],
      ['core', `${b.core} (chosen by ${b.coreSource})`],
      ['threads', `${b.threads} of ${b.processors} processors`],
      ['config', html`<code>${b.config}</code>`],
      ['addon', html`<code>${b.addon}</code> (${b.addonSource})`],
    ])}
  </section>`;
}

function factList(facts: readonly (readonly [string, SafeHtml | string])[]): SafeHtml {
  return html`<dl class="facts">
    ${facts.map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${v}</dd>`,
    )}
  </dl>`;
}
