import type { Delta, DiffReport, InterfaceChange, ModuleDiff, TensorSide } from './diff.js';
import type { ParamChange } from './diff-params.js';
import { formatPercent, formatSize, formatSizeDelta } from '../common/sizes.js';

/** One line of a diff report; `module` is null for archive-level findings. */
export interface DiffFinding {
  module: string | null;
  text: string;
}

/** Findings split the way CI readers want them: regressions first. */
export interface DiffFindings {
  /** Memory increases, interface changes and removed modules, params, executors and targets. */
  regressions: DiffFinding[];
  changes: DiffFinding[];
}

/** How identifiers are marked: plain in text, `code` in markdown. */
type Mark = (s: string) => string;

/** A number short enough for a report line: `0.5`, `0.001234`, `1.234e-7`. */
export function formatNumber(x: number): string {
  return x === 0 ? '0' : String(Number(x.toPrecision(4)));
}

const tensor = (t: TensorSide | null) =>
  t === null ? '?' : `${t.dtype ?? '?'}[${t.shape === null ? '?' : t.shape.join(', ')}]`;
const change = (d: Delta) =>
  `${formatSize(d.a)} → ${formatSize(d.b)} (${formatSizeDelta(d.delta)}, ${formatPercent(d.percent)})`;

function interfaceText(c: InterfaceChange, mark: Mark): string {
  const name = c.a?.name ?? c.b?.name ?? null;
  const what =
    c.kind === 'input' ? `input ${mark(c.key)}` : `output ${c.key}${name === null ? '' : ` (${mark(name)})`}`;
  if (c.change === 'added') return `${what} added: ${tensor(c.b)}`;
  if (c.change === 'removed') return `${what} removed (was ${tensor(c.a)})`;
  const parts: string[] = [];
  if (c.fields.includes('name')) parts.push(`renamed ${mark(c.a?.name ?? '?')} → ${mark(c.b?.name ?? '?')}`);
  if (c.fields.includes('dtype') || c.fields.includes('shape')) parts.push(`${tensor(c.a)} → ${tensor(c.b)}`);
  return `${what}: ${parts.join(', ')}`;
}

function paramText(p: ParamChange, mark: Mark): string {
  const name = `param ${mark(p.name)}`;
  const t = (s: ParamChange['a']) => (s === null ? '?' : `${s.dtype}[${s.shape.join(', ')}]`);
  if (p.change === 'added') return `${name} added: ${t(p.b)}`;
  if (p.change === 'removed') return `${name} removed (was ${t(p.a)})`;
  if (p.change !== 'values') return `${name} ${p.change} changed: ${t(p.a)} → ${t(p.b)}`;
  if (p.maxAbsDiff === null) return `${name} values changed (bytes differ; ${p.a?.dtype} has no numeric comparison)`;
  const count = p.a?.shape.reduce((x, y) => x * y, 1) ?? 0;
  const rel = p.relL2 === null ? 'n/a (all zero before)' : formatNumber(p.relL2);
  const nonFinite = p.nonFiniteChanges ? `, ${p.nonFiniteChanges} NaN/inf` : '';
  return `${name} values changed: max |Δ| ${formatNumber(p.maxAbsDiff)}, relative L2 ${rel} (${p.changedElements} of ${count} elements${nonFinite})`;
}

/**
 * Classifies every difference of a report into regressions and other changes. `mark` decorates
 * names (the CLI bolds them in a terminal).
 */
export function listDiffFindings(report: DiffReport, mark: (name: string) => string = (s) => s): DiffFindings {
  const regressions: DiffFinding[] = report.removed.map((m) => ({ module: null, text: `module ${mark(m)} removed` }));
  const changes: DiffFinding[] = report.added.map((m) => ({ module: null, text: `module ${mark(m)} added` }));
  for (const m of report.modules) {
    const reg = (text: string) => regressions.push({ module: m.name, text });
    const chg = (text: string) => changes.push({ module: m.name, text });
    for (const [label, l] of [
      ['executor', m.executors],
      ['target', m.targets],
    ] as const) {
      for (const x of l.removed) reg(`${label} ${mark(x)} removed`);
      for (const x of l.added) chg(`${label} ${mark(x)} added`);
    }
    for (const c of m.interface) reg(interfaceText(c, mark));
    const memory = (label: string, d: Delta) => {
      if (d.delta === null ? d.a !== d.b : d.delta !== 0)
        (d.delta !== null && d.delta > 0 ? reg : chg)(`${label}: ${change(d)}`);
    };
    for (const d of m.memory.devices) {
      memory(`workspace (device ${d.device})`, d.workspace);
      memory(`io (device ${d.device})`, d.io);
      memory(`constants (device ${d.device})`, d.constants);
    }
    memory('graph storage', m.memory.storage);
    for (const p of m.params?.changed ?? []) (p.change === 'removed' ? reg : chg)(paramText(p, mark));
    if (m.graph !== null) {
      if (m.graph.nodes.delta !== 0) chg(`graph nodes: ${m.graph.nodes.a ?? 'none'} → ${m.graph.nodes.b ?? 'none'}`);
      if (m.graph.operatorsAdded.length > 0) chg(`operators added: ${m.graph.operatorsAdded.map(mark).join(', ')}`);
      if (m.graph.operatorsRemoved.length > 0)
        chg(`operators removed: ${m.graph.operatorsRemoved.map(mark).join(', ')}`);
    }
    for (const f of m.codegen.changed) {
      const path = mark(f.path) + (f.pathB === null ? '' : ` (${mark(f.pathB)} in B)`);
      if (f.change === 'added') chg(`codegen ${path} added (${formatSize(f.bytes.b)})`);
      else if (f.change === 'removed') chg(`codegen ${path} removed (was ${formatSize(f.bytes.a)})`);
      else
        chg(
          `codegen ${path} changed: ${formatSize(f.bytes.a)} → ${formatSize(f.bytes.b)} (${formatSizeDelta(f.bytes.delta)})`,
        );
    }
  }
  return { regressions, changes };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The one-line summary both renderers end with. */
export function summarizeDiff(report: DiffReport, findings: DiffFindings = listDiffFindings(report)): string {
  const scope = `${plural(report.modules.length, 'module')} compared, ${report.added.length} added, ${report.removed.length} removed`;
  if (report.identical) return `no differences (${scope})`;
  return `${plural(findings.regressions.length, 'regression')}, ${plural(findings.changes.length, 'other change')} (${scope})`;
}

/** Labels of the two archives in headings. */
export interface DiffLabels {
  a: string;
  b: string;
}

const where = (f: DiffFinding, report: DiffReport, mark: Mark) => {
  if (f.module === null) return '';
  const m = report.modules.find((x) => x.name === f.module);
  return m !== undefined && m.nameB !== m.name ? `${mark(m.name)} → ${mark(m.nameB)}: ` : `${mark(f.module)}: `;
};

/** Plain-text diff for terminals and logs: regressions, other changes, then a one-line summary. */
export function renderDiffText(report: DiffReport, labels: DiffLabels): string {
  const f = listDiffFindings(report);
  const lines = [`mlf diff ${labels.a} → ${labels.b}`, ...report.notes.map((n) => `note: ${n}`)];
  const id = (s: string) => s;
  if (f.regressions.length > 0)
    lines.push(
      '',
      `Regressions (${f.regressions.length}):`,
      ...f.regressions.map((x) => `  ${where(x, report, id)}${x.text}`),
    );
  if (f.changes.length > 0)
    lines.push(
      '',
      `Other changes (${f.changes.length}):`,
      ...f.changes.map((x) => `  ${where(x, report, id)}${x.text}`),
    );
  lines.push('', `Summary: ${summarizeDiff(report, f)}`);
  return lines.join('\n');
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const cell = (s: string) => s.replace(/\|/g, '\\|');

function memoryRows(m: ModuleDiff): string[] {
  const name = m.nameB === m.name ? code(m.name) : `${code(m.name)} → ${code(m.nameB)}`;
  const row = (label: string, d: Delta) =>
    `| ${name} | ${label} | ${d.a ?? '–'} | ${d.b ?? '–'} | ${d.delta === null ? '–' : `${d.delta > 0 ? '+' : ''}${d.delta}`} | ${d.delta === null ? '–' : formatPercent(d.percent)} |`;
  const rows: string[] = [];
  for (const d of m.memory.devices) {
    rows.push(
      row(`workspace (dev ${d.device})`, d.workspace),
      row(`io (dev ${d.device})`, d.io),
      row(`constants (dev ${d.device})`, d.constants),
    );
  }
  if (m.memory.storage.a !== null || m.memory.storage.b !== null) rows.push(row('graph storage', m.memory.storage));
  rows.push(row('codegen files', m.codegen.totalBytes));
  return rows;
}

/** GitHub-flavoured markdown (for a pull-request comment): findings, a memory table, the summary. */
export function renderDiffMarkdown(report: DiffReport, labels: DiffLabels): string {
  const f = listDiffFindings(report, code);
  const lines = [`## mlf diff: ${code(labels.a)} → ${code(labels.b)}`, ''];
  for (const n of report.notes) lines.push(`> ${cell(n)}`, '');
  const item = (x: DiffFinding) => `- ${where(x, report, code)}${x.text}`;
  if (f.regressions.length > 0)
    lines.push(`### Regressions (${f.regressions.length})`, '', ...f.regressions.map(item), '');
  if (f.changes.length > 0) lines.push(`### Other changes (${f.changes.length})`, '', ...f.changes.map(item), '');
  if (report.modules.length > 0) {
    lines.push(
      '### Memory (bytes)',
      '',
      '| module | figure | before | after | Δ | Δ % |',
      '| --- | --- | ---: | ---: | ---: | ---: |',
    );
    lines.push(...report.modules.flatMap(memoryRows), '');
  }
  lines.push(`**Summary:** ${summarizeDiff(report, f)}`);
  return lines.join('\n');
}
