import { type BudgetMeasure, MEMORY_MEASURES } from '../core/report/budget.js';

// What `mlf check` measures and the flags it takes, shared by its definition (commands/) and its
// implementation (actions/), so neither imports the other.

/**
 * The figures `mlf check` can budget, one `--max-<name>` flag each; `--max-increase` covers them
 * all. Extension point: the flash/RAM figures of `mlf footprint` (src/node/runner/footprint.ts) become
 * `--max-flash`/`--max-ram` by appending `{ name: 'flash', description, measure }` entries here.
 */
export const CHECK_MEASURES: readonly BudgetMeasure[] = [
  ...MEMORY_MEASURES,
  { name: 'flash', description: 'flash from mlf footprint (.text + .rodata + .data)', measure: () => null },
  {
    name: 'ram',
    description: 'RAM from mlf footprint (.data + .bss + workspace + io + params in RAM)',
    measure: () => null,
  },
];

/** Flags of `mlf check` (`max` holds the `--max-<measure>` values by measure name). */
export interface CheckFlags {
  max: Record<string, string>;
  /** Compiler and flags for --max-flash/--max-ram (mlf footprint). */
  cc?: string;
  cflags?: string;
  baseline?: string;
  maxIncrease?: string;
  format?: string;
  json?: boolean;
}
