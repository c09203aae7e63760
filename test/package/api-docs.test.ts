/**
 * docs/api/ is the API reference TypeDoc generates from the TSDoc of the two entries. It must be
 * current (regenerate with `npm run docs:api`), and TypeDoc must have nothing to warn about
 * (typedoc.json treats warnings as errors): every export documented, every type a public
 * signature names exported too.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/common.js';

const out = mkdtempSync(join(tmpdir(), 'mlf-api-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const files = (dir: string) =>
  (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).filter((f) => f.endsWith('.md')).sort();

describe('docs/api', () => {
  it('TypeDoc regenerates it without a warning, identical to the committed files', () => {
    // dist/*.d.ts first: TypeDoc reads the core entry through the node project's reference.
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b'], { cwd: ROOT });
    expect(tsc.status, String(tsc.stdout)).toBe(0);
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typedoc/bin/typedoc'), '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const committed = join(ROOT, 'docs', 'api');
    expect(files(out)).toEqual(files(committed));
    for (const f of files(out))
      expect(readFileSync(join(out, f), 'utf8'), `${f} (npm run docs:api)`).toBe(
        readFileSync(join(committed, f), 'utf8'),
      );
  });
});
