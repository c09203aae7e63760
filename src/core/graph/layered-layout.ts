// Layered (Sugiyama-style) layout for deep, narrow DAGs such as TVM graphs, in O(V+E) per pass
// and with no recursion: dagre and elkjs overflow the call stack on 50k-node chains. Used by the
// viewer's WebGL drawing of very large graphs and for box drawings too large for dagre.

/** Node positions: `x[i]`, `y[i]` for node i; y grows downwards with the layer. */
export interface LayoutResult {
  x: Float32Array;
  y: Float32Array;
  layer: Int32Array;
  layers: number;
}

/** Spacing between neighbours in a layer and between layers (layout units) of point nodes. */
export const X_GAP = 3;
export const Y_GAP = 1;

/** Options of {@link layeredLayout}. */
export interface LayeredLayoutOptions {
  /** Barycentre passes ordering the layers (alternately down and up); default 4. */
  sweeps?: number;
  /** Node widths and heights: positions are then box centres with `xGap`/`yGap` between boxes. */
  widths?: Float64Array;
  heights?: Float64Array;
  /** Gap between neighbours in a layer; default {@link X_GAP}. */
  xGap?: number;
  /** Gap between layers; default {@link Y_GAP}. */
  yGap?: number;
}

/** `a[i] += by`, returning the old value (`a[i]++` without the non-null noise). */
function bump(a: Int32Array, i: number, by = 1): number {
  const old = a[i] as number;
  a[i] = old + by;
  return old;
}

/** Compressed adjacency: the neighbours of v are `adj[off[v] .. off[v+1])`. */
interface Csr {
  off: Int32Array;
  adj: Int32Array;
}

function csr(n: number, from: Int32Array, to: Int32Array): Csr {
  const off = new Int32Array(n + 1);
  for (let i = 0; i < from.length; i++) bump(off, (from[i] as number) + 1);
  for (let v = 0; v < n; v++) bump(off, v + 1, off[v] as number);
  const fill = off.slice(0, n);
  const adj = new Int32Array(from.length);
  for (let i = 0; i < from.length; i++) adj[bump(fill, from[i] as number)] = to[i] as number;
  return { off, adj };
}

/** Kahn's algorithm; nodes left on a cycle are appended in id order (their back edges ignored). */
export function topoOrder(n: number, succ: Csr, pred: Csr): Int32Array {
  const indeg = new Int32Array(n);
  for (let v = 0; v < n; v++) indeg[v] = (pred.off[v + 1] as number) - (pred.off[v] as number);
  const order = new Int32Array(n);
  const placed = new Uint8Array(n);
  let head = 0;
  let tail = 0;
  for (let v = 0; v < n; v++) if (indeg[v] === 0) order[tail++] = v;
  for (;;) {
    while (head < tail) {
      const u = order[head++] as number;
      placed[u] = 1;
      for (let k = succ.off[u] as number; k < (succ.off[u + 1] as number); k++) {
        const w = succ.adj[k] as number;
        if (bump(indeg, w, -1) === 1) order[tail++] = w;
      }
    }
    if (tail === n) break;
    // A cycle: release its first unplaced node and go on.
    let v = 0;
    while (placed[v] === 1 || (indeg[v] as number) <= 0) v++;
    indeg[v] = 0;
    order[tail++] = v;
  }
  return order;
}

/**
 * Lays out a directed graph given as edge lists (`from[i] → to[i]`): longest-path layers from
 * the sources, then every source (input or param) is pulled down to just above its first
 * consumer, then `sweeps` barycentre passes (alternately down and up) order each layer. With
 * sizes, each layer is packed left to right around x = 0 and is as tall as its tallest node.
 */
export function layeredLayout(
  n: number,
  from: Int32Array,
  to: Int32Array,
  options: LayeredLayoutOptions = {},
): LayoutResult {
  const { sweeps = 4, widths, heights, xGap = X_GAP, yGap = Y_GAP } = options;
  const succ = csr(n, from, to);
  const pred = csr(n, to, from);
  const order = topoOrder(n, succ, pred);
  const rank = new Int32Array(n);
  order.forEach((v, i) => (rank[v] = i));

  // Longest path from the sources, along topological order (back edges of cycles skipped).
  const layer = new Int32Array(n);
  for (const v of order) {
    let l = 0;
    for (let k = pred.off[v] as number; k < (pred.off[v + 1] as number); k++) {
      const u = pred.adj[k] as number;
      if ((rank[u] as number) < (rank[v] as number)) l = Math.max(l, (layer[u] as number) + 1);
    }
    layer[v] = l;
  }
  // Sources sit just above their first consumer, so weights do not all pile up in layer 0.
  for (let v = 0; v < n; v++) {
    if (pred.off[v + 1] !== pred.off[v] || succ.off[v + 1] === succ.off[v]) continue;
    let min = Number.MAX_SAFE_INTEGER;
    for (let k = succ.off[v] as number; k < (succ.off[v + 1] as number); k++)
      min = Math.min(min, layer[succ.adj[k] as number] as number);
    layer[v] = Math.max(0, min - 1);
  }
  let layers = 0;
  for (let v = 0; v < n; v++) layers = Math.max(layers, (layer[v] as number) + 1);

  // Bucket nodes by layer, in topological order (a stable, sensible start for the sweeps).
  const start = new Int32Array(layers + 1);
  for (let v = 0; v < n; v++) bump(start, (layer[v] as number) + 1);
  for (let l = 0; l < layers; l++) bump(start, l + 1, start[l] as number);
  const fill = start.slice(0, layers);
  const slots = new Int32Array(n);
  for (const v of order) slots[bump(fill, layer[v] as number)] = v;

  const pos = new Float64Array(n);
  const width = (v: number) => (widths === undefined ? 0 : (widths[v] as number));
  const place = (l: number) => {
    const a = start[l] as number;
    const b = start[l + 1] as number;
    let total = 0;
    for (let i = a; i < b; i++) total += width(slots[i] as number) + (i > a ? xGap : 0);
    let left = -total / 2;
    for (let i = a; i < b; i++) {
      const v = slots[i] as number;
      pos[v] = left + width(v) / 2;
      left += width(v) + xGap;
    }
  };
  for (let l = 0; l < layers; l++) place(l);

  const key = new Float64Array(n);
  const sweep = (l: number, adj: Csr) => {
    const a = start[l] as number;
    const b = start[l + 1] as number;
    if (b - a < 2) return;
    for (let i = a; i < b; i++) {
      const v = slots[i] as number;
      let sum = 0;
      let cnt = 0;
      for (let k = adj.off[v] as number; k < (adj.off[v + 1] as number); k++) {
        sum += pos[adj.adj[k] as number] as number;
        cnt++;
      }
      key[v] = cnt > 0 ? sum / cnt : (pos[v] as number);
    }
    const sorted = Array.from(slots.subarray(a, b)).sort((u, w) => (key[u] as number) - (key[w] as number));
    slots.set(sorted, a);
    place(l);
  };
  for (let s = 0; s < sweeps; s++) {
    if (s % 2 === 0) for (let l = 1; l < layers; l++) sweep(l, pred);
    else for (let l = layers - 2; l >= 0; l--) sweep(l, succ);
  }

  // Layer tops: each layer is as tall as its tallest node (0 for point nodes).
  const top = new Float64Array(layers + 1);
  for (let l = 0; l < layers; l++) {
    let tall = 0;
    if (heights !== undefined)
      for (let i = start[l] as number; i < (start[l + 1] as number); i++)
        tall = Math.max(tall, heights[slots[i] as number] as number);
    top[l + 1] = (top[l] as number) + tall + yGap;
  }
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let v = 0; v < n; v++) {
    const l = layer[v] as number;
    x[v] = pos[v] as number;
    // Centres: a node sits in the middle of its layer's band.
    y[v] =
      heights === undefined ? l * yGap : (top[l] as number) + ((top[l + 1] as number) - yGap - (top[l] as number)) / 2;
  }
  return { x, y, layer, layers };
}
