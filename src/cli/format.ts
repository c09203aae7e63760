import pc from 'picocolors';
import { type Diagnostic, formatLocation } from '../core/errors/errors.js';
import { formatSize } from '../core/common/sizes.js';

/** Human byte counts: `21712 B (21.2 KiB)`. */
export const formatBytes = formatSize;

/** `float32[1, 3, 16, 16]`, with `?` for unknown parts. */
export function formatTensor(dtype: string | null, shape: number[] | null): string {
  return `${dtype ?? '?'}[${shape === null ? '?' : shape.join(', ')}]`;
}

/** Left-aligned columns, no borders (readable in logs and CI). */
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

/** One diagnostic as two or three lines: severity, code, location, message, then the hint. */
export function formatDiagnostic(d: Diagnostic): string {
  const sev = d.severity === 'error' ? pc.red('error') : pc.yellow('warning');
  const loc = formatLocation(d);
  return `${sev} ${pc.bold(d.code)}${loc ? ` ${pc.dim(loc)}` : ''}\n  ${d.message}\n  ${pc.dim(`hint: ${d.hint}`)}`;
}
