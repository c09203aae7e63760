// What the viewer, `mlf report` and `mlf graph` show of an archive: a node table of the graph
// executor JSON, tensor histograms and the snapshot a report embeds. Browser-safe, like all of core.
import { createDict } from '../common/dict.js';
import { type MlfArchive, type MlfModule, loadGraph } from '../archive/archive.js';
import { bfloat16ToFloat, DTYPE_CODE, e4m3ToFloat, e5m2ToFloat, halfToFloat, parseDType } from '../params/dtype.js';
import { computeStoragePools } from '../graph/facts.js';
import type { GraphJson } from '../graph/graph.js';
import { type InspectOptions, type InspectReport, inspectArchive } from '../archive/inspect.js';
import { summariseModuleParams } from './param-summary.js';
import type { ParamTensor } from '../params/codec.js';
import { type TensorStats, tensorStats, tensorView } from '../params/tensor.js';
import { type ValidationReport, validateArchive } from '../archive/validate.js';
import { loadModuleViews, type ModuleViews } from './module-views.js';
import type { GraphTable, GraphTableNode, NodeKind, NodeOutput } from './graph-table.js';

export type { GraphTable, GraphTableNode, NodeKind, NodeOutput } from './graph-table.js';

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Bytes of a tensor the way the graph executor allocates it; 0 for an unknown dtype. */
export function entryBytes(dtype: string, shape: readonly number[]): number {
  try {
    const t = parseDType(dtype);
    return Math.ceil((t.bits * t.lanes) / 8) * product(shape);
  } catch {
    return 0;
  }
}

/** Builds the node table of a graph; `paramNames` tells params from inputs among arg nodes. */
export function graphTable(graph: GraphJson, paramNames: ReadonlySet<string>): GraphTable {
  const pools = new Map(computeStoragePools(graph).map((p) => [p.storageId, p.bytes]));
  const { shape, dltype, storage_id: sid } = graph.attrs;
  const edges: GraphTable['edges'] = [];
  const nodes = graph.nodes.map((n, id): GraphTableNode => {
    const first = graph.node_row_ptr[id] ?? 0;
    const count = (graph.node_row_ptr[id + 1] ?? first) - first;
    const outputs: NodeOutput[] = [];
    for (let k = 0; k < count; k++) {
      const e = first + k;
      const dt = dltype[1][e] ?? '';
      const s = sid[1][e] ?? -1;
      outputs.push({
        shape: shape[1][e] ?? [],
        dtype: dt,
        storageId: s,
        bytes: entryBytes(dt, shape[1][e] ?? []),
        poolBytes: pools.get(s) ?? 0,
      });
    }
    const inputs = n.inputs.map((x): [number, number] => [x[0], x[1]]);
    for (const [from, output] of inputs) edges.push({ from, to: id, output });
    const kind: NodeKind = n.op !== 'null' ? 'op' : paramNames.has(n.name) ? 'param' : 'input';
    return { id, name: n.name, kind, funcName: n.op === 'tvm_op' ? (n.attrs?.func_name ?? '') : null, inputs, outputs };
  });
  return { nodes, edges, heads: graph.heads.map((h): [number, number] => [h[0], h[1]]) };
}

/** Counts of finite values in equal-width bins from `min` to `max`. */
export interface Histogram {
  min: number;
  max: number;
  counts: number[];
}

/** Histogram of a tensor's finite values; undefined for dtypes `tensorStats` cannot read. */
export function tensorHistogram(
  t: Pick<ParamTensor, 'dtype' | 'data'>,
  stats: TensorStats,
  bins = 40,
): Histogram | undefined {
  if (!Number.isFinite(stats.min) || !Number.isFinite(stats.max)) return undefined;
  const counts = new Array<number>(bins).fill(0);
  const width = (stats.max - stats.min) / bins;
  const read = numericReader(t);
  if (read === undefined) return undefined;
  for (let i = 0; i < stats.count; i++) {
    const x = read(i);
    if (!Number.isFinite(x)) continue;
    const b = width > 0 ? Math.min(bins - 1, Math.floor((x - stats.min) / width)) : 0;
    counts[b] = (counts[b] ?? 0) + 1;
  }
  return { min: stats.min, max: stats.max, counts };
}

// Element reader for the dtypes tensorStats reads (float16/bfloat16/float8 decoded to numbers).
function numericReader(t: Pick<ParamTensor, 'dtype' | 'data'>): ((i: number) => number) | undefined {
  const { code, bits, lanes } = t.dtype;
  if (lanes !== 1) return undefined;
  const v = tensorView(t);
  if (code === DTYPE_CODE.float && bits === 16) return (i) => halfToFloat(v[i] as number);
  if (code === DTYPE_CODE.bfloat) return (i) => bfloat16ToFloat(v[i] as number);
  if (code === DTYPE_CODE.e4m3Float) return (i) => e4m3ToFloat(v[i] as number);
  if (code === DTYPE_CODE.e5m2Float) return (i) => e5m2ToFloat(v[i] as number);
  return (i) => Number(v[i]);
}

/** Statistics and histogram of one tensor, as the viewer and reports show them. */
export interface TensorSummary {
  stats: TensorStats | null;
  histogram: Histogram | null;
}

/** Computes a {@link TensorSummary}: null fields for dtypes without numeric statistics. */
export function summariseTensor(t: Pick<ParamTensor, 'dtype' | 'data'>): TensorSummary {
  const stats = tensorStats(t) ?? null;
  return { stats, histogram: stats === null ? null : (tensorHistogram(t, stats) ?? null) };
}

/** One module of a {@link ViewSnapshot}. */
export interface SnapshotModule {
  graph: GraphJson | null;
  params: { name: string; dtype: string; shape: number[]; bytes: number; summary: TensorSummary }[];
  /** The AOT main and Relay @main as drawn by the viewer (absent in snapshots of older versions). */
  views?: ModuleViews;
}

/** Everything a report page shows without the archive bytes (embedded as JSON). */
export interface ViewSnapshot {
  name: string;
  report: InspectReport;
  validation: ValidationReport;
  modules: Record<string, SnapshotModule>;
}

/**
 * Reads the graph and params of every module and summarises each tensor, the params read a
 * chunk at a time (`options.paramHasher` hashes them in one pass too; see `inspectArchive`).
 */
export async function buildSnapshot(
  archive: MlfArchive,
  name: string,
  options: Pick<InspectOptions, 'paramHasher'> = {},
): Promise<ViewSnapshot> {
  const report = await inspectArchive(archive, options);
  const validation = await validateArchive(archive);
  const modules = createDict<SnapshotModule>();
  for (const m of archive.modules) modules[m.name] = await snapshotModule(archive, m);
  return { name, report, validation, modules };
}

async function snapshotModule(archive: MlfArchive, m: MlfModule): Promise<SnapshotModule> {
  // A broken graph or params file is already a validation diagnostic; the page shows what it can.
  const graph = await loadGraph(archive, m).catch(() => null);
  const params = await summariseModuleParams(archive, m).catch(() => null);
  return { graph, views: await loadModuleViews(archive, m), params: params ?? [] };
}
