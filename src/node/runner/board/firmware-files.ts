/**
 * The board part of a firmware project: templates/baremetal with the architecture's startup code
 * under board/, and the values that fill board.mk and board/link.ld from a board profile.
 */
import { readTemplateFolder } from '../project/templates.js';
import type { BoardProfile } from './profile.js';

/** Arguments of QEMU for a board, without `-kernel` (the same for `make run` and `mlf run`). */
export function qemuArgs(board: BoardProfile): string[] {
  return [
    ...board.qemu.args,
    // A 64 MiB translation cache instead of QEMU's 1 GiB: firmware code is small, and QEMU then
    // runs under a memory limit of a few hundred MiB.
    '-accel',
    'tcg,tb-size=64',
    '-nographic',
    '-monitor',
    'none',
    '-serial',
    'none',
    '-icount',
    `shift=${board.counter.icountShift}`,
    '-semihosting-config',
    'enable=on,target=native',
  ];
}

/** Preprocessor definitions the counter code of the board needs. */
export function boardDefines(board: BoardProfile): string[] {
  const c = board.counter;
  return [`-DMLF_ICOUNT_SHIFT=${c.icountShift}`, ...(c.kind === 'systick' ? [`-DMLF_COUNTER_HZ=${c.hz}u`] : [])];
}

/** `@MLF_…@` values of board.mk and board/link.ld. */
export function boardValues(board: BoardProfile, heapMinBytes: number): Record<string, string> {
  const { flash, ram } = board.memory;
  return {
    BOARD: board.name,
    BOARD_DESCRIPTION: board.description,
    ARCH: board.arch,
    CROSS_COMPILE: board.toolchain.prefix,
    CPU_FLAGS: board.toolchain.cflags.join(' '),
    BOARD_DEFINES: boardDefines(board).join(' '),
    QEMU: board.qemu.binary,
    QEMU_ARGS: qemuArgs(board).join(' '),
    FLASH_ORIGIN: flash.origin,
    FLASH_BYTES: String(flash.bytes),
    FLASH_WHAT: flash.what,
    RAM_ORIGIN: ram.origin,
    RAM_BYTES: String(ram.bytes),
    RAM_WHAT: ram.what,
    STACK_BYTES: String(board.stackBytes),
    HEAP_MIN_BYTES: String(heapMinBytes),
  };
}

/**
 * The template files of a firmware project by project path: templates/baremetal without its
 * architecture folders, plus `arm/` or `riscv/` copied into `board/`.
 */
export async function firmwareTemplateFiles(board: BoardProfile): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [p, text] of await readTemplateFolder('baremetal')) {
    const [top, ...rest] = p.split('/');
    if (top === 'arm' || top === 'riscv') {
      if (top === board.arch) out.set(`board/${rest.join('/')}`, text);
    } else out.set(p, text);
  }
  return out;
}
