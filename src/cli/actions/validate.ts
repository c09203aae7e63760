import { validateContents } from '../../core/archive/validate.js';
import { openArchivePath } from '../../node/read/open.js';
import { formatDiagnostic } from '../format.js';
import { type CliIo, toJson } from '../io.js';

/** `mlf validate`: exit 0 when valid, 1 when there are errors (warnings too with --strict). */
export async function runValidate(
  path: string,
  opts: { json?: boolean; strict?: boolean },
  io: CliIo,
): Promise<number> {
  let contents: Awaited<ReturnType<typeof openArchivePath>> | undefined;
  const report = await validateContents(async () => (contents = await openArchivePath(path)), {
    strict: opts.strict ?? false,
  });
  await contents?.close?.();
  if (opts.json) io.out(toJson({ path, ...report }));
  else {
    io.out(`${path}: ${report.valid ? 'valid' : 'INVALID'} (${report.errors} errors, ${report.warnings} warnings)`);
    for (const d of report.diagnostics) io.out(formatDiagnostic(d));
  }
  return report.valid ? 0 : 1;
}
