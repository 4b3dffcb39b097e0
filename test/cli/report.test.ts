/**
 * The HTML report as text: everything from the data is escaped, nothing is fetched, and the charts carry
 * one point per epoch. (test/cli/report.browser.test.ts opens it in a real browser.)
 */
import { classificationMetrics, confusionMatrix } from '../../lib';
import type { ClassificationPart, RegressionPart } from '../../lib/cli/evaluation';
import { escapeHtml, html, raw } from '../../lib/cli/html';
import { renderReport, type ReportData } from '../../lib/cli/html-report';
import { lossChart, niceStep, scatterChart } from '../../lib/cli/svg-charts';

const EVIL = ['<script>alert(1)</script>', 'a & b', '"quoted" \'single\''];

function classificationPart(name: string): ClassificationPart {
  const truth = Int32Array.from([0, 1, 2, 2, 1, 0]);
  const predicted = Int32Array.from([0, 1, 2, 1, 1, 0]);
  return {
    kind: 'classification',
    name,
    rows: 6,
    accuracy: 5 / 6,
    metrics: classificationMetrics(truth, predicted),
    confusion: confusionMatrix(truth, predicted, 3),
    truth,
    predicted,
  };
}

function report(overrides: Partial<ReportData> = {}): ReportData {
  return {
    title: 'blasnet train <evil>.csv',
    command: "blasnet train '<evil>.csv'",
    created: new Date('2026-01-02T03:04:05Z'),
    task: 'classification',
    taskReason: 'the target holds words',
    classes: EVIL,
    data: {
      file: '<evil>.csv',
      rows: 30,
      target: 'column 3 ("<b>label</b>")',
      features: ['<img src=x onerror=alert(1)>', 'ok'],
      trainRows: 24,
      testRows: 6,
      standardized: true,
    },
    network: {
      dims: [2, 4, 3],
      activations: ['relu', 'softmax'],
      loss: 'cross-entropy',
      optimizer: 'adam (learning rate 0.001)',
      parameters: 27,
      file: 'm.blasnet',
    },
    settings: [['--target', '<b>label</b>']],
    settingsNote: 'Every flag.',
    history: { loss: [1, 0.5, 0.25, 0.2], valLoss: [1.1, 0.6, 0.4, 0.35], lossName: 'cross-entropy' },
    parts: [classificationPart('held-out'), classificationPart('training')],
    timing: { seconds: 0.5, samplesPerSecond: 192 },
    backend: 'js',
    blas: null,
    versions: { blasnet: '0.1.0', node: '20.0.0' },
    ...overrides,
  };
}

describe('html templates', () => {
  it('escape every interpolated value, for text and attributes alike', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(html`<p title="${'"><script>'}">${'<b>'}${3}${null}${undefined}${false}</p>`.text).toBe(
      '<p title="&quot;&gt;&lt;script&gt;">&lt;b&gt;3</p>',
    );
    expect(
      html`<ul>
        ${['<1>', html`<li>${'<2>'}</li>`]}
      </ul>`.text,
    ).toBe('<ul>&lt;1&gt;<li>&lt;2&gt;</li></ul>');
    expect(html`${raw('<b>kept</b>')}`.text).toBe('<b>kept</b>');
  });
});

describe('renderReport', () => {
  const page = renderReport(report());

  it('is one document with inline CSS and SVG: no script, no external resource', () => {
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page).toContain('@media print');
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<[^>]*\s(src|href)\s*=/i);
    expect(page).not.toMatch(/https?:\/\//);
    expect(page).not.toMatch(/@import|url\(/);
  });

  it('escapes column names, labels, file names and flag values from the data', () => {
    expect(page).not.toContain('<evil>');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<b>label</b>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('a &amp; b');
    expect(page).toContain('&quot;quoted&quot; &#39;single&#39;');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('has the loss curve with one point per epoch for each part, and the confusion matrix of the held-out part', () => {
    const polylines = [
      ...page.matchAll(/<polyline class="series (train|held-out)" data-series="([^"]+)" points="([^"]+)"/g),
    ];
    expect(polylines.map((m) => [m[2], m[3]!.trim().split(' ').length])).toEqual([
      ['training', 4],
      ['held-out', 4],
    ]);
    const cells = [...page.matchAll(/<td class="cell[^"]*" data-count="(\d+)"/g)].map((m) => Number(m[1]));
    expect(cells).toHaveLength(9);
    expect(cells.reduce((a, b) => a + b, 0)).toBe(6);
    expect(page).toContain('Confusion matrix, held-out (6 rows)');
    expect([...page.matchAll(/<table class="per-class" data-part="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'held-out',
      'training',
    ]);
  });

  it('a regression report has the metrics table and the predicted-against-actual chart, and no confusion matrix', () => {
    const part: RegressionPart = {
      kind: 'regression',
      name: 'held-out',
      rows: 3,
      mse: 1,
      mae: 1,
      r2: 0.5,
      actual: Float64Array.from([1, 2, 3]),
      predicted: Float64Array.from([2, 1, 4]),
    };
    const regression = renderReport(report({ task: 'regression', classes: null, parts: [part] }));
    expect(regression).toContain('<table class="regression">');
    expect(regression).toContain('predicted against actual');
    expect(regression.match(/<circle class="dot"/g)).toHaveLength(3);
    expect(regression).not.toContain('class="confusion"');
  });

  it('without a history (a model trained by a program) there is no loss section', () => {
    expect(renderReport(report({ history: null }))).not.toContain('id="loss"');
  });
});

describe('charts', () => {
  it('niceStep picks 1, 2 or 5 times a power of ten', () => {
    expect([niceStep(10, 5), niceStep(1, 5), niceStep(7, 5), niceStep(200, 8), niceStep(0.03, 5)]).toEqual([
      2, 0.2, 2, 50, 0.01,
    ]);
  });

  it('the loss chart switches to a log scale once the loss falls more than 30 times', () => {
    expect(lossChart([{ name: 'training', className: 'train', values: [2, 1, 0.5] }], 'loss').text).not.toContain(
      'log scale',
    );
    const log = lossChart([{ name: 'training', className: 'train', values: [2, 0.1, 0.01] }], 'loss').text;
    expect(log).toContain('loss (log scale)');
    expect(log).toMatch(/>0\.01<\/text>/);
  });

  it('one epoch still draws', () => {
    const chart = lossChart([{ name: 'training', className: 'train', values: [0.7] }], 'loss').text;
    expect(chart).toMatch(/points="[\d.]+,[\d.]+"/);
    expect(chart).not.toContain('NaN');
  });

  it('the scatter chart draws at most `limit` points, evenly spread', () => {
    const n = 10_000;
    const values = Float64Array.from({ length: n }, (_, i) => i);
    expect(scatterChart(values, values, 2000).text.match(/<circle/g)).toHaveLength(2000);
  });
});
