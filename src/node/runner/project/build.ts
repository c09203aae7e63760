import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { MlfError } from '../../../core/errors/errors.js';
import { readElfSymbols } from '../elf.js';
import type { ModuleManifest } from './generate.js';
import { buildLimits, LIMIT_FLAGS, resolveRunnerLimits, type RunnerLimits } from '../limits.js';
import { limitError, spawnCollect, tail } from '../spawn.js';
import { checkObjectMachines } from './object-check.js';

/** Options of {@link buildProject}. */
export interface BuildOptions {
  /** C compiler, passed to make as CC. @default 'cc'; null: the Makefile names it (firmware). */
  cc?: string | null;
  /** The compiler to check for before building (default: `cc`). */
  compiler?: string;
  /** Objects (project paths) and who brings them: checked for clashing symbols before linking. */
  owners?: readonly ObjectOwner[];
  /** Replaces the Makefile's CFLAGS (default -O2). */
  cflags?: string;
  /** Parallel jobs. @default os.availableParallelism() */
  jobs?: number;
  /** Time and memory limits (defaults: {@link DEFAULT_RUNNER_LIMITS}, overridden by the MLF_* environment variables). */
  limits?: Partial<RunnerLimits>;
}

/**
 * Checks that a compiler can be started and returns its `--version` first line.
 * @throws MlfError E503 when it cannot.
 */
export async function resolveCompiler(cc: string): Promise<string> {
  const r = await spawnCollect(cc, ['--version'], { limits: { timeoutSeconds: 60 } });
  if (r.error !== null || r.status !== 0) {
    const why =
      r.error !== null
        ? (r.error.code ?? r.error.message)
        : r.timedOut
          ? 'no answer within 60 s'
          : `exit status ${r.status}`;
    throw new MlfError('MLF-E503', `cannot run the C compiler ${JSON.stringify(cc)} (${why})`);
  }
  return r.stdout.split('\n')[0] ?? cc;
}

/** The compiler's own error lines (gcc, clang and ld formats), at most `n`. */
export function compilerErrors(output: string, n = 8): string {
  const lines = output
    .split('\n')
    .filter((l) =>
      /\berror\b|undefined reference|ld returned|overflowed by|will not fit in region|MLF-RAM-FULL/i.test(l),
    );
  return (lines.length > 0 ? lines.slice(0, n).join('\n') : tail(output, n)).trim();
}

/**
 * Builds a generated project with `make` (which compiles our files with -Werror and the generated
 * code with warnings off). With `owners`, the objects are compiled first (`make objects`) and
 * checked for clashing symbols before anything is linked.
 * @throws MlfError E503 when make or the compiler is missing, E504 with the first compiler errors,
 * E512 for clashing symbols, E520 when the build runs past its time or memory limit.
 */
export async function buildProject(dir: string, options: BuildOptions = {}): Promise<void> {
  const cc = options.cc === undefined ? 'cc' : options.cc;
  const compiler = options.compiler ?? cc ?? 'cc';
  await resolveCompiler(compiler);
  await checkObjectMachines(dir, compiler);
  const limits = buildLimits(resolveRunnerLimits(options.limits));
  const args = [`-j${options.jobs ?? availableParallelism()}`];
  if (cc !== null) args.push(`CC=${cc}`);
  if (options.cflags !== undefined) args.push(`CFLAGS=${options.cflags}`);
  if (options.owners !== undefined) {
    await make(dir, [...args, 'objects'], limits);
    await checkSymbolClashes(dir, options.owners);
  }
  await make(dir, args, limits);
}

async function make(dir: string, args: string[], limits: ReturnType<typeof buildLimits>): Promise<void> {
  const r = await spawnCollect('make', args, { cwd: dir, limits });
  const hit = limitError(r, limits, 'building the generated project', LIMIT_FLAGS.build);
  if (hit !== null) throw hit;
  if (r.error !== null)
    throw new MlfError(
      'MLF-E503',
      `cannot run make (${r.error.code ?? r.error.message}); install it (Debian: apt-get install make)`,
    );
  if (r.status !== 0) {
    throw new MlfError(
      'MLF-E504',
      `compiling the generated project failed:\n${compilerErrors(`${r.stderr}\n${r.stdout}`)}`,
    );
  }
}

/** An object file of a project and who brings it: `module <name>` or `runtime`. */
export interface ObjectOwner {
  object: string;
  owner: string;
}

const STB_GLOBAL = 1;

/**
 * Two owners defining the same global symbol cannot be linked into one program (modules merged
 * from builds that reused a module name, or old archives without the tvmgen_<module>_ prefix).
 * @throws MlfError E512 naming the symbols and their owners, E508 for a malformed object.
 */
export async function checkSymbolClashes(dir: string, owners: readonly ObjectOwner[]): Promise<void> {
  const definedBy = new Map<string, Set<string>>();
  for (const { object, owner } of owners) {
    const bytes = new Uint8Array(await readFile(join(dir, object)));
    for (const s of readElfSymbols(bytes, { file: object })) {
      if (s.bind !== STB_GLOBAL || s.section === 0) continue;
      const set = definedBy.get(s.name) ?? new Set<string>();
      set.add(owner);
      definedBy.set(s.name, set);
    }
  }
  const clashes = [...definedBy].filter(([, set]) => set.size > 1).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (clashes.length === 0) return;
  const shown = clashes.slice(0, 8).map(([name, set]) => `  ${printable(name)}: ${[...set].join(', ')}`);
  const more = clashes.length > 8 ? [`  ... and ${clashes.length - 8} more`] : [];
  throw new MlfError(
    'MLF-E512',
    `${clashes.length} C symbol${clashes.length === 1 ? ' is' : 's are'} defined by more than one part of the program:\n${[...shown, ...more].join('\n')}`,
  );
}

/** A symbol name for a message: plain names as they are, anything else as JSON (no newline gets through). */
const printable = (name: string) => (/^[A-Za-z0-9_.$]{1,256}$/.test(name) ? name : JSON.stringify(name.slice(0, 256)));

const RUNTIME_OBJECTS = ['main', 'mlf_modules', 'runtime/src/mlf_backend', 'runtime/src/mlf_params'];
const BOARD_OBJECTS = ['board/mlf_start', 'board/mlf_board_semihost', 'board/counter', 'board/startup'];

/** Every object of a generated project (as its Makefile names them) and who brings it. */
export function objectOwners(modules: readonly ModuleManifest[], firmware: boolean): ObjectOwner[] {
  const out: ObjectOwner[] = [...RUNTIME_OBJECTS, ...(firmware ? BOARD_OBJECTS : [])].map((p) => ({
    object: `build/${p}.o`,
    owner: 'the mlf runtime',
  }));
  for (const m of modules) {
    const owner = `module ${JSON.stringify(m.module)}`;
    out.push({ object: `build/${m.plan.replace(/\.c$/, '.o')}`, owner });
    for (const p of m.codegen) {
      if (p.endsWith('.o')) out.push({ object: p, owner });
      else if (/\.(c|cc|cpp)$/.test(p)) out.push({ object: `build/${p}.o`, owner });
    }
  }
  return out;
}
