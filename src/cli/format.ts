import pc from 'picocolors';
import { type Diagnostic, formatLocation, type MlfLocation } from '../core/errors/errors.js';
import { formatSize } from '../core/common/sizes.js';

/**
 * Text for a terminal. Everything the CLI prints that comes from an archive (member, module,
 * tensor and function names, messages that quote them) goes through {@link safeText}: C0 and C1
 * control characters (ESC, CR, BEL, backspace, CSI…), DEL and the Unicode bidirectional overrides
 * become visible `\xNN`/`\uNNNN` escapes, so a name can neither move the cursor, repaint a line,
 * nor reorder what is shown. JSON output is escaped by JSON itself (see `toJson`).
 */

// Control characters are what these patterns find.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// Control characters are what these patterns find.
const CONTROL_KEEP_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(ch: string): string {
  const n = ch.charCodeAt(0);
  return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/** One value from an archive, safe to print: every control character escaped (newlines too). */
export function safeText(s: string): string {
  return s.replace(CONTROL, escapeChar);
}

/** A block of text (several lines) safe to print: control characters escaped, newlines and tabs kept. */
export function safeLines(s: string): string {
  return s.replace(CONTROL_KEEP_LINES, escapeChar);
}

/**
 * The last guard before a terminal: escapes every control character except newlines, tabs and
 * the SGR colour sequences the CLI itself writes (renderers escape archive text before colouring
 * it, so no raw ESC of an archive reaches here).
 */
// Control characters are what these patterns find.
const GUARD = /\u001b\[[0-9;]*m|[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
export function guardTerminal(s: string): string {
  return s.replace(GUARD, (m) => (m.length > 1 ? m : escapeChar(m)));
}

/** Colours, on or off for this run (`--color`/`--no-color`, NO_COLOR, FORCE_COLOR, a TTY). */
export let colors = pc.createColors(false);

/** Turns colours on or off for what follows. */
export function useColors(on: boolean): void {
  colors = pc.createColors(on);
}

/**
 * Whether to colour: `--color`/`--no-color` first, then NO_COLOR (any non-empty value: off), then
 * FORCE_COLOR (non-empty and not `0`: on), else whether the stream is a terminal.
 */
export function wantColor(flag: boolean | undefined, env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (flag !== undefined) return flag;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0';
  return isTTY;
}

/** Human byte counts: `21712 B (21.2 KiB)`. */
export const formatBytes = formatSize;

/** `1 tensor`, `2 tensors`; `word` is the singular, `many` the plural when not `word + s`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** `float32[1, 3, 16, 16]`, with `?` for unknown parts. */
export function formatTensor(dtype: string | null, shape: number[] | null): string {
  return `${safeText(dtype ?? '?')}[${shape === null ? '?' : shape.join(', ')}]`;
}

/** Left-aligned columns, no borders (readable in logs and CI). Cells must be safe already. */
export function formatTable(rows: string[][], indent = ''): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map(
      (r) =>
        indent +
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd(),
    )
    .join('\n');
}

/** A location (`member $.json.path @offset`), safe to print. */
export function safeLocation(where: MlfLocation): string {
  return safeText(formatLocation(where));
}

/** One diagnostic as two or three lines: severity, code, location, message, then the hint. */
export function formatDiagnostic(d: Diagnostic): string {
  const sev = d.severity === 'error' ? colors.red('error') : colors.yellow('warning');
  const loc = safeLocation(d);
  return `${sev} ${colors.bold(d.code)}${loc ? ` ${colors.dim(loc)}` : ''}\n  ${safeText(d.message)}\n  ${colors.dim(`hint: ${safeText(d.hint)}`)}`;
}
