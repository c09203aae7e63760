// A report whose embedded archive cannot be loaded in the browser (issue 20: a 4 MB .tar.zst that
// expands to 3.9 GB replaced the whole page by "Array buffer allocation failed") keeps the summary
// mlf report recorded and says what is missing and why. Here the embedded bytes are a .tar.zst cut
// short, which the in-page reader refuses (MLF-E008) the same way it refuses one too large to hold.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectErrors, launchChromium, ROOT, shot, TVM_DIR, waitForText } from '../helpers/viewer.js';

const tmp = mkdtempSync(join(tmpdir(), 'mlf-report-degrade-'));
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  errors = collectErrors(page);
});
afterAll(async () => {
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('mlf report --embed-archive, archive unloadable in the page', () => {
  it('keeps the embedded summary and says what could not be loaded and why', async () => {
    const tar = join(TVM_DIR, 'graph-cnn', 'model.tar');
    const zst = spawnSync('zstd', ['-q', '-c', tar], { maxBuffer: 1 << 26 });
    expect(zst.status).toBe(0);
    const html = join(tmp, 'report.html');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'mlf.js'), 'report', tar, '-o', html, '--embed-archive'], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const cut = Buffer.from(zst.stdout.subarray(0, 2000)).toString('base64');
    const page0 = readFileSync(html, 'utf8');
    const broken = page0.replace(/(<script type="application\/octet-stream" id="mlf-archive"[^>]*>)[^<]*/, `$1${cut}`);
    expect(broken).not.toBe(page0);
    writeFileSync(html, broken);

    await page.goto(pathToFileURL(html).href);
    await page.waitForSelector('#overview-module');
    expect(await page.textContent('#verdict')).toBe('valid'); // the summary mlf report recorded
    const alert = await waitForText(page, '[role="alert"]', 'could not be loaded', true);
    expect(alert).toContain('The archive embedded in this report could not be loaded in this browser');
    expect(alert).toMatch(/MLF-E008/);
    expect(alert).toContain('not available: code');
    await page.click('#tab-code');
    await page.click('.file-button >> nth=0');
    expect(await waitForText(page, '#code-status', 'could not be loaded', true)).toMatch(
      /is in the archive embedded in this report, which could not be loaded in this browser \(MLF-E008/,
    );
    await shot(page, 'report-embedded-archive-unloadable');
    expect(errors).toEqual([]);
  });
});
