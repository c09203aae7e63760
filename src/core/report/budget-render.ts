import type { BudgetReport, BudgetResult } from './budget.js';
import { type AllowedIncrease, formatIncrease, formatSize } from '../common/sizes.js';

/** What the renderers print besides the results. */
export interface CheckLabels {
  archive: string;
  baseline?: string;
  maxIncrease?: AllowedIncrease;
}

/** The flag a budget comes from. */
export const budgetFlag = (r: Pick<BudgetResult, 'kind' | 'measure'>): string =>
  r.kind === 'max' ? `--max-${r.measure}` : '--max-increase';

/** One sentence per result, e.g. `workspace 34744 B exceeds --max-workspace 32768 B by 1976 B`. */
export function describeBudgetResult(r: BudgetResult, labels: CheckLabels): string {
  const flag = budgetFlag(r);
  if (r.ok === null) {
    return r.value === null
      ? `${r.measure} is not recorded for this module; ${flag} not checked`
      : `${r.measure}: the baseline does not record it; ${flag} not checked`;
  }
  const value = formatSize(r.value);
  if (r.kind === 'max') {
    return r.ok
      ? `${r.measure} ${value} is within ${flag} ${formatSize(r.limit)}`
      : `${r.measure} ${value} exceeds ${flag} ${formatSize(r.limit)} by ${(r.value ?? 0) - (r.limit ?? 0)} B`;
  }
  const growth = (r.value ?? 0) - (r.baseline ?? 0);
  const pct = r.baseline ? ` (${growth >= 0 ? '+' : ''}${((growth / r.baseline) * 100).toFixed(2)}%)` : '';
  const allowed = labels.maxIncrease === undefined ? '' : ` ${formatIncrease(labels.maxIncrease)}`;
  const from = `baseline ${formatSize(r.baseline)}, ${growth >= 0 ? '+' : ''}${growth} B${pct}`;
  return r.ok
    ? `${r.measure} ${value} is within ${flag}${allowed} (${from})`
    : `${r.measure} ${value} exceeds ${flag}${allowed} (${from}; at most ${r.limit} B allowed)`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `1 of 5 budgets exceeded` or `all 5 budgets met`. */
export function summarizeBudgets(report: BudgetReport): string {
  const checked = report.results.filter((r) => r.ok !== null).length;
  const skipped = report.results.length - checked;
  const tail = skipped > 0 ? `, ${skipped} not recorded` : '';
  if (checked === 0) return `no budget checked (no module had the measured figures)${tail}`;
  return report.exceeded > 0
    ? `${report.exceeded} of ${plural(checked, 'budget')} exceeded${tail}`
    : checked === 1
      ? `1 budget met${tail}`
      : `all ${plural(checked, 'budget')} met${tail}`;
}

const status = (r: BudgetResult) => (r.ok === null ? 'skip' : r.ok ? 'ok' : 'FAIL');

/** Plain text: failures first, one line per budget, notes, then the summary. */
export function renderCheckText(report: BudgetReport, labels: CheckLabels): string {
  const sorted = [...report.results].sort((x, y) => rank(x) - rank(y));
  const rows = sorted.map((r) => [status(r), r.module, describeBudgetResult(r, labels)]);
  const widths = [0, 1].map((i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const lines = [`mlf check ${labels.archive}${labels.baseline === undefined ? '' : ` (baseline ${labels.baseline})`}`];
  lines.push(
    ...rows.map(
      (row) => `  ${(row[0] ?? '').padEnd(widths[0] ?? 0)}  ${(row[1] ?? '').padEnd(widths[1] ?? 0)}  ${row[2]}`,
    ),
  );
  lines.push(...report.notes.map((n) => `note: ${n}`), `Summary: ${summarizeBudgets(report)}`);
  return lines.join('\n');
}

const rank = (r: BudgetResult) => (r.ok === false ? 0 : r.ok === null ? 1 : 2);
const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

/** GitHub-flavoured markdown: a table of every budget, failures first. */
export function renderCheckMarkdown(report: BudgetReport, labels: CheckLabels): string {
  const lines = [
    `## mlf check: ${code(labels.archive)}`,
    '',
    `**${summarizeBudgets(report)}**${labels.baseline === undefined ? '' : ` (baseline ${code(labels.baseline)})`}`,
    '',
  ];
  lines.push('| status | module | figure | value | limit | flag |', '| --- | --- | --- | ---: | ---: | --- |');
  for (const r of [...report.results].sort((x, y) => rank(x) - rank(y))) {
    const st = r.ok === null ? 'not recorded' : r.ok ? 'ok' : '**exceeded**';
    lines.push(
      `| ${st} | ${code(r.module)} | ${r.measure} | ${r.value ?? '–'} | ${r.limit ?? '–'} | ${code(budgetFlag(r))} |`,
    );
  }
  for (const n of report.notes) lines.push('', `> ${n}`);
  return lines.join('\n');
}

/** Escapes a workflow-command message (GitHub: `%`, CR, LF). */
export function escapeGithubMessage(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a workflow-command property value (the message escapes plus `:` and `,`). */
export function escapeGithubProperty(s: string): string {
  return escapeGithubMessage(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * GitHub Actions workflow commands: `::error` per exceeded budget, `::warning` per budget that
 * could not be checked, and one `::notice` with the summary. They become annotations on the run.
 */
export function renderCheckGithub(report: BudgetReport, labels: CheckLabels): string {
  const file = escapeGithubProperty(labels.archive);
  const lines: string[] = [];
  for (const r of report.results) {
    if (r.ok === true) continue;
    const level = r.ok === false ? 'error' : 'warning';
    const title = escapeGithubProperty(
      r.ok === false ? `mlf check: ${r.measure} budget exceeded` : `mlf check: ${r.measure} not recorded`,
    );
    lines.push(
      `::${level} file=${file},title=${title}::${escapeGithubMessage(`module ${r.module}: ${describeBudgetResult(r, labels)}`)}`,
    );
  }
  for (const n of report.notes) lines.push(`::notice title=mlf check::${escapeGithubMessage(n)}`);
  lines.push(`::notice file=${file},title=mlf check::${escapeGithubMessage(summarizeBudgets(report))}`);
  return lines.join('\n');
}
