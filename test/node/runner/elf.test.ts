/**
 * The ELF section reader of `mlf footprint`: real objects (gcc x86-64, arm-none-eabi-gcc Cortex-M4
 * little- and big-endian, and a 65305-section object using extended numbering) agree with
 * binutils' `size -A` section by section; hostile objects (issue 20) give MLF-E508 at once.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { elfSizes, readElfSections } from '../../../src/node/runner/elf.js';
import { mlfError } from '../../helpers/common.js';
import { elf64, HOSTILE_ELF } from '../../helpers/hostile-inputs.js';

const FIX = 'test/fixtures/elf';
const tmp = mkdtempSync(join(tmpdir(), 'mlf-elf-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** `size -A`: section name → size, in file order (sections with an empty name are not listed). */
function sizeA(tool: string, object: string): [string, number][] {
  return run(tool, ['-A', object])
    .split('\n')
    .slice(2)
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => c.length >= 3 && c[0] !== 'Total')
    .map((c) => [c[0] as string, Number(c[1])]);
}

/** Berkeley `size`: text (code + read-only data), data, bss. */
function berkeley(tool: string, object: string): { text: number; data: number; bss: number } {
  const [text, data, bss] = (run(tool, [object]).split('\n')[1] ?? '').trim().split(/\s+/).map(Number);
  return { text: text as number, data: data as number, bss: bss as number };
}

describe('readElfSections on real objects', () => {
  it.each([
    ['x86_64.o', 'size'],
    ['cortex-m4.o', 'arm-none-eabi-size'],
    ['cortex-m4-be.o', 'arm-none-eabi-size'],
  ])('%s: names and sizes equal `size -A`, sums equal Berkeley `size`', (file, tool) => {
    const path = join(FIX, file);
    const sections = readElfSections(new Uint8Array(readFileSync(path)));
    const listed = sizeA(tool, path);
    expect(listed.length).toBeGreaterThan(5);
    expect(sections.filter((s) => s.name !== '').map((s) => [s.name, s.size])).toEqual(expect.arrayContaining(listed));
    const s = elfSizes(sections);
    expect({ text: s.text + s.rodata, data: s.data, bss: s.bss }).toEqual(berkeley(tool, path));
    expect(s.bss).toBeGreaterThanOrEqual(4096); // the workspace array
  });

  it('extended numbering: 65305 sections (e_shnum 0, e_shstrndx SHN_XINDEX) as the GNU assembler writes them', () => {
    const n = 65300;
    const asm = Array.from({ length: n }, (_, i) => `.section .text.f${i},"ax",@progbits\nnop\n`).join('');
    writeFileSync(join(tmp, 'many.s'), asm);
    run('gcc', ['-c', join(tmp, 'many.s'), '-o', join(tmp, 'many.o')]);
    const header = run('readelf', ['-h', join(tmp, 'many.o')]);
    const count = Number(/Number of section headers:\s+0 \((\d+)\)/.exec(header)?.[1]);
    expect(/Section header string table index:\s+65535 \(\d+\)/.test(header)).toBe(true);
    const sections = readElfSections(new Uint8Array(readFileSync(join(tmp, 'many.o'))));
    expect(sections.length).toBe(count);
    expect(sections.filter((s) => s.name.startsWith('.text.f')).length).toBe(n);
    expect(sections.find((s) => s.name === `.text.f${n - 1}`)?.size).toBe(1);
    expect(elfSizes(sections).text).toBe(berkeley('size', join(tmp, 'many.o')).text);
  });

  it('64-bit big-endian: flags come from the low word', () => {
    const sections = readElfSections(
      elf64({
        bigEndian: true,
        shstrndx: 1,
        body: new TextEncoder().encode('\0.strtab\0.text\0.bss\0'),
        sections: [
          {},
          { name: 1, type: 3, offset: 64n, size: 20n },
          { name: 9, type: 1, flags: 6n, offset: 64n, size: 8n },
          { name: 15, type: 8, flags: 3n, size: 2n ** 40n },
        ],
      }),
    );
    expect(sections.map((s) => [s.name, s.flags, s.size])).toEqual([
      ['', 0, 0],
      ['.strtab', 0, 20],
      ['.text', 6, 8],
      ['.bss', 3, 2 ** 40],
    ]);
  });
});

describe('hostile objects (issue 20) give MLF-E508 in bounded time and memory', () => {
  it.each(Object.entries(HOSTILE_ELF))('%s', (_name, make) => {
    const bytes = make();
    const t = performance.now();
    const e = mlfError(() => readElfSections(bytes, { file: 'model/codegen/host/lib/evil.o' }));
    expect(e.code).toBe('MLF-E508');
    expect(e.message).toContain('model/codegen/host/lib/evil.o');
    expect(performance.now() - t).toBeLessThan(2000); // each is refused before any loop over claimed counts
  });

  const strtab = new TextEncoder().encode('\0.strtab\0.text\0');
  const ok = (extra: Partial<Parameters<typeof elf64>[0]['sections'] & object>[number] = {}) => ({
    shstrndx: 1,
    body: strtab,
    sections: [{}, { name: 1, type: 3, offset: 64n, size: 15n }, { name: 9, type: 1, flags: 6n, size: 4n, ...extra }],
  });

  it('accepts the well-formed base of the cases below, up to a section ending at the last byte', () => {
    expect(readElfSections(elf64(ok({ offset: 64n }))).map((s) => s.name)).toEqual(['', '.strtab', '.text']);
    expect(elf64(ok()).byteLength).toBe(64 + 15 + 3 * 64);
    expect(readElfSections(elf64(ok({ offset: 64n, size: 207n })))[2]?.size).toBe(207);
  });

  it.each<[string, Uint8Array, RegExp]>([
    ['count in section 0 larger than the file', elf64({ shnum: 0, sections: [{ size: 2n ** 40n }] }), /need more than/],
    ['e_shentsize 0 in an otherwise sound file', elf64({ ...ok(), shentsize: 0 }), /e_shentsize is 0, expected 64/],
    ['e_shentsize 128 (entries read at another stride)', elf64({ ...ok(), shentsize: 128 }), /e_shentsize is 128/],
    ['e_shnum larger than the file', elf64({ ...ok(), shnum: 5000 }), /need more than/],
    ['table past the end', elf64({ ...ok(), shoff: 2n ** 63n }), /past the end/],
    ['section data past the end', elf64(ok({ offset: 2n ** 64n - 2n })), /past the end of the file/],
    ['section data one byte past the end', elf64(ok({ offset: 64n, size: 208n })), /past the end/],
    ['NOBITS sizes adding up past 2^53', elf64({ ...ok({ type: 8, size: 2n ** 60n }) }), /2\^53/],
    ['name offset outside the table', elf64(ok({ name: 99 })), /outside the 15-byte name table/],
    ['name table without NUL', elf64({ ...ok(), body: new TextEncoder().encode('x.strtab.text..') }), /no NUL/],
    [
      'name table of another type',
      elf64({ ...ok(), sections: [{}, { type: 1, offset: 64n, size: 15n }] }),
      /SHT_STRTAB/,
    ],
    ['name table index past the sections', elf64({ ...ok(), shstrndx: 7 }), /not below 3 sections/],
    ['reserved name table index', elf64({ ...ok(), shstrndx: 0xff05 }), /reserved/],
    ['section 0 not SHT_NULL', elf64({ ...ok(), sections: [{ type: 1 }] }), /SHT_NULL/],
    ['e_shnum without a table', elf64({ shnum: 3, shoff: 0n }), /e_shoff is 0/],
    ['ELF class 3', Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 3, 1, 1, ...new Uint8Array(60)), /class/],
    ['not ELF', new TextEncoder().encode('!<arch>\n'), /not an ELF/],
  ])('%s', (_name, bytes, message) => {
    const e = mlfError(() => readElfSections(bytes));
    expect([e.code, e.message]).toEqual(['MLF-E508', expect.stringMatching(message)]);
  });

  it('a 4 MiB name table with a NUL every 4000 bytes: names are bounded by the file, not multiplied by the sections', () => {
    const run = new Uint8Array(4 * 1024 * 1024).fill(0x41);
    for (let i = 3999; i < run.length; i += 4000) run[i] = 0;
    const sections = [{}, { type: 3, offset: 64n, size: BigInt(run.length) }];
    for (let i = 2; i < 65535; i++) sections.push({ name: i, type: 1 } as never);
    const t = performance.now();
    const e = mlfError(() => readElfSections(elf64({ shstrndx: 1, body: run, sections })));
    expect([e.code, e.message]).toEqual(['MLF-E508', expect.stringContaining('add up to more bytes than the file')]);
    expect(performance.now() - t).toBeLessThan(5000);
  });
});
