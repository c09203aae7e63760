/** Where a command writes; injected so tests can capture output. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** Process stdout/stderr. */
export const processIo: CliIo = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

/** Stable JSON for `--json` outputs. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
}
