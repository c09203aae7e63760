// Number and tensor formatting shared by the views.
import { formatBinarySize } from '../../src/core/common/sizes.js';

/** `21712 B` below 1 KiB, else `21.2 KiB` (binary units). */
export function formatBytes(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : formatBinarySize(n);
}

/** `float32[1, 3, 16, 16]`, `?` for unknown parts. */
export function formatTensor(dtype: string | null, shape: readonly number[] | null): string {
  return `${dtype ?? '?'}[${shape === null ? '?' : shape.join(', ')}]`;
}

/** A statistic for display: 6 significant digits, `—` for NaN/null (JSON turns NaN into null). */
export function formatStat(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(6)));
}

/** Thousands separators for counts. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** `tvmgen_default_fused_nn_conv2d_add` → `nn_conv2d_add`: the readable part of a TVM symbol. */
export function shortFuncName(name: string): string {
  return name.replace(/^tvmgen_[A-Za-z0-9]*_(fused_)?/, '');
}
