import { MlfError } from '../../core/errors/errors.js';
import type { ProcessLimits } from './spawn.js';

/** Time and memory limits of the compilers, make and model programs the runner starts. 0 = none. */
export interface RunnerLimits {
  /** Wall-clock seconds for one build (make and every compiler it starts). @default 600 */
  buildTimeoutSeconds: number;
  /** Wall-clock seconds for one model program run (all `--repeat` runs together). @default 600 */
  runTimeoutSeconds: number;
  /** Address space per process (`ulimit -v`), in bytes. @default 4 GiB */
  memoryBytes: number;
}

/** The defaults: generous for real models, finite for hostile ones. */
export const DEFAULT_RUNNER_LIMITS: Readonly<RunnerLimits> = {
  buildTimeoutSeconds: 600,
  runTimeoutSeconds: 600,
  memoryBytes: 4 * 2 ** 30,
};

/** Environment variables that set the limits when no option does (seconds; MiB for memory). */
export const LIMIT_ENV = {
  buildTimeoutSeconds: 'MLF_BUILD_TIMEOUT',
  runTimeoutSeconds: 'MLF_RUN_TIMEOUT',
  memoryBytes: 'MLF_MEMORY_LIMIT',
} as const;

/** Options, then `MLF_BUILD_TIMEOUT` / `MLF_RUN_TIMEOUT` (seconds) / `MLF_MEMORY_LIMIT` (MiB), then defaults. */
export function resolveRunnerLimits(
  given: Partial<RunnerLimits> = {},
  env: NodeJS.ProcessEnv = process.env,
): RunnerLimits {
  const out = { ...DEFAULT_RUNNER_LIMITS };
  for (const key of Object.keys(LIMIT_ENV) as (keyof RunnerLimits)[]) {
    const v = given[key];
    if (v !== undefined) {
      if (!Number.isSafeInteger(v) || v < 0)
        throw new MlfError('MLF-E901', `limit ${key} must be a whole number of at least 0, not ${v}`);
      out[key] = v;
      continue;
    }
    const text = env[LIMIT_ENV[key]];
    if (text === undefined || text === '') continue;
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)))
      throw new MlfError('MLF-E901', `${LIMIT_ENV[key]} must be a whole number, not ${JSON.stringify(text)}`);
    out[key] = key === 'memoryBytes' ? Number(text) * 2 ** 20 : Number(text);
  }
  return out;
}

/** The limits of a build step. */
export const buildLimits = (l: RunnerLimits): ProcessLimits => ({
  timeoutSeconds: l.buildTimeoutSeconds,
  memoryBytes: l.memoryBytes,
});

/** The limits of a model program run. */
export const runLimits = (l: RunnerLimits): ProcessLimits => ({
  timeoutSeconds: l.runTimeoutSeconds,
  memoryBytes: l.memoryBytes,
});

/** How the CLI and environment raise each limit (for error messages). */
export const LIMIT_FLAGS = {
  build: { time: '--build-timeout SECONDS or MLF_BUILD_TIMEOUT', memory: '--memory-limit MIB or MLF_MEMORY_LIMIT' },
  run: { time: '--run-timeout SECONDS or MLF_RUN_TIMEOUT', memory: '--memory-limit MIB or MLF_MEMORY_LIMIT' },
} as const;
