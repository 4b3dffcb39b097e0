#!/usr/bin/env node
// Screenshots the top of a `blasnet train --report` file for the README (docs/cli-report.png), in Debian's
// headless chromium through playwright-core, as test/cli/report.browser.test.ts opens it:
//   npx blasnet train examples/data/iris-species.csv --target species --report iris-report.html
//   node tools/report-screenshot.js iris-report.html docs/cli-report.png
'use strict';
const path = require('node:path');
const { chromium } = require('playwright-core');

async function main() {
  const [report, out, width = '900', height = '1150'] = process.argv.slice(2);
  if (!report || !out)
    throw new Error('usage: node tools/report-screenshot.js <report.html> <out.png> [width] [height]');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: Number(width), height: Number(height) } });
    await page.goto(`file://${path.resolve(report)}`);
    await page.screenshot({ path: out });
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
