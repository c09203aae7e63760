/**
 * Reads the memory map GNU ld writes with `-Map` (the part after "Linker script and memory map"):
 * which input file put how many bytes into which output section. That is how the firmware
 * footprint is split into modules, runtime and libraries after --gc-sections removed what nothing
 * uses.
 */

/** Bytes one input file (or `*fill*` padding, or the linker itself) put into one output section. */
export interface MapContribution {
  section: string;
  /** The object file, `lib.a(member.o)`, `*fill*`, or `*linker*` for bytes no input accounts for. */
  file: string;
  size: number;
}

const OUTPUT = /^(\S+)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)/;
const OUTPUT_NAME_ONLY = /^(\S+)\s*$/;
const INPUT = /^ (\S+)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S.*)$/;
const INPUT_NAME_ONLY = /^ (\S+)\s*$/;
const CONTINUATION = /^\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)(?:\s+(\S.*))?$/;
const FILL = /^ \*fill\*\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)/;

/**
 * The contributions of every input file to every output section, in one pass over the map. The
 * sizes of each output section's inputs plus `*linker*` add up to the section's size.
 */
export function parseLinkMap(text: string): MapContribution[] {
  const start = text.indexOf('\nLinker script and memory map');
  const lines = (start < 0 ? '' : text.slice(start + 1)).split('\n');
  const sums = new Map<string, number>(); // `${section}\0${file}` → bytes
  const sectionSize = new Map<string, number>();
  const add = (section: string, file: string, size: number) => {
    const key = `${section}\0${file}`;
    sums.set(key, (sums.get(key) ?? 0) + size);
  };
  let section: string | null = null;
  let pendingOutput: string | null = null; // an output section whose address line follows
  let pendingInput = false; // an input section whose address, size and file follow
  for (const line of lines) {
    if (line.includes(' = ') || line.startsWith('LOAD ') || /^ \*?\(/.test(line) || line.startsWith(' *(')) {
      pendingInput = false;
      continue;
    }
    if (pendingOutput !== null) {
      const c = CONTINUATION.exec(line);
      if (c !== null) {
        section = pendingOutput;
        sectionSize.set(section, Number.parseInt(c[2] as string, 16));
      }
      pendingOutput = null;
      continue;
    }
    if (!line.startsWith(' ') && line.trim() !== '') {
      const o = OUTPUT.exec(line);
      if (o !== null) {
        section = o[1] as string;
        sectionSize.set(section, Number.parseInt(o[3] as string, 16));
      } else if (OUTPUT_NAME_ONLY.test(line)) pendingOutput = line.trim();
      else section = null;
      pendingInput = false;
      continue;
    }
    if (section === null) continue;
    const fill = FILL.exec(line);
    if (fill !== null) {
      add(section, '*fill*', Number.parseInt(fill[2] as string, 16));
      continue;
    }
    const input = INPUT.exec(line);
    if (input !== null) {
      add(section, (input[4] as string).trim(), Number.parseInt(input[3] as string, 16));
      pendingInput = false;
      continue;
    }
    if (INPUT_NAME_ONLY.test(line)) {
      pendingInput = true;
      continue;
    }
    const c = CONTINUATION.exec(line);
    if (pendingInput && c !== null && c[3] !== undefined) {
      add(section, c[3].trim(), Number.parseInt(c[2] as string, 16));
    }
    pendingInput = false; // symbol lines (address, name) and anything else end an input section
  }
  const out: MapContribution[] = [];
  const accounted = new Map<string, number>();
  for (const [key, size] of sums) {
    const [s, file] = key.split('\0') as [string, string];
    if (size === 0) continue;
    out.push({ section: s, file, size });
    accounted.set(s, (accounted.get(s) ?? 0) + size);
  }
  for (const [s, size] of sectionSize) {
    const rest = size - (accounted.get(s) ?? 0);
    if (rest > 0) out.push({ section: s, file: '*linker*', size: rest });
  }
  return out;
}
