/** Test helpers shared by several test files: child processes, MlfError codes, byte equality, fixture tars. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { MlfError } from '../../src/core/errors/errors.js';
import { readTarIndexSync, tarEntryData } from '../../src/core/tar/read.js';

/** Absolute path of the repository. */
export const ROOT = join(import.meta.dirname, '..', '..');

/** Absolute path of test/fixtures. */
export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

let pythonExecutable: string | undefined;
/**
 * python3 by its real executable, resolved once per process: a version manager's shim (pyenv's is a
 * shell script) costs about 0.2 s on every start, and the tests start Python dozens of times.
 */
export function pythonPath(): string {
  if (pythonExecutable === undefined) {
    const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
    pythonExecutable = r.status === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : 'python3';
  }
  return pythonExecutable;
}

/** Runs a command (optionally with stdin, in UTC and the C locale) and returns its stdout; throws with its stderr on a non-zero exit. */
export function run(cmd: string, args: string[], input?: Uint8Array): Buffer {
  // UTC and the C locale: listings of GNU tar and others do not depend on the machine.
  const r = spawnSync(cmd, args, { input, maxBuffer: 1 << 28, env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** `run`'s stdout as a plain Uint8Array (a copy: tests slice and mutate it). */
export const runBytes = (cmd: string, args: string[], input?: Uint8Array): Uint8Array =>
  new Uint8Array(run(cmd, args, input));

/** What a CLI run gave: exit status, stdout and stderr. */
export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** `node bin/mlf.js ...args` (the built CLI bundle) with `env` added to the environment, no colour. */
export function mlfEnv(env: Record<string, string>, ...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'mlf.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** `node bin/mlf.js ...args` (the built CLI bundle), no colour. */
export const mlf = (...args: string[]): CliResult => mlfEnv({}, ...args);

/** Expects a message shown to a user to carry no stack trace. */
export const noStack = (s: string): void => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

/** Runs `sh -c script sh ...args` (so the script sees args as "$1", "$2", ...) and returns its stdout. */
export const sh = (script: string, ...args: string[]): Buffer => run('sh', ['-c', script, 'sh', ...args]);

/** The MlfError code a promise rejects with (fails on success or on any other exception). */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof MlfError) return e.code;
    throw e;
  }
  throw new Error('expected an MlfError');
}

/** 'ok', or the code and message of the MlfError a call throws (fails on any other exception): for comparing two readers. */
export async function outcome(f: () => unknown): Promise<string> {
  try {
    await f();
    return 'ok';
  } catch (e) {
    if (!(e instanceof MlfError)) throw e;
    return `${e.code} ${e.message}`;
  }
}

/** The MlfError a call throws (fails on success or on any other exception). */
export function mlfError(f: () => unknown): MlfError {
  try {
    f();
  } catch (e) {
    if (e instanceof MlfError) return e;
    throw e;
  }
  throw new Error('expected an MlfError');
}

/** Byte equality. */
export const same = (a: Uint8Array, b: Uint8Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

/** The text of one member of a fixture tar (path relative to test/fixtures), read with the project's own tar reader. */
export function tarMember(tarPath: string, member: string): string {
  const bytes = new Uint8Array(readFileSync(join(FIXTURES, tarPath)));
  const entry = readTarIndexSync(bytes).entries.find((e) => e.path === member);
  if (entry === undefined) throw new Error(`${tarPath} has no ${member}`);
  return new TextDecoder().decode(tarEntryData(bytes, entry));
}

/** Lowercase hex of bytes (a readable expect diff). */
export const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** Runs a Python 3 script (NumPy as np, json, sys, os, hashlib and zipfile imported) with arguments; its stdout, trimmed. */
export function python(script: string, ...args: string[]): string {
  const r = spawnSync(pythonPath(), ['-c', `import numpy as np, json, sys, os, hashlib, zipfile\n${script}`, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Fast byte equality (vitest's deep equality walks element by element). */
export const expectBytes = (got: Uint8Array, want: Uint8Array): void =>
  expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(want)).toBe(true);
