#!/usr/bin/env node
// Writes docs/diagnostics.md from the code catalogue (run after `npm run build`).
import { writeFileSync } from 'node:fs';
import { renderDiagnosticsDoc } from '../dist/core/errors/diagnostics-doc.js';

writeFileSync(new URL('../docs/diagnostics.md', import.meta.url), renderDiagnosticsDoc());
console.log('wrote docs/diagnostics.md');
