/**
 * `validate` on broken archives built here from real fixtures: each kind of damage gives its
 * documented code (swept truncations and random mutations: validate.system.test.ts).
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeParams, makeParamTensor } from '../../../src/core/params/encode.js';
import { entry, file, pax, tar } from '../../helpers/tar-builder.js';
import { broken, errorCodes, json, TVM, text, validateBytes } from '../../helpers/archive.js';

const GRAPH = `${TVM}/graph-cnn/model.tar`;
const AOT = `${TVM}/aot-mlp/model.tar`;
const OPERATOR = `${TVM}/operator-add-i8/model.tar`;
const META = 'metadata.json';
const GRAPH_FILE = 'executor-config/graph/default.graph';
const PARAMS_FILE = 'parameters/default.params';

type Files = Map<string, Uint8Array>;

/** Edits a JSON member in place. */
function editJson(files: Files, path: string, edit: (j: any) => void): void {
  const j = json(files.get(path));
  edit(j);
  files.set(path, text(JSON.stringify(j, null, 2)));
}

async function codesOf(bytes: Uint8Array): Promise<string[]> {
  return errorCodes(await validateBytes(bytes));
}

describe('fixtures are valid', () => {
  it.each([GRAPH, AOT, OPERATOR])('%s repacked is still valid', async (fixture) => {
    const r = await validateBytes(broken(fixture, () => {}));
    expect(r.errors).toBe(0);
  });
});

// Each case: [name, bytes builder, expected code]. More than 25 kinds of damage.
const cases: [string, () => Uint8Array, string][] = [
  ['no metadata.json', () => broken(GRAPH, (f) => f.delete(META)), 'MLF-E101'],
  ['metadata.json not JSON', () => broken(GRAPH, (f) => f.set(META, text('{"version": 7,'))), 'MLF-E102'],
  ['unknown version 8', () => broken(GRAPH, (f) => editJson(f, META, (j) => (j.version = 8))), 'MLF-E103'],
  ['version missing', () => broken(GRAPH, (f) => editJson(f, META, (j) => delete j.version)), 'MLF-E104'],
  [
    'sids entry with a string size',
    () => broken(GRAPH, (f) => editJson(f, META, (j) => (j.modules.default.memory.sids[0].size_bytes = '8'))),
    'MLF-E104',
  ],
  [
    'module name that is a path',
    () => broken(GRAPH, (f) => editJson(f, META, (j) => (j.modules = { '../x': j.modules.default }))),
    'MLF-E105',
  ],
  ['params file missing', () => broken(GRAPH, (f) => f.delete(PARAMS_FILE)), 'MLF-E401'],
  ['graph file missing', () => broken(GRAPH, (f) => f.delete(GRAPH_FILE)), 'MLF-E401'],
  [
    'no generated code',
    () => broken(GRAPH, (f) => [...f.keys()].filter((k) => k.startsWith('codegen/')).forEach((k) => f.delete(k))),
    'MLF-E401',
  ],
  [
    'graph at the v5 location in a v7 archive',
    () =>
      broken(GRAPH, (f) => {
        f.set('executor-config/graph/graph.json', f.get(GRAPH_FILE)!);
        f.delete(GRAPH_FILE);
      }),
    'MLF-E402',
  ],
  [
    'params do not match the graph (shape)',
    () =>
      broken(GRAPH, (f) =>
        editJson(
          f,
          GRAPH_FILE,
          (g) => (g.attrs.shape[1][g.node_row_ptr[g.nodes.findIndex((n: any) => n.name === 'p0')]] = [1, 2, 3]),
        ),
      ),
    'MLF-E403',
  ],
  [
    'sids disagree with the graph',
    () => broken(GRAPH, (f) => editJson(f, META, (j) => (j.modules.default.memory.sids[0].size_bytes += 4))),
    'MLF-E404',
  ],
  [
    'main input size disagrees with the graph',
    () =>
      broken(GRAPH, (f) =>
        editJson(f, META, (j) => (j.modules.default.memory.functions.main[0].inputs.input.size = 7)),
      ),
    'MLF-E405',
  ],
  [
    'operator buffer size disagrees with its dtype',
    () => broken(OPERATOR, (f) => editJson(f, META, (j) => (j.memory.add[0].size_bytes = 3))),
    'MLF-E405',
  ],
  [
    'object file in the source folder',
    () => broken(GRAPH, (f) => f.set('codegen/host/src/default_lib9.o', new Uint8Array(8))),
    'MLF-E406',
  ],
  [
    'graph module without sids',
    () => broken(GRAPH, (f) => editJson(f, META, (j) => delete j.modules.default.memory.sids)),
    'MLF-E407',
  ],
  [
    'AOT module with sids',
    () =>
      broken(AOT, (f) =>
        editJson(f, META, (j) => (j.modules.default.memory.sids = [{ storage_id: 0, size_bytes: 4 }])),
      ),
    'MLF-E407',
  ],
  [
    'params with a wrong magic',
    () =>
      broken(GRAPH, (f) =>
        f.set(
          PARAMS_FILE,
          Uint8Array.from(f.get(PARAMS_FILE)!, (b, i) => (i === 0 ? b ^ 0xff : b)),
        ),
      ),
    'MLF-E201',
  ],
  [
    'params with trailing bytes',
    () => broken(GRAPH, (f) => f.set(PARAMS_FILE, new Uint8Array([...f.get(PARAMS_FILE)!, 0]))),
    'MLF-E208',
  ],
  [
    'params tensor on a GPU',
    () =>
      broken(GRAPH, (f) =>
        f.set(
          PARAMS_FILE,
          encodeParams({ tensors: [{ ...makeParamTensor('p0', 'float32', [1], new Uint8Array(4)), deviceType: 2 }] }),
        ),
      ),
    'MLF-E204',
  ],
  ['graph not JSON', () => broken(GRAPH, (f) => f.set(GRAPH_FILE, text('{"nodes": ['))), 'MLF-E301'],
  ['graph without heads', () => broken(GRAPH, (f) => editJson(f, GRAPH_FILE, (g) => delete g.heads)), 'MLF-E302'],
  [
    'graph node_row_ptr too short',
    () => broken(GRAPH, (f) => editJson(f, GRAPH_FILE, (g) => g.node_row_ptr.pop())),
    'MLF-E303',
  ],
  [
    'graph head out of range',
    () => broken(GRAPH, (f) => editJson(f, GRAPH_FILE, (g) => (g.heads[0][0] = 999))),
    'MLF-E304',
  ],
  [
    'graph attrs.dltype too short',
    () => broken(GRAPH, (f) => editJson(f, GRAPH_FILE, (g) => g.attrs.dltype[1].pop())),
    'MLF-E305',
  ],
  [
    'graph dltype unknown',
    () => broken(GRAPH, (f) => editJson(f, GRAPH_FILE, (g) => (g.attrs.dltype[1][0] = 'floaty32'))),
    'MLF-E306',
  ],
  [
    'graph arg_nodes naming an op node',
    () => broken(GRAPH, (f) => editJson(f, GRAPH_FILE, (g) => g.arg_nodes.push(1))),
    'MLF-E307',
  ],
  [
    'tar header checksum wrong',
    () =>
      Uint8Array.from(
        broken(GRAPH, () => {}),
        (b, i) => (i === 512 + 10 ? b ^ 1 : b),
      ),
    'MLF-E001',
  ],
  ['tar truncated inside a member', () => broken(GRAPH, () => {}).subarray(0, 512 * 12 + 100), 'MLF-E002'],
  ['traversal member name', () => tar([file('../evil', 'x')]), 'MLF-E005'],
  ['absolute member name', () => tar([file('/etc/evil')]), 'MLF-E005'],
  ['symlink member', () => tar([entry({ name: 'metadata.json', typeflag: '2', linkname: '/etc/passwd' })]), 'MLF-E004'],
  ['duplicate metadata.json', () => tar([file('./metadata.json', '{}'), file('metadata.json', '{}')]), 'MLF-E006'],
  ['PAX record with a bad length', () => tar([pax('99 path=x\n'), file('a')]), 'MLF-E007'],
  ['corrupt gzip stream', () => gzipSync(broken(GRAPH, () => {})).subarray(0, 600), 'MLF-E008'],
  ['not an archive at all', () => text('hello, this is not a tar file at all'.repeat(20)), 'MLF-E010'],
];

describe('broken archives give their code', () => {
  it(`covers at least 25 kinds (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
    expect(new Set(cases.map((c) => c[2])).size).toBeGreaterThanOrEqual(25);
  });

  it.each(cases.map(([name, build, code]) => [name, code, build] as const))('%s → %s', async (_name, code, build) => {
    const report = await validateBytes(build());
    expect(report.valid).toBe(false);
    expect(errorCodes(report)).toContain(code);
    for (const d of report.diagnostics) {
      expect(d.message.length).toBeGreaterThan(0);
      expect(d.hint.length).toBeGreaterThan(0);
    }
  });

  it('locates errors: member and JSON path', async () => {
    const r = await validateBytes(
      broken(GRAPH, (f) => editJson(f, META, (j) => (j.modules.default.memory.sids[0].size_bytes = '8'))),
    );
    expect(r.diagnostics[0]).toMatchObject({ member: META, jsonPath: '$.modules.default.memory.sids[0].size_bytes' });
  });

  it('a shape whose product overflows is refused (E207 or E009), not allocated', async () => {
    const bytes = encodeParams({ tensors: [makeParamTensor('p0', 'float32', [0], new Uint8Array(0))] });
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    // shape[0] sits after: 32 header + 8 len + 2 name + 8 count + 16 magic/reserved + 4+4+4 + 4 dtype
    view.setBigInt64(32 + 2 + 8 + 16 + 12 + 4, 1n << 62n, true);
    const codes = await codesOf(broken(GRAPH, (f) => f.set(PARAMS_FILE, bytes)));
    expect(codes.some((c) => c === 'MLF-E207' || c === 'MLF-E009')).toBe(true);
  });
});
