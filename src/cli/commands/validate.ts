import { validateArchive } from '../../core/validate.js';
import { isMlfError } from '../../core/errors.js';
import { openArchivePath } from '../../node/open.js';
import { readMlf } from '../../core/archive.js';
import { formatDiagnostic } from '../format.js';
import { type CliIo, toJson } from '../io.js';

/** `mlf validate`: exit 0 when valid, 1 when there are errors (warnings too with --strict). */
export async function runValidate(path: string, opts: { json?: boolean; strict?: boolean }, io: CliIo): Promise<number> {
  let report: Awaited<ReturnType<typeof validateArchive>>;
  try {
    const archive = await readMlf(await openArchivePath(path));
    report = await validateArchive(archive, { strict: opts.strict ?? false });
  } catch (e) {
    // A container or metadata error stops reading; it is still a validation result, not a crash.
    if (!isMlfError(e) || e.code === 'MLF-E902') throw e;
    report = { valid: false, errors: 1, warnings: 0, diagnostics: [e.toDiagnostic()] };
  }
  if (opts.json) io.out(toJson({ path, ...report }));
  else {
    const verdict = report.valid ? 'valid' : 'INVALID';
    io.out(`${path}: ${verdict} (${report.errors} errors, ${report.warnings} warnings)`);
    for (const d of report.diagnostics) io.out(formatDiagnostic(d));
  }
  return report.valid ? 0 : 1;
}
