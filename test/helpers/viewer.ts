// Shared by the viewer's browser tests: Debian's Chromium through playwright-core (nothing is
// downloaded), the built viewer page, screenshots kept under test-results/screenshots/.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export const ROOT = join(import.meta.dirname, '../..');
export const CHROMIUM = process.env.MLF_CHROMIUM ?? '/usr/bin/chromium';
export const VIEWER_PAGE = join(ROOT, 'dist', 'viewer', 'index.html');
export const VIEWER_URL = pathToFileURL(VIEWER_PAGE).href;
export const SHOTS = join(ROOT, 'test-results', 'screenshots');
export const TVM_DIR = join(ROOT, 'test', 'fixtures', 'tvm-0.18');

/** Launches Chromium; throws (never skips) when it or the built viewer is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the viewer tests need it. Install Debian's chromium (apt-get install -y chromium) or set MLF_CHROMIUM.`,
    );
  }
  if (!existsSync(VIEWER_PAGE))
    throw new Error(`${VIEWER_PAGE} is missing: run npm run build (it runs build:viewer) first.`);
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** Records console errors and uncaught page errors of a page. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/** Saves a screenshot under test-results/screenshots/. */
export function shot(page: Page, name: string, fullPage = false): Promise<Buffer> {
  return page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

/** Axe violations of impact serious or critical on the current page (axe-core injected once). */
export async function seriousViolations(
  page: Page,
): Promise<{ id: string; impact: string; help: string; nodes: string[] }[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) {
    const { createRequire } = await import('node:module');
    await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core') });
  }
  const result = (await page.evaluate(() =>
    (globalThis as unknown as { axe: { run(ctx: Document, opts: unknown): Promise<unknown> } }).axe.run(document, {
      resultTypes: ['violations'],
    }),
  )) as { violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
}

/**
 * Waits until `selector`'s text equals `text` (or contains it), then returns it. Preact renders
 * after the event that changed state, so reading right after a click can see the old text.
 */
export async function waitForText(page: Page, selector: string, text: string, contains = false): Promise<string> {
  await page
    .waitForFunction(
      ([sel, want, part]) => {
        const got = document.querySelector(sel as string)?.textContent?.trim() ?? '';
        return part ? got.includes(want as string) : got === want;
      },
      [selector, text, contains] as const,
      { timeout: 10_000 },
    )
    .catch(() => undefined); // the caller's expect() reports the mismatch with the actual text
  return (await page.textContent(selector))?.trim() ?? '';
}

/** Waits until `selector`'s text differs from `previous`, then returns it. */
export async function waitForChange(page: Page, selector: string, previous: string | null): Promise<string | null> {
  await page
    .waitForFunction(
      ([sel, old]) => (document.querySelector(sel as string)?.textContent ?? null) !== old,
      [selector, previous] as const,
      { timeout: 10_000 },
    )
    .catch(() => undefined);
  return page.textContent(selector);
}
