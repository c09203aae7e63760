import { spawn } from 'node:child_process';
import { MlfError } from '../../core/errors/errors.js';

/** What a finished child process left behind. */
export interface SpawnResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started (ENOENT, EACCES, ...). */
  error: NodeJS.ErrnoException | null;
  /** The wall-clock limit ran out and the process group was killed. */
  timedOut: boolean;
  /** The output went past `maxOutputBytes`; the rest was dropped. */
  truncated: boolean;
}

/** Limits of a spawned compiler, make or model program. 0 means no limit. */
export interface ProcessLimits {
  /** Wall-clock seconds before the process and everything it started are killed. */
  timeoutSeconds?: number;
  /** Address space of the process and each child, in bytes (`ulimit -v`). */
  memoryBytes?: number;
}

/** Options of {@link spawnCollect}. */
export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  limits?: ProcessLimits;
  /** Bytes kept of stdout and of stderr each. @default 16 MiB */
  maxOutputBytes?: number;
}

const running = new Set<number>();
let exitHookInstalled = false;

/** Kills a process group (the child and what it started); ESRCH when it is gone already. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group ended on its own meanwhile
  }
}

/**
 * Runs a program to completion without a shell and collects its output. With `limits` the
 * program runs in its own process group (so a timeout kills make's compilers too) and, for a
 * memory limit, under `/bin/sh -c 'ulimit -v KiB; exec "$@"'` with the program and its
 * arguments passed as positional parameters, never as shell text.
 */
export function spawnCollect(cmd: string, args: readonly string[], options: SpawnOptions = {}): Promise<SpawnResult> {
  const limits = options.limits ?? {};
  const max = options.maxOutputBytes ?? 16 * 2 ** 20;
  const memoryKiB = Math.floor((limits.memoryBytes ?? 0) / 1024);
  const wrapped = memoryKiB > 0;
  const [file, argv] = wrapped
    ? ['/bin/sh', ['-c', `ulimit -v ${memoryKiB} 2>/dev/null; exec "$@"`, 'mlf', cmd, ...args]]
    : [cmd, [...args]];
  const timeoutMs = Math.max(0, (limits.timeoutSeconds ?? 0) * 1000);
  return new Promise((resolve) => {
    const child = spawn(file, argv, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: timeoutMs > 0 || wrapped,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const kept = { out: 0, err: 0 };
    let truncated = false;
    let error: NodeJS.ErrnoException | null = null;
    let timedOut = false;
    const keep = (list: Buffer[], which: 'out' | 'err') => (b: Buffer) => {
      const room = max - kept[which];
      if (room <= 0) {
        truncated = true;
        return;
      }
      list.push(room >= b.length ? b : b.subarray(0, room));
      if (room < b.length) truncated = true;
      kept[which] += Math.min(room, b.length);
    };
    child.stdout.on('data', keep(out, 'out'));
    child.stderr.on('data', keep(err, 'err'));
    const pid = child.pid;
    if (pid !== undefined && (timeoutMs > 0 || wrapped)) {
      running.add(pid);
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.on('exit', () => {
          for (const p of running) killGroup(p);
        });
      }
    }
    const timer =
      timeoutMs > 0 && pid !== undefined
        ? setTimeout(() => {
            timedOut = true;
            killGroup(pid);
          }, timeoutMs)
        : null;
    child.on('error', (e) => {
      error = e;
    });
    child.on('close', (status, signal) => {
      if (timer !== null) clearTimeout(timer);
      if (pid !== undefined) {
        running.delete(pid);
        if (timeoutMs > 0 || wrapped) killGroup(pid); // nothing it started may outlive it
      }
      const stderr = Buffer.concat(err).toString('utf8');
      // Through the shell, "not found" and "not executable" come back as exit statuses 127 and 126.
      if (
        wrapped &&
        error === null &&
        (status === 127 || status === 126) &&
        /not found|Permission denied/i.test(stderr)
      ) {
        error = Object.assign(new Error(stderr.trim()), { code: status === 127 ? 'ENOENT' : 'EACCES' });
      }
      resolve({ status, signal, stdout: Buffer.concat(out).toString('utf8'), stderr, error, timedOut, truncated });
    });
  });
}

/** True when a process failed the way an exhausted address-space limit makes programs fail. */
export function outOfMemory(r: SpawnResult, limits: ProcessLimits): boolean {
  if ((limits.memoryBytes ?? 0) <= 0 || r.status === 0) return false;
  return /out of memory|cannot allocate memory|virtual memory exhausted|bad_alloc|memory exhausted|failed to map segment/i.test(
    r.stderr,
  );
}

/**
 * E520 when a process hit a limit: its wall-clock time (`what` took longer than N s) or, likely,
 * its memory. `flag` names the option that raises the limit.
 */
export function limitError(
  r: SpawnResult,
  limits: ProcessLimits,
  what: string,
  flags: { time: string; memory: string },
): MlfError | null {
  if (r.timedOut)
    return new MlfError(
      'MLF-E520',
      `${what} took longer than ${limits.timeoutSeconds} s and was stopped; raise the limit with ${flags.time}`,
    );
  if (r.signal === 'SIGXCPU') return new MlfError('MLF-E520', `${what} used up its CPU time limit and was stopped`);
  if (outOfMemory(r, limits))
    return new MlfError(
      'MLF-E520',
      `${what} ran out of memory under the limit of ${Math.round((limits.memoryBytes ?? 0) / 2 ** 20)} MiB; raise it with ${flags.memory}:\n${tail(r.stderr, 4)}`,
    );
  return null;
}

/** The last `n` non-empty lines of a text. */
export function tail(text: string, n: number): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-n)
    .join('\n');
}
