import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlfError } from '../core/errors/errors.js';

const NAME = 'model-library-format';
let found: string | undefined;

/**
 * The folder of this package (where its package.json is), found by walking up from this file:
 * `templates/` and `dist/viewer/` are there whether the code runs from `src/` (tests), `dist/`
 * or the bundled CLI (`dist/cli-bundle/`), each at a different depth.
 * @throws MlfError E401 when no such folder is found (a broken install).
 */
export function packageRoot(): string {
  if (found !== undefined) return found;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (isOurs(join(dir, 'package.json'))) return (found = dir);
    if (dirname(dir) === dir)
      throw new MlfError(
        'MLF-E401',
        `cannot find the ${NAME} package folder above ${start}`,
        {},
        'Reinstall the package.',
      );
  }
}

function isOurs(manifest: string): boolean {
  if (!existsSync(manifest)) return false;
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === NAME;
  } catch {
    return false; // not JSON: not our package.json
  }
}
