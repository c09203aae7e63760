/**
 * Every writer of the CLI, driven with --force at random kinds of destination: nothing outside
 * the destination ever changes, the exit status is never 3 (a bug), and a destination mlf must
 * not replace (a foreign file or folder, a symbolic link, the input, `.`, a folder holding the
 * input) is left exactly as it was.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { TVM } from '../../helpers/archive.js';
import { mlf, snapshotTree } from '../../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'mlf-dest-prop-'));
const cache = join(work, 'cache');
afterAll(() => rmSync(work, { recursive: true, force: true }));
const GRAPH = resolve(TVM, 'graph-cnn/model.tar');
const AOT = resolve(TVM, 'aot-mlp/model.tar');

/** What a writer writes, and how to call it with a destination (paths relative to the sandbox). */
interface Writer {
  name: string;
  kind: 'archive' | 'file' | 'folder';
  /** The name of a new destination of this writer. */
  out?: string;
  args: (dest: string) => string[];
  /** A destination of its own kind, as an earlier run of the writer would have left it. */
  same?: (box: string, dest: string) => void;
}

const WRITERS: Writer[] = [
  { name: 'pack', kind: 'archive', out: 'out.tar', args: (d) => ['pack', 'input.tar', '-o', d] },
  {
    name: 'convert',
    kind: 'archive',
    out: 'out.tgz',
    args: (d) => ['convert', 'input.tar', '--to-version', '7', '-o', d],
  },
  {
    name: 'merge',
    kind: 'archive',
    out: 'out.tar.zst',
    args: (d) => ['merge', 'input.tar', AOT, '--rename', 'default=b', '-o', d],
  },
  {
    name: 'extract-module',
    kind: 'archive',
    out: 'out.tar',
    args: (d) => ['extract-module', 'input.tar', '-m', 'default', '-o', d],
  },
  { name: 'unpack', kind: 'folder', args: (d) => ['unpack', 'input.tar', '-o', d] },
  { name: 'project', kind: 'folder', args: (d) => ['project', 'input.tar', '-o', d] },
  { name: 'split', kind: 'folder', args: (d) => ['split', 'input.tar', '-o', d] },
  {
    name: 'params export (folder)',
    kind: 'folder',
    args: (d) => ['params', 'export', 'input.tar', '--format', 'folder', '-o', d],
  },
  {
    name: 'params export (npz)',
    kind: 'file',
    out: 'out.npz',
    args: (d) => ['params', 'export', 'input.tar', '--format', 'npz', '-o', d],
  },
  { name: 'report', kind: 'file', out: 'out.html', args: (d) => ['report', 'input.tar', '-o', d] },
  { name: 'graph', kind: 'file', out: 'out.dot', args: (d) => ['graph', 'input.tar', '-o', d] },
  { name: 'keygen', kind: 'file', args: (d) => ['keygen', '-o', d] },
  { name: 'sign --detached', kind: 'file', args: (d) => ['sign', 'input.tar', '--key', 'key', '--detached', '-o', d] },
  { name: 'run', kind: 'folder', args: (d) => ['run', 'input.tar', '--random-inputs', '1', '-o', d] },
];

/** Destination kinds: how to make it, and whether --force may replace it. */
const KINDS: { name: string; make: (box: string, out: string) => string; replaceable: (w: Writer) => boolean }[] = [
  { name: 'missing', make: (_box, out) => out, replaceable: () => true },
  {
    name: 'foreign file',
    make: (box, out) => (writeFileSync(join(box, out), 'my notes'), out),
    replaceable: () => false,
  },
  {
    name: 'folder with foreign content',
    make: (box, out) => {
      mkdirSync(join(box, out));
      writeFileSync(join(box, out, 'thesis.tex'), 'years of work');
      return out;
    },
    replaceable: (w) => w.name === 'split', // split writes into the folder, next to what is there
  },
  {
    name: 'symlink',
    make: (box, out) => (symlinkSync(join(box, 'other', 'bystander.txt'), join(box, out)), out),
    replaceable: () => false,
  },
  { name: 'the input itself', make: () => 'input.tar', replaceable: () => false },
  // split adds one archive per module to a folder (replacing none of its other files, nor the input)
  { name: '.', make: () => '.', replaceable: (w) => w.name === 'split' },
  { name: 'a folder holding the input', make: () => 'holder', replaceable: (w) => w.name === 'split' },
];

let boxes = 0;
function sandbox(): string {
  const box = join(work, `box-${boxes++}`);
  mkdirSync(join(box, 'other'), { recursive: true });
  writeFileSync(join(box, 'other', 'bystander.txt'), 'do not touch');
  copyFileSync(GRAPH, join(box, 'input.tar'));
  mkdirSync(join(box, 'holder'));
  copyFileSync(GRAPH, join(box, 'holder', 'input.tar'));
  return box;
}

/** The sandbox without the destination (and what lies under it). */
function outside(all: Map<string, string>, dest: string): Map<string, string> {
  // keygen's destination is the pair KEY and KEY.pub.
  const mine = (p: string) => p === dest || p.startsWith(`${dest}/`) || p === `${dest}.pub`;
  return new Map([...all].filter(([p]) => !mine(p)));
}

describe('every writer against random destinations (with --force)', () => {
  // A key for `sign`, made once and copied into each sandbox.
  const keyDir = join(work, 'keys');
  mkdirSync(keyDir);
  mlf(['keygen', '-o', join(keyDir, 'key')]);

  it('changes nothing outside the destination, never exits 3, and replaces only what it may', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...WRITERS), fc.constantFrom(...KINDS), async (w, k) => {
        const box = sandbox();
        copyFileSync(join(keyDir, 'key'), join(box, 'key'));
        const dest = k.make(box, w.out ?? 'out');
        // With a folder holding the input as destination, the writer reads holder/input.tar.
        const input = k.name === 'a folder holding the input' ? 'holder/input.tar' : 'input.tar';
        const args = w.args(dest).map((a) => (a === 'input.tar' ? input : a));
        const before = snapshotTree(box);
        const r = mlf([...args, '--force'], { cwd: box, env: { MLF_CACHE_DIR: cache } });
        const label = `${w.name} → ${k.name}: exit ${r.code}\n${r.err}`;
        expect(r.code, label).not.toBe(3);
        expect(r.err, label).not.toMatch(/internal error/);
        if (dest !== '.') expect(outside(snapshotTree(box), dest), label).toEqual(outside(before, dest));
        if (!k.replaceable(w)) {
          // refused: 1, or 2 when the destination is not even a name this writer takes (`pack -o .`)
          expect([label, r.code === 1 || r.code === 2]).toEqual([label, true]);
          expect(snapshotTree(box), label).toEqual(before);
        }
        if (k.name === 'missing') expect([label, r.code]).toEqual([label, 0]);
      }),
      { numRuns: 45 },
    );
  }, 900_000);
});
