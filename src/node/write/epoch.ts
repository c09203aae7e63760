import { MlfError } from '../../core/errors/errors.js';

/**
 * SOURCE_DATE_EPOCH (reproducible-builds.org), read the same way by every writer (pack, merge,
 * convert, split, extract-module, sign): a whole number of seconds, or unset/empty for none.
 * Archives then get it as every mtime, and full-model metadata written anew gets it as
 * `export_datetime` (docs/format.md, "Reproducible output").
 * @throws MlfError E901 for a value that is not a whole number of seconds in years 1970-9999.
 */
export function sourceDateEpochFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 253402300799) {
    throw new MlfError(
      'MLF-E901',
      `SOURCE_DATE_EPOCH must be a whole number of seconds between 0 and 253402300799, got ${JSON.stringify(v)}`,
    );
  }
  return Number(v);
}
