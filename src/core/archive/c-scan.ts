/**
 * One-pass scans of C text (TVM-generated sources and headers): function definitions, object-like
 * `#define`s and struct fields. Every scan reads each character a bounded number of times, so
 * hostile text (unclosed braces, comments or strings, a million call sites) costs linear time;
 * regular expressions that rescan the rest of the text from every match are what they replace.
 */

/** Token kinds of {@link lexC}. */
export type CTokenKind = 'ident' | 'number' | 'string' | 'punct';

const isIdStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdPart = (c: number) => isIdStart(c) || isDigit(c);
const isSpace = (c: number) => c === 32 || c === 9 || c === 13 || c === 11 || c === 12;

/** Index of the newline that ends the logical line holding `i` (backslash-newline continues it). */
function lineEnd(text: string, i: number): number {
  for (let from = i; ;) {
    const e = text.indexOf('\n', from);
    if (e < 0) return text.length;
    let k = e - 1;
    if (text.charCodeAt(k) === 13) k--;
    if (k < from || text.charCodeAt(k) !== 92) return e;
    from = e + 1;
  }
}

/**
 * Splits C text into tokens, skipping comments and whitespace; preprocessor lines go to
 * `onDirective` whole. Literals are one `string` token (unterminated ones end at the newline).
 */
export function lexC(
  text: string,
  onToken: (kind: CTokenKind, start: number, end: number) => void,
  onDirective?: (start: number, end: number) => void,
): void {
  const n = text.length;
  let lineStart = true;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      i++;
    } else if (isSpace(c)) {
      i++;
    } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
    } else if (c === 47 && text.charCodeAt(i + 1) === 47) {
      i = lineEnd(text, i);
    } else if (c === 35 && lineStart) {
      const e = lineEnd(text, i);
      onDirective?.(i, e);
      i = e;
    } else {
      lineStart = false;
      let j = i + 1;
      if (isIdStart(c)) {
        while (j < n && isIdPart(text.charCodeAt(j))) j++;
        onToken('ident', i, j);
      } else if (isDigit(c)) {
        while (j < n && (isIdPart(text.charCodeAt(j)) || text.charCodeAt(j) === 46)) j++;
        onToken('number', i, j);
      } else if (c === 34 || c === 39) {
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d === 92) j += 2;
          else if (d === c) {
            j++;
            break;
          } else if (d === 10) break;
          else j++;
        }
        j = Math.min(j, n);
        onToken('string', i, j);
      } else {
        onToken('punct', i, j);
      }
      i = j;
    }
  }
}

/** A function definition found in C text. */
export interface CFunctionDef {
  name: string;
  /** Declared `static` (not visible to the linker). */
  isStatic: boolean;
  /** The parameter list as written, between the parentheses. */
  params: string;
  /** Offsets of the body's `{` and `}` (`}` is `text.length` when the body is not closed). */
  bodyStart: number;
  bodyEnd: number;
}

/** Identifiers followed by a parenthesised group that is not a declarator. */
const ATTRIBUTES = new Set(['__attribute__', '__declspec', '__asm__', '__asm', 'asm', '_Alignas', '__pragma']);

/**
 * Every function definition at file scope (inside `extern "C" { }` too), in text order: an
 * identifier, its parenthesised parameters, then `{`. Bodies are matched by brace depth.
 */
export function scanCFunctions(text: string): CFunctionDef[] {
  const out: CFunctionDef[] = [];
  let depth = 0; // braces of ordinary blocks (bodies, structs, initialisers)
  let linkage = 0; // open `extern "C" {` blocks
  let open: Omit<CFunctionDef, 'bodyEnd'> | null = null;
  // Declaration state at file scope, reset by `;` and by a closed block.
  let isStatic = false;
  let paren = 0;
  let prev: { kind: CTokenKind; start: number; end: number } | null = null;
  let group: { name: string | null; start: number } | null = null; // the outermost ( ... ) being read
  let declared: { name: string; params: string } | null = null; // `name(params)` just closed
  let extern = 0; // 1 after `extern`, 2 after `extern "..."`
  const reset = () => {
    isStatic = false;
    paren = 0;
    group = null;
    declared = null;
    extern = 0;
  };
  lexC(text, (kind, start, end) => {
    const c = text.charCodeAt(start);
    if (depth > 0) {
      if (kind !== 'punct') return;
      if (c === 123) depth++;
      else if (c === 125 && --depth === 0) {
        if (open !== null) out.push({ ...open, bodyEnd: start });
        open = null;
        reset();
      }
      return;
    }
    const last = prev;
    prev = { kind, start, end };
    if (paren > 0) {
      if (kind === 'punct' && c === 40) paren++;
      else if (kind === 'punct' && c === 41 && --paren === 0 && group !== null) {
        if (group.name !== null) declared = { name: group.name, params: text.slice(group.start, start) };
        group = null;
      } else if (kind === 'punct' && c === 123) depth++; // a block inside parentheses (statement expression)
      return;
    }
    if (kind === 'ident') {
      const word = text.slice(start, end);
      if (word === 'static') isStatic = true;
      extern = word === 'extern' ? 1 : 0;
      if (!ATTRIBUTES.has(word)) declared = null;
      return;
    }
    if (kind === 'string') {
      extern = extern === 1 ? 2 : 0;
      declared = null;
      return;
    }
    if (kind !== 'punct') {
      declared = null;
      extern = 0;
      return;
    }
    if (c === 40) {
      paren = 1;
      const word = last?.kind === 'ident' ? text.slice(last.start, last.end) : null;
      group = { name: word !== null && !ATTRIBUTES.has(word) ? word : null, start: end };
      if (group.name !== null) declared = null;
    } else if (c === 123) {
      if (declared !== null && (last?.kind === 'punct' || last?.kind === 'ident')) {
        open = { name: declared.name, isStatic, params: declared.params, bodyStart: start };
        depth = 1;
      } else if (extern === 2) {
        linkage++;
        reset();
      } else depth = 1;
    } else if (c === 125) {
      if (linkage > 0) linkage--;
      reset();
    } else if (c === 59) {
      reset();
    } else {
      declared = null;
      extern = 0;
    }
  });
  if (open !== null) out.push({ ...(open as Omit<CFunctionDef, 'bodyEnd'>), bodyEnd: text.length });
  return out;
}

/** Object-like macros `#define NAME value` (value trimmed, comments kept as written). */
export function scanCDefines(text: string): Map<string, string> {
  const out = new Map<string, string>();
  lexC(
    text,
    () => undefined,
    (start, end) => {
      let i = start + 1;
      while (i < end && isSpace(text.charCodeAt(i))) i++;
      if (text.slice(i, i + 6) !== 'define') return;
      i += 6;
      if (i >= end || !isSpace(text.charCodeAt(i))) return;
      while (i < end && isSpace(text.charCodeAt(i))) i++;
      const nameStart = i;
      if (i >= end || !isIdStart(text.charCodeAt(i))) return;
      while (i < end && isIdPart(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) === 40) return; // function-like
      const name = text.slice(nameStart, i);
      if (!out.has(name)) out.set(name, text.slice(i, end).trim());
    },
  );
  return out;
}

/**
 * Field names of `struct <tag> { ... }` in declaration order, or null when the text does not
 * define it. Each declaration's last identifier before `;`, `,`, `[` or `:` is its name.
 */
export function scanCStructFields(text: string, tag: string): string[] | null {
  let state = 0; // 1 after `struct`, 2 after the tag, 3 inside the body, 4 done
  let depth = 0;
  let lastIdent: string | null = null;
  let named = false; // the current declarator already has its name (after `[` or `:`)
  const fields: string[] = [];
  lexC(text, (kind, start, end) => {
    if (state === 4) return;
    const word = text.slice(start, end);
    if (state < 3) {
      if (kind === 'ident' && word === 'struct') state = 1;
      else if (state === 1 && kind === 'ident' && word === tag) state = 2;
      else if (state === 2 && word === '{') {
        state = 3;
        depth = 1;
      } else state = 0;
      return;
    }
    if (kind === 'punct' && word === '{') depth++;
    else if (kind === 'punct' && word === '}') {
      if (--depth === 0) state = 4;
    } else if (depth === 1 && kind === 'ident') {
      if (!named) lastIdent = word;
    } else if (depth === 1 && kind === 'punct' && (word === '[' || word === ':')) {
      named = true;
    } else if (depth === 1 && kind === 'punct' && (word === ';' || word === ',')) {
      if (lastIdent !== null) fields.push(lastIdent);
      lastIdent = null;
      named = false;
    }
  });
  return state === 4 ? fields : null;
}

const C_KEYWORDS = new Set(
  (
    'auto break case char const continue default do double else enum extern float for goto if inline int long ' +
    'register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while ' +
    '_Alignas _Alignof _Atomic _Bool _Complex _Generic _Imaginary _Noreturn _Static_assert _Thread_local ' +
    'asm typeof bool true false alignas alignof nullptr static_assert thread_local constexpr'
  ).split(' '),
);

/** Longest identifier accepted: C compilers take far more, TVM's names stay well under it. */
export const MAX_C_IDENTIFIER = 1024;

/**
 * Why `name` cannot be used as a C identifier in generated code, or undefined when it can:
 * ASCII letters, digits and `_`, not starting with a digit, not a keyword, not reserved for the
 * implementation (`__x`, `_X`), at most {@link MAX_C_IDENTIFIER} characters.
 */
export function cIdentifierProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_C_IDENTIFIER) return `is longer than ${MAX_C_IDENTIFIER} characters`;
  if (!isIdStart(name.charCodeAt(0))) return 'does not start with a letter or underscore';
  for (let i = 1; i < name.length; i++)
    if (!isIdPart(name.charCodeAt(i))) return 'has characters other than ASCII letters, digits and underscores';
  if (C_KEYWORDS.has(name)) return 'is a C keyword';
  if (/^_[A-Z_]/.test(name)) return 'is reserved for the C implementation';
  return undefined;
}
