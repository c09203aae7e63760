/**
 * The split between the unit and system projects (vitest.config.ts), checked where it can be from
 * the source: a unit test file starts no Node process and runs no fast-check property, and every
 * folder of src/core is imported by some unit test file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SYSTEM } from '../../vitest.config.js';
import { ROOT } from '../helpers/common.js';

/** A glob of vitest.config.ts (`**` and `*` only) as a regular expression over repository paths. */
const globRegExp = (glob: string): RegExp =>
  new RegExp(
    `^${glob
      .split('**/')
      .map((part) =>
        part
          .split('*')
          .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('[^/]*'),
      )
      .join('(?:.*/)?')}$`,
  );

const system = SYSTEM.map(globRegExp);
const testFiles = readdirSync(join(ROOT, 'test'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.test.ts') && !f.startsWith('fixtures/'))
  .map((f) => `test/${f}`);
const unitFiles = testFiles.filter((f) => !system.some((r) => r.test(f)));
const text = (f: string) => readFileSync(join(ROOT, f), 'utf8');

/** Imports and calls that start a Node process (the built CLI, a script over dist/) or run properties. */
const SYSTEM_ONLY: [string, RegExp][] = [
  ['fast-check', /from '(?:fast-check|@fast-check\/vitest)'/],
  ['a child Node process', /process\.execPath|join\(ROOT, 'bin'/],
  ['the CLI, runner or big-archive helpers', /from '[./]+\/helpers\/(?:cli|runner|big-archive)\.js'/],
  ['mlf() or mlfEnv() of helpers/common.ts', /import \{[^}]*\bmlf(?:Env)?\b[^}]*\} from '[./]+\/helpers\/common\.js'/],
];

describe('the unit project (vitest.config.ts)', () => {
  it('holds only in-process tests: no child Node process, no fast-check property', () => {
    expect(unitFiles.length).toBeGreaterThan(40);
    expect(testFiles.length - unitFiles.length).toBeGreaterThan(40);
    const found = unitFiles.flatMap((f) =>
      SYSTEM_ONLY.filter(([, re]) => re.test(text(f))).map(([what]) => `${f}: ${what}`),
    );
    expect(found).toEqual([]);
  });

  it('imports every folder of src/core', () => {
    const folders = readdirSync(join(ROOT, 'src/core'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(folders.length).toBeGreaterThanOrEqual(10);
    const imported = new Set(
      unitFiles.flatMap((f) => [...text(f).matchAll(/from '(?:\.\.\/)+src\/core\/([a-z-]+)\//g)].map((m) => m[1])),
    );
    expect(folders.filter((d) => !imported.has(d))).toEqual([]);
  });
});
