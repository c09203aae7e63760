import { MlfError } from '../errors/errors.js';
import { utf8Length } from '../common/json.js';
import { DEFAULT_LIMITS, type Limits } from '../common/limits.js';

/** Member-path rules of the tar reader: normalisation, refusals and collision tracking. */

const at = (offset: number | undefined): string => (offset === undefined ? '' : ` at offset ${offset}`);

/** Where `normalizeMemberPath` reports a problem, and which limits apply. */
export interface NormalizePathOptions {
  offset?: number;
  limits?: Partial<Limits>;
}

/**
 * Validates a member name and returns its normalised form: leading `./` (repeated) and trailing
 * `/` are stripped; `.`, `./` return `''` (the root entry). Refuses (MLF-E005) empty names, NUL,
 * backslashes (so UNC and `C:..\x`), absolute and drive-letter paths, and `..`, `.` or empty
 * segments (`a//b`: nothing else is collapsed, so the path we report is the path others see).
 * Too long or too deep paths raise MLF-E009.
 */
export function normalizeMemberPath(raw: string, options: NormalizePathOptions = {}): string {
  // The two limits read directly: this runs once per entry, and merging all limits cost 20% of a listing.
  const limits = {
    maxPathBytes: options.limits?.maxPathBytes ?? DEFAULT_LIMITS.maxPathBytes,
    maxPathDepth: options.limits?.maxPathDepth ?? DEFAULT_LIMITS.maxPathDepth,
  };
  const where = options.offset === undefined ? {} : { offset: options.offset };
  const refuse = (why: string): never => {
    throw new MlfError(
      'MLF-E005',
      `tar: unsafe member path ${JSON.stringify(raw)}${at(options.offset)}: ${why}`,
      where,
    );
  };
  if (raw === '') refuse('empty name');
  if (raw.includes('\0')) refuse('contains a NUL byte');
  if (raw.includes('\\')) refuse('contains a backslash');
  if (raw.startsWith('/')) refuse('absolute path');
  if (/^[A-Za-z]:/.test(raw)) refuse('Windows drive letter');
  const bytes = utf8Length(raw);
  if (bytes > limits.maxPathBytes) {
    throw new MlfError(
      'MLF-E009',
      `tar: member path of ${bytes} bytes${at(options.offset)} exceeds maxPathBytes ${limits.maxPathBytes}`,
      where,
    );
  }
  let p = raw;
  while (p.startsWith('./')) p = p.slice(2);
  if (p === '.') p = '';
  p = p.replace(/\/+$/, '');
  if (p === '') return '';
  const segments = p.split('/');
  if (segments.length > limits.maxPathDepth) {
    throw new MlfError(
      'MLF-E009',
      `tar: member path depth ${segments.length}${at(options.offset)} exceeds maxPathDepth ${limits.maxPathDepth}`,
      where,
    );
  }
  for (const s of segments) {
    if (s === '..') refuse('contains a ".." segment');
    if (s === '.') refuse('contains a "." segment inside the path');
    if (s === '') refuse('contains an empty segment ("//")');
  }
  return p;
}

/** Tracks paths (case-folded, NFKC) so duplicates and file/directory clashes are caught. */
export interface Tree {
  kinds: Map<string, { path: string; type: 'file' | 'directory' }>;
  parents: Map<string, string>;
}

export function createTree(): Tree {
  return { kinds: new Map(), parents: new Map() };
}

// toUpperCase then toLowerCase approximates full case folding ("ß" -> "ss"); NFKC and dropping
// default-ignorable code points (ZWJ/ZWNJ, which HFS+ ignores) also catch compatibility twins.
const fold = (p: string): string =>
  p
    .normalize('NFKC')
    .replace(/\p{Default_Ignorable_Code_Point}/gu, '')
    .toUpperCase()
    .toLowerCase()
    .normalize('NFKC');

export function addToTree(tree: Tree, path: string, type: 'file' | 'directory', offset: number): void {
  const key = fold(path);
  const clash = (why: string): never => {
    throw new MlfError('MLF-E006', `tar: ${JSON.stringify(path)} at offset ${offset} ${why}`, { offset, member: path });
  };
  const prev = tree.kinds.get(key);
  if (prev)
    clash(
      prev.path === path
        ? 'appears twice'
        : `collides with ${JSON.stringify(prev.path)} after case folding and NFC normalisation`,
    );
  const child = tree.parents.get(key);
  if (type === 'file' && child !== undefined) clash(`is a file, but ${JSON.stringify(child)} lies under it`);
  for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) {
    const parent = tree.kinds.get(key.slice(0, i));
    if (parent?.type === 'file') clash(`lies under the file ${JSON.stringify(parent.path)}`);
    if (!tree.parents.has(key.slice(0, i))) tree.parents.set(key.slice(0, i), path);
  }
  tree.kinds.set(key, { path, type });
}
