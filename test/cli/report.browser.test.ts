/**
 * The HTML report opened in a real browser: Debian's chromium, headless, driven by playwright-core
 * (whose own browser download cannot work offline, so it is pointed at the system one; .ci/run installs
 * it). Checks what a reader sees: one point per epoch on each loss curve, confusion-matrix cells that add
 * up to the held-out rows, labels shown literally (not run as markup), nothing fetched, no page wider
 * than a phone. Screenshots (desktop, phone, print) and a PDF go to test-output/cli-report/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { chromium, type Browser, type Page } from 'playwright-core';

import { compileCli, fixture, root, type Cli } from '../helpers/cli';

// The callbacks given to page.$eval and page.evaluate run in the browser. This project type-checks without
// the DOM library (lib/ runs in Node), so the few browser names they use are declared here.
declare const document: {
  documentElement: { scrollWidth: number };
  body: unknown;
  querySelector(selector: string): { getBoundingClientRect(): { width: number } };
};
declare function getComputedStyle(element: unknown): { backgroundColor: string; paddingTop: string };
type Polyline = { points: { numberOfItems: number } & Iterable<{ x: number }> };

const CHROMIUM = '/usr/bin/chromium';
// Without the background-networking flags chromium tries to reach Google's services, which this closed
// network refuses, slowly.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const EPOCHS = 60;
const screenshots = path.join(root, 'test-output', 'cli-report');

// CI installs chromium (.ci/run), so there a missing browser is a failure; elsewhere the suite says why it skips.
const available = fs.existsSync(CHROMIUM);
const describeWithBrowser = available || process.env.CI ? describe : describe.skip;
if (!available && !process.env.CI)
  console.warn(`report.browser.test.ts skipped: no ${CHROMIUM} (apt-get install -y chromium)`);

describeWithBrowser('the HTML report in headless chromium', () => {
  let cli: Cli;
  let browser: Browser;
  let heldOutRows: number;

  beforeAll(async () => {
    cli = compileCli('cli-report-build');
    fs.rmSync(screenshots, { recursive: true, force: true });
    fs.mkdirSync(screenshots, { recursive: true });
    const iris = cli.run([
      'train',
      fixture('examples', 'data', 'iris-species.csv'),
      '--epochs',
      String(EPOCHS),
      '--report',
      'iris.html',
      '--json',
      '-q',
    ]);
    if (iris.status !== 0) throw new Error(iris.stderr);
    heldOutRows = JSON.parse(iris.stdout).testRows;
    // A file whose names and labels are markup, quotes and ampersands.
    const rows = ['"<b>width</b>",a&b,label'];
    const labels = ['<script>alert("x")</script>', 'Tom & Jerry', '"quoted"'];
    for (let i = 0; i < 60; i++)
      rows.push(
        `${i % 3}.${i},${(i * 7) % 5},${labels[i % 3]!.includes('"') ? `"${labels[i % 3]!.replace(/"/g, '""')}"` : labels[i % 3]}`,
      );
    fs.writeFileSync(path.join(cli.out, 'hostile.csv'), `${rows.join('\n')}\n`);
    const hostile = cli.run(['train', 'hostile.csv', '--epochs', '5', '--report', 'hostile.html', '-q']);
    if (hostile.status !== 0) throw new Error(hostile.stderr);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  /** Opens a report file and records every request the page makes and every dialog it opens. */
  async function open(file: string, width = 1000): Promise<{ page: Page; requests: string[]; dialogs: string[] }> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const requests: string[] = [];
    const dialogs: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`file://${path.join(cli.out, file)}`);
    return { page, requests, dialogs };
  }

  it('the loss curves have one point per epoch, training and held-out', async () => {
    const { page } = await open('iris.html');
    const points = await page.$$eval('svg.chart polyline.series', (lines) =>
      lines.map((line) => [line.getAttribute('data-series'), (line as unknown as Polyline).points.numberOfItems]),
    );
    expect(points).toEqual([
      ['training', EPOCHS],
      ['held-out', EPOCHS],
    ]);
    // Drawn left to right, inside the chart.
    const xs = await page.$eval('polyline[data-series="training"]', (line) =>
      Array.from((line as unknown as Polyline).points, (p) => p.x),
    );
    expect(xs.every((x, i) => i === 0 || x > xs[i - 1]!)).toBe(true);
    await page.close();
  });

  it('the confusion-matrix cells, as shown, add up to the held-out rows', async () => {
    const { page } = await open('iris.html');
    const cells = await page.$$eval('table.confusion td.cell', (tds) => tds.map((td) => Number(td.textContent)));
    expect(cells).toHaveLength(9);
    expect(cells.reduce((a, b) => a + b, 0)).toBe(heldOutRows);
    expect(heldOutRows).toBe(30);
    const header = await page.$$eval('table.confusion thead th.predicted', (ths) => ths.map((th) => th.textContent));
    expect(header).toEqual(['setosa', 'versicolor', 'virginica']);
    // A heat map: the diagonal (most rows) is darker than an empty cell.
    const shades = await page.$$eval('table.confusion td.cell', (tds) =>
      tds.map((td) => getComputedStyle(td).backgroundColor),
    );
    expect(shades[0]).not.toBe(shades[1]);
    await page.close();
  });

  it('has the per-class table, the network, the settings and the BLAS facts; fetches nothing', async () => {
    const { page, requests } = await open('iris.html');
    const text = await page.textContent('body');
    for (const heading of [
      'Loss per epoch',
      'Confusion matrix, held-out (30 rows)',
      'Precision, recall and F1 per class',
      'Network',
      'Data',
      'Settings',
      'BLAS',
    ]) {
      expect(await page.locator('h2', { hasText: heading }).count()).toBe(1);
    }
    expect(await page.$$eval('table.per-class[data-part="held-out"] tbody tr', (trs) => trs.length)).toBe(6);
    expect(text).toMatch(/OpenBLAS\s*0\.\d+\.\d+/);
    expect(text).toContain('--epochs 60');
    expect(requests).toEqual([`file://${path.join(cli.out, 'iris.html')}`]);
    await page.screenshot({ path: path.join(screenshots, 'report-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 900, height: 1150 });
    await page.screenshot({ path: path.join(screenshots, 'report-top.png') });
    await page.close();
  });

  it('reads on a phone: nothing wider than the screen, charts scaled down', async () => {
    const { page } = await open('iris.html', 390);
    const widths = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      chart: document.querySelector('svg.chart').getBoundingClientRect().width,
    }));
    expect(widths.page).toBeLessThanOrEqual(390);
    expect(widths.chart).toBeLessThanOrEqual(390);
    expect(widths.chart).toBeGreaterThan(300);
    await page.screenshot({ path: path.join(screenshots, 'report-phone.png'), fullPage: true });
    await page.close();
  });

  it('prints: the print style applies and a PDF comes out', async () => {
    const { page } = await open('iris.html', 800);
    await page.emulateMedia({ media: 'print' });
    const padding = await page.evaluate(() => getComputedStyle(document.body).paddingTop);
    expect(padding).toBe('0px');
    await page.screenshot({ path: path.join(screenshots, 'report-print.png'), fullPage: true });
    await page.pdf({ path: path.join(screenshots, 'report.pdf'), format: 'A4', printBackground: true });
    expect(fs.statSync(path.join(screenshots, 'report.pdf')).size).toBeGreaterThan(10_000);
    await page.close();
  });

  it('shows names and labels from the data literally: no markup from the file runs or renders', async () => {
    const { page, dialogs } = await open('hostile.html');
    expect(await page.$$eval('script', (scripts) => scripts.length)).toBe(0);
    expect(await page.$$eval('body b', (bold) => bold.length)).toBe(0);
    const header = await page.$$eval('table.confusion thead th.predicted', (ths) => ths.map((th) => th.textContent));
    expect(header).toEqual(['"quoted"', '<script>alert("x")</script>', 'Tom & Jerry']);
    expect(await page.textContent('body')).toContain('<b>width</b>, a&b');
    expect(dialogs).toEqual([]);
    await page.screenshot({ path: path.join(screenshots, 'report-hostile.png'), fullPage: true });
    await page.close();
  });
});
