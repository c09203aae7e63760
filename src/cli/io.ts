/** Where a command reads and writes; injected so tests can capture output. */
export interface CliIo {
  /** A line (or block) of text for stdout. */
  out(text: string): void;
  /** A line (or block) of text for stderr. */
  err(text: string): void;
  /** Standard output as a byte stream, for `-o -` (absent in tests that capture text only). */
  stdout?: NodeJS.WritableStream;
  /** Standard input, for `-` as an archive input. */
  stdin?: NodeJS.ReadableStream;
  /** Whether stdout / stderr are terminals (colours, progress bars). @default false */
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
  /** Writes raw text to stderr without a newline (a progress bar redraws its line). */
  errRaw?(text: string): void;
  /** The environment (NO_COLOR, FORCE_COLOR). @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** Process stdout/stderr. */
export const processIo: CliIo = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  stdout: process.stdout,
  stdin: process.stdin,
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  errRaw: (t) => process.stderr.write(t),
  env: process.env,
};

// C1 controls and bidirectional overrides are valid in JSON strings but may act on a terminal
// that prints the JSON; escaping them keeps the same JSON value.
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Stable JSON for `--json` outputs (C0 controls escaped by JSON itself, C1 and bidi by us). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2).replace(
    JSON_UNSAFE,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
