/**
 * merge, split, convert and extract-module stream params from their inputs (`withPackages`):
 * the params stay members of the open input, and the bytes written equal those of packages read
 * whole into memory (`readPackages`), for every TVM 0.18 fixture, both versions and a merge.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renameModule } from '../../../src/core/archive/rename.js';
import { mergeArchives, readPackages, withPackages, writePackages } from '../../../src/node/write/pack.js';
import { TVM } from '../../helpers/archive.js';

const work = mkdtempSync(join(tmpdir(), 'mlf-packages-stream-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const out = (ext = '.tar') => join(work, `${n++}${ext}`);
const FIXTURES = readdirSync(TVM)
  .map((f) => join(TVM, f, 'model.tar'))
  .filter((p) => existsSync(p));

describe('packages with params left in the archive', () => {
  it('finds the TVM 0.18 fixtures', () => expect(FIXTURES.length).toBeGreaterThanOrEqual(5));

  for (const fixture of FIXTURES) {
    it(`writes the same bytes as in-memory packages: ${fixture}`, async () => {
      const eager = await readPackages(fixture);
      for (const [version, ext] of [
        [7, '.tar'],
        [6, '.tgz'],
        [7, '.tar.zst'],
      ] as const) {
        if (version === 6 && eager.length !== 1) continue;
        const [a, b] = [out(ext), out(ext)];
        await writePackages(eager, a, version, { sourceDateEpoch: 1700000000 });
        await withPackages([fixture], async ([lazy = []]) => {
          const withParams = lazy.filter((p) => p.params !== null);
          for (const p of withParams)
            expect(p.params instanceof Uint8Array, `${p.name} params read into memory`).toBe(false);
          expect(withParams.length).toBe(eager.filter((p) => p.params !== null).length);
          await writePackages(lazy, b, version, { sourceDateEpoch: 1700000000 });
        });
        expect(readFileSync(b).equals(readFileSync(a)), `${fixture} v${version} ${ext}`).toBe(true);
      }
    });
  }

  it('a merge of two archives streams the params of both and equals the in-memory assembly', async () => {
    const [x, y] = [join(TVM, 'graph-cnn/model.tar'), join(TVM, 'aot-mlp/model.tar')];
    const eager = [...(await readPackages(x)), ...(await readPackages(y)).map((p) => renameModule(p, 'second'))];
    const a = out();
    await writePackages(eager, a, 7, { sourceDateEpoch: 1 });
    const b = out();
    await mergeArchives([x, y], b, { sourceDateEpoch: 1, rename: new Map([['default', 'second']]) });
    expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
  });

  it('closes every input even when writing fails', async () => {
    const dest = out('.unknown');
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    let archives = 0;
    let during = 0;
    await expect(
      withPackages([FIXTURES[0]!, FIXTURES[1]!], async (perInput) => {
        archives = perInput.length;
        during = fds();
        return writePackages(perInput[0]!, dest, 7);
      }),
    ).rejects.toMatchObject({ code: 'MLF-E901' });
    expect(archives).toBe(2);
    expect(during).toBeGreaterThanOrEqual(before + 2); // both inputs were open (a file handle each)
    expect(fds()).toBe(before);
    expect(existsSync(dest)).toBe(false);
  });
});
