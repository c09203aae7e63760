import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Diagnostic } from '../../core/errors/errors.js';
import { MlfError } from '../../core/errors/errors.js';
import type { StreamTarget } from '../../node/write/write-stream.js';
import { type Written, writeFileAtomic } from '../../node/write/atomic.js';
import type { WriteOptions } from '../../node/write/destination.js';
import type { CliContext } from '../context.js';

/** Standard output as a write target (`-o -`); text-only test harnesses get the text through `out`. */
export function stdoutTarget(ctx: CliContext): StreamTarget {
  const stream = ctx.io.stdout;
  if (stream === undefined) throw new MlfError('MLF-E901', '-o - needs standard output, which this harness lacks');
  return { stream, name: '-' };
}

/**
 * Writes one file: to standard output for `-`, else atomically (src/node/write/atomic.ts) under
 * the rules of src/node/write/destination.ts. Returns what was written.
 */
export async function writeOutput(
  ctx: CliContext,
  dest: string,
  data: Uint8Array | string,
  rules: WriteOptions,
): Promise<Written> {
  if (dest !== '-') return writeFileAtomic(dest, data, rules);
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const stream = ctx.io.stdout;
  if (stream === undefined) {
    if (typeof data !== 'string')
      throw new MlfError('MLF-E901', '-o - needs standard output, which this harness lacks');
    ctx.io.out(data);
  } else if (!stream.write(bytes)) await once(stream as NodeJS.EventEmitter, 'drain');
  return { path: '-', bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Reports what a writer wrote: JSON on stdout with --json (unless stdout carries the output), else `wrote …` on stderr. */
export function reportWritten(
  ctx: CliContext,
  command: string,
  written: Written[],
  warnings: Diagnostic[] = [],
  extra: Record<string, unknown> = {},
): void {
  if (ctx.json) {
    const doc = {
      command,
      written: written.map((w) => ({ ...w, path: ctx.labels.get(w.path) ?? w.path })),
      warnings,
      ...extra,
    };
    // With -o - stdout holds the output itself; the JSON report goes to stderr then.
    if (written.some((w) => w.path === '-')) ctx.io.err(JSON.stringify(doc));
    else ctx.printJson(doc);
    return;
  }
  for (const d of warnings) ctx.warn(d);
  for (const w of written) ctx.noteWritten(w);
}
