// The machine a prebuilt object file is for (ELF e_machine, Mach-O cputype, COFF machine), and
// the machine a TVM target string or a compiler triple names, so a mismatch is reported by name
// instead of surfacing as a linker error.

/** A machine family, as named in messages. */
export type Machine =
  'x86' | 'x86-64' | 'ARM' | 'AArch64' | 'RISC-V' | 'Xtensa' | 'MIPS' | 'PowerPC' | 'AVR' | 'MSP430' | 'ARC';

const ELF_MACHINES: Readonly<Record<number, Machine>> = {
  3: 'x86',
  62: 'x86-64',
  40: 'ARM',
  183: 'AArch64',
  243: 'RISC-V',
  94: 'Xtensa',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC',
  83: 'AVR',
  105: 'MSP430',
  93: 'ARC',
  195: 'ARC',
};

/** What an object file's header says: its format and machine (null when unknown or not an object). */
export function objectMachine(head: Uint8Array): { format: 'ELF' | 'Mach-O' | 'COFF' | null; machine: Machine | null } {
  if (head.length >= 20 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46) {
    const le = head[5] !== 2;
    const m = le
      ? (head[18] as number) | ((head[19] as number) << 8)
      : ((head[18] as number) << 8) | (head[19] as number);
    return { format: 'ELF', machine: ELF_MACHINES[m] ?? null };
  }
  if (head.length >= 8) {
    const magic = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(0, true);
    if (magic === 0xfeedfacf || magic === 0xfeedface) {
      const cpu = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(4, true);
      const machine: Machine | null =
        cpu === 0x01000007 ? 'x86-64' : cpu === 7 ? 'x86' : cpu === 0x0100000c ? 'AArch64' : cpu === 12 ? 'ARM' : null;
      return { format: 'Mach-O', machine };
    }
    const coff = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint16(0, true);
    const coffMachine: Machine | null =
      coff === 0x8664 ? 'x86-64' : coff === 0x14c ? 'x86' : coff === 0xaa64 ? 'AArch64' : coff === 0x1c4 ? 'ARM' : null;
    if (coffMachine !== null) return { format: 'COFF', machine: coffMachine };
  }
  return { format: null, machine: null };
}

/** The machine of an LLVM/GNU triple's architecture part (`aarch64-linux-gnu`, `thumbv7em-none-eabi`). */
export function tripleMachine(triple: string): Machine | null {
  const arch = (triple.split('-')[0] ?? '').toLowerCase();
  if (/^(x86_64|amd64)$/.test(arch)) return 'x86-64';
  if (/^i[3-6]86$/.test(arch)) return 'x86';
  if (/^(aarch64|arm64)/.test(arch)) return 'AArch64';
  if (/^(arm|thumb)/.test(arch)) return 'ARM';
  if (/^riscv/.test(arch)) return 'RISC-V';
  if (/^xtensa/.test(arch)) return 'Xtensa';
  if (/^mips/.test(arch)) return 'MIPS';
  if (/^(powerpc|ppc)/.test(arch)) return 'PowerPC';
  if (arch === 'avr') return 'AVR';
  if (arch === 'msp430') return 'MSP430';
  return null;
}

/**
 * The machine a TVM target string implies, when it says: `-mtriple=...`, or `-mcpu=cortex-m*` /
 * `cortex-r*` (32-bit ARM). Null for host-style targets (`c -keys=cpu -model=host`), which name
 * no machine.
 */
export function targetMachine(target: string): Machine | null {
  for (const word of target.split(/\s+/)) {
    const eq = word.indexOf('=');
    if (eq < 0) continue;
    const key = word.slice(0, eq);
    const value = word.slice(eq + 1);
    if (key === '-mtriple') return tripleMachine(value);
    if (key === '-mcpu' && /^cortex-[mr]\d/i.test(value)) return 'ARM';
  }
  return null;
}
