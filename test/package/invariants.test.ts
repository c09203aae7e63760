/**
 * Facts about the package as a whole: the generated diagnostics page matches the code catalogue,
 * and the browser-safe core imports nothing from Node.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('package invariants', () => {
  it('docs/diagnostics.md lists every code (regenerate with scripts/write-diagnostics-doc.js)', async () => {
    const { renderDiagnosticsDoc } = await import('../../src/core/errors/diagnostics-doc.js');
    expect(readFileSync('docs/diagnostics.md', 'utf8')).toBe(renderDiagnosticsDoc());
  });

  it('src/core imports nothing from node: (also enforced by its tsconfig)', () => {
    const core = readdirSync('src/core', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(core.length).toBeGreaterThan(40);
    for (const f of core) expect(readFileSync(join('src/core', f), 'utf8'), f).not.toMatch(/from ['"]node:/);
    expect(JSON.parse(readFileSync('src/core/tsconfig.json', 'utf8')).compilerOptions.types).toEqual([]);
  });
});
