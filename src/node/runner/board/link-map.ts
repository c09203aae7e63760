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
  const placed = new Map<string, { at: number; size: number; file: string }[]>(); // by output section
  const sectionSize = new Map<string, { at: number; size: number }>();
  const add = (section: string, file: string, size: number, at: number) => {
    const list = placed.get(section) ?? [];
    list.push({ at, size, file });
    placed.set(section, list);
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
        sectionSize.set(section, {
          at: Number.parseInt(c[1] as string, 16),
          size: Number.parseInt(c[2] as string, 16),
        });
      }
      pendingOutput = null;
      continue;
    }
    if (!line.startsWith(' ') && line.trim() !== '') {
      const o = OUTPUT.exec(line);
      if (o !== null) {
        section = o[1] as string;
        sectionSize.set(section, {
          at: Number.parseInt(o[2] as string, 16),
          size: Number.parseInt(o[3] as string, 16),
        });
      } else if (OUTPUT_NAME_ONLY.test(line)) pendingOutput = line.trim();
      else section = null;
      pendingInput = false;
      continue;
    }
    if (section === null) continue;
    const fill = FILL.exec(line);
    if (fill !== null) {
      add(section, '*fill*', Number.parseInt(fill[2] as string, 16), Number.parseInt(fill[1] as string, 16));
      continue;
    }
    const input = INPUT.exec(line);
    if (input !== null) {
      add(
        section,
        (input[4] as string).trim(),
        Number.parseInt(input[3] as string, 16),
        Number.parseInt(input[2] as string, 16),
      );
      pendingInput = false;
      continue;
    }
    if (INPUT_NAME_ONLY.test(line)) {
      pendingInput = true;
      continue;
    }
    const c = CONTINUATION.exec(line);
    if (pendingInput && c !== null && c[3] !== undefined) {
      add(section, c[3].trim(), Number.parseInt(c[2] as string, 16), Number.parseInt(c[1] as string, 16));
    }
    pendingInput = false; // symbol lines (address, name) and anything else end an input section
  }
  // Merged string sections are listed with their size before merging, overlapping what follows;
  // each input counts at most up to the next one's address, and what no input covers is the
  // linker's (alignment it inserted without a *fill* line).
  const out: MapContribution[] = [];
  for (const [s, bounds] of sectionSize) {
    const list = placed.get(s) ?? [];
    const sums = new Map<string, number>();
    list.forEach((p, i) => {
      const next = i + 1 < list.length ? (list[i + 1] as { at: number }).at : bounds.at + bounds.size;
      const size = Math.max(0, Math.min(p.size, next - p.at));
      sums.set(p.file, (sums.get(p.file) ?? 0) + size);
    });
    let accounted = 0;
    for (const [file, size] of sums) {
      if (size === 0) continue;
      out.push({ section: s, file, size });
      accounted += size;
    }
    if (bounds.size > accounted) out.push({ section: s, file: '*linker*', size: bounds.size - accounted });
  }
  return out;
}
