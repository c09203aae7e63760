import { MlfError } from '../../core/errors/errors.js';
import { canonicalJson, computeManifest } from '../../core/integrity/manifest.js';
import { hashMember } from '../../node/read/member-chunks.js';
import { openArchivePath } from '../../node/read/open.js';
import { signArchive, type VerifyResult, verifyArchive, writeSigningKeys } from '../../node/trust/sign.js';
import type { CliContext } from '../context.js';
import { formatTable, plural, safeText } from '../format.js';
import { about, eachInput, failureJson, reportFailure, summary } from './each.js';
import { reportWritten } from './output.js';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';

/** `mlf manifest A [--json]`: the SHA-256 and size of every member; `--json` prints the canonical bytes. */
export async function runManifest(ctx: CliContext, input: string, opts: { json?: boolean }): Promise<number> {
  const path = await ctx.input(input);
  const manifest = await about(input, async () => {
    const contents = await openArchivePath(path);
    try {
      return await computeManifest(contents, { hashMember });
    } finally {
      await contents.close?.();
    }
  });
  if (opts.json) ctx.io.out(canonicalJson(manifest));
  else
    ctx.print(formatTable(Object.entries(manifest.members).map(([p, e]) => [e.sha256, String(e.size), safeText(p)])));
  return 0;
}

/** What a key or signature file now holds, for the JSON report. */
async function describe(path: string) {
  const bytes = await readFile(path);
  return { path, bytes: (await stat(path)).size, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** `mlf keygen -o KEY`: KEY (private, 0600) and KEY.pub. */
export async function runKeygen(
  ctx: CliContext,
  opts: { output: string; force?: boolean; json?: boolean },
): Promise<number> {
  const { keyId } = await writeSigningKeys(opts.output, { force: opts.force ?? false });
  if (ctx.json)
    reportWritten(ctx, 'keygen', [await describe(opts.output), await describe(`${opts.output}.pub`)], [], { keyId });
  else
    ctx.note(
      `wrote ${safeText(opts.output)} (private, keep it secret) and ${safeText(opts.output)}.pub (public), key ${keyId}`,
    );
  return 0;
}

/** `mlf sign A --key KEY [--detached] [-o OUT]`. */
export async function runSign(
  ctx: CliContext,
  path: string,
  opts: { key: string; detached?: boolean; output?: string; force?: boolean; json?: boolean },
): Promise<number> {
  const r = await about(path, () =>
    signArchive(path, {
      key: opts.key,
      detached: opts.detached ?? false,
      force: opts.force ?? false,
      ...(opts.output === undefined ? {} : { output: opts.output }),
    }),
  );
  if (ctx.json) reportWritten(ctx, 'sign', [await describe(r.output)], [], { keyId: r.keyId, members: r.members });
  else ctx.note(`signed ${plural(r.members, 'member')} with key ${r.keyId}: wrote ${safeText(r.output)}`);
  return 0;
}

/** `mlf verify A… --pubkey PUB [--signature FILE]`: exit 0 when every archive is exactly what was signed. */
export async function runVerify(
  ctx: CliContext,
  inputs: string[],
  opts: { pubkey: string; signature?: string; json?: boolean },
): Promise<number> {
  if (opts.signature !== undefined && inputs.length > 1)
    throw new MlfError('MLF-E901', '--signature names the detached signature of one archive; give one archive with it');
  const results = await eachInput(ctx, inputs, async (path, label) => {
    const r = await verifyArchive(path, {
      publicKey: opts.pubkey,
      ...(opts.signature === undefined ? {} : { signature: opts.signature }),
    });
    if (!r.valid && !ctx.json && inputs.length === 1)
      throw new MlfError('MLF-E603', `${label}: the signature is valid, but ${describeChanges(r)}`);
    return r;
  });
  let bad = 0;
  const docs: unknown[] = [];
  for (const o of results) {
    if ('error' in o) {
      bad++;
      reportFailure(ctx, o.error);
      docs.push(failureJson(o.label, o.error));
      continue;
    }
    const r = o.result;
    docs.push({ path: o.label, ...r });
    if (!r.valid) {
      bad++;
      if (!ctx.json)
        reportFailure(ctx, new MlfError('MLF-E603', `${o.label}: the signature is valid, but ${describeChanges(r)}`));
    } else if (!ctx.json)
      ctx.print(
        `${ctx.shown(o.label)}: signature valid (key ${r.keyId}, ${plural(r.members, 'member')}, ${r.source === 'embedded' ? 'embedded signature' : safeText(r.source)})`,
      );
  }
  if (ctx.json)
    ctx.printJson(inputs.length === 1 ? docs[0] : { archives: docs, valid: inputs.length - bad, invalid: bad });
  else if (inputs.length > 1)
    ctx.print(
      `\n${summary(inputs.length, [
        [inputs.length - bad, 'valid'],
        [bad, 'not valid'],
      ])}`,
    );
  return bad === 0 ? 0 : 1;
}

function describeChanges(r: VerifyResult): string {
  const list = (what: string, paths: string[]) => {
    if (paths.length === 0) return [];
    const shown = paths.slice(0, 50).join(', ');
    return [`${what} ${paths.length}: ${shown}${paths.length > 50 ? `, … (${paths.length - 50} more)` : ''}`];
  };
  return [...list('changed', r.changed), ...list('added', r.added), ...list('removed', r.removed)].join('; ');
}
