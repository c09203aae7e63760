/**
 * Archives whose facts disagree (issue 20, "Generated program memory safety"): each made the
 * program `mlf run` generated write out of bounds or give wrong outputs while `validate` said
 * valid. Now each is a validation error with numbers, and `project`/`run` refuse it.
 */
import { editedMlf, editJson, GRAPH, META } from './hostile.js';
import { packFiles, text, TVM, tarFiles } from './archive.js';
import { graphArchive, graphOf, input, op } from './synth.js';

/** C source of `my_op`: copies its first argument's data into its second (`bytes` bytes). */
export const copyOp = (bytes: number) => `#include <stdint.h>
#include <string.h>
typedef union { void* v_handle; int64_t v_int64; double v_float64; } value;
/* Packed ABI: args[i].v_handle is a DLTensor*, whose first field is its data pointer. */
int32_t my_op(value* args, int32_t* codes, int32_t n, void* r, int32_t* rc, void* h) {
  memcpy(*(void**)args[1].v_handle, *(void**)args[0].v_handle, ${bytes});
  return 0;
}
`;

/** x float32[from] --__copy--> y float32[to] --my_op--> z float32[to]. */
export function copyInto(from: number[], to: number[]): Uint8Array {
  const count = to.reduce((a, b) => a * b, 1);
  return graphArchive(
    graphOf({
      nodes: [input('x'), op('copy', '__copy', [0]), op('z', 'my_op', [1])],
      entries: [
        [from, 'float32', 0],
        [to, 'float32', 1],
        [to, 'float32', 2],
      ],
      heads: [[2, 0, 0]],
    }),
    copyOp(4 * count),
  );
}

/** A graph of `__copy` and `__nop` nodes only (no operator to call). */
export function copyAndNopOnly(): Uint8Array {
  return graphArchive(
    graphOf({
      nodes: [input('x'), op('copy', '__copy', [0]), op('reshape', '__nop', [1])],
      entries: [
        [[2, 3], 'float32', 0],
        [[2, 3], 'float32', 1],
        [[6], 'float32', 1],
      ],
      heads: [[2, 0, 0]],
    }),
    'int mlf_test_unused(void) { return 0; }\n',
  );
}

const AOT = `${TVM}/aot-mlp/model.tar`;

/** Each lying archive, the code `validate` (and `run`) give, and what it used to do. */
export const LYING: { name: string; make: () => Uint8Array; code: string }[] = [
  {
    name: '__copy of float32[1,3,16,16] (3072 B) into float32[1,10] (40 B)',
    make: () => copyInto([1, 3, 16, 16], [1, 10]),
    code: 'MLF-E308',
  },
  {
    name: 'graph head shape [] while metadata says the output is 40 bytes',
    make: () =>
      editedMlf((f) =>
        editJson(f, GRAPH, (g) => {
          const [nid, index] = g.heads[0];
          g.attrs.shape[1][g.node_row_ptr[nid] + index] = [];
        }),
      ),
    code: 'MLF-E420',
  },
  {
    name: 'AOT metadata output size 4, header TVMGEN_DEFAULT_OUTPUT_SIZE 40',
    make: () => {
      const files = tarFiles(AOT);
      const meta = JSON.parse(new TextDecoder().decode(files.get('metadata.json')));
      meta.modules.default.memory.functions.main[0].outputs.output.size = 4;
      files.set('metadata.json', text(JSON.stringify(meta, null, 2)));
      return packFiles(files);
    },
    code: 'MLF-E420',
  },
  {
    name: 'every storage id 0 (metadata sids disagree)',
    make: () =>
      editedMlf((f) =>
        editJson(f, GRAPH, (g) => {
          g.attrs.storage_id[1] = g.attrs.storage_id[1].map(() => 0);
        }),
      ),
    code: 'MLF-E404',
  },
  {
    name: 'metadata input size 4 for a 3072-byte graph input',
    make: () =>
      editedMlf((f) =>
        editJson(f, META, (m) => {
          m.modules.default.memory.functions.main[0].inputs.input.size = 4;
        }),
      ),
    code: 'MLF-E405',
  },
  {
    name: 'AOT header struct lists an input metadata does not',
    make: () => {
      const files = tarFiles(AOT);
      const h = new TextDecoder().decode(files.get('codegen/host/include/tvmgen_default.h'));
      files.set('codegen/host/include/tvmgen_default.h', text(h.replace('void* x;', 'void* x;\n  void* y;')));
      return packFiles(files);
    },
    code: 'MLF-E420',
  },
];
