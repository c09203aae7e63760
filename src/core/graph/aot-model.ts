// The fused-operator graph of an AOT module as read from `tvmgen_<m>___tvm_main__`: buffers
// (module inputs and outputs, workspace blocks, pool slices, constants) and the operator calls
// that read and write them, in call order.

/** Where a buffer's byte count came from. */
export type BytesSource =
  /** `TVMBackendAllocWorkspace(dev, id, size, ...)`. */
  | 'alloc'
  /** The DLTensor the packed call builds (shape × dtype). */
  | 'dltensor'
  /** A file-scope array or constant-pool field (`float c[16]`). */
  | 'declaration'
  /** metadata.json / the C header (module inputs and outputs). */
  | 'interface'
  /** The highest element the producing operator writes (interval bound of its indices). */
  | 'writes';

/** One buffer of the AOT main. */
export interface AotBuffer {
  id: number;
  /** The C variable (`sid_3`, `sid_5_let`), constant symbol, or the module input/output name. */
  name: string;
  /** `scratch`: an operator's own slice of a USMP workspace pool, live during that call only. */
  kind: 'input' | 'output' | 'intermediate' | 'constant' | 'scratch';
  dtype: string | null;
  /** Known only from a packed call's DLTensor or the module interface. */
  shape: number[] | null;
  bytes: number | null;
  bytesFrom: BytesSource | null;
  /** USMP pool and byte offset in it, for pool slices and pool constants. */
  pool: string | null;
  offset: number | null;
  /** TVMBackendAllocWorkspace blocks: allocated before call `at`, freed before call `freedAt` (null: never). */
  alloc: { at: number; freedAt: number | null; order: number } | null;
}

/** How an operator uses one argument. */
export type ArgRole = 'read' | 'write' | 'pool' | 'other';

/** One call of a fused operator, in the order `__tvm_main__` makes them. */
export interface AotCall {
  index: number;
  callee: string;
  /** Arguments in order: the buffer each points at (null: a pool base, a number, unknown). */
  args: { buffer: number | null; role: ArgRole; text: string }[];
  /** Constants the operator reads from its own body (not passed as arguments). */
  constants: number[];
  /** USMP: scratch the operator takes from a workspace pool (`data_pad_let = &(pool[off])`). */
  scratch: number[];
  /** The operator's own workspace as TVM counts it (all its allocations, 16-byte blocks), when its body is in the sources. */
  workspaceBytes: number | null;
  /** The part of it taken from the runtime arena (TVMBackendAllocWorkspace stack peak). */
  arenaBytes: number | null;
  /** True when called through the packed ABI (`TVMValue` stacks). */
  packed: boolean;
}

/** A USMP pool the main receives. */
export interface AotPool {
  name: string;
  kind: 'workspace' | 'constant';
  /** Declared size (`static uint8_t global_workspace[42048]`), when found. */
  bytes: number | null;
}

/** How the module is entered, from the `tvmgen_<m>_run` wrapper. */
export interface AotEntry {
  name: string;
  /** `c`: header structs; `packed`: TVMValue args; `raw`: void* pointers. */
  style: 'c' | 'packed' | 'raw';
  member: string;
}

/** The parsed AOT main of one module. */
export interface AotMain {
  module: string;
  /** `tvmgen_<m>___tvm_main__`, or `tvmgen_<m>_run_model` in early (v5) archives. */
  function: string;
  member: string;
  abi: 'unpacked' | 'packed';
  entry: AotEntry | null;
  pools: AotPool[];
  buffers: AotBuffer[];
  calls: AotCall[];
  /** Module inputs and outputs: buffer ids in interface order. */
  inputs: number[];
  outputs: number[];
  /** What was assumed or skipped while reading (shown to the user). */
  notes: string[];
}
