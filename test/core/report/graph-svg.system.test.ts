// `mlf graph --format svg` through the built CLI on every graph-executor module of the fixtures,
// params folded and drawn as nodes, held to test/helpers/graph-drawing.ts (the drawing in
// process: graph-svg.test.ts).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/common.js';
import { checkDrawing, graphModules } from '../../helpers/graph-drawing.js';
import { readSvgGeometry } from '../../helpers/svg-geometry.js';

function mlf(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'mlf.js'), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('mlf graph --format svg', async () => {
  const cases = await graphModules();

  it.each([true, false])('draws every module readably (params folded: %s)', (folded) => {
    for (const c of cases) {
      const args = ['graph', c.archive, '--module', c.module, '--format', 'svg'];
      const r = mlf(...args, ...(folded ? [] : ['--params', 'nodes']));
      expect(r.code, `${c.name}: ${r.err}`).toBe(0);
      expect(r.out.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      checkDrawing(c, readSvgGeometry(r.out), folded);
    }
  });
});
