import { createDict } from '../common/dict.js';
import type { MlfArchive, MlfModule } from '../archive/archive.js';
import type { InspectModule } from '../archive/inspect.js';
import type { AllowedIncrease } from '../common/sizes.js';

/** What a measure may look at: the archive, the module and its inspect facts. */
export interface MeasureContext {
  archive: MlfArchive;
  module: MlfModule;
  facts: InspectModule;
}

/**
 * One budgetable figure of a module. The CLI makes one `--max-<name>` flag per entry and
 * `--max-increase` compares every entry with the baseline, so a new figure is one more entry
 * (the flash/RAM figures of `mlf footprint` are meant to be added this way).
 */
export interface BudgetMeasure {
  /** Short name, also the flag: `workspace` → `--max-workspace`. */
  name: string;
  /** One line for `--help` and reports. */
  description: string;
  /** Bytes, or null when the archive does not record the figure (the budget is then skipped). */
  measure(ctx: MeasureContext): number | null | Promise<number | null>;
}

/** Sum over devices of one `functions.main` figure; null when no device records it. */
function sumMain(facts: InspectModule, key: 'workspaceBytes' | 'ioBytes' | 'constantsBytes'): number | null {
  const values = (facts.memory.main ?? []).map((e) => e[key]).filter((v): v is number => v !== null);
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0);
}

/** The memory figures metadata.json records, per module and summed over devices. */
export const MEMORY_MEASURES: readonly BudgetMeasure[] = [
  {
    name: 'workspace',
    description: 'workspace bytes (metadata workspace_size_bytes)',
    measure: ({ facts }) => sumMain(facts, 'workspaceBytes'),
  },
  {
    name: 'io',
    description: 'input + output bytes (metadata io_size_bytes)',
    measure: ({ facts }) => sumMain(facts, 'ioBytes'),
  },
  {
    name: 'constants',
    description: 'constant bytes (metadata constants_size_bytes)',
    measure: ({ facts }) => sumMain(facts, 'constantsBytes'),
  },
  {
    name: 'storage',
    description: 'graph executor storage, all storage ids (graph modules only)',
    measure: ({ facts }) => facts.memory.storageBytes,
  },
];

/** Measured figures: module → measure name → bytes (null when not recorded). */
export type Measurements = Record<string, Record<string, number | null>>;

/** Measures every module of an archive with the given measures. */
export async function measureModules(
  archive: MlfArchive,
  facts: Record<string, InspectModule>,
  measures: readonly BudgetMeasure[],
): Promise<Measurements> {
  const out: Measurements = createDict();
  for (const module of archive.modules) {
    const f = facts[module.name];
    if (f === undefined) continue;
    out[module.name] = createDict();
    for (const m of measures) out[module.name]![m.name] = await m.measure({ archive, module, facts: f });
  }
  return out;
}

/** One budget evaluated for one module. `ok` is null when the figure is not recorded. */
export interface BudgetResult {
  module: string;
  measure: string;
  /** `max`: an absolute budget; `increase`: growth over the baseline. */
  kind: 'max' | 'increase';
  value: number | null;
  /** The bytes allowed: the budget, or for `increase` the baseline plus the allowed growth. */
  limit: number | null;
  /** `increase` only: the baseline's figure and the module it came from. */
  baseline: number | null;
  baselineModule: string | null;
  ok: boolean | null;
}

/** What {@link evaluateBudgets} needs. */
export interface BudgetOptions {
  measured: Measurements;
  /** Absolute budgets by measure name (bytes). */
  max: Record<string, number>;
  baseline?: Measurements;
  maxIncrease?: AllowedIncrease;
  /** Measures `maxIncrease` applies to (every measured figure by default). */
  measures?: readonly string[];
}

/** The result of a check: every evaluated budget and notes on what could not be compared. */
export interface BudgetReport {
  results: BudgetResult[];
  notes: string[];
  exceeded: number;
  passed: boolean;
}

/**
 * Evaluates absolute budgets and, with a baseline, the allowed increase of every figure. Modules
 * are matched with the baseline by name; when each side has exactly one module they are paired.
 */
export function evaluateBudgets(options: BudgetOptions): BudgetReport {
  const results: BudgetResult[] = [];
  const notes: string[] = [];
  const base = options.baseline;
  const baseNames = Object.keys(base ?? {});
  const names = Object.keys(options.measured);
  for (const module of names) {
    const values = options.measured[module] ?? {};
    for (const [measure, limit] of Object.entries(options.max)) {
      const value = values[measure] ?? null;
      results.push({
        module,
        measure,
        kind: 'max',
        value,
        limit,
        baseline: null,
        baselineModule: null,
        ok: value === null ? null : value <= limit,
      });
    }
    if (base === undefined || options.maxIncrease === undefined) continue;
    let baselineModule: string | undefined = base[module] === undefined ? undefined : module;
    if (baselineModule === undefined && names.length === 1 && baseNames.length === 1) {
      baselineModule = baseNames[0] as string;
      notes.push(`module "${module}" is compared with the baseline's only module "${baselineModule}"`);
    }
    if (baselineModule === undefined) {
      notes.push(`module "${module}" is not in the baseline; no increase check`);
      continue;
    }
    const before = base[baselineModule] ?? {};
    for (const measure of options.measures ?? Object.keys(values)) {
      const value = values[measure] ?? null;
      const baseline = before[measure] ?? null;
      const allowed =
        baseline === null
          ? null
          : 'percent' in options.maxIncrease
            ? (baseline * options.maxIncrease.percent) / 100
            : options.maxIncrease.bytes;
      const limit = baseline === null || allowed === null ? null : Math.floor(baseline + allowed);
      results.push({
        module,
        measure,
        kind: 'increase',
        value,
        limit,
        baseline,
        baselineModule,
        ok: value === null || limit === null ? null : value <= limit,
      });
    }
  }
  const exceeded = results.filter((r) => r.ok === false).length;
  return { results, notes, exceeded, passed: exceeded === 0 };
}
