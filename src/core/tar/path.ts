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
  let end = p.length; // not /\/+$/: that regex is quadratic in a run of slashes
  while (end > 0 && p.charCodeAt(end - 1) === 0x2f) end--;
  p = p.slice(0, end);
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

/**
 * Tracks paths (case-folded, NFKC) so duplicates and file/directory clashes are caught. A trie of
 * path segments in one map keyed by `<parent id>/<segment>`: each insertion costs time linear in
 * the path (slicing every prefix made 100k deep paths take 76 s), and memory grows with the
 * segments, not with the sum of all prefix lengths.
 */
export interface Tree {
  ids: Map<string, number>;
  /** Per node: the member at that path, if one was listed. */
  members: ({ path: string; type: 'file' | 'directory' } | undefined)[];
  /** Per node: the first member listed under it, if any. */
  under: (string | undefined)[];
}

export function createTree(): Tree {
  return { ids: new Map(), members: [undefined], under: [undefined] };
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
  const clash = (why: string): never => {
    throw new MlfError('MLF-E006', `tar: ${JSON.stringify(path)} at offset ${offset} ${why}`, { offset, member: path });
  };
  const segments = fold(path).split('/');
  let id = 0;
  for (let i = 0; i < segments.length; i++) {
    const key = `${id}/${segments[i] as string}`;
    let next = tree.ids.get(key);
    if (next === undefined) {
      next = tree.members.length;
      tree.ids.set(key, next);
      tree.members.push(undefined);
      tree.under.push(undefined);
    }
    id = next;
    if (i === segments.length - 1) break;
    const parent = tree.members[id];
    if (parent?.type === 'file') clash(`lies under the file ${JSON.stringify(parent.path)}`);
    tree.under[id] ??= path;
  }
  const prev = tree.members[id];
  if (prev)
    clash(
      prev.path === path
        ? 'appears twice'
        : `collides with ${JSON.stringify(prev.path)} after case folding and NFC normalisation`,
    );
  const child = tree.under[id];
  if (type === 'file' && child !== undefined) clash(`is a file, but ${JSON.stringify(child)} lies under it`);
  tree.members[id] = { path, type };
}
