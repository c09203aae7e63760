// The viewer with large archives in headless Chromium: a 200 MiB .tar opens from Blob slices
// (never read whole: the page's JS heap and ArrayBuffers stay far below the archive's size,
// sampled through CDP),
// and its tensor's statistics, computed a chunk at a time in the page, equal those `mlf report`
// computed; a report embedding a 16 MiB archive splits it into base64 parts that decode, in Node
// and in the page, to the archive's bytes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigArchive } from '../helpers/big-archive.js';
import { mlf } from '../helpers/common.js';
import { collectErrors, launchChromium, VIEWER_URL } from '../helpers/viewer.js';

const tmp = mkdtempSync(join(tmpdir(), 'mlf-viewer-memory-'));
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** The snapshot `mlf report` embeds (its boot JSON). */
function reportSnapshot(html: string) {
  const boot = /<script type="application\/json" id="mlf-boot">(.*?)<\/script>/s.exec(html)![1]!;
  return JSON.parse(boot).snapshot;
}

/**
 * Samples the page's JS memory until `stop()`, returning the peak in MB: the V8 heap and the
 * ArrayBuffers' backing stores (CDP Runtime.getHeapUsage), where a tensor read whole would sit
 * (JSHeapUsedSize alone leaves ArrayBuffers out).
 */
async function heapSampler(page: Page): Promise<{ stop(): Promise<number> }> {
  const cdp = await page.context().newCDPSession(page);
  let peak = 0;
  let on = true;
  const loop = (async () => {
    while (on) {
      const u = await cdp.send('Runtime.getHeapUsage');
      peak = Math.max(peak, u.usedSize + ((u as { backingStorageSize?: number }).backingStorageSize ?? 0));
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
      return peak / 2 ** 20;
    },
  };
}

/** The `data-value` of each statistic the params view shows for the picked tensor. */
async function shownStats(page: Page): Promise<Record<string, string>> {
  return page.$$eval('#param-stats [data-stat]', (els) =>
    Object.fromEntries(els.map((e) => [e.getAttribute('data-stat'), e.getAttribute('data-value')])),
  );
}

const asShown = (s: Record<string, number | null>) => ({
  count: String(s.count),
  min: String(s.min),
  max: String(s.max),
  mean: String(s.mean),
  std: String(s.std),
  zeros: String(s.zeros),
  NaN: String(s.nan),
  Inf: String(s.inf),
});

describe('large archives in the page', () => {
  it('a 200 MiB .tar opens from Blob slices; its statistics equal mlf report; the JS heap stays small', async () => {
    const a = await bigArchive(tmp, 'big', 200);
    const html = join(tmp, 'big.html');
    expect(mlf('report', a.tar, '-o', html).code).toBe(0);
    const want = reportSnapshot(readFileSync(html, 'utf8')).modules.default.params[0].summary.stats;
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    const errors = collectErrors(page);
    try {
      await page.goto(VIEWER_URL);
      const heap = await heapSampler(page);
      await page.setInputFiles('#file-input', a.tar);
      await page.waitForSelector('#verdict');
      await page.click('#tab-params');
      await page.click('#params-table tr[data-param="p0"] button');
      await page.waitForSelector('#param-stats[data-param="p0"] [data-stat="mean"]', { timeout: 120_000 });
      const peak = await heap.stop();
      expect(await shownStats(page)).toEqual(asShown(want));
      expect(peak, 'peak JS heap + ArrayBuffers (MB)').toBeLessThan(100); // the tensor alone is 200 MiB
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 300_000);

  it('a report embeds a 16 MiB archive in base64 parts; they decode to the archive, in Node and in the page', async () => {
    const a = await bigArchive(tmp, 'mid', 16);
    const html = join(tmp, 'mid.html');
    expect(mlf('report', a.tar, '-o', html, '--embed-archive').code).toBe(0);
    const text = readFileSync(html, 'utf8');
    const parts = [
      ...text.matchAll(
        /<script type="application\/octet-stream"( id="mlf-archive")? class="mlf-archive-part">([^<]*)<\/script>/g,
      ),
    ];
    expect(parts.length).toBe(3); // 6 MiB of archive per part
    expect(parts.map((p) => p[1] !== undefined)).toEqual([true, false, false]);
    const decoded = Buffer.concat(parts.map((p) => Buffer.from(p[2]!, 'base64')));
    expect(decoded.equals(readFileSync(a.tar))).toBe(true);
    const want = reportSnapshot(text).modules.default.params[0].summary.stats;
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    const errors = collectErrors(page);
    try {
      await page.goto(pathToFileURL(html).href);
      await page.click('#tab-code');
      await page.click('.file-button[data-path="codegen/host/src/default_lib0.c"]');
      await page.waitForSelector('#code-host .cm-content');
      expect(await page.textContent('#code-host .cm-content')).toContain('tvmgen_default_fused_add');
      await page.click('#tab-params');
      await page.click('#params-table tr[data-param="p0"] button');
      await page.waitForSelector('#param-stats[data-param="p0"] [data-stat="mean"]');
      expect(await shownStats(page)).toEqual(asShown(want));
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 300_000);
});
