/**
 * Board profiles: what a bare-metal target is (CPU flags, toolchain, memory map, QEMU machine,
 * instruction counter), as data. The shipped ones live in `templates/boards/<name>.json`; a user
 * board is a JSON file of the same shape given by path. Every value ends up in a Makefile, a linker
 * script or QEMU's argument list, so each is checked against a strict pattern first.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as z from 'zod';
import { MlfError } from '../../../core/errors/errors.js';
import { TEMPLATES_DIR } from '../project/templates.js';

const BOARD_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Comment text: no newline, backslash, `$`, `@` or `*` (Makefile and linker-script comments). */
const TEXT = /^[A-Za-z0-9 ,.;:()+_'/-]{0,200}$/;
/** One word of a command line: no spaces, quotes, `$` or shell/Make metacharacters. */
const WORD = /^[A-Za-z0-9_=+.,:/-]+$/;
const FLAG = /^-[A-Za-z0-9_=+.,:/-]+$/;
const RESERVED_QEMU = /^-(kernel|icount|semihosting|semihosting-config|S|s|gdb|monitor|serial|nographic|daemonize)$/;

const region = z.strictObject({
  origin: z.string().regex(/^0x[0-9a-fA-F]{1,8}$/, 'a hexadecimal address like 0x20000000'),
  bytes: z
    .number()
    .int()
    .min(1024)
    .max(2 ** 32),
  what: z.string().regex(TEXT, "plain text (letters, digits, spaces, ,.;:()+_'/-)"),
});

const boardSchema = z.strictObject({
  name: z.string().regex(BOARD_NAME, 'letters, digits, . _ - (at most 64)'),
  description: z.string().regex(TEXT, "plain text (letters, digits, spaces, ,.;:()+_'/-)"),
  arch: z.enum(['arm', 'riscv']),
  toolchain: z.strictObject({
    prefix: z.string().regex(/^[A-Za-z0-9_./-]*-$/, 'a cross-compiler prefix such as arm-none-eabi-'),
    cflags: z.array(z.string().regex(FLAG, 'one compiler flag without spaces or quotes')).min(1),
  }),
  memory: z.strictObject({ flash: region, ram: region }),
  stackBytes: z
    .number()
    .int()
    .min(1024)
    .refine((n) => n % 8 === 0, 'a multiple of 8'),
  qemu: z.strictObject({
    binary: z.string().regex(/^[A-Za-z0-9_./-]+$/, 'a program name or path without spaces'),
    args: z.array(
      z
        .string()
        .regex(WORD, 'one argument without spaces or quotes')
        .refine((a) => !RESERVED_QEMU.test(a), 'set by mlf itself (kernel, icount, semihosting, monitor, serial)'),
    ),
  }),
  counter: z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('systick'),
      hz: z.number().int().min(1).max(4_000_000_000),
      icountShift: z.number().int().min(0).max(10),
    }),
    z.strictObject({ kind: z.literal('riscv-minstret'), icountShift: z.literal(0) }),
  ]),
});

/** A board: CPU, toolchain, memory map, QEMU machine and instruction counter. */
export type BoardProfile = z.infer<typeof boardSchema>;

/** The directory of the shipped board profiles. */
export const BOARDS_DIR = `${TEMPLATES_DIR}boards/`;

const bad = (where: string, why: string) => new MlfError('MLF-E510', `board ${where}: ${why}`, {}, undefined);

/** Names of the shipped boards (`templates/boards/*.json`), sorted. */
export async function listBoards(): Promise<string[]> {
  return (await readdir(BOARDS_DIR))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** True when `target` names a board file rather than a shipped board. */
export const isBoardPath = (target: string) => target.includes('/') || target.endsWith('.json');

/**
 * Loads a board: a shipped one by name (`cortex-m4`), or a profile file by path (`./my-board.json`).
 * @throws MlfError E510 for an unknown board or a profile that breaks a rule (with its JSON path).
 */
export async function loadBoard(target: string): Promise<BoardProfile> {
  const byPath = isBoardPath(target);
  if (!byPath && !BOARD_NAME.test(target)) throw bad(JSON.stringify(target), 'is not a board name');
  const path = byPath ? target : `${BOARDS_DIR}${target}.json`;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (byPath) throw bad(path, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    throw bad(
      JSON.stringify(target),
      `is not a shipped board; the boards are ${(await listBoards()).join(', ')}, or give a board file by path`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw bad(path, `is not JSON (${(e as Error).message})`);
  }
  return checkBoard(raw, byPath ? path : basename(path));
}

/** Validates a parsed profile (see {@link loadBoard}). */
export function checkBoard(raw: unknown, where: string): BoardProfile {
  const parsed = boardSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = `$${(issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
    throw new MlfError('MLF-E510', `board ${where}: ${path}: ${issue?.message ?? 'invalid'}`, { jsonPath: path });
  }
  const b = parsed.data;
  for (const [key, r] of Object.entries(b.memory)) {
    if (Number.parseInt(r.origin, 16) + r.bytes > 2 ** 32) throw bad(where, `$.memory.${key} ends past 4 GiB`);
  }
  if (b.stackBytes >= b.memory.ram.bytes) throw bad(where, '$.stackBytes: the stack does not fit in RAM');
  const wantCounter = b.arch === 'arm' ? 'systick' : 'riscv-minstret';
  if (b.counter.kind !== wantCounter) throw bad(where, `$.counter.kind: ${b.arch} boards count with ${wantCounter}`);
  // SysTick counts are exact only when an instruction lasts more than two ticks (counter.c).
  if (b.counter.kind === 'systick' && 2 ** b.counter.icountShift * b.counter.hz <= 2e9) {
    throw bad(
      where,
      `$.counter.icountShift: with a ${b.counter.hz} Hz SysTick, shift ${b.counter.icountShift} gives fewer than two ticks per instruction; raise it`,
    );
  }
  return b;
}
