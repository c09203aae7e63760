/** Runs the built `mlf` binary as users do (a child process), with optional stdin, env and cwd. */
import { spawnSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { expect } from 'vitest';

export const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'mlf.js');

export interface MlfRun {
  code: number | null;
  out: string;
  err: string;
  stdout: Buffer;
}

/** `mlf ...args`; `opts.input` is piped to stdin. */
export function mlf(
  args: string[],
  opts: { input?: Uint8Array | string; env?: Record<string, string>; cwd?: string } = {},
): MlfRun {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input: opts.input,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    cwd: opts.cwd,
    maxBuffer: 1 << 28,
  });
  return { code: r.status, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8'), stdout: r.stdout };
}

/** No stack trace in the output (user errors never show one). */
export const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

/** Every path under `root` with kind, size and content hash-free bytes (never follows links). */
export function snapshotTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (abs: string): void => {
    const st = lstatSync(abs);
    const rel = relative(root, abs) || '.';
    if (st.isSymbolicLink()) out.set(rel, `link->${readlinkSync(abs)}`);
    else if (st.isDirectory()) {
      out.set(rel, `dir ${st.mode.toString(8)}`);
      for (const name of readdirSync(abs).sort()) visit(join(abs, name));
    } else out.set(rel, `file ${readFileSync(abs).toString('base64')}`);
  };
  visit(root);
  return out;
}
