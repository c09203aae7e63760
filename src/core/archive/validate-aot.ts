// Checks of AOT modules and prebuilt objects: the entry point the C header declares is defined,
// the header's size macros agree with metadata.json, the AOT main reads and its workspace
// reconciles, and object files are for the machine the target names.
import { type MlfArchive, type MlfModule, readMember, readText } from './archive.js';
import { type Diagnostic, diagnostic, isMlfError } from '../errors/errors.js';
import { analyzeAotModule, headerMacros, readCSources } from '../graph/aot-archive.js';
import { scanSources } from '../graph/aot-scan.js';
import { sanitizeCName } from '../graph/c-names.js';
import { objectMachine, targetMachine } from './object-arch.js';

/** The AOT checks of one module; problems are pushed onto `out`. */
export async function validateAotModule(archive: MlfArchive, m: MlfModule, out: Diagnostic[]): Promise<void> {
  if (m.executor !== 'aot') return;
  const sources = await readCSources(archive, m);
  const header = m.files.headers.find((p) => p.endsWith(`/tvmgen_${m.name.toLowerCase()}.h`)) ?? null;
  if (header !== null) {
    const text = await readText(archive, header);
    checkHeaderMacros(m, header, text, out);
    // The run function the header declares must be defined, or nothing links against it.
    const declared = /\bint32_t\s+(tvmgen_\w+_run)\s*\(/.exec(text)?.[1];
    if (declared !== undefined && sources.length > 0) {
      const defined = scanSources(sources).functions.get(declared);
      if (defined === undefined || defined.span.bodyOpen < 0) {
        out.push(
          diagnostic(
            'MLF-E408',
            `${header} declares ${declared}, but no file under codegen/host/src defines it`,
            { member: header },
          ),
        );
      }
    }
  }
  if (sources.length === 0) return;
  try {
    const a = await analyzeAotModule(archive, m);
    if (a !== null) out.push(...a.diagnostics);
  } catch (e) {
    if (!isMlfError(e)) throw e;
    out.push(e.toDiagnostic());
  }
}

/** `TVMGEN_<M>_<NAME>_SIZE` and `_WORKSPACE_SIZE` against metadata `main[0]` (MLF-W108). */
function checkHeaderMacros(m: MlfModule, header: string, text: string, out: Diagnostic[]): void {
  const main = m.metadata.main?.[0];
  if (main === undefined) return;
  const macros = headerMacros(text, m.name);
  const check = (key: string, what: string, expected: number) => {
    const got = macros.get(key);
    if (got === undefined || got === expected) return;
    out.push(
      diagnostic(
        'MLF-W108',
        `${header}: TVMGEN_${m.name.toUpperCase()}_${key}_SIZE is ${got}, metadata.json says ${what} is ${expected} bytes`,
        { member: header },
      ),
    );
  };
  check('WORKSPACE', 'the workspace', main.workspace_size_bytes);
  for (const kind of ['inputs', 'outputs'] as const) {
    for (const [name, info] of Object.entries(main[kind] ?? {}))
      check(sanitizeCName(name).toUpperCase(), `${kind === 'inputs' ? 'input' : 'output'} ${JSON.stringify(name)}`, info.size);
  }
}

/** Object files under codegen/host/lib against the machine the module's target names (MLF-E409). */
export async function validateObjects(archive: MlfArchive, m: MlfModule, out: Diagnostic[]): Promise<void> {
  const machines = [...new Set(m.metadata.targets.map(targetMachine).filter((x) => x !== null))];
  if (machines.length !== 1) return; // host-style targets name no machine; several would be ambiguous
  const want = machines[0];
  for (const path of m.files.objects) {
    const member = archive.contents.members.get(path);
    if (member === undefined) continue;
    const head = member.readRange ? await member.readRange(0, 64) : (await readMember(archive, path)).subarray(0, 64);
    const { format, machine } = objectMachine(head);
    if (machine !== null && machine !== want) {
      out.push(
        diagnostic(
          'MLF-E409',
          `${path} is ${machine} code (${format}), but module "${m.name}" targets ${want} (${m.metadata.targets.join(' | ')})`,
          { member: path },
        ),
      );
    }
  }
}
