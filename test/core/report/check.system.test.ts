/**
 * `mlf check` (the built CLI): per-module budgets (summed over devices), --baseline/--max-increase
 * both ways, output formats and exit statuses. Archives are changed inside the tests and the
 * expected figures come from the edit and from metadata.json.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { escapeGithubMessage, escapeGithubProperty } from '../../../src/core/report/budget-render.js';
import { mlf } from '../../helpers/common.js';
import { json, packFiles, TVM, tarFiles, text } from '../../helpers/archive.js';

const tmp = mkdtempSync(join(tmpdir(), 'mlf-check-'));
const GRAPH = `${TVM}/graph-cnn/model.tar`;
const MULTI = `${TVM}/multi-graph/model.tar`;
const AOT = `${TVM}/aot-mlp/model.tar`;
const main = (path: string, module: string) =>
  json(tarFiles(path).get('metadata.json')).modules[module].memory.functions.main[0];
const WORKSPACE: number = main(GRAPH, 'default').workspace_size_bytes;

/** graph-cnn with its main workspace grown by `extra` bytes. */
function grown(extra: number): string {
  const files = tarFiles(GRAPH);
  const meta = json(files.get('metadata.json'));
  meta.modules.default.memory.functions.main[0].workspace_size_bytes += extra;
  files.set('metadata.json', text(JSON.stringify(meta)));
  const path = join(tmp, `grown-${extra}.tar`);
  writeFileSync(path, packFiles(files));
  return path;
}

describe('absolute budgets', () => {
  it('workspace grown by 1024: exit 1 with a budget one byte below, 0 at the figure or above', () => {
    const path = grown(1024);
    const figure = WORKSPACE + 1024;
    const below = mlf('check', path, '--max-workspace', String(figure - 1));
    expect(below.code).toBe(1);
    expect(below.out).toContain(`FAIL  default  workspace ${figure} B`);
    expect(below.out).toContain(`exceeds --max-workspace ${figure - 1} B`);
    expect(below.out).toContain('by 1 B');
    expect(below.out.trim().split('\n').at(-1)).toBe('Summary: 1 of 1 budget exceeded');
    expect(mlf('check', path, '--max-workspace', String(figure)).code).toBe(0);
    expect(mlf('check', path, '--max-workspace', '64KiB').code).toBe(0);
    expect(mlf('check', GRAPH, '--max-workspace', String(WORKSPACE)).code).toBe(0);
  });

  it('every figure has a flag; budgets are per module; JSON lists each result', () => {
    const [m1, m2] = [main(MULTI, 'mod1'), main(MULTI, 'mod2')];
    const between = Math.min(m1.workspace_size_bytes, m2.workspace_size_bytes) + 1;
    const r = mlf(
      'check',
      MULTI,
      '--max-workspace',
      String(between),
      '--max-io',
      '1MB',
      '--max-constants',
      '1MB',
      '--max-storage',
      '1MB',
      '--format',
      'json',
    );
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    const failed = j.results.filter((x: any) => x.ok === false);
    const bigger = m1.workspace_size_bytes > m2.workspace_size_bytes ? 'mod1' : 'mod2';
    expect(failed).toEqual([
      {
        module: bigger,
        measure: 'workspace',
        kind: 'max',
        value: main(MULTI, bigger).workspace_size_bytes,
        limit: between,
        baseline: null,
        baselineModule: null,
        ok: false,
      },
    ]);
    expect(j.results).toHaveLength(8);
    expect(j).toMatchObject({ exceeded: 1, passed: false, budgets: { workspace: between, io: 1_000_000 } });
    const io = j.results.find((x: any) => x.module === 'mod2' && x.measure === 'io');
    expect(io.value).toBe(m2.io_size_bytes);
  });

  it('a figure the archive does not record is skipped, not failed (AOT has no graph storage)', () => {
    const r = mlf('check', AOT, '--max-storage', '1', '--format', 'json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).results).toEqual([expect.objectContaining({ measure: 'storage', value: null, ok: null })]);
  });
});

describe('--baseline with --max-increase', () => {
  const path = grown(1024);
  const pct = (1024 / WORKSPACE) * 100;

  it('percent: exit 1 just below the growth, 0 just above', () => {
    const fail = mlf('check', path, '--baseline', GRAPH, '--max-increase', `${(pct - 0.01).toFixed(2)}%`);
    expect(fail.code).toBe(1);
    expect(fail.out).toContain(`FAIL  default  workspace ${WORKSPACE + 1024} B`);
    expect(fail.out).toContain(
      `baseline ${WORKSPACE} B (${(WORKSPACE / 1024).toFixed(1)} KiB), +1024 B (+${pct.toFixed(2)}%)`,
    );
    expect(fail.out).toMatch(/Summary: 1 of 4 budgets exceeded/);
    expect(mlf('check', path, '--baseline', GRAPH, '--max-increase', `${(pct + 0.01).toFixed(2)}%`).code).toBe(0);
  });

  it('absolute: +1KiB allows exactly 1024 more bytes, +1023 does not; a shrink passes 0%', () => {
    expect(mlf('check', path, '--baseline', GRAPH, '--max-increase', '+1KiB').code).toBe(0);
    expect(mlf('check', path, '--baseline', GRAPH, '--max-increase', '+1023').code).toBe(1);
    expect(mlf('check', GRAPH, '--baseline', path, '--max-increase', '0%').code).toBe(0);
    const j = JSON.parse(mlf('check', path, '--baseline', GRAPH, '--max-increase', '+1023', '--format', 'json').out);
    expect(j.results.find((r: any) => r.ok === false)).toEqual({
      module: 'default',
      measure: 'workspace',
      kind: 'increase',
      value: WORKSPACE + 1024,
      limit: WORKSPACE + 1023,
      baseline: WORKSPACE,
      baselineModule: 'default',
      ok: false,
    });
  });

  it('modules of different names are paired when each archive has one (noted)', () => {
    const r = mlf(
      'check',
      `${TVM}/mnist-graph/model.tar`,
      '--baseline',
      GRAPH,
      '--max-increase',
      '1000%',
      '--format',
      'json',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).notes).toEqual(['module "mnist" is compared with the baseline\'s only module "default"']);
  });
});

describe('formats and usage', () => {
  it('github: ::error per exceeded budget with file and title, ::notice summary; escaping', () => {
    const r = mlf('check', GRAPH, '--max-workspace', '32KiB', '--max-io', '64KiB', '--format', 'github');
    expect(r.code).toBe(1);
    expect(r.out.trim().split('\n')).toEqual([
      `::error file=${GRAPH},title=mlf check%3A workspace budget exceeded::module default: workspace ${WORKSPACE} B (32.9 KiB) exceeds --max-workspace 32768 B (32.0 KiB) by ${WORKSPACE - 32768} B`,
      `::notice file=${GRAPH},title=mlf check::1 of 2 budgets exceeded`,
    ]);
    expect(escapeGithubMessage('50% over\r\nnext')).toBe('50%25 over%0D%0Anext');
    expect(escapeGithubProperty('a:b,c%')).toBe('a%3Ab%2Cc%25');
  });

  it('markdown: a table, failures first', () => {
    const r = mlf('check', GRAPH, '--max-io', '64KiB', '--max-workspace', '32KiB', '--format', 'markdown');
    expect(r.code).toBe(1);
    const rows = r.out.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---'));
    expect(rows[0]).toBe('| status | module | figure | value | limit | flag |');
    expect(rows[1]).toBe(`| **exceeded** | \`default\` | workspace | ${WORKSPACE} | 32768 | \`--max-workspace\` |`);
    expect(rows[2]).toBe(`| ok | \`default\` | io | ${main(GRAPH, 'default').io_size_bytes} | 65536 | \`--max-io\` |`);
  });

  it('usage errors exit 2: bad size (E901), no budget, --baseline without --max-increase, unknown format', () => {
    const bad = mlf('check', GRAPH, '--max-workspace', '64k');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/MLF-E901.*--max-workspace: "64k" is not a size/);
    expect(bad.err).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(mlf('check', GRAPH).code).toBe(2);
    expect(mlf('check', GRAPH, '--baseline', GRAPH).code).toBe(2);
    expect(mlf('check', GRAPH, '--max-increase', '5%').code).toBe(2);
    expect(mlf('check', GRAPH, '--max-io', '1', '--format', 'yaml').code).toBe(2);
    // A bad size is refused before the archive is opened.
    expect(mlf('check', join(tmp, 'missing.tar'), '--max-io', 'lots').code).toBe(2);
    expect(mlf('check', join(tmp, 'missing.tar'), '--max-io', '1').code).toBe(1);
    // No metadata.json means no modules: an error (1), never "all budgets met".
    const bare = mlf('check', 'test/fixtures/wild/octoml-mlperftiny-kws-cmsisnn-codegen-only', '--max-io', '1');
    expect([bare.code, /MLF-E101/.test(bare.err)]).toEqual([1, true]);
  });
});
