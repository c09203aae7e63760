/**
 * A module named `__proto__`, `constructor`, `prototype` or `toString` through the built CLI: listed
 * in text and JSON, and budgeted by check (in process: proto-keys.test.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROTO_NAMES, renamedModule } from '../helpers/hostile.js';
import { cli, tempDir } from '../helpers/runner.js';

describe.each(PROTO_NAMES)('a module named %s', (name) => {
  const bytes = renamedModule(name);

  it('appears in the CLI text and JSON, and check budgets it', () => {
    const dir = tempDir('mlf-proto-');
    const mlf = cli(join(dir, 'cache'));
    const path = join(dir, 'm.tar');
    writeFileSync(path, bytes);
    expect(mlf('inspect', path).out).toContain(`module ${name}\n`);
    expect(Object.keys(JSON.parse(mlf('inspect', path, '--json').out).modules)).toEqual([name, 'mod2']);
    const check = mlf('check', path, '--max-workspace', '1');
    expect(check.code).toBe(1);
    expect(check.out).toContain(`FAIL  ${name}`);
    expect(check.out).toContain('2 of 2');
  });
});
