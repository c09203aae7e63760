import type { Colors } from 'picocolors/types.js';

/** A progress bar (or nothing, when off). */
export interface Progress {
  /** Sets how far along the work is: `done` of `total` (bytes or steps); no total shows a counter. */
  update(done: number, total?: number): void;
  /** Clears the bar. */
  stop(): void;
}

const OFF: Progress = { update: () => undefined, stop: () => undefined };
const WIDTH = 24;
/** Redraws at most this often (ms): drawing is cheap, terminals are not. */
const EVERY = 100;

function human(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/**
 * A one-line bar on stderr, redrawn in place with `\r` and cleared at the end; `write` absent
 * means off (not a terminal, --json, --quiet), so callers never check.
 */
export function startProgress(write: ((t: string) => void) | undefined, label: string, c: Colors): Progress {
  if (write === undefined) return OFF;
  let last = 0;
  let drawn = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < EVERY) return;
      last = now;
      drawn = true;
      if (total === undefined || total <= 0) {
        write(`\r\u001b[2K${label}…${done > 0 ? ` ${human(done)}` : ''}`);
        return;
      }
      const f = Math.max(0, Math.min(1, done / total));
      const fill = Math.round(f * WIDTH);
      const bar = c.cyan('█'.repeat(fill)) + c.dim('░'.repeat(WIDTH - fill));
      write(`\r\u001b[2K${label} ${bar} ${(f * 100).toFixed(0).padStart(3)}% ${human(done)} of ${human(total)}`);
    },
    stop() {
      if (drawn) write('\r\u001b[2K');
      drawn = false;
    },
  };
}
