import { MlfError } from '../errors/errors.js';
import { findModule, type MlfArchive, type MlfModule } from './archive.js';

/** Options of {@link selectModule}. */
export interface SelectModuleOptions {
  /** The module the user named (`--module`), if any. */
  name?: string | undefined;
  /** Only modules with this property count when none is named (e.g. "has a graph"). */
  having?: { test: (m: MlfModule) => boolean; what: string };
}

/**
 * The one "choose a module" rule of every command: the named module (E903 when absent), else the
 * only module (with the wanted property); several candidates are a usage error (E901) that lists
 * them and asks for --module; none is null (the caller says what is missing).
 */
export function selectModule(archive: MlfArchive, options: SelectModuleOptions = {}): MlfModule | null {
  if (options.name !== undefined) return findModule(archive, options.name);
  const having = options.having;
  const candidates = having === undefined ? archive.modules : archive.modules.filter(having.test);
  if (candidates.length > 1) {
    const names = candidates.map((m) => JSON.stringify(m.name)).join(', ');
    throw new MlfError(
      'MLF-E901',
      `the archive has ${candidates.length} modules${having === undefined ? '' : ` ${having.what}`} (${names}); choose one with --module`,
      {},
      'Name the module with --module NAME (mlf inspect lists them).',
    );
  }
  return candidates[0] ?? null;
}
