import { type ArchiveContents, type MlfArchive, type MlfModule, readMember, readMlf } from './archive.js';
import { formatDType, parseDType } from '../params/dtype.js';
import { type Diagnostic, diagnostic, isMlfError, MlfError } from '../errors/errors.js';
import { computeSids, computeStoragePools, graphInputs } from '../graph/facts.js';
import { checkGraph, type GraphJson } from '../graph/graph.js';
import { parseJsonText } from '../common/json.js';
import { alternativeLayouts, codegenKind } from '../metadata/layout.js';
import { type Limits, resolveLimits } from '../common/limits.js';
import { loadParamIndex, type ParamIndex } from '../params/tensor-index.js';
import { packedTensorBytes } from '../params/encode.js';
import { crossCheckModule } from './cross-check.js';

/** Options for {@link validateArchive}. */
export interface ValidateOptions {
  /** Treat warnings as errors. @default false */
  strict?: boolean;
  limits?: Partial<Limits>;
}

/** The validator's verdict. */
export interface ValidationReport {
  valid: boolean;
  errors: number;
  warnings: number;
  diagnostics: Diagnostic[];
}

/**
 * Checks an archive in depth: layout against the declared version, every file the metadata
 * implies, graph structure, params decoding, graph ↔ params agreement, the storage-id map,
 * tensor sizes against dtypes, module and codegen file names, and the cross-checks that make a
 * generated program safe (names that become C, sizes stated in several places). Never throws for bad input: every
 * problem becomes a diagnostic with a stable code.
 */
export async function validateArchive(archive: MlfArchive, options: ValidateOptions = {}): Promise<ValidationReport> {
  const misplaced = new Set<string>();
  for (const path of archive.contents.members.keys()) {
    if (path.startsWith('codegen/host/') && codegenKind(path) === undefined) misplaced.add(path);
  }
  // A stray file under codegen/host is reported once, as E406, not also as an unknown file (W101).
  const out: Diagnostic[] = archive.diagnostics.filter(
    (d) => !(d.code === 'MLF-W101' && d.member !== undefined && misplaced.has(d.member)),
  );
  for (const path of misplaced) {
    out.push(
      diagnostic('MLF-E406', `${path} does not belong in its codegen folder (src: .c/.cc/.cpp, lib: .o, include: .h)`, {
        member: path,
      }),
    );
  }
  if (archive.metadata !== null) {
    for (const m of archive.modules) {
      if (out.some((d) => d.code === 'MLF-E105' && d.jsonPath === m.metadata.jsonPath)) continue;
      await validateModule(archive, m, out, options);
    }
  }
  const diagnostics = options.strict ? out.map((d) => ({ ...d, severity: 'error' as const })) : out;
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return { valid: errors === 0, errors, warnings: diagnostics.length - errors, diagnostics };
}

async function validateModule(
  archive: MlfArchive,
  m: MlfModule,
  out: Diagnostic[],
  options: ValidateOptions,
): Promise<void> {
  const md = m.metadata;
  const version = archive.version ?? 0;
  const at = (suffix: string) => ({ member: 'metadata.json', jsonPath: `${md.jsonPath}${suffix}` });
  if (md.style === 'operator') {
    validateOperator(m, out, at);
    return crossCheckModule(archive, m, null, out);
  }

  const isGraph = md.executors.includes('graph');
  if (md.executors.length === 0)
    out.push(diagnostic('MLF-E407', `module "${m.name}" declares no executor`, at('.executors')));
  if (isGraph && version >= 2 && md.sids === null)
    out.push(diagnostic('MLF-E407', `graph module "${m.name}" has no memory.sids`, at('.memory')));
  if (!isGraph && md.sids !== null && md.sids.length > 0)
    out.push(diagnostic('MLF-E407', `AOT module "${m.name}" must not declare memory.sids`, at('.memory.sids')));

  // Files the metadata implies.
  const missing = (file: string, what: string) => {
    const alt =
      what === 'params'
        ? undefined
        : alternativeLayouts(m.name).find((a) => archive.contents.members.has(what === 'graph' ? a.graph : a.relay));
    if (alt !== undefined) {
      const found = what === 'graph' ? alt.graph : alt.relay;
      out.push(
        diagnostic(
          'MLF-E402',
          `${what} of module "${m.name}" is at ${found}, the layout of version ${alt.version}; version ${version} puts it at ${file}`,
          { member: found },
        ),
      );
    } else if (what === 'relay') {
      out.push(diagnostic('MLF-W107', `${file} (Relay text of module "${m.name}") is missing`, { member: file }));
    } else {
      out.push(diagnostic('MLF-E401', `${file} (${what} of module "${m.name}") is missing`, { member: file }));
    }
  };
  if (isGraph && m.files.graph === null) missing(m.layout.graph, 'graph');
  if (m.files.params === null) missing(m.layout.params, 'params');
  if (m.files.relay === null) missing(m.layout.relay, 'relay');
  if (m.files.sources.length + m.files.objects.length === 0) {
    out.push(
      diagnostic('MLF-E401', `module "${m.name}" has no generated code under codegen/host/src or codegen/host/lib`, {
        member: 'codegen/host',
      }),
    );
  }
  for (const dep of md.externalDependencies) {
    const rel = dep.url.replace(/^\.\//, '');
    if (dep.url_type === 'mlf_path' && !archive.runtimeFiles.some((p) => p === rel || p.startsWith(`${rel}/`))) {
      out.push(
        diagnostic(
          'MLF-W102',
          `external dependency ${dep.short_name} (${dep.url}, version ${dep.version_spec}) is not in the archive`,
          at('.external_dependencies'),
        ),
      );
    }
  }

  // Header-only: graph ↔ params needs names, dtypes and shapes, never the payloads.
  const params = await indexMemberParams(archive, m, out, options);
  const graph = await decodeMember(archive, m.files.graph, out, (b, path) => {
    const maxBytes = resolveLimits(options.limits).maxGraphBytes; // checked before decoding: V8 strings stop at 512 MiB
    if (b.byteLength > maxBytes)
      throw new MlfError('MLF-E009', `graph: ${b.byteLength} bytes exceeds the limit of ${maxBytes}`);
    const r = checkGraph(parseJsonText(new TextDecoder().decode(b), 'graph', 'MLF-E301', path, options.limits), {
      member: path,
      ...options,
    });
    out.push(...r.diagnostics);
    return r.graph ?? null;
  });
  if (graph !== null && graph !== undefined) checkGraphAgainst(m, graph, params ?? null, out, at);
  checkMainSizes(m, out, at);
  await crossCheckModule(archive, m, graph ?? null, out);
  // The AOT and object-file checks load on demand: a graph module without objects never needs them.
  if (m.executor === 'aot' || m.files.objects.length > 0) {
    const more = await import('./validate-aot.js');
    await more.validateAotModule(archive, m, out);
    await more.validateObjects(archive, m, out);
  }
}

/** Reads and decodes a member, turning MlfErrors into diagnostics located in that member. */
async function decodeMember<T>(
  archive: MlfArchive,
  path: string | null,
  out: Diagnostic[],
  decode: (b: Uint8Array, path: string) => T,
): Promise<T | undefined> {
  if (path === null) return undefined;
  try {
    return decode(await readMember(archive, path), path);
  } catch (e) {
    if (!isMlfError(e)) throw e;
    out.push(e.inMember(path).toDiagnostic());
    return undefined;
  }
}

/** Indexes a module's params (every decodeParams check but the payload bytes); errors become diagnostics. */
async function indexMemberParams(
  archive: MlfArchive,
  m: MlfModule,
  out: Diagnostic[],
  options: ValidateOptions,
): Promise<ParamIndex | undefined> {
  try {
    return (await loadParamIndex(archive, m, options)) ?? undefined;
  } catch (e) {
    if (!isMlfError(e)) throw e;
    out.push(e.toDiagnostic());
    return undefined;
  }
}

type At = (suffix: string) => { member: string; jsonPath: string };

function checkGraphAgainst(m: MlfModule, graph: GraphJson, params: ParamIndex | null, out: Diagnostic[], at: At): void {
  const graphFile = m.files.graph as string;
  const byName = new Map(graph.arg_nodes.map((nid) => [graph.nodes[nid]?.name ?? '', nid]));
  for (const t of params?.tensors ?? []) {
    const nid = byName.get(t.name);
    if (nid === undefined) {
      out.push(
        diagnostic('MLF-W105', `param "${t.name}" is not an input of the graph`, {
          member: m.files.params ?? undefined,
        }),
      );
      continue;
    }
    const e = graph.node_row_ptr[nid] ?? 0;
    const gShape = graph.attrs.shape[1][e] ?? [];
    const gType = graph.attrs.dltype[1][e] ?? '';
    const sameType = formatDType(parseDType(gType)) === t.dtypeName;
    if (!sameType || gShape.length !== t.shape.length || gShape.some((d, i) => d !== t.shape[i])) {
      out.push(
        diagnostic(
          'MLF-E403',
          `param "${t.name}" is ${t.dtypeName}[${t.shape.join(', ')}] but graph input node ${nid} is ${gType}[${gShape.join(', ')}]`,
          {
            member: m.files.params ?? undefined,
            offset: t.headerOffset,
          },
        ),
      );
    }
  }
  const sids = m.metadata.sids;
  if (sids !== null) {
    const expected = computeSids(graph);
    const problem = compareSids(sids, expected);
    if (problem !== undefined) out.push(diagnostic('MLF-E404', problem.message, at(`.memory.sids[${problem.index}]`)));
    const pools = new Map(computeStoragePools(graph).map((p) => [p.storageId, p.bytes]));
    const under = sids.filter((s) => (pools.get(s.storage_id) ?? 0) > s.size_bytes);
    if (under.length > 0) {
      const missing = under.reduce((a, s) => a + (pools.get(s.storage_id) ?? 0) - s.size_bytes, 0);
      const ids = under.map((s) => `${s.storage_id} (${s.size_bytes} < ${pools.get(s.storage_id)})`).join(', ');
      out.push(
        diagnostic(
          'MLF-W104',
          `memory.sids under-reports ${under.length} storage ids by ${missing} bytes in all: ${ids}`,
          at('.memory.sids'),
        ),
      );
    }
  }
  const mainIn = m.metadata.main?.[0]?.inputs;
  if (mainIn !== undefined) {
    const paramNames = new Set(params?.tensors.map((t) => t.name) ?? []);
    for (const t of graphInputs(graph, paramNames)) {
      const info = mainIn[t.name];
      if (info === undefined) continue;
      const bytes = packedTensorBytes(parseDType(t.dtype), t.shape);
      if (info.dtype !== t.dtype || info.size !== bytes) {
        out.push(
          diagnostic(
            'MLF-E405',
            `input "${t.name}" is ${info.dtype}/${info.size} bytes in metadata but ${t.dtype}[${t.shape.join(', ')}] = ${bytes} bytes in ${graphFile}`,
            at(`.memory.functions.main[0].inputs`),
          ),
        );
      }
    }
  }
}

function compareSids(
  actual: { storage_id: number; size_bytes: number; input_binding?: string }[],
  expected: typeof actual,
): { index: number; message: string } | undefined {
  const n = Math.max(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    const a = actual[i];
    const e = expected[i];
    if (a === undefined || e === undefined) {
      return { index: i, message: `memory.sids has ${actual.length} entries, the graph gives ${expected.length}` };
    }
    if (
      a.storage_id !== e.storage_id ||
      a.size_bytes !== e.size_bytes ||
      (a.input_binding ?? null) !== (e.input_binding ?? null)
    ) {
      return { index: i, message: `memory.sids[${i}] is ${JSON.stringify(a)}, the graph gives ${JSON.stringify(e)}` };
    }
  }
  return undefined;
}

/** `main[].inputs/outputs` sizes must be what their dtypes allow (a multiple of the element size). */
function checkMainSizes(m: MlfModule, out: Diagnostic[], at: At): void {
  m.metadata.main?.forEach((entry, i) => {
    for (const kind of ['inputs', 'outputs'] as const) {
      for (const [name, info] of Object.entries(entry[kind] ?? {})) {
        let bits: number;
        try {
          const t = parseDType(info.dtype);
          bits = t.bits * t.lanes;
        } catch {
          out.push(
            diagnostic(
              'MLF-E405',
              `${kind} "${name}" has unknown dtype "${info.dtype}"`,
              at(`.memory.functions.main[${i}].${kind}`),
            ),
          );
          continue;
        }
        if (bits >= 8 && (info.size * 8) % bits !== 0) {
          out.push(
            diagnostic(
              'MLF-E405',
              `${kind} "${name}": ${info.size} bytes is not a whole number of ${info.dtype} elements`,
              at(`.memory.functions.main[${i}].${kind}`),
            ),
          );
        }
      }
    }
  });
}

function validateOperator(m: MlfModule, out: Diagnostic[], at: At): void {
  if (m.files.sources.length + m.files.objects.length === 0) {
    out.push(
      diagnostic('MLF-E401', `operator "${m.name}" has no generated code under codegen/host`, {
        member: 'codegen/host',
      }),
    );
  }
  if (m.files.tir.length === 0)
    out.push(diagnostic('MLF-W107', `operator "${m.name}" has no src/tir-<device>.txt`, { member: 'src' }));
  for (const [fn, buffers] of Object.entries(m.metadata.operatorBuffers ?? {})) {
    buffers.forEach((b, i) => {
      let expected: number;
      try {
        expected = packedTensorBytes(parseDType(b.dtype), b.shape);
      } catch {
        out.push(diagnostic('MLF-E405', `${fn} buffer ${i} has unknown dtype "${b.dtype}"`, at(`.memory.${fn}[${i}]`)));
        return;
      }
      if (expected !== b.size_bytes) {
        out.push(
          diagnostic(
            'MLF-E405',
            `${fn} buffer ${i}: size_bytes ${b.size_bytes}, but ${b.dtype}[${b.shape.join(', ')}] is ${expected} bytes`,
            at(`.memory.${fn}[${i}]`),
          ),
        );
      }
    });
  }
}

/**
 * Opens and validates in one step. Errors that stop reading (a corrupt container, unreadable
 * metadata.json) become a single error diagnostic instead of an exception, so every input gets
 * a report. `open` supplies the contents (e.g. `() => openArchive(source)`).
 */
export async function validateContents(
  open: () => Promise<ArchiveContents>,
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  try {
    return await validateArchive(await readMlf(await open(), options), options);
  } catch (e) {
    if (!isMlfError(e) || e.code === 'MLF-E902') throw e;
    return { valid: false, errors: 1, warnings: 0, diagnostics: [e.toDiagnostic()] };
  }
}
