/**
 * Board profiles: what a bare-metal target is (CPU flags, toolchain, memory map, QEMU machine,
 * instruction counter), as data. The shipped ones live in `templates/boards/<name>.json`; a user
 * board is a JSON file of the same shape given by path. Every value ends up in a Makefile, a linker
 * script or QEMU's argument list, so each is checked against a strict pattern first.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { jsonPath } from '../../../core/common/json.js';
import {
  array,
  checkShape,
  either,
  type Issues,
  literal,
  object,
  oneOf,
  type Shape,
} from '../../../core/common/shape.js';
import { MlfError } from '../../../core/errors/errors.js';
import { templatesDir } from '../project/templates.js';

const BOARD_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Comment text: no newline, backslash, `$`, `@` or `*` (Makefile and linker-script comments). */
const TEXT = /^[A-Za-z0-9 ,.;:()+_'/-]{0,200}$/;
/** One word of a command line: no spaces, quotes, `$` or shell/Make metacharacters. */
const WORD = /^[A-Za-z0-9_=+.,:/-]{1,200}$/;
const FLAG = /^-[A-Za-z0-9_=+.,:/-]{1,200}$/;
const RESERVED_QEMU =
  /^-(kernel|icount|semihosting|semihosting-config|accel|S|s|gdb|monitor|serial|nographic|daemonize)$/;
const PLAIN_TEXT = "plain text (letters, digits, spaces, ,.;:()+_'/-; at most 200)";

function fail(issues: Issues, path: PropertyKey[], message: string): void {
  issues.count++;
  issues.first ??= { path: jsonPath(path), message };
}

/** A string matching `re` (and `extra`, when given), described as `what` in messages. */
function text(re: RegExp, what: string, extra?: (s: string) => string | undefined): Shape<string> {
  return {
    check(v, path, issues) {
      if (typeof v !== 'string' || !re.test(v)) return fail(issues, path, `expected ${what}`);
      const problem = extra?.(v);
      if (problem !== undefined) fail(issues, path, problem);
    },
    jsonSchema: () => ({ type: 'string', pattern: re.source }),
  };
}

/** An integer in [min, max] (and a multiple of `step`). */
function int(min: number, max: number, step = 1): Shape<number> {
  return {
    check(v, path, issues) {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max || v % step !== 0)
        fail(issues, path, `expected an integer from ${min} to ${max}${step > 1 ? `, a multiple of ${step}` : ''}`);
    },
    jsonSchema: () => ({ type: 'integer', minimum: min, maximum: max, ...(step > 1 ? { multipleOf: step } : {}) }),
  };
}

const region = object(
  {
    origin: text(/^0x[0-9a-fA-F]{1,8}$/, 'a hexadecimal address like 0x20000000'),
    bytes: int(1024, 2 ** 32),
    what: text(TEXT, PLAIN_TEXT),
  },
  'strict',
);

const boardShape = object(
  {
    name: text(BOARD_NAME, 'letters, digits, . _ - (at most 64)'),
    description: text(TEXT, PLAIN_TEXT),
    arch: oneOf(['arm', 'riscv']),
    toolchain: object(
      {
        prefix: text(/^[A-Za-z0-9_./-]{0,200}-$/, 'a cross-compiler prefix such as arm-none-eabi-'),
        cflags: array(text(FLAG, 'one compiler flag without spaces or quotes'), 1),
      },
      'strict',
    ),
    memory: object({ flash: region, ram: region }, 'strict'),
    stackBytes: int(1024, 2 ** 32, 8),
    qemu: object(
      {
        binary: text(/^[A-Za-z0-9_./-]{1,200}$/, 'a program name or path without spaces'),
        args: array(
          text(WORD, 'one argument without spaces or quotes', (a) =>
            RESERVED_QEMU.test(a)
              ? 'is set by mlf itself (kernel, icount, accel, semihosting, monitor, serial)'
              : undefined,
          ),
        ),
      },
      'strict',
    ),
    counter: either(
      (v) => (v as { kind?: unknown } | null)?.kind === 'systick',
      object({ kind: literal('systick'), hz: int(1, 4_000_000_000), icountShift: int(0, 10) }, 'strict'),
      object({ kind: literal('riscv-minstret'), icountShift: literal(0) }, 'strict'),
    ),
  },
  'strict',
);

/** A board: CPU, toolchain, memory map, QEMU machine and instruction counter (docs/runner.md). */
export interface BoardProfile {
  /** Letters, digits, `.`, `_`, `-`; at most 64. */
  name: string;
  description: string;
  arch: 'arm' | 'riscv';
  /** The cross compiler (`<prefix>gcc`, `<prefix>size`) and the CPU's compiler flags. */
  toolchain: { prefix: string; cflags: string[] };
  /** Where code and data go: the linker script's FLASH and RAM regions. */
  memory: {
    flash: { origin: string; bytes: number; what: string };
    ram: { origin: string; bytes: number; what: string };
  };
  /** The stack reserved at the top of RAM. */
  stackBytes: number;
  /** QEMU's program and machine arguments (mlf adds -kernel, -icount, semihosting and I/O). */
  qemu: { binary: string; args: string[] };
  /** How one inference's instructions are counted: SysTick under `-icount shift=N`, or `minstret`. */
  counter: { kind: 'systick'; hz: number; icountShift: number } | { kind: 'riscv-minstret'; icountShift: 0 };
}

// What the shape accepts is a BoardProfile (checked when compiling).
const _shapeIsProfile: Shape<BoardProfile> = boardShape;
void _shapeIsProfile;

/** The directory of the shipped board profiles (`templates/boards/`). */
export const boardsDir = (): string => join(templatesDir(), 'boards');

const bad = (where: string, why: string, path?: string) =>
  new MlfError('MLF-E510', `board ${where}: ${why}`, path === undefined ? {} : { jsonPath: path });

/** Names of the shipped boards (`templates/boards/*.json`), sorted. */
export async function listBoards(): Promise<string[]> {
  return (await readdir(boardsDir()))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** True when `target` names a board file rather than a shipped board. */
export const isBoardPath = (target: string): boolean => target.includes('/') || target.endsWith('.json');

/** Largest board profile read: a profile is a few hundred bytes. */
const MAX_PROFILE_BYTES = 64 * 1024;

/**
 * Loads a board: a shipped one by name (`cortex-m4`), or a profile file by path (`./my-board.json`).
 * @throws MlfError E510 for an unknown board or a profile that breaks a rule (with its JSON path).
 */
export async function loadBoard(target: string): Promise<BoardProfile> {
  const byPath = isBoardPath(target);
  if (!byPath && !BOARD_NAME.test(target)) throw bad(JSON.stringify(target), 'is not a board name');
  const path = byPath ? target : join(boardsDir(), `${target}.json`);
  const where = byPath ? JSON.stringify(path) : basename(path);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if (byPath) throw bad(where, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    throw bad(
      JSON.stringify(target),
      `is not a shipped board; the boards are ${(await listBoards()).join(', ')}, or give a board file by path`,
    );
  }
  if (bytes.byteLength > MAX_PROFILE_BYTES)
    throw bad(where, `is ${bytes.byteLength} bytes; a board profile has at most ${MAX_PROFILE_BYTES}`);
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw bad(where, `is not JSON (${(e as Error).message})`);
  }
  return checkBoard(raw, where);
}

/**
 * Validates a parsed profile (see {@link loadBoard}).
 * @throws MlfError E510 naming the first rule it breaks, with its JSON path.
 */
export function checkBoard(raw: unknown, where: string): BoardProfile {
  const issues = checkShape(boardShape, raw);
  if (issues.first !== undefined) {
    const more = issues.count > 1 ? ` (and ${issues.count - 1} more)` : '';
    throw bad(where, `${issues.first.path}: ${issues.first.message}${more}`, issues.first.path);
  }
  const b = raw as BoardProfile;
  for (const [key, r] of Object.entries(b.memory)) {
    if (Number.parseInt(r.origin, 16) + r.bytes > 2 ** 32)
      throw bad(where, `$.memory.${key} ends past 4 GiB`, `$.memory.${key}`);
  }
  if (b.stackBytes >= b.memory.ram.bytes)
    throw bad(where, '$.stackBytes: the stack does not fit in RAM', '$.stackBytes');
  const wantCounter = b.arch === 'arm' ? 'systick' : 'riscv-minstret';
  if (b.counter.kind !== wantCounter)
    throw bad(where, `$.counter.kind: ${b.arch} boards count with ${wantCounter}`, '$.counter.kind');
  // SysTick counts are exact only when an instruction lasts more than two ticks (counter.c).
  if (b.counter.kind === 'systick' && 2 ** b.counter.icountShift * b.counter.hz <= 2e9) {
    throw bad(
      where,
      `$.counter.icountShift: with a ${b.counter.hz} Hz SysTick, shift ${b.counter.icountShift} gives fewer than two ticks per instruction; raise it`,
      '$.counter.icountShift',
    );
  }
  return b;
}
