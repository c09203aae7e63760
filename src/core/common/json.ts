import type { MlfCode } from '../errors/codes.js';
import { MlfError } from '../errors/errors.js';
import { type Limits, resolveLimits } from './limits.js';

/** Formats a path of keys and indices as a JSONPath such as `$.modules.default.sids[2]`. */
export function jsonPath(path: readonly PropertyKey[], base = '$'): string {
  let out = base;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) out += `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/**
 * JSON.parse with a typed error that carries the byte offset of the syntax error (V8 reports
 * a character position; for ASCII JSON the two agree). Nesting and value count are checked
 * first (MLF-E009): `[{},{},…]` makes JSON.parse allocate ~20x its text size.
 */
export function parseJsonText(
  text: string,
  what: string,
  code: MlfCode,
  member?: string,
  limits?: Partial<Limits>,
): unknown {
  checkJsonShape(text, what, member, resolveLimits(limits));
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const where: { member?: string; offset?: number } = {};
    if (member !== undefined) where.member = member;
    const offset = syntaxErrorOffset(text, msg);
    if (offset !== undefined) where.offset = offset;
    throw new MlfError(code, `${what}: invalid JSON (${msg})`, where);
  }
}

/**
 * One linear pass outside strings: depth of `{`/`[` nesting and the number of `{`, `[` and `,`
 * (about one per value). Malformed text is left to JSON.parse.
 */
function checkJsonShape(text: string, what: string, member: string | undefined, limits: Limits): void {
  let depth = 0;
  let values = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      values++;
      if (++depth > limits.maxJsonDepth) {
        throw new MlfError('MLF-E009', `${what}: JSON nests deeper than maxJsonDepth ${limits.maxJsonDepth}`, {
          member,
          offset: utf8Length(text.slice(0, i)),
        });
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x2c) values++;
    if (values > limits.maxJsonValues) {
      throw new MlfError('MLF-E009', `${what}: JSON holds more than maxJsonValues ${limits.maxJsonValues} values`, {
        member,
      });
    }
  }
}

/**
 * Byte offset of a JSON syntax error. V8 gives a character position in most messages; others
 * (`Unexpected token 'x', "x" is not valid JSON`, end of input) are located here: end of input at
 * the end, an unexpected token at its first occurrence (approximate when it also appears earlier).
 */
function syntaxErrorOffset(text: string, msg: string): number | undefined {
  const m = /position (\d+)/.exec(msg);
  let chars: number | undefined = m?.[1] === undefined ? undefined : Number(m[1]);
  if (chars === undefined && /end of (JSON )?input/i.test(msg)) chars = text.length;
  if (chars === undefined) {
    const t = /Unexpected token '(.)'/.exec(msg);
    if (t?.[1] !== undefined) chars = text.indexOf(t[1]);
  }
  if (chars === undefined || chars < 0) return undefined;
  return utf8Length(text.slice(0, chars));
}

/** UTF-8 byte length of a string, without allocating. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Plain-object check for parsed JSON. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Serialises like CPython's `json.dump(obj, indent=2, sort_keys=True)` (TVM's full-model
 * metadata.json): sorted keys at every level, `": "` separators, ASCII-escaped strings.
 */
export function stringifySortedJson(value: unknown, indent = 2): string {
  const pad = (n: number) => ' '.repeat(n * indent);
  const str = (s: string) =>
    JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const walk = (v: unknown, depth: number): string => {
    if (v === null || typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
    if (typeof v === 'string') return str(v);
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[\n${v.map((x) => pad(depth + 1) + walk(x, depth + 1)).join(',\n')}\n${pad(depth)}]`;
    }
    if (isRecord(v)) {
      const keys = Object.keys(v)
        .filter((k) => v[k] !== undefined)
        .sort();
      if (keys.length === 0) return '{}';
      return `{\n${keys.map((k) => `${pad(depth + 1)}${str(k)}: ${walk(v[k], depth + 1)}`).join(',\n')}\n${pad(depth)}}`;
    }
    return 'null';
  };
  return walk(value, 0);
}
