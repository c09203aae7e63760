import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type MlfMetadata, type ParseMetadataOptions, parseMetadata } from '../../../src/core/metadata/metadata.js';
import { FIXTURES, mlfError, tarMember } from '../../helpers/common.js';

const parseObj = (o: unknown, options?: ParseMetadataOptions): MlfMetadata =>
  parseMetadata(JSON.stringify(o, null, 2), options);
const errOf = (o: unknown, options?: ParseMetadataOptions) => mlfError(() => parseObj(o, options));

interface ModuleExpect {
  name: string;
  executors: string[];
  targets: string[];
  targetDevices: number[] | null;
  graph: boolean;
}
interface FixtureExpect {
  file: string;
  /** Read from a tar (member ./metadata.json) or a plain file. */
  tar: boolean;
  version: number;
  style: 'full-model' | 'operator';
  modules: ModuleExpect[];
}

const HOST = ['c -keys=cpu -model=host'];
const FIXTURE_EXPECT: FixtureExpect[] = [
  {
    file: 'tvm-0.18/aot-mlp/model.tar',
    tar: true,
    version: 7,
    style: 'full-model',
    modules: [{ name: 'default', executors: ['aot'], targets: HOST, targetDevices: null, graph: false }],
  },
  {
    file: 'tvm-0.18/graph-cnn/model.tar',
    tar: true,
    version: 7,
    style: 'full-model',
    modules: [{ name: 'default', executors: ['graph'], targets: HOST, targetDevices: null, graph: true }],
  },
  {
    file: 'tvm-0.18/mnist-aot-usmp/model.tar',
    tar: true,
    version: 7,
    style: 'full-model',
    modules: [{ name: 'mnist', executors: ['aot'], targets: HOST, targetDevices: null, graph: false }],
  },
  {
    file: 'tvm-0.18/mnist-graph/model.tar',
    tar: true,
    version: 7,
    style: 'full-model',
    modules: [{ name: 'mnist', executors: ['graph'], targets: HOST, targetDevices: null, graph: true }],
  },
  {
    file: 'tvm-0.18/multi-graph/model.tar',
    tar: true,
    version: 7,
    style: 'full-model',
    modules: [
      { name: 'mod1', executors: ['graph'], targets: HOST, targetDevices: null, graph: true },
      { name: 'mod2', executors: ['graph'], targets: HOST, targetDevices: null, graph: true },
    ],
  },
  {
    file: 'tvm-0.18/operator-add-i8/model.tar',
    tar: true,
    version: 7,
    style: 'operator',
    modules: [{ name: 'add', executors: [], targets: HOST, targetDevices: null, graph: false }],
  },
  {
    file: 'wild/guberti-arduino-ic-v2-graph/output.tar',
    tar: true,
    version: 2,
    style: 'full-model',
    modules: [
      {
        name: 'default',
        executors: ['graph'],
        targets: ['c -keys=cpu -link-params=0'],
        targetDevices: [1],
        graph: true,
      },
    ],
  },
  {
    file: 'wild/guberti-arduino-ic-v2-graph-linkparams/output.tar',
    tar: true,
    version: 2,
    style: 'full-model',
    modules: [
      {
        name: 'default',
        executors: ['graph'],
        targets: ['c -keys=cpu -link-params=1 -mcpu=cortex-m33 -model=nrf5340dk -runtime=c -system-lib=1'],
        targetDevices: [1],
        graph: true,
      },
    ],
  },
  {
    file: 'wild/guberti-arduino-kws-v4-graph/model.tar',
    tar: true,
    version: 4,
    style: 'full-model',
    modules: [
      {
        name: 'default',
        executors: ['graph'],
        targets: ['c -keys=cpu -link-params=1 -mcpu=cortex-m33 -model=nrf5340dk -runtime=c -system-lib=1'],
        targetDevices: [1],
        graph: true,
      },
    ],
  },
  {
    file: 'wild/guberti-arduino-kws-v5-aot-packed/model.tar',
    tar: true,
    version: 5,
    style: 'full-model',
    modules: [
      {
        name: 'default',
        executors: ['aot'],
        targets: [
          'c -keys=cpu -executor=aot -link-params=1 -mcpu=cortex-m4 -model=cxd5602gg -runtime=c -unpacked-api=1',
        ],
        targetDevices: [1],
        graph: false,
      },
    ],
  },
  {
    file: 'wild/hannah-magicwand-v7-graph/model.tar',
    tar: true,
    version: 7,
    style: 'full-model',
    modules: [{ name: 'default', executors: ['graph'], targets: HOST, targetDevices: null, graph: true }],
  },
  {
    file: 'wild/snuvlsi-conv-v7-graph-2inputs/lib_graph_system-lib.tar',
    tar: true,
    version: 7,
    style: 'full-model',
    modules: [{ name: 'default', executors: ['graph'], targets: ['c -keys=cpu '], targetDevices: null, graph: true }],
  },
  {
    file: 'wild/linaro-sine-aot-v5-extdeps/metadata.json',
    tar: false,
    version: 5,
    style: 'full-model',
    modules: [
      {
        name: 'default',
        executors: ['aot'],
        targets: ['c -keys=cpu -link-params=0 -mcpu=cortex-m33'],
        targetDevices: [1],
        graph: false,
      },
    ],
  },
];

const fixtureText = (f: FixtureExpect) =>
  f.tar ? tarMember(f.file, 'metadata.json') : readFileSync(join(FIXTURES, f.file), 'utf8');

describe('parseMetadata on the fixture archives', () => {
  it('covers every fixture archive', () => {
    const tars = (readdirSync(FIXTURES, { recursive: true }) as string[])
      .filter((p) => p.endsWith('.tar'))
      .map((p) => p.split(sep).join('/'));
    expect(
      FIXTURE_EXPECT.filter((f) => f.tar)
        .map((f) => f.file)
        .sort(),
    ).toEqual(tars.sort());
  });

  for (const f of FIXTURE_EXPECT) {
    it(`${f.file}: v${f.version} ${f.style}`, () => {
      const text = fixtureText(f);
      const md = parseMetadata(text);
      expect(md.version).toBe(f.version);
      expect(md.style).toBe(f.style);
      expect(md.warnings).toEqual([]);
      expect(md.text).toBe(text);
      expect(md.raw).toEqual(JSON.parse(text));
      expect(md.modules.map((m) => m.name)).toEqual(f.modules.map((m) => m.name));
      f.modules.forEach((want, k) => {
        const m = md.modules[k]!;
        expect(m.modelName).toBe(want.name);
        expect(m.style).toBe(f.style);
        expect(m.executors).toEqual(want.executors);
        expect(m.targets).toEqual(want.targets);
        expect(m.targetDevices).toEqual(want.targetDevices);
        expect(m.exportDatetime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/);
        const rawModule = (
          f.version === 7 && f.style === 'full-model'
            ? (md.raw.modules as Record<string, Record<string, unknown>>)[want.name]
            : md.raw
        ) as {
          memory: { sids?: unknown; functions?: { main: unknown; operator_functions: unknown } };
        };
        expect(m.jsonPath).toBe(f.version === 7 && f.style === 'full-model' ? `$.modules.${want.name}` : '$');
        if (want.graph) {
          expect(m.sids).not.toBeNull();
          expect(m.sids!.length).toBeGreaterThan(0);
          expect(m.sids).toEqual(rawModule.memory.sids);
          expect(m.sids!.map((s) => s.storage_id)).toEqual(m.sids!.map((_, i) => i));
        } else {
          expect(m.sids).toBeNull();
        }
        if (f.style === 'operator') {
          expect(m.main).toBeNull();
          expect(m.operatorFunctions).toBeNull();
          expect(m.operatorBuffers).toEqual(rawModule.memory);
        } else {
          expect(m.operatorBuffers).toBeNull();
          expect(m.main).toEqual(rawModule.memory.functions?.main);
          expect(m.operatorFunctions).toEqual(rawModule.memory.functions?.operator_functions);
          expect(m.main!.length).toBeGreaterThan(0);
          expect(m.main![0]!.device).toBe(1);
        }
      });
    });
  }

  it('keeps the operator buffers of operator-add-i8', () => {
    const md = parseMetadata(tarMember('tvm-0.18/operator-add-i8/model.tar', 'metadata.json'));
    expect(md.modules[0]!.operatorBuffers).toEqual({
      add: [
        { size_bytes: 64, shape: [64], dtype: 'int8', input_binding: null },
        { size_bytes: 1, shape: [1], dtype: 'int8', input_binding: null },
        { size_bytes: 64, shape: [64], dtype: 'int8', input_binding: null },
      ],
    });
  });

  it('reads external_dependencies (v5 top level and v7 per module)', () => {
    const linaro = parseMetadata(readFileSync(join(FIXTURES, 'wild/linaro-sine-aot-v5-extdeps/metadata.json'), 'utf8'));
    expect(linaro.modules[0]!.externalDependencies).toEqual([
      { short_name: 'tvm_standalone_crt', url: './runtime', url_type: 'mlf_path', version_spec: '0.9.dev0' },
    ]);
    const aot = parseMetadata(tarMember('tvm-0.18/aot-mlp/model.tar', 'metadata.json'));
    expect(aot.modules[0]!.externalDependencies).toEqual([
      { short_name: 'tvm_standalone_crt', url: './runtime', url_type: 'mlf_path', version_spec: '0.18.0' },
    ]);
    expect(aot.modules[0]!.main![0]!.inputs).toEqual({ x: { dtype: 'float32', size: 256 } });
    const graph = parseMetadata(tarMember('tvm-0.18/graph-cnn/model.tar', 'metadata.json'));
    expect(graph.modules[0]!.externalDependencies).toEqual([]);
  });

  it('uses the member option in error locations', () => {
    const e = mlfError(() => parseMetadata('[]', { member: 'x/metadata.json' }));
    expect(e.member).toBe('x/metadata.json');
    expect(mlfError(() => parseMetadata('[]')).member).toBe('metadata.json');
  });
});

// ---------------------------------------------------------------------------------------------
// Hand-written minimal metadata for every version.

const DT = '2021-03-10 10:00:00Z';
const SIDS = [
  { storage_id: 0, size_bytes: 8, input_binding: 'a' },
  { storage_id: 1, size_bytes: 8 },
];
const MAIN = [{ device: 1, workspace_size_bytes: 0, constants_size_bytes: 0, io_size_bytes: 16 }];
const OPS = [{ function_name: 'fused_add', workspace: [{ device: 1, workspace_size_bytes: 0 }] }];
const MEMORY = { sids: SIDS, functions: { main: MAIN, operator_functions: OPS } };
const AOT_MEMORY = { functions: { main: MAIN, operator_functions: OPS } };
const EXT = [{ short_name: 'tvm_standalone_crt', url: './runtime', url_type: 'mlf_path', version_spec: '0.9.dev0' }];
const BUFFERS = {
  add: [
    { size_bytes: 2, shape: [2], dtype: 'int8', input_binding: null },
    { size_bytes: 1, shape: [1], dtype: 'int8', input_binding: null },
    { size_bytes: 2, shape: [2], dtype: 'int8', input_binding: null },
  ],
};

const v1Graph = {
  version: 1,
  model_name: 'm',
  export_datetime: DT,
  memory: SIDS,
  target: { '1': 'c' },
  runtimes: ['graph'],
};
const v1Aot = { version: 1, model_name: 'm', export_datetime: DT, memory: [], target: { '1': 'c' }, runtimes: ['aot'] };
const v2 = {
  version: 2,
  model_name: 'm',
  export_datetime: DT,
  memory: MEMORY,
  target: { '1': 'c -keys=cpu' },
  runtimes: ['graph'],
};
const v3 = { ...v2, version: 3, target: { '1': 'c', '2': 'cuda' } };
const v4 = { ...v2, version: 4, style: 'full-model' };
const v5 = {
  version: 5,
  model_name: 'm',
  export_datetime: DT,
  memory: AOT_MEMORY,
  target: { '1': 'c' },
  executors: ['aot'],
  style: 'full-model',
  external_dependencies: EXT,
};
const v6 = {
  version: 6,
  model_name: 'm',
  export_datetime: DT,
  memory: MEMORY,
  target: ['c', 'llvm'],
  executors: ['graph'],
  style: 'full-model',
};
const v7 = {
  version: 7,
  modules: {
    mod1: {
      model_name: 'mod1',
      export_datetime: DT,
      executors: ['graph'],
      style: 'full-model',
      target: ['c -keys=cpu -model=host'],
      memory: MEMORY,
    },
    mod2: {
      model_name: 'mod2',
      export_datetime: '2021-03-10 10:00:01Z',
      executors: ['aot'],
      style: 'full-model',
      target: ['c'],
      memory: AOT_MEMORY,
      external_dependencies: EXT,
    },
  },
};
const op4 = {
  version: 4,
  model_name: 'add',
  export_datetime: DT,
  memory: BUFFERS,
  target: { '1': 'c' },
  runtimes: [],
  style: 'operator',
};
const op5 = {
  version: 5,
  model_name: 'add',
  export_datetime: DT,
  memory: BUFFERS,
  target: { '1': 'c' },
  executors: [],
  style: 'operator',
};
const op6 = {
  version: 6,
  model_name: 'add',
  export_datetime: DT,
  memory: BUFFERS,
  target: ['c'],
  executors: [],
  style: 'operator',
};
/** As TVM writes operator style: `json.dump` without indent, insertion order (docs/format.md §4.1). */
const OP7_TEXT =
  '{"version": 7, "model_name": "add", "export_datetime": "2024-11-05 14:03:12Z", "memory": {"add": [{"size_bytes": 2, "shape": [2], "dtype": "int8", "input_binding": null}, {"size_bytes": 1, "shape": [1], "dtype": "int8", "input_binding": null}, {"size_bytes": 2, "shape": [2], "dtype": "int8", "input_binding": null}]}, "target": ["c -keys=cpu -model=host"], "executors": [], "style": "operator"}';

describe('parseMetadata on hand-written metadata of every version', () => {
  it('v1 graph: list-shaped memory is the sid map, runtimes are the executors', () => {
    const md = parseObj(v1Graph);
    expect(md.version).toBe(1);
    expect(md.style).toBe('full-model');
    expect(md.modules).toHaveLength(1);
    const m = md.modules[0]!;
    expect(m).toMatchObject({
      name: 'm',
      modelName: 'm',
      exportDatetime: DT,
      executors: ['graph'],
      targets: ['c'],
      targetDevices: [1],
      style: 'full-model',
      jsonPath: '$',
    });
    expect(m.sids).toEqual(SIDS);
    expect(m.main).toBeNull();
    expect(m.operatorFunctions).toBeNull();
    expect(m.operatorBuffers).toBeNull();
    expect(m.externalDependencies).toEqual([]);
  });

  it('v1 AOT: memory [] gives no sids', () => {
    const m = parseObj(v1Aot).modules[0]!;
    expect(m.executors).toEqual(['aot']);
    expect(m.sids).toBeNull();
    expect(m.main).toBeNull();
  });

  it('v2: memory object, runtimes, dict target', () => {
    const md = parseObj(v2);
    expect(md.version).toBe(2);
    expect(md.style).toBe('full-model');
    const m = md.modules[0]!;
    expect(m.executors).toEqual(['graph']);
    expect(m.targets).toEqual(['c -keys=cpu']);
    expect(m.targetDevices).toEqual([1]);
    expect(m.sids).toEqual(SIDS);
    expect(m.main).toEqual(MAIN);
    expect(m.operatorFunctions).toEqual(OPS);
  });

  it('v3: a dict target with two devices becomes two targets', () => {
    const m = parseObj(v3).modules[0]!;
    expect(m.targets).toEqual(['c', 'cuda']);
    expect(m.targetDevices).toEqual([1, 2]);
    expect(m.executors).toEqual(['graph']);
    expect(m.sids).toEqual(SIDS);
  });

  it('v4: style key plus runtimes', () => {
    const md = parseObj(v4);
    expect(md.version).toBe(4);
    expect(md.style).toBe('full-model');
    expect(md.modules[0]).toMatchObject({
      executors: ['graph'],
      targets: ['c -keys=cpu'],
      targetDevices: [1],
      style: 'full-model',
    });
  });

  it('v5: executors, dict target, external_dependencies; AOT has no sids', () => {
    const m = parseObj(v5).modules[0]!;
    expect(m.executors).toEqual(['aot']);
    expect(m.targets).toEqual(['c']);
    expect(m.targetDevices).toEqual([1]);
    expect(m.sids).toBeNull();
    expect(m.main).toEqual(MAIN);
    expect(m.externalDependencies).toEqual(EXT);
  });

  it('v6: list target, no device types', () => {
    const m = parseObj(v6).modules[0]!;
    expect(m.targets).toEqual(['c', 'llvm']);
    expect(m.targetDevices).toBeNull();
    expect(m.executors).toEqual(['graph']);
    expect(m.sids).toEqual(SIDS);
  });

  it('v7: two modules under "modules"', () => {
    const md = parseObj(v7);
    expect(md.version).toBe(7);
    expect(md.style).toBe('full-model');
    expect(md.modules.map((m) => m.name)).toEqual(['mod1', 'mod2']);
    const [a, b] = md.modules as [(typeof md.modules)[0], (typeof md.modules)[0]];
    expect(a).toMatchObject({
      modelName: 'mod1',
      executors: ['graph'],
      targets: ['c -keys=cpu -model=host'],
      targetDevices: null,
      jsonPath: '$.modules.mod1',
    });
    expect(a.sids).toEqual(SIDS);
    expect(a.externalDependencies).toEqual([]);
    expect(b).toMatchObject({
      modelName: 'mod2',
      exportDatetime: '2021-03-10 10:00:01Z',
      executors: ['aot'],
      targets: ['c'],
      jsonPath: '$.modules.mod2',
    });
    expect(b.sids).toBeNull();
    expect(b.externalDependencies).toEqual(EXT);
  });

  it('v7: module names that are not identifiers get bracketed JSON paths', () => {
    const md = parseObj({ version: 7, modules: { 'my-mod': { ...v7.modules.mod1, model_name: 'my-mod' } } });
    expect(md.modules[0]!.jsonPath).toBe('$.modules["my-mod"]');
  });

  it('operator style v4 (runtimes: [])', () => {
    const md = parseObj(op4);
    expect(md.style).toBe('operator');
    const m = md.modules[0]!;
    expect(m).toMatchObject({
      name: 'add',
      executors: [],
      targets: ['c'],
      targetDevices: [1],
      style: 'operator',
      sids: null,
      main: null,
      operatorFunctions: null,
    });
    expect(m.operatorBuffers).toEqual(BUFFERS);
  });

  it('operator style v5 (executors: [], dict target)', () => {
    const md = parseObj(op5);
    expect(md.style).toBe('operator');
    expect(md.modules[0]).toMatchObject({
      executors: [],
      targets: ['c'],
      targetDevices: [1],
      operatorBuffers: BUFFERS,
    });
  });

  it('operator style v6 (list target)', () => {
    const md = parseObj(op6);
    expect(md.style).toBe('operator');
    expect(md.modules[0]).toMatchObject({
      executors: [],
      targets: ['c'],
      targetDevices: null,
      operatorBuffers: BUFFERS,
    });
  });

  it('operator style v7, compact one-line text', () => {
    const md = parseMetadata(OP7_TEXT);
    expect(md.version).toBe(7);
    expect(md.style).toBe('operator');
    expect(md.text).toBe(OP7_TEXT);
    expect(md.modules).toHaveLength(1);
    expect(md.modules[0]).toMatchObject({
      name: 'add',
      modelName: 'add',
      exportDatetime: '2024-11-05 14:03:12Z',
      executors: [],
      targets: ['c -keys=cpu -model=host'],
      targetDevices: null,
      style: 'operator',
      sids: null,
      main: null,
      jsonPath: '$',
    });
    expect(md.modules[0]!.operatorBuffers).toEqual(BUFFERS);
    expect(md.warnings).toEqual([]);
  });

  for (const [label, obj] of [
    ['v1', v1Graph],
    ['v2', v2],
    ['v3', v3],
    ['v4', v4],
    ['v5', v5],
    ['v6', v6],
    ['v7', v7],
    ['op4', op4],
    ['op7', JSON.parse(OP7_TEXT)],
  ] as const) {
    it(`${label}: keeps the raw JSON and the exact text`, () => {
      const text = JSON.stringify(obj, null, 2);
      const md = parseMetadata(text);
      expect(md.text).toBe(text);
      expect(md.raw).toEqual(JSON.parse(text));
      expect(md.warnings).toEqual([]);
    });
  }

  it('unknown extra keys survive in raw (top level, module, sids, main)', () => {
    const extra = {
      ...v7,
      fork_info: { by: 'someone', n: [1, 2] },
      modules: {
        mod1: {
          ...v7.modules.mod1,
          vendor_key: true,
          memory: {
            sids: [{ storage_id: 0, size_bytes: 8, input_binding: 'a', scope: 'global' }],
            functions: { main: [{ ...MAIN[0], pools: 3 }], operator_functions: OPS, extra_fn: [] },
          },
        },
      },
    };
    const text = JSON.stringify(extra);
    const md = parseMetadata(text);
    expect(md.raw).toEqual(extra);
    expect(md.raw.fork_info).toEqual({ by: 'someone', n: [1, 2] });
    expect((md.raw.modules as Record<string, Record<string, unknown>>).mod1!.vendor_key).toBe(true);
    expect(md.modules[0]!.sids).toEqual([{ storage_id: 0, size_bytes: 8, input_binding: 'a', scope: 'global' }]);
    expect(md.modules[0]!.main).toEqual([{ ...MAIN[0], pools: 3 }]);
    const flat = parseObj({ ...v5, my_tool: 'x' });
    expect(flat.raw.my_tool).toBe('x');
  });
});

describe('parseMetadata errors', () => {
  it('invalid JSON: E102 with the offset of the syntax error', () => {
    const e = mlfError(() => parseMetadata('{"version": 7,,}'));
    expect(e.code).toBe('MLF-E102');
    expect(e.offset).toBe(14);
    expect(e.member).toBe('metadata.json');
    expect(e.jsonPath).toBeUndefined();
    const e2 = mlfError(() => parseMetadata('{"version": 7'));
    expect(e2.code).toBe('MLF-E102');
    expect(e2.offset).toBe(13);
  });

  it('top level array: E104 at $', () => {
    const e = mlfError(() => parseMetadata('[1, 2]'));
    expect(e.code).toBe('MLF-E104');
    expect(e.jsonPath).toBe('$');
    for (const text of ['null', '7', '"metadata"']) {
      expect(mlfError(() => parseMetadata(text))).toMatchObject({ code: 'MLF-E104', jsonPath: '$' });
    }
  });

  it('missing version: E104 at $.version', () => {
    const { version: _, ...noVersion } = v6;
    expect(errOf(noVersion)).toMatchObject({ code: 'MLF-E104', jsonPath: '$.version' });
  });

  it('version as a string "7": E104 at $.version', () => {
    expect(errOf({ ...v7, version: '7' })).toMatchObject({ code: 'MLF-E104', jsonPath: '$.version' });
    expect(errOf({ ...v6, version: 6.5 })).toMatchObject({ code: 'MLF-E104', jsonPath: '$.version' });
    expect(errOf({ ...v6, version: null })).toMatchObject({ code: 'MLF-E104', jsonPath: '$.version' });
  });

  for (const version of [8, 0, 99, -1]) {
    it(`version ${version}: E103 naming the version and the supported range`, () => {
      const e = errOf({ ...v6, version });
      expect(e.code).toBe('MLF-E103');
      expect(e.jsonPath).toBe('$.version');
      expect(e.message).toContain(`version ${version}`);
      expect(e.message).toContain('1 to 7');
    });
  }

  it('v7 without modules: E104 at $.modules', () => {
    expect(errOf({ ...v6, version: 7 })).toMatchObject({ code: 'MLF-E104', jsonPath: '$.modules' });
  });

  it('v6 with modules: E104 at $.version', () => {
    expect(errOf({ ...v7, version: 6 })).toMatchObject({ code: 'MLF-E104', jsonPath: '$.version' });
  });

  it('operator style at v3: E104 at $.style', () => {
    expect(errOf({ ...op4, version: 3 })).toMatchObject({ code: 'MLF-E104', jsonPath: '$.style' });
  });

  it('missing model_name in v5: E104 at $.model_name', () => {
    const { model_name: _, ...noName } = v5;
    const e = errOf(noName);
    expect(e).toMatchObject({ code: 'MLF-E104', jsonPath: '$.model_name' });
    expect(e.message).toContain('$.model_name');
  });

  it('sids entry with a string size: E104 at the exact sids path', () => {
    const bad = { storage_id: 0, size_bytes: '8' };
    const v7bad = {
      version: 7,
      modules: { default: { ...v7.modules.mod1, model_name: 'default', memory: { ...MEMORY, sids: [bad] } } },
    };
    expect(errOf(v7bad)).toMatchObject({ code: 'MLF-E104', jsonPath: '$.modules.default.memory.sids[0].size_bytes' });
    expect(errOf({ ...v2, memory: { ...MEMORY, sids: [SIDS[0], bad] } })).toMatchObject({
      code: 'MLF-E104',
      jsonPath: '$.memory.sids[1].size_bytes',
    });
    expect(errOf({ ...v1Graph, memory: [bad] })).toMatchObject({
      code: 'MLF-E104',
      jsonPath: '$.memory[0].size_bytes',
    });
  });

  it('other schema errors carry their JSON path', () => {
    expect(errOf({ ...v5, target: ['c'] })).toMatchObject({ code: 'MLF-E104', jsonPath: '$.target' });
    expect(errOf({ ...v6, target: { '1': 'c' } })).toMatchObject({ code: 'MLF-E104', jsonPath: '$.target' });
    const { runtimes: _, ...v4NoRuntimes } = v4;
    expect(errOf({ ...v4NoRuntimes, executors: ['graph'] })).toMatchObject({
      code: 'MLF-E104',
      jsonPath: '$.runtimes',
    });
    expect(errOf({ ...v4, style: 'fullmodel' })).toMatchObject({ code: 'MLF-E104', jsonPath: '$.style' });
    expect(errOf({ ...op6, memory: { add: [{ ...BUFFERS.add[0], shape: [-1] }] } })).toMatchObject({
      code: 'MLF-E104',
      jsonPath: '$.memory.add[0].shape[0]',
    });
    const noFunctions = { version: 7, modules: { m: { ...v7.modules.mod1, model_name: 'm', memory: { sids: SIDS } } } };
    expect(errOf(noFunctions)).toMatchObject({ code: 'MLF-E104', jsonPath: '$.modules.m.memory.functions' });
  });

  it('oversize text over a small limit: E009', () => {
    const text = JSON.stringify(v6);
    const e = mlfError(() => parseMetadata(text, { limits: { maxMetadataBytes: 16 } }));
    expect(e.code).toBe('MLF-E009');
    expect(e.member).toBe('metadata.json');
    expect(parseMetadata(text, { limits: { maxMetadataBytes: text.length } }).version).toBe(6);
  });
});

describe('parseMetadata warnings', () => {
  it('W103 for an export_datetime not in TVM format (flat)', () => {
    const md = parseObj({ ...v5, export_datetime: '2021-03-10T10:00:00Z' });
    expect(md.warnings).toHaveLength(1);
    expect(md.warnings[0]).toMatchObject({
      code: 'MLF-W103',
      severity: 'warning',
      jsonPath: '$.export_datetime',
      member: 'metadata.json',
    });
    expect(md.warnings[0]!.message).toContain('2021-03-10T10:00:00Z');
    expect(md.modules[0]!.exportDatetime).toBe('2021-03-10T10:00:00Z');
  });

  it('W103 per v7 module, with the module path', () => {
    const md = parseObj({
      ...v7,
      modules: { ...v7.modules, mod2: { ...v7.modules.mod2, export_datetime: 'yesterday' } },
    });
    expect(md.warnings.map((w) => [w.code, w.jsonPath])).toEqual([['MLF-W103', '$.modules.mod2.export_datetime']]);
  });

  it('no warning for the TVM format', () => {
    expect(parseObj(v6).warnings).toEqual([]);
  });
});

describe('JSON error offsets', () => {
  it.each([
    ['x', 0],
    ['', 0],
    ['[1,]', 3],
    ['{"version": 7, "a": é}', 20],
  ])('%j fails at byte %i', (input, offset) => {
    expect(() => parseMetadata(input)).toThrow(expect.objectContaining({ code: 'MLF-E102', offset }));
  });
});
