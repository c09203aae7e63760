/**
 * examples/library.mjs, the library example the README shows: it runs against the built package
 * (it imports `model-library-format/node` by name) and does what it says, checked against the
 * fixture's expected.json (TVM's own figures) and GNU tar. The README holds it verbatim.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, run } from '../helpers/common.js';

const EXAMPLE = join(ROOT, 'examples', 'library.mjs');

describe('examples/library.mjs', () => {
  it('reads, validates, inspects, writes, signs and verifies', () => {
    const r = spawnSync(process.execPath, [EXAMPLE], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^examples\/graph-cnn\/model\.tar: valid true, 0 errors, \d+ warnings$/);
    expect(lines[1]).toBe('module default: executors graph, inputs input');
    const expected = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/tvm-0.18/graph-cnn/expected.json'), 'utf8'));
    const m = /^(\w+): (\w+)\[([\d,]+)\], first value (\S+)$/.exec(lines[2] ?? '');
    expect(m).not.toBeNull();
    const facts = expected.modules.default.params[m![1]!];
    expect([m![2], m![3]!.split(',').map(Number)]).toEqual([facts.dtype, facts.shape]);
    expect(Number.isFinite(Number(m![4]))).toBe(true);
    const signed = /^(\S+): signature valid true, 2 members$/.exec(lines[3] ?? '');
    expect(signed, lines[3]).not.toBeNull();
    // GNU tar reads what the example wrote: the operator module, its code and the signature.
    const members = run('tar', ['tzf', signed![1]!]).toString().split('\n').filter(Boolean);
    expect(members).toEqual(
      expect.arrayContaining(['./metadata.json', './codegen/host/src/lib0.c', './.mlf/signature.json']),
    );
  });

  it('is in the README verbatim', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`\`\`\`js\n${readFileSync(EXAMPLE, 'utf8')}\`\`\``);
  });
});
