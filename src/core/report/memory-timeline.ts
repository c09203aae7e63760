// Memory over time: which buffers are live at each step of a model's execution, and the live
// total. One small model for every executor: for the graph executor a step is an operator node
// (run in node order) and a buffer is a storage id; for AOT memory pools a step is an operator
// call and a buffer a pool allocation with its offset. The viewer draws it as a timeline.
import type { AotMemoryLayout, MemoryInterval } from '../graph/aot-memory.js';
import type { GraphTable } from './graph-table.js';

/** One step of execution (an operator call). */
export interface MemoryStep {
  /** Readable name of the step (an operator's function name). */
  label: string;
  /** Graph node the step runs, when there is a graph; links the timeline to the drawing. */
  node?: number;
}

/** What a buffer holds, for colouring and for leaving out constants. */
export type MemoryBufferKind = 'input' | 'param' | 'activation' | 'output';

/** One live interval of a buffer: `bytes` are in use from `firstStep` to `lastStep` (inclusive). */
export interface MemoryBuffer {
  /** Storage id (graph executor) or allocation index (AOT pools). Intervals of one id never overlap. */
  id: number;
  bytes: number;
  /** Offset inside its pool, when the plan places buffers in pools (AOT). */
  offset?: number;
  /** Pool name, when the plan places buffers in pools (AOT). */
  pool?: string;
  firstStep: number;
  lastStep: number;
  kind?: MemoryBufferKind;
  /** What lives there, e.g. the tensors' node names. */
  label?: string;
}

/** Steps and buffer intervals; see {@link liveBytes} and {@link peakLive}. */
export interface MemoryTimeline {
  steps: MemoryStep[];
  buffers: MemoryBuffer[];
}

/** Live bytes at each step: a sweep over interval ends, O(steps + buffers). */
export function liveBytes(t: MemoryTimeline): Float64Array {
  const n = t.steps.length;
  const delta = new Float64Array(n + 1);
  for (const b of t.buffers) {
    const a = Math.max(0, b.firstStep);
    const z = Math.min(n - 1, b.lastStep);
    if (z < a) continue;
    delta[a] = (delta[a] as number) + b.bytes;
    delta[z + 1] = (delta[z + 1] as number) - b.bytes;
  }
  const live = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += delta[i] as number;
    live[i] = sum;
  }
  return live;
}

/** The largest live total and the first step where it is reached (step -1 for no steps). */
export function peakLive(t: MemoryTimeline): { bytes: number; step: number } {
  const live = liveBytes(t);
  let step = -1;
  let bytes = 0;
  live.forEach((b, i) => {
    if (step < 0 || b > bytes) {
      bytes = b;
      step = i;
    }
  });
  return { bytes, step };
}

/**
 * The timeline of a graph-executor graph. Steps are its operator nodes in node order (the order
 * the executor runs them). A tensor is live from the step that writes it (inputs and params
 * from step 0) to the last step that reads it; graph outputs and params stay live to the end
 * (outputs are read after the run, params persist across runs). A storage id is live while any
 * of its tensors is, with the bytes of its pool (its largest tensor); overlapping intervals of
 * one id are merged, so the id is counted once.
 */
export function graphMemoryTimeline(table: GraphTable): MemoryTimeline {
  const stepOf = new Map<number, number>();
  const steps: MemoryStep[] = [];
  for (const n of table.nodes)
    if (n.kind === 'op') {
      stepOf.set(n.id, steps.length);
      steps.push({ label: n.funcName ?? n.name, node: n.id });
    }
  const last = steps.length - 1;
  // Last read of each (node, output).
  const lastUse = new Map<string, number>();
  for (const e of table.edges) {
    const s = stepOf.get(e.to);
    if (s === undefined) continue;
    const k = `${e.from}:${e.output}`;
    lastUse.set(k, Math.max(lastUse.get(k) ?? -1, s));
  }
  const heads = new Set(table.heads.map(([id, k]) => `${id}:${k}`));

  interface Interval {
    first: number;
    last: number;
    bytes: number;
    kind: MemoryBufferKind;
    names: string[];
  }
  const bySid = new Map<number, Interval[]>();
  for (const n of table.nodes) {
    n.outputs.forEach((o, k) => {
      if (o.storageId < 0) return;
      const key = `${n.id}:${k}`;
      const first = stepOf.get(n.id) ?? 0;
      const kind: MemoryBufferKind = heads.has(key)
        ? 'output'
        : n.kind === 'op'
          ? 'activation'
          : n.kind === 'param'
            ? 'param'
            : 'input';
      const end = heads.has(key) || n.kind === 'param' ? last : Math.max(first, lastUse.get(key) ?? first);
      const list = bySid.get(o.storageId) ?? [];
      list.push({ first, last: end, bytes: o.poolBytes ?? o.bytes ?? 0, kind, names: [n.name] });
      bySid.set(o.storageId, list);
    });
  }
  const buffers: MemoryBuffer[] = [];
  for (const [id, list] of [...bySid].sort((a, b) => a[0] - b[0])) {
    list.sort((a, b) => a.first - b.first || a.last - b.last);
    let cur: Interval | null = null;
    const flush = () => {
      if (cur === null) return;
      buffers.push({
        id,
        bytes: cur.bytes,
        firstStep: cur.first,
        lastStep: cur.last,
        kind: cur.kind,
        label: cur.names.join(', '),
      });
    };
    for (const iv of list) {
      if (cur !== null && iv.first <= cur.last) {
        cur.last = Math.max(cur.last, iv.last);
        cur.bytes = Math.max(cur.bytes, iv.bytes);
        cur.names.push(...iv.names);
        // An interval holding an output or a param keeps that kind (they decide its end).
        if (iv.kind === 'output' || iv.kind === 'param') cur.kind = iv.kind;
      } else {
        flush();
        cur = { ...iv, names: [...iv.names] };
      }
    }
    flush();
  }
  return { steps, buffers };
}

/** The timeline kind of an AOT buffer kind: constants as params, everything a call makes as activations. */
const AOT_KINDS: Record<MemoryInterval['kind'], MemoryBufferKind> = {
  input: 'input',
  output: 'output',
  intermediate: 'activation',
  scratch: 'activation',
  'operator-workspace': 'activation',
  constant: 'param',
};

/**
 * The timeline of an AOT module's memory layout: one step per operator call of its main, one
 * buffer per placed interval with its pool (a USMP pool, or `workspace` for the
 * TVMBackendAllocWorkspace arena) and offset. Constant-pool data is a `param`, live throughout.
 * With the module's {@link GraphTable} (`aotGraphTable`), step `i` links to the `i`-th op node.
 * Operators' own arena blocks get ids after the buffers'.
 */
export function aotMemoryTimeline(layout: AotMemoryLayout, table?: GraphTable): MemoryTimeline {
  const ops = table?.nodes.filter((n) => n.kind === 'op') ?? [];
  const steps: MemoryStep[] = layout.steps.map((s, i) => {
    const node = ops[i]?.id;
    return node === undefined ? { label: s.callee } : { label: s.callee, node };
  });
  let next = 1 + layout.intervals.reduce((a, iv) => Math.max(a, iv.buffer ?? -1), -1);
  const buffers: MemoryBuffer[] = layout.intervals.map((iv) => ({
    id: iv.buffer ?? next++,
    bytes: iv.bytes,
    offset: iv.offset,
    pool: iv.region,
    firstStep: iv.start,
    lastStep: iv.end,
    kind: AOT_KINDS[iv.kind],
    label: iv.name,
  }));
  return { steps, buffers };
}
