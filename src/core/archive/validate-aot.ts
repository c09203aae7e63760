// Checks of AOT modules and prebuilt objects: the entry point the C header declares is defined,
// the AOT main reads and its workspace reconciles, and object files are for the machine the
// target names. (Header size macros against metadata.json are cross-check.ts's E420.)
import { type MlfArchive, type MlfModule, readMember, readText } from './archive.js';
import { type Diagnostic, diagnostic, isMlfError } from '../errors/errors.js';
import { sanitizeCName } from '../graph/c-names.js';
import { readModuleCode } from './cross-check.js';
import { objectMachine, targetMachine } from './object-arch.js';

/** The AOT checks of one module; problems are pushed onto `out`. */
export async function validateAotModule(archive: MlfArchive, m: MlfModule, out: Diagnostic[]): Promise<void> {
  if (m.executor !== 'aot') return;
  const header = m.files.headers.find((p) => p.endsWith(`/tvmgen_${sanitizeCName(m.name).toLowerCase()}.h`)) ?? null;
  if (header !== null) {
    const text = await readText(archive, header);
    // The run function the header declares must be defined (in C or an object), or nothing links against it.
    const declared = /\bint32_t\s+(tvmgen_\w+_run)\s*\(/.exec(text)?.[1];
    if (declared !== undefined) {
      const code = await readModuleCode(archive, m);
      if (code.any && code.complete && !code.functions.has(declared))
        out.push(
          diagnostic('MLF-E409', `${header} declares ${declared}, but the module's generated code does not define it`, {
            member: header,
          }),
        );
    }
  }
  // The AOT reader is loaded on demand: a browser fetches it only for archives with AOT modules.
  const { analyzeAotModule, readCSources } = await import('../graph/aot-archive.js');
  const sources = await readCSources(archive, m);
  if (sources.length === 0) return;
  try {
    const a = await analyzeAotModule(archive, m);
    if (a !== null) out.push(...a.diagnostics);
  } catch (e) {
    if (!isMlfError(e)) throw e;
    out.push(e.toDiagnostic());
  }
}

/** Object files under codegen/host/lib against the machine the module's target names (MLF-E416). */
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
          'MLF-E416',
          `${path} is ${machine} code (${format}), but module "${m.name}" targets ${want} (${m.metadata.targets.join(' | ')})`,
          { member: path },
        ),
      );
    }
  }
}
