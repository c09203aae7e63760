// Web Worker entry: lays out graphs off the main thread. Point layouts (very large graphs) travel
// as typed arrays (transferables, no copies); box drawings as plain objects (structured clone).
import { layeredLayout } from '../../src/core/graph/layered-layout.js';
import type { GraphDrawing } from '../../src/core/report/graph-drawing.js';
import { layoutGraphDrawing } from '../../src/core/report/graph-layout.js';

/** Request: node count and edge lists (points), or a drawing (boxes). */
export type LayoutRequest =
  { kind: 'points'; n: number; from: Int32Array; to: Int32Array } | { kind: 'drawing'; drawing: GraphDrawing };

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<LayoutRequest>) => void) | null;
  postMessage(m: unknown, t?: Transferable[]): void;
};
scope.onmessage = (e) => {
  const req = e.data;
  if (req.kind === 'drawing') {
    scope.postMessage(layoutGraphDrawing(req.drawing));
    return;
  }
  const r = layeredLayout(req.n, req.from, req.to);
  scope.postMessage({ x: r.x, y: r.y, layer: r.layer, layers: r.layers }, [r.x.buffer, r.y.buffer, r.layer.buffer]);
};
