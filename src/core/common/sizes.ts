import { MlfError } from '../errors/errors.js';

// Binary units are powers of 1024, decimal units powers of 1000 (as disk makers and SI use them).
const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
};

const SIZE = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/i;

/**
 * Parses a byte size: a plain number of bytes (`65536`), or a number with a unit — binary `KiB`,
 * `MiB`, `GiB` (1024^n), decimal `KB`, `MB`, `GB` (1000^n), or `B`; units are case-insensitive.
 * Fractions are allowed and rounded to the nearest byte (`1.5MiB` = 1572864).
 * @throws MlfError MLF-E901 for anything else (negative numbers, unknown units, `k` alone).
 */
export function parseSize(text: string, what = 'size'): number {
  const m = SIZE.exec(text.trim());
  const unit = UNITS[(m?.[2] ?? '').toLowerCase() || 'b'];
  if (m === null || unit === undefined) {
    throw new MlfError(
      'MLF-E901',
      `${what}: ${JSON.stringify(text)} is not a size; give bytes (65536) or a number with a unit: B, KiB, MiB, GiB (1024^n) or KB, MB, GB (1000^n)`,
    );
  }
  const bytes = Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes)) throw new MlfError('MLF-E901', `${what}: ${JSON.stringify(text)} is too large`);
  return bytes;
}

/** An allowed increase over a baseline: a percentage of the baseline figure, or absolute bytes. */
export type AllowedIncrease = { percent: number } | { bytes: number };

/**
 * Parses `--max-increase`: `5%`, `0.5%`, or a size with an optional plus sign (`+4KiB`, `4096`).
 * @throws MlfError MLF-E901 for anything else.
 */
export function parseIncrease(text: string): AllowedIncrease {
  const t = text.trim();
  if (t.endsWith('%')) {
    const n = t.slice(0, -1).trim();
    if (!/^(\d+(?:\.\d+)?|\.\d+)$/.test(n)) {
      throw new MlfError('MLF-E901', `--max-increase: ${JSON.stringify(text)} is not a percentage such as 5% or 0.5%`);
    }
    return { percent: Number(n) };
  }
  return { bytes: parseSize(t.startsWith('+') ? t.slice(1) : t, '--max-increase') };
}

/** `21.2 KiB` (binary units, one decimal); plain `N B` below 1 KiB. */
export function formatBinarySize(n: number): string {
  if (Math.abs(n) < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (Math.abs(v) >= 1024 && u < units.length - 1);
  return `${v.toFixed(1)} ${units[u]}`;
}

/** `33720 B` below 1 KiB, else `33720 B (32.9 KiB)`: exact bytes first, a readable figure after. */
export function formatSize(n: number | null | undefined): string {
  if (n === null || n === undefined) return 'unknown';
  return Math.abs(n) < 1024 ? `${n} B` : `${n} B (${formatBinarySize(n)})`;
}

/** A signed byte delta: `+1024 B`, `-8 B`, `0 B`. */
export function formatSizeDelta(n: number | null): string {
  if (n === null) return 'unknown';
  return `${n > 0 ? '+' : ''}${n} B`;
}

/** A signed percentage with two decimals (`+3.04%`), `new` when the old figure was 0. */
export function formatPercent(p: number | null): string {
  if (p === null) return 'new';
  return `${p > 0 ? '+' : ''}${p.toFixed(2)}%`;
}

/** Describes an allowed increase for messages: `5%` or `+4096 B`. */
export function formatIncrease(i: AllowedIncrease): string {
  return 'percent' in i ? `${i.percent}%` : `+${i.bytes} B`;
}
