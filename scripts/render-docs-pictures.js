#!/usr/bin/env node
// Regenerates the pictures of the docs from the built package (run after `npm run build`):
// docs/graph.svg is `mlf graph --format svg` of the MNIST fixture; docs/viewer.png is the
// viewer's graph tab on the same archive with a node selected, in headless Chromium (skipped,
// with a message, where Chromium is missing).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '..');
const ARCHIVE = join(ROOT, 'test', 'fixtures', 'tvm-0.18', 'mnist-graph', 'model.tar');
const CHROMIUM = process.env.MLF_CHROMIUM ?? '/usr/bin/chromium';

const svg = join(ROOT, 'docs', 'graph.svg');
execFileSync(process.execPath, [join(ROOT, 'bin', 'mlf.js'), 'graph', ARCHIVE, '--format', 'svg', '-o', svg, '-f'], {
  stdio: 'inherit',
});

if (!existsSync(CHROMIUM)) {
  console.log(`Chromium not found at ${CHROMIUM}: docs/viewer.png left as it is`);
} else {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    await page.goto(`${pathToFileURL(join(ROOT, 'dist', 'viewer', 'index.html')).href}#graph`);
    await page.setInputFiles('#file-input', ARCHIVE);
    await page.waitForSelector('[data-graph-ready="true"]', { timeout: 60_000 });
    await page.fill('#node-search', 'conv2d_NCHWc_add_nn_relu_1');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#detail-name');
    await page.fill('#node-search', '');
    await page.waitForTimeout(500); // the camera's move to the selection
    await page.screenshot({ path: join(ROOT, 'docs', 'viewer.png') });
    console.log('docs/viewer.png');
  } finally {
    await browser.close();
  }
}
