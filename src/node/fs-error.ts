import { dirname } from 'node:path';
import { MlfError } from '../core/errors/errors.js';

/** What was being done to a path when the file system said no. */
export type FsAction = 'read' | 'write';

/**
 * A hint for an errno, for the path it is about. Reads and writes share most of them; a missing
 * path is "check the name" for a read and "create the folder first" for a write.
 */
function hintFor(code: string | undefined, path: string, action: FsAction): string {
  switch (code) {
    case 'ENOENT':
      return action === 'read'
        ? `Check the path: ${path} does not exist.`
        : `The folder ${dirname(path)} does not exist; create it first (mkdir -p ${dirname(path)}).`;
    case 'ENOTDIR':
      return `A part of ${path} is a file, not a folder; check the path.`;
    case 'EISDIR':
      return action === 'read'
        ? `${path} is a folder; give a file.`
        : `${path} is a folder; give a file name inside it, or another path.`;
    case 'EACCES':
    case 'EPERM':
      return `Permission denied; check the permissions of ${path} and its folder.`;
    case 'EEXIST':
      return `${path} already exists; choose another path, or use --force where it replaces a file mlf wrote.`;
    case 'ENAMETOOLONG':
      return 'A name in the path is longer than the file system allows (usually 255 bytes per name, 4096 per path).';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'The disk (or your quota) is full; free space or write elsewhere.';
    case 'EROFS':
      return 'The file system is read-only; write elsewhere.';
    case 'ELOOP':
      return `${path} is (or passes through) a symbolic link that mlf does not follow; give the real path.`;
    case 'EMFILE':
    case 'ENFILE':
      return 'Too many open files; raise the limit (ulimit -n) or close other programs.';
    case 'EXDEV':
      return 'The temporary file and the destination are on different file systems; write elsewhere.';
    case 'EBUSY':
      return `${path} is in use (a mount point or an open file); write elsewhere.`;
    default:
      return action === 'read'
        ? 'Check that the path exists and is readable.'
        : 'Check the destination folder and its permissions.';
  }
}

/** Plain words for the errno codes users meet. */
const WORDS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'not a folder',
  EISDIR: 'is a folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'already exists',
  ENAMETOOLONG: 'name too long',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EXDEV: 'crosses file systems',
  EBUSY: 'busy',
};

/** The errno code of a Node file-system error, if it has one. */
export function errnoOf(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A file-system error as an MlfError: E902 for reads, E904 for writes (E009 for a file too large
 * to read whole), a message naming the path and the errno in words, and a hint that fits the
 * errno. MlfErrors pass through unchanged.
 * @param what Says what the path is, e.g. `input x of` or `params file`; it prefixes the path.
 */
export function fsError(e: unknown, path: string, action: FsAction, what?: string): MlfError {
  if (e instanceof MlfError) return e;
  const code = errnoOf(e);
  const words = code === undefined ? (e instanceof Error ? e.message : String(e)) : `${WORDS[code] ?? code} (${code})`;
  const subject = what === undefined ? path : `${what} ${path}`;
  if (code === 'ERR_FS_FILE_TOO_LARGE')
    return new MlfError('MLF-E009', `cannot read ${subject}: larger than one read can hold (2 GiB)`);
  return new MlfError(
    action === 'read' ? 'MLF-E902' : 'MLF-E904',
    `cannot ${action} ${subject}: ${words}`,
    {},
    hintFor(code, path, action),
  );
}

/** Runs a file-system call, turning its errors into {@link fsError}s. */
export async function fsCall<T>(path: string, action: FsAction, f: () => Promise<T>, what?: string): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw fsError(e, path, action, what);
  }
}
