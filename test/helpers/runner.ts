/** Helpers of the host-runner tests: the CLI with a private cache, .npy values, folder listings. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { decodeNpy } from '../../src/core/params/npy.js';
import { type CliResult, mlfEnv } from './common.js';

export const WILD = 'test/fixtures/wild';

/** Wild archives whose generated code is complete: path and the kind `mlf run` reports. */
export const COMPLETE_WILD = [
  ['guberti-arduino-ic-v2-graph/output.tar', 'graph'],
  ['guberti-arduino-ic-v2-graph-linkparams/output.tar', 'graph'],
  ['guberti-arduino-kws-v4-graph/model.tar', 'graph'],
  ['guberti-arduino-kws-v5-aot-packed/model.tar', 'aot-packed'],
  ['hannah-magicwand-v7-graph/model.tar', 'graph'],
  ['snuvlsi-conv-v7-graph-2inputs/lib_graph_system-lib.tar', 'graph'],
  ['linaro-sine-aot-v5-extdeps', 'aot-c'],
] as const;

/** A fresh temporary folder. */
export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

/** `node bin/mlf.js ...` with its own cache folder; returns exit status and output. */
export function cli(cacheDir: string) {
  return (...args: string[]): CliResult => mlfEnv({ MLF_CACHE_DIR: cacheDir }, ...args);
}

/** Runs a program and returns its exit status and output (no shell). */
export function exec(cmd: string, args: string[], cwd?: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A .npy file's descr, shape and element values (as numbers). */
export function npyValues(path: string): { descr: string; shape: number[]; values: number[] } {
  const npy = decodeNpy(new Uint8Array(readFileSync(path)));
  const buf = new Uint8Array(npy.data).buffer; // an aligned copy
  const arrays: Record<string, (b: ArrayBuffer) => ArrayLike<number>> = {
    '<f4': (b) => new Float32Array(b),
    '<f8': (b) => new Float64Array(b),
    '|i1': (b) => new Int8Array(b),
    '|u1': (b) => new Uint8Array(b),
    '<i4': (b) => new Int32Array(b),
  };
  const make = arrays[npy.descr];
  if (make === undefined) throw new Error(`no test decoder for ${npy.descr}`);
  return { descr: npy.descr, shape: npy.shape, values: Array.from(make(buf)) };
}

/** Every file under a folder, by relative path, with its bytes (sorted). */
export function treeFiles(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

/** Names in a folder that a failed command might have left behind (temporary files). */
export function leftovers(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    for (const name of readdirSync(d)) {
      if (name.endsWith('.tmp')) out.push(join(d, name));
      if (depth < 2 && statSync(join(d, name)).isDirectory()) walk(join(d, name), depth + 1);
    }
  };
  walk(dir, 0);
  return out;
}
