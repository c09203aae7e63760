import { type BudgetMeasure, evaluateBudgets, type Measurements, measureModules } from '../../core/report/budget.js';
import {
  type CheckLabels,
  renderCheckGithub,
  renderCheckMarkdown,
  renderCheckText,
} from '../../core/report/budget-render.js';
import { diffArchives, requireMetadata } from '../../core/report/diff.js';
import { renderDiffMarkdown, renderDiffText } from '../../core/report/diff-render.js';
import { MlfError } from '../../core/errors/errors.js';
import { inspectArchive } from '../../core/archive/inspect.js';
import { type AllowedIncrease, parseIncrease, parseSize } from '../../core/common/sizes.js';
import { type FootprintOptions, type FootprintReport, measureFootprint } from '../../node/runner/footprint.js';
import { withMlfPath } from '../../node/read/open.js';
import { CHECK_MEASURES, type CheckFlags } from '../check-measures.js';
import type { CliContext } from '../context.js';
import { safeLines } from '../format.js';
import { chooseFormat } from '../options.js';
import { about } from './each.js';

const FOOTPRINT = new Set(['flash', 'ram']);

/**
 * Flash and RAM need a compile, so they are measured only when a flash or RAM budget is given:
 * the footprint of the archive at `path` is computed once and read per module.
 */
function measuresFor(path: string, footprint: FootprintOptions | undefined): readonly BudgetMeasure[] {
  if (footprint === undefined) return CHECK_MEASURES.filter((m) => !FOOTPRINT.has(m.name));
  let report: Promise<FootprintReport> | undefined;
  const get = (module: string, key: 'flash' | 'ram') => async () => {
    report ??= measureFootprint(path, footprint);
    return (await report).modules.find((m) => m.module === module)?.[key] ?? null;
  };
  return CHECK_MEASURES.map((m) =>
    FOOTPRINT.has(m.name) ? { ...m, measure: (ctx) => get(ctx.module.name, m.name as 'flash' | 'ram')() } : m,
  );
}

/** Flags of `mlf diff`. */
export interface DiffFlags {
  module?: string;
  format?: string;
  json?: boolean;
  markdown?: boolean;
}

/** `mlf diff A B`: prints the differences; exit 0 whatever they are (it reports, it does not gate). */
export async function runDiff(ctx: CliContext, inA: string, inB: string, opts: DiffFlags): Promise<number> {
  if (opts.json && opts.markdown) throw new MlfError('MLF-E901', 'give --json or --markdown, not both');
  if (opts.markdown && opts.format !== undefined && opts.format !== 'markdown')
    throw new MlfError('MLF-E901', `--markdown and --format ${opts.format} contradict each other; give one`);
  const format = opts.markdown ? 'markdown' : chooseFormat(opts, ['text', 'json', 'markdown'], 'text');
  const pathA = await ctx.input(inA);
  const pathB = await ctx.input(inB);
  const report = await about(inA, () =>
    withMlfPath(pathA, (a) =>
      about(inB, () =>
        withMlfPath(pathB, (b) => diffArchives(a, b, opts.module === undefined ? {} : { module: opts.module })),
      ),
    ),
  );
  const labels = { a: inA, b: inB };
  if (format === 'json') ctx.printJson({ a: inA, b: inB, ...report });
  else
    ctx.print(safeLines(format === 'markdown' ? renderDiffMarkdown(report, labels) : renderDiffText(report, labels)));
  return 0;
}

async function measureArchive(path: string, measures: readonly BudgetMeasure[]): Promise<Measurements> {
  return withMlfPath(path, async (archive) => {
    requireMetadata(archive, path);
    return measureModules(archive, (await inspectArchive(archive, { hashParams: false })).modules, measures);
  });
}

/** `mlf check A`: exit 1 when a budget is exceeded, 0 when all are met, 2 on usage errors. */
export async function runCheck(ctx: CliContext, input: string, opts: CheckFlags): Promise<number> {
  const format = chooseFormat(opts, ['text', 'json', 'markdown', 'github'], 'text');
  // Every flag is parsed before any archive is opened: a typo is a usage error (exit 2), not a failed budget.
  const max: Record<string, number> = {};
  for (const [name, text] of Object.entries(opts.max)) max[name] = parseSize(text, `--max-${name}`);
  let increase: AllowedIncrease | undefined;
  if (opts.maxIncrease !== undefined) increase = parseIncrease(opts.maxIncrease);
  if ((opts.baseline === undefined) !== (increase === undefined))
    throw new MlfError('MLF-E901', '--baseline and --max-increase go together');
  if (Object.keys(max).length === 0 && increase === undefined) {
    throw new MlfError(
      'MLF-E901',
      `give at least one budget: ${CHECK_MEASURES.map((m) => `--max-${m.name}`).join(', ')}, or --baseline with --max-increase`,
    );
  }
  const footprint =
    'flash' in max || 'ram' in max
      ? { ...(opts.cc ? { cc: opts.cc } : {}), ...(opts.cflags ? { cflags: opts.cflags } : {}) }
      : undefined;
  const path = await ctx.input(input);
  const measured = await about(input, () => measureArchive(path, measuresFor(path, footprint)));
  const baselinePath = opts.baseline;
  const baseline =
    baselinePath === undefined
      ? undefined
      : await about(baselinePath, () => measureArchive(baselinePath, measuresFor(baselinePath, footprint)));
  const report = evaluateBudgets({
    measured,
    max,
    ...(baseline === undefined ? {} : { baseline }),
    ...(increase === undefined ? {} : { maxIncrease: increase }),
  });
  const labels: CheckLabels = {
    archive: input,
    ...(opts.baseline === undefined ? {} : { baseline: opts.baseline }),
    ...(increase === undefined ? {} : { maxIncrease: increase }),
  };
  if (format === 'json')
    ctx.printJson({
      archive: input,
      baseline: opts.baseline ?? null,
      maxIncrease: increase ?? null,
      budgets: max,
      ...report,
    });
  else if (format === 'markdown') ctx.print(safeLines(renderCheckMarkdown(report, labels)));
  else if (format === 'github') ctx.print(safeLines(renderCheckGithub(report, labels)));
  else ctx.print(safeLines(renderCheckText(report, labels)));
  return report.passed ? 0 : 1;
}
