import pc from 'picocolors';
import { type Diagnostic, formatLocation } from '../core/errors.js';

/** Human byte counts: `21712 B (21.2 KiB)`. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return 'unknown';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < units.length - 1);
  return `${n} B (${v.toFixed(1)} ${units[u]})`;
}

/** `float32[1, 3, 16, 16]`, with `?` for unknown parts. */
export function formatTensor(dtype: string | null, shape: number[] | null): string {
  return `${dtype ?? '?'}[${shape === null ? '?' : shape.join(', ')}]`;
}

/** Left-aligned columns, no borders (readable in logs and CI). */
export function formatTable(rows: string[][], indent = ''): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

/** One diagnostic as two or three lines: severity, code, location, message, then the hint. */
export function formatDiagnostic(d: Diagnostic): string {
  const sev = d.severity === 'error' ? pc.red('error') : pc.yellow('warning');
  const loc = formatLocation(d);
  return `${sev} ${pc.bold(d.code)}${loc ? ` ${pc.dim(loc)}` : ''}\n  ${d.message}\n  ${pc.dim(`hint: ${d.hint}`)}`;
}
