import { CODES, type MlfCode } from './codes.js';

/** Where in an archive a problem sits. Every field is optional; give what is known. */
export interface MlfLocation {
  /** Archive member path, normalised (no leading `./`). */
  member?: string;
  /** JSON path inside the member, e.g. `$.modules.default.memory.sids[2]`. */
  jsonPath?: string;
  /** Byte offset inside the member (or inside the archive for container errors). */
  offset?: number;
}

/** Severity of a diagnostic: errors make an archive invalid, warnings do not. */
export type Severity = 'error' | 'warning';

/** One finding of the reader or validator, with a stable code. */
export interface Diagnostic extends MlfLocation {
  code: MlfCode;
  severity: Severity;
  message: string;
  hint: string;
}

/**
 * The single error class of the library. `code` is stable (see `CODES`), `message` says what is
 * wrong, the location fields say where, and `hint` says what to do.
 */
export class MlfError extends Error {
  override readonly name = 'MlfError';
  readonly code: MlfCode;
  readonly member: string | undefined;
  readonly jsonPath: string | undefined;
  readonly offset: number | undefined;
  readonly hint: string;

  constructor(code: MlfCode, message: string, where: MlfLocation = {}, hint?: string) {
    super(message);
    this.code = code;
    this.member = where.member;
    this.jsonPath = where.jsonPath;
    this.offset = where.offset;
    this.hint = hint ?? CODES[code].hint;
  }

  /** The same error placed inside an archive member (keeps a more specific location). */
  inMember(member: string): MlfError {
    if (this.member !== undefined) return this;
    const e = new MlfError(
      this.code,
      this.message,
      { member, jsonPath: this.jsonPath, offset: this.offset },
      this.hint,
    );
    e.stack = this.stack;
    return e;
  }

  /** As a diagnostic record. */
  toDiagnostic(): Diagnostic {
    return diagnostic(this.code, this.message, this, 'error', this.hint);
  }
}

/** Builds a diagnostic record; severity defaults from the code's letter. */
export function diagnostic(
  code: MlfCode,
  message: string,
  where: MlfLocation = {},
  severity: Severity = code.startsWith('MLF-W') ? 'warning' : 'error',
  hint: string = CODES[code].hint,
): Diagnostic {
  const d: Diagnostic = { code, severity, message, hint };
  if (where.member !== undefined) d.member = where.member;
  if (where.jsonPath !== undefined) d.jsonPath = where.jsonPath;
  if (where.offset !== undefined) d.offset = where.offset;
  return d;
}

/** Formats a location as `member:$.path @0x1f0` for messages. */
export function formatLocation(where: MlfLocation): string {
  const parts: string[] = [];
  if (where.member !== undefined) parts.push(where.member);
  if (where.jsonPath !== undefined) parts.push(where.jsonPath);
  if (where.offset !== undefined) parts.push(`@${where.offset} (0x${where.offset.toString(16)})`);
  return parts.join(' ');
}

/** True for errors the library raises on purpose (as opposed to bugs). */
export function isMlfError(e: unknown): e is MlfError {
  return e instanceof MlfError;
}
