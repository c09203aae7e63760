import { availableParallelism } from 'node:os';
import { MlfError } from '../../../core/errors/errors.js';
import { buildLimits, LIMIT_FLAGS, resolveRunnerLimits, type RunnerLimits } from '../limits.js';
import { limitError, spawnCollect, tail } from '../spawn.js';
import { checkObjectMachines } from './object-check.js';

/** Options of {@link buildProject}. */
export interface BuildOptions {
  /** C compiler. @default 'cc' */
  cc?: string;
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
  const lines = output.split('\n').filter((l) => /\berror\b|undefined reference|ld returned/i.test(l));
  return (lines.length > 0 ? lines.slice(0, n).join('\n') : tail(output, n)).trim();
}

/**
 * Builds a generated host project with `make` (which compiles our files with -Werror and the
 * generated code with warnings off).
 * @throws MlfError E503 when make or the compiler is missing, E504 with the first compiler errors,
 * E520 when the build runs past its time or memory limit.
 */
export async function buildProject(dir: string, options: BuildOptions = {}): Promise<void> {
  const cc = options.cc ?? 'cc';
  await resolveCompiler(cc);
  await checkObjectMachines(dir, cc);
  const limits = buildLimits(resolveRunnerLimits(options.limits));
  const args = [`-j${options.jobs ?? availableParallelism()}`, `CC=${cc}`];
  if (options.cflags !== undefined) args.push(`CFLAGS=${options.cflags}`);
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
