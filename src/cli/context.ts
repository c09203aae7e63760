import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Diagnostic } from '../core/errors/errors.js';
import { MlfError } from '../core/errors/errors.js';
import type { Written } from '../node/write/atomic.js';
import { colors, formatBytes, formatDiagnostic, guardTerminal, safeText, useColors, wantColor } from './format.js';
import { type CliIo, toJson } from './io.js';
import { type Progress, startProgress } from './progress.js';

/** The flags every command takes. */
export interface CommonFlags {
  json?: boolean;
  format?: string;
  quiet?: boolean;
  color?: boolean;
}

/**
 * One run of the CLI: where output goes and how (text or JSON, colours, quiet), standard input
 * for `-`, progress bars, and the temporary files to remove at the end. Actions print through it,
 * never through `console`.
 */
export class CliContext {
  readonly io: CliIo;
  json = false;
  quiet = false;
  /** Temporary path of standard input → what to call it in messages. */
  readonly labels = new Map<string, string>();
  private readonly cleanups: (() => Promise<void>)[] = [];
  private stdinUsed = false;

  constructor(io: CliIo) {
    this.io = io;
  }

  /** JSON mode as far as the raw arguments tell (for usage errors, raised before any command runs). */
  jsonFromArgv(argv: string[]): void {
    const i = argv.indexOf('--format');
    this.json = argv.includes('--json') || argv.includes('--format=json') || (i >= 0 && argv[i + 1] === 'json');
  }

  /** Commander's usage text (errors, help after an error): stderr. */
  usageText(s: string): void {
    this.io.err(s);
  }

  /** After a usage error: under --json, the error as JSON on stdout too. */
  flushUsage(message: string): void {
    if (this.json)
      this.printJson({
        error: { code: 'MLF-E901', message: message.replace(/^error: /, ''), hint: 'See mlf --help.', location: null },
      });
  }

  /** Applies the common flags of the command about to run. */
  configure(flags: CommonFlags): void {
    this.json = flags.json === true || flags.format === 'json';
    this.quiet = flags.quiet === true;
    const env = this.io.env ?? process.env;
    useColors(!this.json && wantColor(flags.color, env, this.io.stdoutIsTTY ?? false));
  }

  /** Text for stdout (through the terminal guard). */
  print(text: string): void {
    this.io.out(guardTerminal(text));
  }

  /** A result as JSON on stdout. */
  printJson(value: unknown): void {
    this.io.out(toJson(value));
  }

  /** A status message on stderr (`wrote …`); silent with --quiet or --json. */
  note(text: string): void {
    if (!this.quiet && !this.json) this.io.err(guardTerminal(text));
  }

  /** A warning on stderr; with --json it belongs in the JSON result instead (the caller puts it there). */
  warn(d: Diagnostic): void {
    if (!this.json) this.io.err(guardTerminal(formatDiagnostic(d)));
  }

  /** What was written: `wrote PATH (N B, sha256 …)` on stderr (text mode). */
  noteWritten(w: Written, extra = ''): void {
    const what = w.files === undefined ? formatBytes(w.bytes) : `${w.files} files, ${formatBytes(w.bytes)}`;
    this.note(`wrote ${this.shown(w.path)} (${what}${w.sha256 ? `, sha256 ${w.sha256.slice(0, 16)}…` : ''})${extra}`);
  }

  /** A path as the user named it, safe to print (`-` for standard input). */
  shown(path: string): string {
    return safeText(this.labels.get(path) ?? path);
  }

  /** A progress bar on stderr when it is a terminal and output is neither --json nor --quiet. */
  progress(label: string): Progress {
    const on = this.io.stderrIsTTY === true && !this.json && !this.quiet && this.io.errRaw !== undefined;
    return startProgress(on ? this.io.errRaw : undefined, label, colors);
  }

  /**
   * An input path; `-` is standard input, copied to a private temporary file (so every reader,
   * which seeks, can read it) that is removed when the command ends.
   */
  async input(path: string): Promise<string> {
    if (path !== '-') return path;
    if (this.stdinUsed) throw new MlfError('MLF-E901', 'only one input can be - (standard input)');
    this.stdinUsed = true;
    const stdin = this.io.stdin;
    if (stdin === undefined || (stdin as { isTTY?: boolean }).isTTY === true)
      throw new MlfError(
        'MLF-E901',
        '- reads the archive from standard input, which is a terminal here',
        {},
        'Pipe an archive in: cat model.tar | mlf inspect -',
      );
    const dir = await mkdtemp(join(tmpdir(), 'mlf-stdin-'));
    this.cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'stdin');
    await pipeline(stdin, createWriteStream(file, { mode: 0o600 }));
    this.labels.set(file, '-');
    return file;
  }

  /** Every input resolved with {@link input}. */
  async inputs(paths: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const p of paths) out.push(await this.input(p));
    return out;
  }

  /** A message with temporary paths replaced by what the user typed. */
  relabel(text: string): string {
    let out = text;
    for (const [path, label] of this.labels) out = out.split(path).join(label === '-' ? '<stdin>' : label);
    return out;
  }

  /** Removes temporary files. */
  async close(): Promise<void> {
    for (const c of this.cleanups.splice(0)) await c().catch(() => undefined);
  }
}

/** A writer's JSON result: what it wrote, and its warnings. */
export function writtenJson(command: string, written: Written[], warnings: Diagnostic[] = [], extra = {}): unknown {
  return { command, written, warnings, ...extra };
}
