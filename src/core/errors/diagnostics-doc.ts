import { CODES } from './codes.js';

const GROUPS: [RegExp, string][] = [
  [/^MLF-E0/, 'Container (tar, gzip, zstd)'],
  [/^MLF-E1/, 'metadata.json'],
  [/^MLF-E2/, 'Parameter files (.params)'],
  [/^MLF-E3/, 'Graph JSON'],
  [/^MLF-E4/, 'Consistency between files'],
  [/^MLF-E5/, 'Host runner (mlf project, run, footprint)'],
  [/^MLF-E6/, 'Integrity and signatures (mlf manifest, keygen, sign, verify)'],
  [/^MLF-E9/, 'Limits, usage and I/O'],
  [/^MLF-W/, 'Warnings'],
];

/** The diagnostics reference page (docs/diagnostics.md), generated from `CODES`. */
export function renderDiagnosticsDoc(): string {
  const lines = [
    '# Diagnostic codes',
    '',
    'Generated from `src/core/errors/codes.ts` by `node scripts/write-diagnostics-doc.js`; a test keeps it in sync.',
    'A code never changes meaning. `E` codes are errors (`mlf validate` exits 1), `W` codes are warnings',
    '(exit 0 unless `--strict`). Every diagnostic also carries where it was found: archive member, JSON path',
    'and/or byte offset.',
  ];
  for (const [re, title] of GROUPS) {
    lines.push('', `## ${title}`, '', '| code | meaning | what to do |', '| --- | --- | --- |');
    for (const [code, { title: t, hint }] of Object.entries(CODES))
      if (re.test(code)) lines.push(`| ${code} | ${t} | ${hint} |`);
  }
  return `${lines.join('\n')}\n`;
}
